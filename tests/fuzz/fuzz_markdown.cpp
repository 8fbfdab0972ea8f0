// Fuzz entry: the Markdown escaper (lib/output/markdown/markdown_escape). The whole input is hostile
// text, given to every routine; the checks are the promises the Markdown pages rely on: no raw
// `<`, every backtick / bracket / pipe escaped in text, code spans that cannot be closed early,
// fenced blocks that every line of the code cannot close, only http(s) or relative link
// destinations, table cells without a bare pipe or a newline.
#include <algorithm>

#include "fuzz_entries.hpp"
#include "output/markdown/markdown_escape.hpp"

namespace doctown::fuzz {

namespace {

namespace md = detail::md;

// Whether s[i] is preceded by an odd number of backslashes (so it is escaped).
bool escaped(std::string_view s, std::size_t i) {
  std::size_t n = 0;
  while (i > n && s[i - n - 1] == '\\') ++n;
  return n % 2 == 1;
}

std::size_t longest_run(std::string_view s, char c) {
  std::size_t longest = 0, run = 0;
  for (char ch : s) {
    run = ch == c ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

void check_text(std::string_view in) {
  std::string t = md::escape_text(in);
  for (std::size_t i = 0; i < t.size(); ++i) {
    DOCTOWN_FUZZ_CHECK(t[i] != '<' && t[i] != '>', "no raw angle bracket in text");
    if (t[i] == '`' || t[i] == '[' || t[i] == ']' || t[i] == '|' || t[i] == '~')
      DOCTOWN_FUZZ_CHECK(escaped(t, i), "markup characters in text are escaped");
    DOCTOWN_FUZZ_CHECK(static_cast<unsigned char>(t[i]) >= 0x20 || t[i] == '\n' || t[i] == '\t',
                       "no control characters in text");
  }
  std::string line = md::inline_text(in);
  DOCTOWN_FUZZ_CHECK(line.find('\n') == std::string::npos, "inline text is one line");
}

void check_code_span(std::string_view in) {
  std::string c = md::code_span(in);
  std::size_t ticks = 0;
  while (ticks < c.size() && c[ticks] == '`') ++ticks;
  DOCTOWN_FUZZ_CHECK(ticks > 0 && c.size() >= 2 * ticks + 1, "a code span is delimited");
  DOCTOWN_FUZZ_CHECK(c.substr(c.size() - ticks) == std::string(ticks, '`'),
                     "the closing run matches the opening one");
  std::string_view inner(c.data() + ticks, c.size() - 2 * ticks);
  DOCTOWN_FUZZ_CHECK(longest_run(inner, '`') < ticks, "no run inside can close the span");
  DOCTOWN_FUZZ_CHECK(inner.front() != '`' && inner.back() != '`', "the span is padded");
  DOCTOWN_FUZZ_CHECK(c.find('\n') == std::string::npos, "a code span is one line");
}

void check_code_block(std::string_view in) {
  std::string b = md::code_block(in, in.substr(0, std::min<std::size_t>(in.size(), 12)));
  std::size_t fence = 0;
  while (fence < b.size() && b[fence] == '`') ++fence;
  DOCTOWN_FUZZ_CHECK(fence >= 3, "a block opens with a fence");
  std::size_t first_nl = b.find('\n');
  DOCTOWN_FUZZ_CHECK(first_nl != std::string::npos, "the fence line ends");
  DOCTOWN_FUZZ_CHECK(b.substr(first_nl + 1).size() >= fence + 1 &&
                         b.substr(b.size() - fence - 1) == std::string(fence, '`') + "\n",
                     "a block ends with its fence");
  std::string_view body(b.data() + first_nl + 1, b.size() - first_nl - 1 - fence - 1);
  DOCTOWN_FUZZ_CHECK(longest_run(body, '`') < fence && longest_run(body, '~') < fence,
                     "no line of the code can close the block");
  DOCTOWN_FUZZ_CHECK(b.substr(fence, first_nl - fence).find('`') == std::string::npos,
                     "the info string has no backtick");
}

void check_url(std::string_view in) {
  std::string u = md::link_url(in);
  if (u.empty()) return;
  std::string lower = u.substr(0, 8);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t colon = u.find(':'), stop = u.find_first_of("/?#");
  bool has_scheme = colon != std::string::npos && (stop == std::string::npos || colon < stop);
  // The scheme is what matters ("http:x" is an http URL too; a browser reads it as http://x/).
  DOCTOWN_FUZZ_CHECK(!has_scheme || lower.rfind("http:", 0) == 0 || lower.rfind("https:", 0) == 0,
                     "only http(s) or relative destinations");
  DOCTOWN_FUZZ_CHECK(u.find_first_of(" ()<>\"'\n\t\\`") == std::string::npos,
                     "a destination needs no delimiters");
}

void check_cell(std::string_view in) {
  for (const std::string& cell : {md::table_cell(md::escape_text(in)),
                                  md::table_cell(md::code_span(in)),
                                  md::table_cell(std::string(in))}) {
    DOCTOWN_FUZZ_CHECK(cell.find('\n') == std::string::npos, "a cell is one line");
    // GFM's own scan: a backslash and the next character are one pair.
    for (std::size_t i = 0; i < cell.size(); ++i) {
      if (cell[i] == '\\') ++i;
      else DOCTOWN_FUZZ_CHECK(cell[i] != '|', "no bare pipe in a cell");
    }
  }
}

// Every fence the rendered prose opens is closed by a later line (CommonMark's rule).
void check_prose(std::string_view in) {
  std::string p = md::prose(in, [](std::string_view t) { return md::escape_text(t); });
  std::string_view rest = p;
  while (!rest.empty()) {
    std::size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
    char fc = 0;
    std::size_t len = md::fence_opening(line, fc);
    if (len == 0) {
      // Inside a fenced block `<` is shown literally; outside one it would be raw HTML.
      DOCTOWN_FUZZ_CHECK(line.find('<') == std::string_view::npos, "no raw angle bracket in prose");
      continue;
    }
    bool closed = false;
    while (!rest.empty() && !closed) {
      std::size_t e = rest.find('\n');
      std::string_view l = rest.substr(0, e);
      rest = e == std::string_view::npos ? std::string_view{} : rest.substr(e + 1);
      char cc = 0;
      closed = md::fence_opening(l, cc) >= len && cc == fc &&
               l.find_first_not_of(std::string(" ") + fc) == std::string_view::npos;
    }
    DOCTOWN_FUZZ_CHECK(closed, "every fenced block the prose opens is closed");
  }
}

}  // namespace

int fuzz_markdown(const std::uint8_t* data, std::size_t size) {
  std::string_view in = as_text(data, size);
  check_text(in);
  check_code_span(in);
  check_code_block(in);
  check_url(in);
  check_cell(in);
  check_prose(in);
  return 1;
}

}  // namespace doctown::fuzz
