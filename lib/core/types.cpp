// Value types: enum names (the spelling used in JSON outputs) and Codebase lookups.
#include "doctown/types.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace doctown {
namespace {

constexpr std::array<std::pair<SymbolKind, std::string_view>, 25> kSymbolKindNames{{
    {SymbolKind::namespace_, "namespace"}, {SymbolKind::class_, "class"},
    {SymbolKind::struct_, "struct"},       {SymbolKind::union_, "union"},
    {SymbolKind::enum_, "enum"},           {SymbolKind::enumerator, "enumerator"},
    {SymbolKind::function, "function"},    {SymbolKind::method, "method"},
    {SymbolKind::constructor, "constructor"}, {SymbolKind::destructor, "destructor"},
    {SymbolKind::conversion, "conversion"}, {SymbolKind::operator_, "operator"},
    {SymbolKind::field, "field"},          {SymbolKind::variable, "variable"},
    {SymbolKind::typedef_, "typedef"},     {SymbolKind::type_alias, "type_alias"},
    {SymbolKind::macro, "macro"},          {SymbolKind::concept_, "concept"},
    {SymbolKind::module, "module"},        {SymbolKind::interface, "interface"},
    {SymbolKind::trait, "trait"},          {SymbolKind::property, "property"},
    {SymbolKind::constant, "constant"},    {SymbolKind::document, "document"},
    {SymbolKind::other, "other"},
}};

constexpr std::array<std::pair<RelationKind, std::string_view>, 7> kRelationKindNames{{
    {RelationKind::contains, "contains"},   {RelationKind::calls, "calls"},
    {RelationKind::overrides, "overrides"}, {RelationKind::inherits, "inherits"},
    {RelationKind::uses_type, "uses_type"}, {RelationKind::includes, "includes"},
    {RelationKind::similar, "similar"},
}};

}  // namespace

std::string_view to_string(SymbolKind k) noexcept {
  for (const auto& [kind, name] : kSymbolKindNames)
    if (kind == k) return name;
  return "other";
}

std::optional<SymbolKind> symbol_kind_from_string(std::string_view s) noexcept {
  for (const auto& [kind, name] : kSymbolKindNames)
    if (name == s) return kind;
  return std::nullopt;
}

bool is_callable(SymbolKind k) noexcept {
  return k == SymbolKind::function || k == SymbolKind::method || k == SymbolKind::constructor ||
         k == SymbolKind::destructor || k == SymbolKind::conversion || k == SymbolKind::operator_;
}

bool is_record(SymbolKind k) noexcept {
  return k == SymbolKind::class_ || k == SymbolKind::struct_ || k == SymbolKind::union_ ||
         k == SymbolKind::interface || k == SymbolKind::trait;
}

std::string_view to_string(Access a) noexcept {
  switch (a) {
    case Access::public_: return "public";
    case Access::protected_: return "protected";
    case Access::private_: return "private";
    case Access::none: break;
  }
  return "none";
}

std::string_view to_string(RelationKind k) noexcept {
  for (const auto& [kind, name] : kRelationKindNames)
    if (kind == k) return name;
  return "contains";
}

std::optional<RelationKind> relation_kind_from_string(std::string_view s) noexcept {
  for (const auto& [kind, name] : kRelationKindNames)
    if (name == s) return kind;
  return std::nullopt;
}

std::string_view to_string(Diagnostic::Severity s) noexcept {
  switch (s) {
    case Diagnostic::Severity::note: return "note";
    case Diagnostic::Severity::warning: return "warning";
    case Diagnostic::Severity::error: return "error";
  }
  return "note";
}

std::optional<std::size_t> Codebase::index_of(std::string_view id) const {
  auto it = std::lower_bound(symbols.begin(), symbols.end(), id,
                             [](const Symbol& s, std::string_view v) { return s.id < v; });
  if (it == symbols.end() || it->id != id) return std::nullopt;
  return static_cast<std::size_t>(it - symbols.begin());
}

const Symbol* Codebase::find(std::string_view id) const {
  auto i = index_of(id);
  return i ? &symbols[*i] : nullptr;
}

void Codebase::normalize() {
  std::sort(symbols.begin(), symbols.end(),
            [](const Symbol& a, const Symbol& b) { return a.id < b.id; });
  auto key = [](const Relation& r) { return std::tie(r.from, r.kind, r.to); };
  std::sort(relations.begin(), relations.end(),
            [&](const Relation& a, const Relation& b) { return key(a) < key(b); });
  relations.erase(std::unique(relations.begin(), relations.end(),
                              [&](const Relation& a, const Relation& b) { return key(a) == key(b); }),
                  relations.end());
  std::sort(files.begin(), files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
}

}  // namespace doctown
