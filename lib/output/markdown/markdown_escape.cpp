// Markdown escaping for hostile text. The rules follow CommonMark 0.30 and GFM 0.29: any ASCII
// punctuation may be backslash-escaped, so escaping more than strictly needed only costs bytes;
// `<` and `&` become entities so that neither raw HTML nor an autolink can start; link
// destinations are checked for their scheme because GitHub and cmark only blank some schemes.
#include "output/markdown/markdown_escape.hpp"

#include <algorithm>
#include <cstdio>

namespace doctown::detail::md {

namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

std::size_t longest_run(std::string_view s, char c) {
  std::size_t longest = 0, run = 0;
  for (char ch : s) {
    run = ch == c ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

// Whether `url` starts with a scheme ("x:" before any '/', '?' or '#'), and which.
std::string scheme_of(std::string_view url) {
  std::size_t colon = url.find(':');
  if (colon == std::string_view::npos) return {};
  std::size_t stop = url.find_first_of("/?#");
  if (stop != std::string_view::npos && stop < colon) return {};
  std::string s;
  for (char c : url.substr(0, colon)) s += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return s;
}

}  // namespace

std::string escape_text(std::string_view text) {
  std::string o;
  o.reserve(text.size() + text.size() / 8);
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '<': o += "&lt;"; continue;
      case '>': o += "&gt;"; continue;
      case '&': o += "&amp;"; continue;
      // Link and image brackets, code and fence openers, escapes, strikethrough, table pipes.
      case '[': case ']': case '`': case '\\': case '~': case '|':
        o += '\\';
        o += ch;
        continue;
      default: break;
    }
    if (ch == '\n' || ch == '\t') o += ch;
    else if (ch == '\r') continue;
    else if (!is_control(c)) o += ch;
  }
  return o;
}

std::string inline_text(std::string_view text) {
  std::string o = escape_text(text);
  std::replace(o.begin(), o.end(), '\n', ' ');
  std::replace(o.begin(), o.end(), '\t', ' ');
  return o;
}

std::string code_span(std::string_view code) {
  std::string body;
  body.reserve(code.size());
  for (char ch : code) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (ch == '\n' || ch == '\r' || ch == '\t') body += ' ';
    else if (!is_control(c)) body += ch;
  }
  std::string ticks(longest_run(body, '`') + 1, '`');
  // A renderer strips one space on each side when both are spaces; padding both sides whenever
  // an edge is a backtick or a space keeps the content exact.
  bool pad = !body.empty() && (body.front() == '`' || body.back() == '`' || body.front() == ' ' ||
                               body.back() == ' ');
  if (body.empty()) body = " ";  // an empty span is not a code span: show one space instead
  return ticks + (pad ? " " : "") + body + (pad ? " " : "") + ticks;
}

std::string fence_for(std::string_view code) {
  std::size_t longest = std::max(longest_run(code, '`'), longest_run(code, '~'));
  return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

std::string code_block(std::string_view code, std::string_view info) {
  std::string lang;
  for (char c : info)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '+' || c == '.' || c == '-')
      lang += c;
    else if (!lang.empty())
      break;  // the first word only
  std::string body;
  body.reserve(code.size());
  for (char ch : code) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (ch == '\n' || ch == '\t' || !is_control(c)) body += ch;
  }
  std::string f = fence_for(body);
  std::string o = f + lang + "\n" + body;
  if (!body.empty() && body.back() != '\n') o += '\n';
  return o + f + "\n";
}

std::string link_url(std::string_view url) {
  std::string scheme = scheme_of(url);
  if (!scheme.empty() && scheme != "http" && scheme != "https") return {};
  // A relative reference starting with "//" is protocol-relative: it goes to another host.
  if (scheme.empty() && url.substr(0, 2) == "//") return {};
  std::string o;
  // A relative reference whose first segment holds a colon (":x:y") could be read as a
  // scheme by a looser parser; RFC 3986 (4.2) says to put "./" before such a segment.
  if (scheme.empty()) {
    std::size_t colon = url.find(':'), stop = url.find_first_of("/?#");
    if (colon != std::string_view::npos && (stop == std::string_view::npos || colon < stop))
      o = "./";
  }
  for (char ch : url) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '(' || c == ')' || c == '<' || c == '>' || c == '"' ||
        c == '\'' || c == '\\' || c == '`' || c == '[' || c == ']' || c == '|' || c == '{' ||
        c == '}') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      o += buf;
    } else {
      o += ch;
    }
  }
  return o;
}

std::string link(std::string_view label_markdown, std::string_view url) {
  std::string u = link_url(url);
  if (u.empty()) return std::string(label_markdown);
  return "[" + std::string(label_markdown) + "](" + u + ")";
}

std::string table_cell(std::string_view inline_markdown) {
  std::string flat(inline_markdown);
  for (char& c : flat)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  // GFM finds cell borders before any inline parsing, reading a backslash and the character
  // after it as one pair: walk the same way and escape every pipe that is not already paired.
  std::string o;
  o.reserve(flat.size());
  for (std::size_t i = 0; i < flat.size(); ++i) {
    if (flat[i] == '\\' && i + 1 < flat.size()) {
      o += flat[i];
      o += flat[++i];
    } else if (flat[i] == '|') {
      o += "\\|";
    } else {
      o += flat[i];
    }
  }
  return o;
}

std::size_t fence_opening(std::string_view line, char& fence_char) {
  std::size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return 0;
  char c = line[i];
  std::size_t n = 0;
  while (i + n < line.size() && line[i + n] == c) ++n;
  if (n < 3) return 0;
  // A backtick fence's info string cannot hold a backtick (it would be an inline code span).
  if (c == '`' && line.find('`', i + n) != std::string_view::npos) return 0;
  fence_char = c;
  return n;
}

}  // namespace doctown::detail::md
