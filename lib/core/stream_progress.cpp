// StreamProgress: the CLI's progress rendering, offered to every caller so that an example or
// an embedding program shows progress the same way without writing a sink. It writes only to
// the stream the caller passed; the library itself still never prints.
#include "doctown/terminal.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>

namespace doctown {

StreamProgress::StreamProgress(std::ostream& out, StreamProgressOptions options)
    : out_(&out), opt_(std::move(options)) {}

void StreamProgress::on_event(const ProgressEvent& ev) {
  using T = ProgressEvent::Type;
  std::ostream& out = *out_;
  // Errors show even when quiet: a run that fails must say why.
  if (ev.type == T::diagnostic && ev.severity == Diagnostic::Severity::error) {
    clear_bar();
    out << opt_.program << ": " << ev.stage << ": " << terminal_safe(ev.message) << '\n';
    return;
  }
  if (opt_.quiet) return;
  switch (ev.type) {
    case T::stage_started:
      clear_bar();
      started_ = std::chrono::steady_clock::now();
      // A bar says the stage's name itself; plain logs get a line per stage.
      if (!opt_.bar) {
        out << '[' << ev.stage << "] started";
        if (ev.total) out << " (" << ev.total << " items)";
        out << '\n';
      }
      break;
    case T::stage_finished: {
      clear_bar();
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      char secs[32];  // formatted here: the caller's stream keeps its own float settings
      std::snprintf(secs, sizeof secs, "%.2f", s);
      out << '[' << ev.stage << "] done in " << secs << " s\n";
      break;
    }
    case T::item_done: {
      auto now = std::chrono::steady_clock::now();
      if (opt_.bar) {
        constexpr std::size_t width = 30;
        std::size_t filled = ev.total ? std::min(width, width * ev.done / ev.total) : 0;
        out << "\r[" << ev.stage << "] [" << std::string(filled, '#')
            << std::string(width - filled, '.') << "] " << ev.done << '/' << ev.total;
        out.flush();  // no newline: the line is redrawn in place
        bar_shown_ = true;
      } else if (now - last_line_ > opt_.item_interval || ev.done == ev.total) {
        out << '[' << ev.stage << "] " << ev.done << '/' << ev.total << '\n';
        last_line_ = now;
      }
      break;
    }
    case T::note:
    case T::diagnostic:
      clear_bar();
      out << '[' << ev.stage << "] " << terminal_safe(ev.message) << '\n';
      break;
  }
}

// Erases a drawn bar so the next line starts at column 0 on a clean line.
void StreamProgress::clear_bar() {
  if (!bar_shown_) return;
  *out_ << "\r\033[K";
  bar_shown_ = false;
}

}  // namespace doctown
