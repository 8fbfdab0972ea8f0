// Doc-comment text: libclang hands back raw comments with their markers; the documentation
// wants the words only. Also the brief (first sentence) used when libclang has none, and the
// heading slugs of document sections.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "analyzer/analyzer_impl.hpp"

namespace doctown::detail {

namespace {

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}
std::string_view trim_right(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// True when the text ends in an abbreviation whose period does not end a sentence.
bool ends_with_abbreviation(std::string_view text) {
  auto sp = text.find_last_of(" (\n");
  std::string_view word = sp == std::string_view::npos ? text : text.substr(sp + 1);
  for (std::string_view a : {"e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "Fig.", "No."})
    if (word == a) return true;
  return false;
}

// Start of the line holding `pos`.
std::size_t line_begin(std::string_view text, std::size_t pos) {
  if (pos == 0) return 0;
  auto nl = text.rfind('\n', pos - 1);
  return nl == std::string_view::npos ? 0 : nl + 1;
}
std::size_t line_end(std::string_view text, std::size_t pos) {
  auto nl = text.find('\n', pos);
  return nl == std::string_view::npos ? text.size() : nl;
}
bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

// A comment of the source: [begin, end) offsets in the file's text.
struct Span {
  std::size_t begin = 0, end = 0;
};

// Comment units directly above the line starting at `ls`, top to bottom: a run of `//` lines
// is one unit, each `/* */` block another. Stops at a blank line or a line holding code.
std::vector<Span> units_above(std::string_view text, std::size_t ls) {
  std::vector<Span> units;  // bottom-up
  bool last_is_line_run = false;
  std::size_t cur = ls;
  while (cur > 0) {
    std::size_t pe = cur - 1;  // the '\n' ending the line above
    std::size_t ps = line_begin(text, pe);
    std::string_view line = text.substr(ps, pe - ps);
    std::string_view t = trim_right(trim_left(line));
    if (t.empty()) break;
    std::size_t indent = line.size() - trim_left(line).size();
    if (starts_with(t, "//")) {
      if (last_is_line_run) units.back().begin = ps + indent;
      else units.push_back({ps + indent, ps + indent + t.size()});
      last_is_line_run = true;
      cur = ps;
      continue;
    }
    if (t.size() < 2 || t.substr(t.size() - 2) != "*/") break;
    std::size_t close = ps + indent + t.size() - 2;
    std::size_t open = close == 0 ? std::string_view::npos : text.rfind("/*", close - 1);
    if (open == std::string_view::npos) break;
    std::size_t os = line_begin(text, open);
    if (!blank(text.substr(os, open - os))) break;  // a trailing comment of code above
    units.push_back({open, close + 2});
    last_is_line_run = false;
    cur = os;
  }
  std::reverse(units.begin(), units.end());
  return units;
}

// The comment starting at `p` (after optional spaces), to the end of its line for `//`, to its
// `*/` for a block; empty span when there is none.
Span comment_at(std::string_view text, std::size_t p) {
  while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
  if (starts_with(text.substr(p), "//")) return {p, line_end(text, p)};
  if (starts_with(text.substr(p), "/*")) {
    auto close = text.find("*/", p + 2);
    if (close != std::string_view::npos) return {p, close + 2};
  }
  return {p, p};
}

std::string documentation_of(std::string_view text, const std::vector<Span>& units) {
  std::string out;
  for (const auto& u : units) {
    std::string cleaned = clean_comment(text.substr(u.begin, u.end - u.begin));
    if (blank(text.substr(0, u.begin)) || is_not_documentation(cleaned)) continue;  // banner
    if (!out.empty()) out += "\n";
    out += cleaned;
  }
  return out;
}

std::string trailing_comment(std::string_view text, std::size_t end, bool plain) {
  std::size_t p = end;
  std::size_t le = line_end(text, std::min(end, text.size()));
  while (p < le && (text[p] == ' ' || text[p] == '\t' || text[p] == ';' || text[p] == ','))
    ++p;
  Span c = comment_at(text, p);
  if (c.begin == c.end) return {};
  std::string_view raw = text.substr(c.begin, c.end - c.begin);
  bool marked = false;
  for (std::string_view m : {"///<", "//!<", "/**<", "/*!<", "//<", "/*<"})
    marked = marked || starts_with(raw, m);
  if (!marked && !plain) return {};
  std::string cleaned = clean_comment(raw);
  // clean_comment knows `///<` and `/**<`; the short `//<` and `/*<` leave their '<'.
  if (!cleaned.empty() && cleaned.front() == '<')
    cleaned = std::string(trim_left(std::string_view(cleaned).substr(1)));
  return is_not_documentation(cleaned) ? std::string{} : cleaned;
}

std::string comment_below(std::string_view text, std::size_t end) {
  std::size_t le = line_end(text, std::min(end, text.size()));
  std::string_view rest = text.substr(std::min(end, text.size()), le - std::min(end, text.size()));
  if (rest.find_first_not_of(" \t\r;") != std::string_view::npos || le >= text.size()) return {};
  std::vector<Span> units;
  std::size_t p = le + 1;
  while (p < text.size()) {
    std::size_t e = line_end(text, p);
    std::string_view line = text.substr(p, e - p);
    if (blank(line)) break;
    Span c = comment_at(text, p);
    if (c.begin == c.end) return {};  // code follows: the comment belongs to it
    if (!blank(text.substr(c.end, line_end(text, c.end) - c.end))) return {};
    units.push_back(c);
    p = line_end(text, c.end) + 1;
  }
  return documentation_of(text, units);
}

}  // namespace

bool is_not_documentation(std::string_view cleaned) {
  if (blank(cleaned)) return true;
  std::string lower(cleaned);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view banner : {"copyright", "spdx-license-identifier", "licensed under",
                                  "all rights reserved", "permission is hereby granted"})
    if (lower.find(banner) != std::string::npos) return true;
  // Commented-out code: most lines end like statements or are preprocessor lines.
  std::size_t lines = 0, code = 0, start = 0;
  while (start < cleaned.size()) {
    auto e = cleaned.find('\n', start);
    if (e == std::string_view::npos) e = cleaned.size();
    std::string_view l = trim_right(trim_left(cleaned.substr(start, e - start)));
    start = e + 1;
    if (l.empty()) continue;
    ++lines;
    char last = l.back();
    // `x = f(y);`, `return x;`, `} else {` are code; "Ascii write with the << operator;" is a
    // sentence that happens to end in ';'.
    bool statement = last == ';' && (l.find_first_of("(=") != std::string_view::npos ||
                                     std::count(l.begin(), l.end(), ' ') <= 1);
    if (statement || last == '{' || last == '}' || starts_with(l, "#include") ||
        starts_with(l, "#define") || starts_with(l, "#if") || starts_with(l, "#endif"))
      ++code;
  }
  return code > 0 && code * 2 > lines;
}

std::string merge_comments(const std::string& first, const std::string& second) {
  if (second.empty() || first.find(second) != std::string::npos) return first;
  if (first.empty() || second.find(first) != std::string::npos) return second;
  return first + "\n\n" + second;
}

std::string comment_for_declaration(std::string_view text, std::size_t begin, std::size_t end,
                                    CommentPlaces places) {
  if (begin > text.size() || end > text.size() || end < begin) return {};
  std::size_t ls = line_begin(text, begin);
  // Only words may precede the declaration on its line (`typedef struct {`, `#define`, an
  // export macro); after code (`int a; int b;`) the comment above is not this one's.
  std::string_view before = trim_left(text.substr(ls, begin - ls));
  bool words = std::all_of(before.begin(), before.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == ' ' || ch == '\t';
  });
  if (words || before.front() == '#') {
    std::string above = documentation_of(text, units_above(text, ls));
    if (!above.empty()) return above;
  }
  std::string trailing = trailing_comment(text, end, places.trailing_plain);
  if (!trailing.empty()) return trailing;
  return places.below ? comment_below(text, end) : std::string{};
}

std::string clean_comment(std::string_view raw) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= raw.size()) {
    auto end = raw.find('\n', start);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view line = trim_right(raw.substr(start, end - start));
    std::string_view t = trim_left(line);
    // Markers, longest first so "///<" is not read as "///" followed by "<".
    for (std::string_view m : {"///<", "//!<", "/**<", "/*!<", "///", "//!", "/**", "/*!", "//",
                               "/*"}) {
      if (starts_with(t, m)) {
        t.remove_prefix(m.size());
        break;
      }
    }
    if (t.size() >= 2 && t.substr(t.size() - 2) == "*/") t = trim_right(t.substr(0, t.size() - 2));
    // Continuation lines of block comments: " * text".
    if (starts_with(trim_left(t), "*") && !starts_with(trim_left(t), "*/")) {
      auto tt = trim_left(t);
      tt.remove_prefix(1);
      t = tt;
    }
    // Decorative rows such as "/*****" or "////////".
    bool decorative = !t.empty() && t.find_first_not_of("*/=-") == std::string_view::npos;
    lines.emplace_back(decorative ? std::string_view{} : t);
    if (end == raw.size()) break;
    start = end + 1;
  }
  // Remove the indentation the lines share (after the marker), keep relative indentation.
  std::size_t common = std::string::npos;
  for (const auto& l : lines) {
    if (trim_left(l).empty()) continue;
    common = std::min(common, l.size() - trim_left(l).size());
  }
  if (common == std::string::npos) common = 0;
  std::string out;
  bool pending_blank = false;
  for (const auto& l : lines) {
    std::string_view v = l;
    if (trim_left(v).empty()) {
      if (!out.empty()) pending_blank = true;
      continue;
    }
    if (!out.empty()) out += pending_blank ? "\n\n" : "\n";
    pending_blank = false;
    out += v.substr(std::min(common, v.size()));
  }
  return out;
}

std::string brief_of(std::string_view cleaned) {
  // An explicit \brief / @brief paragraph wins.
  for (std::string_view tag : {"@brief", "\\brief"}) {
    auto pos = cleaned.find(tag);
    if (pos != std::string_view::npos) {
      auto rest = trim_left(cleaned.substr(pos + tag.size()));
      auto end = rest.find("\n\n");
      std::string b(trim_right(rest.substr(0, end)));
      for (auto& ch : b)
        if (ch == '\n') ch = ' ';
      return b;
    }
  }
  // Otherwise the first sentence of the first paragraph.
  auto para_end = cleaned.find("\n\n");
  std::string_view para = cleaned.substr(0, para_end);
  std::string b;
  for (std::size_t i = 0; i < para.size(); ++i) {
    char c = para[i];
    b += c == '\n' ? ' ' : c;
    if (c == '.' && (i + 1 == para.size() || para[i + 1] == ' ' || para[i + 1] == '\n') &&
        !ends_with_abbreviation(b))
      break;
  }
  return std::string(trim_right(b));
}

std::string heading_slug(std::string_view heading) {
  std::string slug;
  for (unsigned char c : heading) {
    if (std::isalnum(c)) {
      slug += static_cast<char>(std::tolower(c));
    } else if (c == ' ' || c == '-') {
      slug += '-';
    } else if (c == '_') {
      slug += '_';
    } else if (c >= 0x80) {
      slug += static_cast<char>(c);  // keep UTF-8 letters as GitHub does
    }
  }
  return slug;
}

}  // namespace doctown::detail
