// Printing for the caller: the library itself never prints. Text from the analysed repository
// (names, file paths, doc comments, LLM answers about them) printed on a terminal can carry
// escape sequences that move the cursor, rewrite the title, hide lines, or on some terminals
// write files or answer back; `terminal_safe` removes them. `StreamProgress` is a ready-made
// progress sink writing to a stream the caller chooses.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>

#include "doctown/progress.hpp"

namespace doctown {

/// `text` without terminal control: ESC sequences (CSI, OSC, DCS/SOS/PM/APC strings up to
/// their terminator, two-byte escapes), C0 controls except newline and tab, DEL, and C1
/// controls (as UTF-8 U+0080..U+009F, with the strings they open) are removed; bytes that are
/// not valid UTF-8 become U+FFFD. Printable text, newlines and tabs are kept.
std::string terminal_safe(std::string_view text);

/// How a StreamProgress writes.
struct StreamProgressOptions {
  /// One self-overwriting line per stage with a bar (for a terminal); plain lines when false.
  bool bar = false;
  /// Write error diagnostics only.
  bool quiet = false;
  /// Plain lines: at most one item line per stage in this interval (a stage's last item always).
  std::chrono::milliseconds item_interval{1000};
  /// Names the writer of error lines: "<program>: <stage>: <message>".
  std::string program = "doctown";
};

/// A progress sink writing readable lines to a stream the caller owns and keeps alive
/// (std::cerr, a log file): "[stage] started (N items)", "[stage] 40/100", "[stage] done in
/// 1.20 s", "[stage] <note or diagnostic>". Messages pass through terminal_safe. Like any sink,
/// it is called on the pipeline's thread and is not thread-safe.
class StreamProgress final : public ProgressSink {
 public:
  explicit StreamProgress(std::ostream& out, StreamProgressOptions options = {});
  void on_event(const ProgressEvent& event) override;

 private:
  void clear_bar();
  std::ostream* out_;
  StreamProgressOptions opt_;
  bool bar_shown_ = false;
  std::chrono::steady_clock::time_point started_{};
  std::chrono::steady_clock::time_point last_line_{};
};

}  // namespace doctown
