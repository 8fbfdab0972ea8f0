// Parameter-name keys shared by the analyzers and the verifier (see param_names.hpp).
#include "core/param_names.hpp"

#include <algorithm>
#include <cctype>

namespace doctown::detail {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool drop_prefix(std::string_view& s, std::string_view p) {
  if (s.substr(0, p.size()) != p) return false;
  s.remove_prefix(p.size());
  s = trim(s);
  return true;
}

}  // namespace

std::string param_key(std::string_view name) {
  std::string clean(name);
  clean.erase(std::remove(clean.begin(), clean.end(), '`'), clean.end());
  std::string_view s = trim(clean);
  // A default or a type annotation after the name ("x = 3", "x: int", "self: &Self").
  if (auto eq = s.find('='); eq != std::string_view::npos) s = trim(s.substr(0, eq));
  if (auto colon = s.find(':'); colon != std::string_view::npos && s.find("::") != colon)
    s = trim(s.substr(0, colon));
  // Sigils and binding modes, in any order: "&mut self", "&'a self", "mut x", "**kwargs".
  for (bool changed = true; changed;) {
    changed = drop_prefix(s, "&") || drop_prefix(s, "*") || drop_prefix(s, "...") ||
              drop_prefix(s, "mut ") || drop_prefix(s, "ref ");
    if (!s.empty() && s.front() == '\'') {  // a Rust lifetime: "&'a self"
      auto sp = s.find(' ');
      s = sp == std::string_view::npos ? std::string_view{} : trim(s.substr(sp));
      changed = true;
    }
  }
  if (s.size() >= 3 && s.substr(s.size() - 3) == "...") s = trim(s.substr(0, s.size() - 3));
  return std::string(s);
}

bool is_receiver(std::string_view key) { return key == "self" || key == "cls" || key == "this"; }

}  // namespace doctown::detail
