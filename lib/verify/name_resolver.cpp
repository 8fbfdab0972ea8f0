// Reference normalisation and the name index behind NameResolver (see name_resolver.hpp).
#include "verify/name_resolver.hpp"

namespace doctown::detail {

std::string normalize_reference(std::string_view ref) {
  std::string r(ref);
  auto trim = [](std::string& x) {
    while (!x.empty() && (x.back() == ' ' || x.back() == '`')) x.pop_back();
    std::size_t b = 0;
    while (b < x.size() && (x[b] == ' ' || x[b] == '`')) ++b;
    x.erase(0, b);
  };
  trim(r);
  // "f(int, int) const" -> "f"; but keep "operator()" intact.
  if (auto op = r.find("operator()"); op != std::string::npos) {
    auto paren = r.find('(', op + 10);
    if (paren != std::string::npos) r.erase(paren);
  } else if (auto paren = r.find('('); paren != std::string::npos && paren > 0) {
    r.erase(paren);
  }
  trim(r);
  if (r.rfind("::", 0) == 0) r.erase(0, 2);
  return r;
}

NameResolver::NameResolver(const Codebase& codebase) : codebase_(&codebase) {
  constexpr std::size_t npos = static_cast<std::size_t>(-1);
  for (std::size_t i = 0; i < codebase.symbols.size(); ++i) {
    const Symbol& s = codebase.symbols[i];
    // Prefer the first definition-like symbol for a qualified name (overloads share one).
    if (!s.qualified_name.empty()) by_qualified_.emplace(s.qualified_name, i);
    const std::string& q = s.qualified_name;
    for (std::size_t p = q.find("::"); p != std::string::npos; p = q.find("::", p + 2)) {
      std::string suffix = q.substr(p + 2);
      if (suffix.find("::") == std::string::npos) break;  // plain names live in by_name_
      auto [it, inserted] = by_suffix_.emplace(std::move(suffix), i);
      if (!inserted && it->second != npos && codebase.symbols[it->second].qualified_name != q)
        it->second = npos;
    }
    if (!s.name.empty()) {
      auto [it, inserted] = by_name_.emplace(s.name, i);
      if (!inserted && it->second != i) it->second = npos;
    }
  }
}

const Symbol* NameResolver::resolve(std::string_view ref) const {
  constexpr std::size_t npos = static_cast<std::size_t>(-1);
  if (ref.empty()) return nullptr;
  if (const Symbol* s = codebase_->find(ref)) return s;
  std::string r = normalize_reference(ref);
  if (r.empty()) return nullptr;
  if (auto it = by_qualified_.find(r); it != by_qualified_.end())
    return &codebase_->symbols[it->second];
  if (auto it = by_name_.find(r); it != by_name_.end() && it->second != npos)
    return &codebase_->symbols[it->second];
  // "Circle::area" written without its namespace: a unique qualified-name suffix.
  if (auto it = by_suffix_.find(r); it != by_suffix_.end() && it->second != npos)
    return &codebase_->symbols[it->second];
  return nullptr;
}

}  // namespace doctown::detail
