// Small string helpers every stage needs. ASCII only on purpose: the names, paths and keywords
// they handle are compared byte-wise, and locale-dependent case mapping would make a run's
// results depend on the machine's locale. (Prefix and suffix tests: std::string_view's own
// starts_with / ends_with.)
#pragma once

#include <string>
#include <string_view>

namespace doctown::detail {

/// `s` with ASCII letters lowercased; other bytes (UTF-8 included) unchanged.
inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// True for the ASCII whitespace std::isspace knows in the C locale.
constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// `s` without leading and trailing ASCII whitespace (a view into `s`).
constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace doctown::detail
