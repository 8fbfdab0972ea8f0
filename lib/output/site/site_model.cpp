// Page model of the human-readable outputs. Anchors derive from qualified names only (plus a
// short hash of the id for overloads), so links from outside stay valid across runs as long as
// the symbol keeps its name.
#include "output/site/site_model.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <map>
#include <set>
#include <unordered_map>

#include "core/file_util.hpp"
#include "output/staging/dir_util.hpp"
#include "doctown/roles.hpp"

namespace doctown::detail {

std::string slugify(std::string_view text) {
  std::string out;
  bool dash = false;
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '_') {
      if (dash && !out.empty()) out += '-';
      dash = false;
      out += static_cast<char>(std::tolower(c));
    } else if (c == '~') {
      if (dash && !out.empty()) out += '-';
      dash = false;
      out += "dtor-";
    } else {
      dash = true;
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? std::string("x") : out;
}

std::vector<InlinePiece> split_code_spans(std::string_view text) {
  std::vector<InlinePiece> out = scan_code_spans(text);
  // CommonMark strips one space on each side of a span's content.
  for (InlinePiece& p : out)
    if (p.code && p.text.size() >= 2 && p.text.front() == ' ' && p.text.back() == ' ')
      p.text = p.text.substr(1, p.text.size() - 2);
  return out;
}

namespace {

bool is_cxx(const Symbol& s) { return s.language == "c++" || s.language == "c"; }

// Order of a record's member groups: constructors, destructor, methods, operators, nested
// types, fields, enumerators.
int member_rank(SymbolKind k) {
  switch (k) {
    case SymbolKind::constructor: return 0;
    case SymbolKind::destructor: return 1;
    case SymbolKind::method:
    case SymbolKind::function: return 2;
    case SymbolKind::operator_:
    case SymbolKind::conversion: return 3;
    case SymbolKind::field:
    case SymbolKind::property:
    case SymbolKind::variable:
    case SymbolKind::constant: return 5;
    case SymbolKind::enumerator: return 6;
    default: return 4;
  }
}

// Most symbols (members included) on one page: at ~1 KB of Markdown per symbol this keeps a
// page well under 300 KB, which browsers and GitHub render without trouble.
constexpr std::size_t kMaxSymbolsPerPage = 200;

int display_group(SymbolKind k) {
  if (k == SymbolKind::concept_) return 0;
  if (is_record(k) || k == SymbolKind::enum_) return 1;
  if (k == SymbolKind::typedef_ || k == SymbolKind::type_alias) return 2;
  if (is_callable(k)) return 3;
  if (k == SymbolKind::macro) return 5;
  return 4;
}

bool can_hold_members(SymbolKind k) { return is_record(k) || k == SymbolKind::enum_; }

}  // namespace

// Where a symbol sits: its innermost namespace and the record holding it, looked up by
// qualified name since parent ids may be missing.
struct SiteModel::Scopes {
  const std::vector<Symbol>& syms;
  const Codebase& codebase;
  std::map<std::string, std::size_t> namespaces;  // qualified name -> symbol index
  std::unordered_map<std::string, std::size_t> record_by_qname;

  explicit Scopes(const Codebase& cb) : syms(cb.symbols), codebase(cb) {
    for (std::size_t i = 0; i < syms.size(); ++i) {
      if (syms[i].kind == SymbolKind::namespace_) namespaces.emplace(syms[i].qualified_name, i);
      if (can_hold_members(syms[i].kind)) record_by_qname.emplace(syms[i].qualified_name, i);
    }
  }
  // Innermost enclosing namespace from the qualified name.
  std::optional<std::size_t> namespace_of(const Symbol& s) const {
    std::string q = s.qualified_name;
    for (std::size_t p = q.rfind("::"); p != std::string::npos && p > 0; p = q.rfind("::")) {
      q.resize(p);
      if (auto it = namespaces.find(q); it != namespaces.end()) return it->second;
    }
    return std::nullopt;
  }
  std::optional<std::size_t> parent_of(const Symbol& s) const {
    if (!s.parent_id.empty())
      if (auto i = codebase.index_of(s.parent_id); i && can_hold_members(syms[*i].kind))
        return *i;
    auto p = s.qualified_name.rfind("::");
    if (p == std::string::npos || p == 0) return std::nullopt;
    if (auto it = record_by_qname.find(s.qualified_name.substr(0, p));
        it != record_by_qname.end() && it->second != static_cast<std::size_t>(&s - syms.data()))
      return it->second;
    return std::nullopt;
  }
};

SiteModel::SiteModel(const DocSet& docs)
    : docs_(&docs), resolver_(*docs.codebase), usage_(*docs.codebase, docs.roles) {
  index_relations();
  choose_entries();
  Scopes scopes(*docs.codebase);
  nest_members(scopes);
  place_entries(scopes);
  add_header_pages();
  order_entries();
  split_large_pages();
  count_page_symbols();
  sort_pages();
  name_pages();
  name_anchors();
}

void SiteModel::index_relations() {
  const Codebase& cb = codebase();
  out_.resize(cb.symbols.size());
  in_.resize(cb.symbols.size());
  for (const Relation& r : cb.relations) {
    if (r.kind == RelationKind::contains || r.kind == RelationKind::similar) continue;
    if (auto i = cb.index_of(r.from)) out_[*i].push_back(&r);
    if (auto i = cb.index_of(r.to)) in_[*i].push_back(&r);
  }
}

// Shown: what was documented, and the library's own code. Tests, benchmarks and bundled code
// feed usage and context but get no entries unless they were documented (--document).
void SiteModel::choose_entries() {
  const auto& syms = codebase().symbols;
  entry_by_symbol_.assign(syms.size(), npos);
  for (std::size_t i = 0; i < syms.size(); ++i) {
    const Symbol& s = syms[i];
    if (s.kind == SymbolKind::namespace_) continue;
    SiteEntry e;
    e.symbol = i;
    if (auto it = docs_->docs->find(s.id); it != docs_->docs->end()) e.doc = &it->second;
    FileRole role = docs_->roles ? role_of(*docs_->roles, s) : FileRole::library;
    if (!e.doc && role != FileRole::library && role != FileRole::public_header) continue;
    entry_by_symbol_[i] = entries_.size();
    entries_.push_back(std::move(e));
  }
}

// Nesting: members follow their parent.
void SiteModel::nest_members(const Scopes& scopes) {
  for (std::size_t ei = 0; ei < entries_.size(); ++ei) {
    SiteEntry& e = entries_[ei];
    if (auto parent = scopes.parent_of(symbol(e)); parent && entry_by_symbol_[*parent] != npos) {
      e.top_level = false;
      entries_[entry_by_symbol_[*parent]].members.push_back(ei);
    }
  }
}

// Each top-level entry's page: its namespace's (C/C++) or its file's; a C/C++ record with
// members gets a page of its own, listed on that page.
void SiteModel::place_entries(const Scopes& scopes) {
  const auto& syms = codebase().symbols;
  std::map<std::string, std::size_t> page_by_key;
  auto page_for = [&](const std::string& key, const std::string& kind, const std::string& label,
                      std::string title, std::optional<std::size_t> ns) {
    auto [it, inserted] = page_by_key.emplace(key, pages_.size());
    if (inserted) {
      SitePage p;
      p.key = key;
      p.kind = kind;
      p.label = label;
      p.title = std::move(title);
      p.namespace_symbol = ns;
      pages_.push_back(std::move(p));
    }
    return it->second;
  };
  for (std::size_t ei = 0; ei < entries_.size(); ++ei) {
    if (!entries_[ei].top_level) continue;
    const Symbol& s = syms[entries_[ei].symbol];
    std::size_t home;
    auto ns = is_cxx(s) ? scopes.namespace_of(s) : std::nullopt;
    if (ns) {
      const std::string& q = syms[*ns].qualified_name;
      home = page_for("ns:" + q, "namespace", q, "Namespace " + q, ns);
    } else {
      std::string file = s.location.file.empty() ? std::string("(unknown)") : s.location.file;
      home = page_for("file:" + file, "file", file, "File " + file, std::nullopt);
    }
    std::size_t page = home;
    if (is_cxx(s) && is_record(s.kind) && !entries_[ei].members.empty()) {
      std::string kind(to_string(s.kind));
      if (!kind.empty()) kind[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(kind[0])));
      page = page_for("class:" + s.id, "class", display_name(s), kind + " " + display_name(s),
                      std::nullopt);
      pages_[page].parent = home;
      pages_[home].listed.push_back(ei);
    }
    entries_[ei].page = page;
    pages_[page].entries.push_back(ei);
  }
}

// Display order: entries by group, then name, then id; members by kind group, then line.
void SiteModel::order_entries() {
  const auto& syms = codebase().symbols;
  auto entry_less = [&](std::size_t a, std::size_t b) {
    const Symbol& x = syms[entries_[a].symbol];
    const Symbol& y = syms[entries_[b].symbol];
    return std::make_tuple(display_group(x.kind), x.name, x.id) <
           std::make_tuple(display_group(y.kind), y.name, y.id);
  };
  auto member_less = [&](std::size_t a, std::size_t b) {
    const Symbol& x = syms[entries_[a].symbol];
    const Symbol& y = syms[entries_[b].symbol];
    return std::make_tuple(member_rank(x.kind), x.location.line, x.name, x.id) <
           std::make_tuple(member_rank(y.kind), y.location.line, y.name, y.id);
  };
  for (SitePage& p : pages_) {
    std::sort(p.entries.begin(), p.entries.end(), entry_less);
    std::sort(p.listed.begin(), p.listed.end(), entry_less);
  }
  for (SiteEntry& e : entries_) std::sort(e.members.begin(), e.members.end(), member_less);
}

// Members live on their top-level entry's page (split pages moved the tops); counts follow.
void SiteModel::count_page_symbols() {
  for (std::size_t pi = 0; pi < pages_.size(); ++pi)
    for (std::size_t top : pages_[pi].entries) {
      std::vector<std::size_t> stack{top};
      while (!stack.empty()) {
        std::size_t x = stack.back();
        stack.pop_back();
        entries_[x].page = pi;
        ++pages_[pi].symbols;
        if (entries_[x].doc) ++pages_[pi].documented;
        for (std::size_t m : entries_[x].members)
          if (m != x) stack.push_back(m);
      }
    }
}

// Page slugs, unique ("index", "search" and "diagrams" are the site's own pages).
void SiteModel::name_pages() {
  std::map<std::string, int> used{{"index", 1}, {"search", 1}, {"diagrams", 1}};
  for (SitePage& p : pages_) {
    // Deep paths and long namespaces make slugs past the 255-byte file name limit: shortened
    // with a hash of the whole slug (stable, still unique).
    std::string base = (p.kind == "namespace" ? "ns-" : p.kind + "-") + slugify(p.label);
    if (p.part > 1) base += "-part" + std::to_string(p.part);
    base = shorten_name(base);
    std::string slug = base;
    for (int n = 2; used.count(slug); ++n) slug = base + "-" + std::to_string(n);
    used[slug] = 1;
    p.slug = slug;
  }
}

// Anchors from qualified names; overloads and case clashes get a hash of the id.
void SiteModel::name_anchors() {
  std::map<std::string, std::vector<std::size_t>> by_base;
  for (std::size_t ei = 0; ei < entries_.size(); ++ei)
    by_base[slugify(display_name(symbol(entries_[ei])))].push_back(ei);
  for (auto& [base, list] : by_base) {
    if (list.size() == 1) {
      entries_[list[0]].anchor = base;
      continue;
    }
    for (std::size_t ei : list)
      entries_[ei].anchor = base + "-" + sha256_hex(symbol(entries_[ei]).id).substr(0, 8);
  }
}

std::string_view SiteModel::member_group(SymbolKind k) {
  switch (member_rank(k)) {
    case 0: return "Constructors";
    case 1: return "Destructor";
    case 2: return "Methods";
    case 3: return "Operators";
    case 5: return "Fields";
    case 6: return "Enumerators";
    default: return "Types";
  }
}

// A header page per public header: what it declares, linked to where each is documented.
void SiteModel::add_header_pages() {
  if (!docs_->roles) return;
  std::map<std::string, std::vector<std::size_t>> by_header;
  for (const auto& [path, role] : *docs_->roles)
    if (role == FileRole::public_header) by_header[path];
  if (by_header.empty()) return;
  for (std::size_t ei = 0; ei < entries_.size(); ++ei) {
    if (!entries_[ei].top_level) continue;
    const Symbol& s = symbol(entries_[ei]);
    const std::string& file = s.declaration ? s.declaration->file : s.location.file;
    if (auto it = by_header.find(file); it != by_header.end()) it->second.push_back(ei);
  }
  for (auto& [path, list] : by_header) {
    if (list.empty()) continue;
    SitePage p;
    p.key = "header:" + path;
    p.kind = "header";
    p.label = path;
    p.title = "Header " + path;
    p.listed = std::move(list);
    pages_.push_back(std::move(p));
  }
}

// Pages over kMaxSymbolsPerPage are split into parts, whole top-level entries at a time (a
// class with its members stays together), in display order.
void SiteModel::split_large_pages() {
  auto weight = [&](std::size_t top) {
    std::size_t n = 0;
    std::vector<std::size_t> stack{top};
    while (!stack.empty()) {
      std::size_t x = stack.back();
      stack.pop_back();
      ++n;
      for (std::size_t m : entries_[x].members)
        if (m != x) stack.push_back(m);
    }
    return n;
  };
  const std::size_t count = pages_.size();
  for (std::size_t pi = 0; pi < count; ++pi) {
    std::vector<std::vector<std::size_t>> parts{{}};
    std::size_t in_part = 0;
    for (std::size_t ei : pages_[pi].entries) {
      std::size_t w = weight(ei);
      if (in_part > 0 && in_part + w > kMaxSymbolsPerPage) {
        parts.emplace_back();
        in_part = 0;
      }
      parts.back().push_back(ei);
      in_part += w;
    }
    if (parts.size() < 2) continue;
    pages_[pi].entries = std::move(parts[0]);
    pages_[pi].parts = static_cast<int>(parts.size());
    const std::string title = pages_[pi].title;
    pages_[pi].title = title + " (part 1 of " + std::to_string(parts.size()) + ")";
    for (std::size_t k = 1; k < parts.size(); ++k) {
      SitePage p;
      p.key = pages_[pi].key + "#" + std::to_string(k + 1);
      p.kind = pages_[pi].kind;
      p.label = pages_[pi].label;
      p.namespace_symbol = pages_[pi].namespace_symbol;
      p.parent = pages_[pi].parent;
      p.part = static_cast<int>(k + 1);
      p.parts = static_cast<int>(parts.size());
      p.title = title + " (part " + std::to_string(k + 1) + " of " + std::to_string(parts.size()) + ")";
      p.entries = std::move(parts[k]);
      pages_.push_back(std::move(p));
    }
  }
}

// Pages in display order: namespaces, classes, headers, files; each by label, then part.
void SiteModel::sort_pages() {
  auto rank = [](const std::string& kind) {
    return kind == "namespace" ? 0 : kind == "class" ? 1 : kind == "header" ? 2 : 3;
  };
  std::vector<std::size_t> order(pages_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const SitePage& x = pages_[a];
    const SitePage& y = pages_[b];
    return std::make_tuple(rank(x.kind), x.label, x.key, x.part) <
           std::make_tuple(rank(y.kind), y.label, y.key, y.part);
  });
  std::vector<SitePage> sorted;
  std::vector<std::size_t> remap(pages_.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    remap[order[i]] = i;
    sorted.push_back(std::move(pages_[order[i]]));
  }
  pages_ = std::move(sorted);
  for (SiteEntry& e : entries_) e.page = remap[e.page];
  for (SitePage& p : pages_)
    if (p.parent) p.parent = remap[*p.parent];
}

std::vector<RelatedGroup> SiteModel::related(std::size_t symbol) const {
  struct Row {
    std::string_view label;
    bool outgoing;
    RelationKind kind;
  };
  static constexpr Row rows[] = {
      {"Inherits from", true, RelationKind::inherits},
      {"Inherited by", false, RelationKind::inherits},
      {"Overrides", true, RelationKind::overrides},
      {"Overridden by", false, RelationKind::overrides},
      {"Calls", true, RelationKind::calls},
      {"Called by", false, RelationKind::calls},
      {"Uses types", true, RelationKind::uses_type},
  };
  std::vector<RelatedGroup> groups;
  for (const Row& row : rows) {
    RelatedGroup g{row.label, {}};
    std::set<std::string_view> seen;
    for (const Relation* r : row.outgoing ? out_[symbol] : in_[symbol]) {
      if (r->kind != row.kind) continue;
      const std::string& other = row.outgoing ? r->to : r->from;
      if (seen.insert(other).second) g.ids.push_back(other);
    }
    if (!g.ids.empty()) groups.push_back(std::move(g));
  }
  return groups;
}

std::string SiteModel::unlisted_name(std::string_view id) const {
  const Symbol* s = codebase().find(id);
  return s ? display_name(*s) : std::string(id);
}

std::vector<std::string> SiteModel::see_also(std::size_t symbol, const SymbolDoc& doc) const {
  std::set<std::string, std::less<>> listed;
  for (const RelatedGroup& g : related(symbol)) listed.insert(g.ids.begin(), g.ids.end());
  std::vector<std::string> out;
  const Symbol& s = codebase().symbols[symbol];
  for (const std::string& ref : doc.see_also) {
    if (listed.count(ref)) continue;
    if (auto e = resolve(ref, &s); e && listed.count(this->symbol(entries_[*e]).id)) continue;
    out.push_back(ref);
  }
  return out;
}

std::string SiteModel::comment_beyond_brief(const Symbol& s) {
  auto squeeze = [](std::string_view t) {
    std::string o;
    for (char c : t)
      if (!std::isspace(static_cast<unsigned char>(c))) o += c;
    return o;
  };
  if (s.doc_comment.empty() || squeeze(s.doc_comment) == squeeze(s.brief)) return {};
  return s.doc_comment;
}

std::optional<std::size_t> SiteModel::entry_of(std::string_view id) const {
  auto i = docs_->codebase->index_of(id);
  if (!i || entry_by_symbol_[*i] == npos) return std::nullopt;
  return entry_by_symbol_[*i];
}

std::optional<std::size_t> SiteModel::resolve(std::string_view ref, const Symbol* context) const {
  if (context) {
    std::string r = normalize_reference(ref);
    for (const Param& p : context->params)
      if (p.name == r) return std::nullopt;
    for (const Param& p : context->template_params)
      if (p.name == r) return std::nullopt;
    if (r.find("::") == std::string::npos) {
      // Scopes from the innermost outwards: the symbol itself (its members), then its parents.
      std::string scope = context->qualified_name;
      for (;;) {
        if (!scope.empty())
          if (const Symbol* s = resolver_.resolve(scope + "::" + r))
            if (s->qualified_name == scope + "::" + r) return entry_of(s->id);
        auto p = scope.rfind("::");
        if (p == std::string::npos) break;
        scope.resize(p);
      }
    }
  }
  const Symbol* s = resolver_.resolve(ref);
  if (!s) return std::nullopt;
  // A bare member name (`keys()` in a dict-like class's docstring) that is not in the
  // context's own scopes names some other type's member: linking the one class that happens
  // to have it (RequestsCookieJar::keys) would send the reader to the wrong place.
  if (context && normalize_reference(ref).find_first_of(":.") == std::string::npos &&
      !s->parent_id.empty())
    if (const Symbol* parent = codebase().find(s->parent_id); parent && is_record(parent->kind)) {
      bool in_scope = false;
      for (const Symbol* at = context; at && !in_scope;
           at = at->parent_id.empty() ? nullptr : codebase().find(at->parent_id))
        in_scope = at->id == parent->id;
      if (!in_scope) return std::nullopt;
    }
  return entry_of(s->id);
}

std::string SiteModel::link(std::size_t from_page, std::size_t entry, std::string_view ext) const {
  const SiteEntry& e = entries_[entry];
  if (e.page == from_page) return "#" + e.anchor;
  return pages_[e.page].slug + std::string(ext) + "#" + e.anchor;
}

std::string SiteModel::page_link(std::size_t page, std::string_view ext) const {
  return pages_[page].slug + std::string(ext);
}

std::vector<std::size_t> SiteModel::central_entries(std::size_t limit) const {
  auto ranked = rank_symbols(
      *docs_,
      [&](const Symbol& s) {
        return s.kind != SymbolKind::namespace_ && s.kind != SymbolKind::enumerator &&
               s.kind != SymbolKind::field;
      },
      limit);
  std::vector<std::size_t> out;
  for (std::size_t i : ranked)
    if (entry_by_symbol_[i] != npos) out.push_back(entry_by_symbol_[i]);
  return out;
}

}  // namespace doctown::detail
