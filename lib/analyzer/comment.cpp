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

}  // namespace

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
