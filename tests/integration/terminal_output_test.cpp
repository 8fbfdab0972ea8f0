// Terminal output strips control sequences (issue 13, item 6): `doctown search` and `doctown
// inspect` print names, paths and summaries from the analysed code, which can carry escape
// sequences that clear the screen, retitle the window or hide lines.
#include <catch2/catch.hpp>

#include <chrono>
#include <sstream>
#include <string>

#include "doctown/terminal.hpp"
#include "doctown/writer.hpp"
#include "support/output_fixture.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using doctown::terminal_safe;
using doctown::test::run_cli;

namespace {

// Escape sequences an attacker would put in a doc comment or a file name.
const std::string kClear = "\x1b[2J\x1b[H";            // clear the screen (CSI)
const std::string kTitle = "\x1b]0;pwned\x07";         // retitle the window (OSC, BEL)
const std::string kLink = "\x1b]8;;http://evil/\x1b\\";  // hyperlink (OSC, ST)
const std::string kC1Csi = "\xC2\x9B" "31m";           // C1 CSI as UTF-8

bool has_control(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F)
      return true;
  }
  return false;
}

}  // namespace

TEST_CASE("terminal_safe drops whole escape sequences and keeps text", "[cli][terminal]") {
  CHECK(terminal_safe("a" + kClear + "b") == "ab");
  CHECK(terminal_safe("a" + kTitle + "b") == "ab");
  CHECK(terminal_safe("a" + kLink + "b") == "ab");
  CHECK(terminal_safe("a" + kC1Csi + "b") == "ab");
  CHECK(terminal_safe("a\x1b" "7b\x1b(Bc") == "abc");  // two-byte and nF escapes
  CHECK(terminal_safe("tab\tnl\ncr\rbs\bdel\x7f") == "tab\tnl\ncrbsdel");
  CHECK(terminal_safe("caf\xC3\xA9 \xE2\x9C\x93") == "caf\xC3\xA9 \xE2\x9C\x93");
  CHECK(terminal_safe("bad\xFF") == "bad\xEF\xBF\xBD");
  CHECK(terminal_safe("unterminated\x1b]0;title forever") == "unterminated");
}

TEST_CASE("doctown search and inspect print no escape sequence from the analysed code",
          "[cli][terminal]") {
  doctown::test::OutputFixture fx;
  std::string circle = fx.id_of("geo::Circle");
  for (auto& s : fx.codebase.symbols)
    if (s.id == circle) {
      s.qualified_name = "geo::Circle" + kTitle;
      s.location.file = "include/geo/circle" + kClear + ".hpp";
    }
  fx.docs[circle].summary = "A circle" + kLink + " of given radius" + kC1Csi + ".";
  fx.codebase.name = "geo" + kClear;
  auto w = doctown::make_docpack_writer();
  REQUIRE(w);
  auto dp = (*w)->write(fx.docset(), doctown::test::scratch_dir("terminal-output"), "geo", {});
  INFO((dp ? std::string() : dp.error().what()));
  REQUIRE(dp);

  auto search = run_cli({"search", dp->string(), "circle"});
  INFO(search.err);
  REQUIRE(search.exit_code == 0);
  CHECK(search.out.find("geo::Circle") != std::string::npos);
  CHECK(search.out.find("of given radius") != std::string::npos);
  CHECK_FALSE(has_control(search.out));

  auto inspect = run_cli({"inspect", dp->string()});
  REQUIRE(inspect.exit_code == 0);
  CHECK(inspect.out.find("geo::Circle") != std::string::npos);
  CHECK_FALSE(has_control(inspect.out));
}

namespace {

doctown::ProgressEvent event(doctown::ProgressEvent::Type type, std::size_t done = 0,
                             std::size_t total = 0, std::string message = {},
                             doctown::Diagnostic::Severity severity = doctown::Diagnostic::Severity::note) {
  return {type, "analyze", done, total, std::move(message), severity};
}

}  // namespace

TEST_CASE("StreamProgress writes one plain line per stage and escapes messages", "[terminal]") {
  using T = doctown::ProgressEvent::Type;
  std::ostringstream out;
  // A zero interval: every item gets its line, so the count below is exact.
  doctown::StreamProgress sink(out, {.item_interval = std::chrono::milliseconds(0)});
  sink.on_event(event(T::stage_started, 0, 3));
  for (std::size_t i = 1; i <= 3; ++i) sink.on_event(event(T::item_done, i, 3));
  sink.on_event(event(T::note, 0, 0, "file a" + kClear + ".cpp skipped"));
  sink.on_event(event(T::stage_finished));
  const std::string text = out.str();
  CHECK(text.find("[analyze] started (3 items)\n") == 0);
  CHECK(text.find("[analyze] 1/3\n[analyze] 2/3\n[analyze] 3/3\n") != std::string::npos);
  CHECK(text.find("[analyze] file a.cpp skipped\n") != std::string::npos);
  CHECK(text.find("[analyze] done in ") != std::string::npos);
  CHECK_FALSE(has_control(text));
}

TEST_CASE("StreamProgress keeps only errors when quiet and draws a bar when asked", "[terminal]") {
  using T = doctown::ProgressEvent::Type;
  std::ostringstream quiet_out;
  doctown::StreamProgress quiet(quiet_out, {.quiet = true, .program = "tool"});
  quiet.on_event(event(T::stage_started, 0, 2));
  quiet.on_event(event(T::note, 0, 0, "a note"));
  quiet.on_event(event(T::diagnostic, 0, 0, "cannot parse" + kTitle,
                       doctown::Diagnostic::Severity::error));
  CHECK(quiet_out.str() == "tool: analyze: cannot parse\n");

  std::ostringstream bar_out;
  doctown::StreamProgress bar(bar_out, {.bar = true});
  bar.on_event(event(T::stage_started, 0, 2));
  bar.on_event(event(T::item_done, 1, 2));
  bar.on_event(event(T::note, 0, 0, "next"));
  // The bar is redrawn in place (\r, half full), then erased before the note's line.
  CHECK(bar_out.str() == "\r[analyze] [" + std::string(15, '#') + std::string(15, '.') +
                             "] 1/2\r\x1b[K[analyze] next\n");
}
