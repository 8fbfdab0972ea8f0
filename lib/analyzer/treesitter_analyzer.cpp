// Rust and Python through tree-sitter (runtime from Debian, grammars from npm, see
// scripts/install-deps.sh): a real parse instead of ctags' tags, so calls, inheritance and trait
// impls become relations, attributes stay facts of the signature, and rustdoc and docstrings are
// kept as written (Markdown intact). Each file is parsed on its own; names of calls and bases
// are then resolved across the project, only where one symbol fits.
#include "analyzer/analyzer_impl.hpp"

#ifdef DOCTOWN_HAVE_TREE_SITTER

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_map>

#include "analyzer/treesitter.hpp"
#include "core/file_util.hpp"

extern "C" const TSLanguage* tree_sitter_rust();
extern "C" const TSLanguage* tree_sitter_python();

namespace doctown::detail {

namespace ts {

std::string_view type_of(TSNode n) { return ts_node_is_null(n) ? "" : ts_node_type(n); }

TSNode field(TSNode n, std::string_view name) {
  return ts_node_child_by_field_name(n, name.data(), static_cast<std::uint32_t>(name.size()));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' ||
                        s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' ||
                        s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string squash(std::string_view s) {
  std::string o;
  bool space = false;
  for (char c : trim(s)) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !o.empty()) o += ' ';
    space = false;
    o += c;
  }
  return o;
}

std::string dedent_doc(std::string_view body, bool keep_first_indent) {
  std::vector<std::string> lines;
  for (std::size_t b = 0; b <= body.size();) {
    auto e = body.find('\n', b);
    if (e == std::string_view::npos) e = body.size();
    std::string l(body.substr(b, e - b));
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(std::move(l));
    b = e + 1;
  }
  std::size_t indent = std::string::npos;
  for (std::size_t i = keep_first_indent ? 0 : 1; i < lines.size(); ++i) {
    auto p = lines[i].find_first_not_of(" \t");
    if (p != std::string::npos) indent = std::min(indent, p);
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (i == 0 && !keep_first_indent) l = trim(l);
    else if (indent != std::string::npos) l = l.substr(std::min(indent, l.size()));
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
    out += l;
    out += '\n';
  }
  return std::string(trim(out));
}

std::size_t FileCtx::add(Symbol s, TSNode n) {
  s.language = file.language;
  s.flags |= flags::is_definition;
  auto first = static_cast<int>(ts_node_start_point(n).row) + 1;
  auto last = static_cast<int>(ts_node_end_point(n).row) + 1;
  s.location = SourceRange{file.path, first, std::max(first, last)};
  std::string body(text(n));
  if (body.size() > max_source_text) body.resize(max_source_text);
  s.source_text = std::move(body);
  std::string id = s.language + ":" + file.path + ":" + s.qualified_name + ":" +
                   std::string(to_string(s.kind));
  // The same name twice in a file (conditional definitions, cfg'd items): the later ones get
  // their line, which keeps ids unique and stable.
  if (!used_ids.insert(id).second) {
    const std::string at_line = id + "@" + std::to_string(first);
    id = at_line;
    for (int k = 2; !used_ids.insert(id).second; ++k) id = at_line + "." + std::to_string(k);
  }
  s.id = std::move(id);
  out.symbols.push_back(std::move(s));
  return out.symbols.size() - 1;
}

}  // namespace ts

namespace {

// Every name a call or base might mean, to pick the one symbol that fits.
struct NameIndex {
  std::unordered_map<std::string, std::vector<const Symbol*>> by_name;
  std::unordered_map<std::string, const Symbol*> by_qname;
  std::unordered_map<std::string, const Symbol*> by_id;

  explicit NameIndex(const std::vector<Symbol>& symbols) {
    for (const Symbol& s : symbols) {
      by_name[s.name].push_back(&s);
      by_qname.emplace(s.qualified_name, &s);
      by_id.emplace(s.id, &s);
    }
  }

  // The one symbol named `name` that `keep` accepts; on a tie, the one in the same file, else
  // the one outside tests and examples (which often redefine a library's names).
  template <class Keep>
  const Symbol* unique(const std::string& name, const std::string& file, Keep keep) const {
    auto it = by_name.find(name);
    if (it == by_name.end()) return nullptr;
    const Symbol* pick[3] = {nullptr, nullptr, nullptr};
    std::size_t n[3] = {0, 0, 0};
    for (const Symbol* s : it->second) {
      if (!keep(*s)) continue;
      ++n[0], pick[0] = s;
      if (s->location.file == file) ++n[1], pick[1] = s;
      if (!is_test_path(s->location.file)) ++n[2], pick[2] = s;
    }
    for (int i = 0; i < 3; ++i)
      if (n[i] == 1) return pick[i];
    return nullptr;
  }

  static bool is_test_path(const std::string& p) {
    for (std::string_view d : {"tests/", "test/", "examples/", "benches/", "docs/"})
      if (p.rfind(d, 0) == 0 || p.find("/" + std::string(d)) != std::string::npos) return true;
    return false;
  }
};

bool is_type_kind(SymbolKind k) {
  return is_record(k) || k == SymbolKind::enum_ || k == SymbolKind::type_alias;
}

// The scope part of a qualified name: `Error` for `Error::new`, `Error` for `<Error as
// Display>::fmt`, `requests.sessions.Session` for `requests.sessions.Session.request`.
std::string scope_of(const Symbol& s) {
  std::string_view q = s.qualified_name;
  if (!q.empty() && q.front() == '<') {
    auto as = q.find(" as ");
    return std::string(as == std::string_view::npos ? q.substr(1) : q.substr(1, as - 1));
  }
  const std::string_view sep = s.language == "rust" ? "::" : ".";
  auto p = q.rfind(sep);
  return p == std::string_view::npos ? std::string{} : std::string(q.substr(0, p));
}

bool scope_ends_with(const Symbol& s, std::string_view tail) {
  std::string sc = scope_of(s);
  if (auto lt = sc.find('<'); lt != std::string::npos) sc.resize(lt);  // `Wrapper<T>`
  if (sc.size() < tail.size() || sc.compare(sc.size() - tail.size(), tail.size(), tail) != 0)
    return false;
  if (sc.size() == tail.size()) return true;
  char before = sc[sc.size() - tail.size() - 1];
  return before == ':' || before == '.';
}

const Symbol* resolve_call(const NameIndex& ix, const ts::Call& c) {
  auto callable = [](const Symbol& s) { return is_callable(s.kind) || is_type_kind(s.kind); };
  if (!c.qualifier.empty()) {
    // An import told the full name (Python), or `Type::name` (Rust).
    if (auto it = ix.by_qname.find(c.qualifier + "." + c.name); it != ix.by_qname.end())
      return it->second;
    if (c.qualifier.find('.') != std::string::npos) return nullptr;  // outside the project
    return ix.unique(c.name, c.file, [&](const Symbol& s) {
      return is_callable(s.kind) && scope_ends_with(s, c.qualifier);
    });
  }
  if (c.on_object) {
    // The value's type is unknown: a same-file method of that name proves nothing.
    auto it = ix.by_name.find(c.name);
    const Symbol* only = nullptr;
    for (const Symbol* s : it == ix.by_name.end() ? std::vector<const Symbol*>{} : it->second) {
      if (!is_callable(s->kind)) continue;
      if (only) return nullptr;
      only = s;
    }
    return only;
  }
  if (!c.self_scope.empty())
    if (const Symbol* m = ix.unique(c.name, c.file, [&](const Symbol& s) {
          return is_callable(s.kind) && scope_ends_with(s, c.self_scope);
        }))
      return m;
  return ix.unique(c.name, c.file, callable);
}

void resolve(ts::Facts& facts, std::vector<Relation>& rels) {
  std::vector<Symbol>& symbols = facts.symbols;
  {
    // Rust impl methods first: their parent type may be in another file.
    NameIndex ix(symbols);
    for (const auto& m : facts.impl_methods) {
      auto* type = ix.unique(m.type_name, symbols[m.index].location.file,
                             [](const Symbol& s) { return is_type_kind(s.kind); });
      if (type) symbols[m.index].parent_id = type->id;
      if (m.trait_name.empty()) continue;
      auto* base = ix.unique(symbols[m.index].name, symbols[m.index].location.file,
                             [&](const Symbol& s) {
                               return s.kind == SymbolKind::method &&
                                      scope_ends_with(s, m.trait_name);
                             });
      if (base) rels.push_back({symbols[m.index].id, base->id, RelationKind::overrides});
    }
  }
  NameIndex ix(symbols);
  for (const auto& c : facts.calls)
    if (const Symbol* to = resolve_call(ix, c))
      if (to->id != c.from) rels.push_back({c.from, to->id, RelationKind::calls});
  auto type_named = [&](const std::string& name, const std::string& file) {
    return ix.unique(name, file, [](const Symbol& s) { return is_type_kind(s.kind); });
  };
  for (const auto& b : facts.bases) {
    const Symbol* base = nullptr;
    if (!b.target.empty()) {
      auto it = ix.by_qname.find(b.target);
      if (it != ix.by_qname.end()) base = it->second;
      else if (b.target.find('.') != std::string::npos) continue;  // imported from elsewhere
    }
    if (!base) base = type_named(b.name, b.file);
    std::string from = b.derived;
    if (from.empty())
      if (const Symbol* d = type_named(b.derived_name, b.file)) from = d->id;
    if (base && !from.empty() && base->id != from)
      rels.push_back({from, base->id, RelationKind::inherits});
  }
}

// `name = "anyhow"` of the [package] in `<dir>/Cargo.toml`, or "crate".
std::string crate_name(const std::filesystem::path& root, const std::string& rel_path) {
  auto src = rel_path.rfind("src/");
  std::string dir = src == std::string::npos ? std::string{} : rel_path.substr(0, src);
  auto text = read_file(root / dir / "Cargo.toml");
  if (!text) return "crate";
  bool in_package = false;
  std::size_t b = 0;
  while (b < text->size()) {
    auto e = text->find('\n', b);
    if (e == std::string::npos) e = text->size();
    auto line = ts::trim(std::string_view(*text).substr(b, e - b));
    if (!line.empty() && line.front() == '[') in_package = line == "[package]";
    else if (in_package && line.substr(0, 4) == "name") {
      auto q1 = line.find('"'), q2 = line.rfind('"');
      if (q1 != std::string_view::npos && q2 > q1 + 1) {
        std::string name(line.substr(q1 + 1, q2 - q1 - 1));
        std::replace(name.begin(), name.end(), '-', '_');
        return name;
      }
    }
    b = e + 1;
  }
  return "crate";
}

struct ParserDeleter {
  void operator()(TSParser* p) const { ts_parser_delete(p); }
};
struct TreeDeleter {
  void operator()(TSTree* t) const { ts_tree_delete(t); }
};

}  // namespace

bool tree_sitter_available() { return true; }

result<void> analyze_tree_sitter(const AnalysisInput& in, const AnalyzerOptions& options,
                                 const RunContext& ctx, Codebase& out) {
  std::unique_ptr<TSParser, ParserDeleter> parser(ts_parser_new());
  // A hostile file must not hold the run: tree-sitter gives up after this long per file.
  ts_parser_set_timeout_micros(parser.get(), 10'000'000);
  std::set<std::string> used_ids;
  for (const auto& s : out.symbols) used_ids.insert(s.id);
  ts::Facts facts;
  for (const SourceFile& f : in.files) {
    const bool rust = f.language == "rust";
    if (!rust && f.language != "python") continue;
    if (ctx.stop_requested()) return fail(errc::cancelled, "analysis cancelled", in.root.string());
    auto text = read_file(in.root / f.path);
    if (!text) {
      out.diagnostics.push_back({f.path, 0, Diagnostic::Severity::warning,
                                 "skipped: cannot read the file: " + text.error().message});
      continue;
    }
    if (!ts_parser_set_language(parser.get(), rust ? tree_sitter_rust() : tree_sitter_python()))
      return fail(errc::internal, "the tree-sitter runtime rejects the grammar's ABI", f.path);
    std::unique_ptr<TSTree, TreeDeleter> tree(ts_parser_parse_string(
        parser.get(), nullptr, text->data(), static_cast<std::uint32_t>(text->size())));
    if (!tree) {
      ts_parser_reset(parser.get());
      out.diagnostics.push_back({f.path, 0, Diagnostic::Severity::warning,
                                 "skipped: the parse took too long (over 10 s)"});
      continue;
    }
    TSNode root = ts_tree_root_node(tree.get());
    if (ts_node_has_error(root))
      out.diagnostics.push_back({f.path, 0, Diagnostic::Severity::note,
                                 "the file has syntax errors; what parsed is documented"});
    ts::FileCtx fc{f, *text, {}, options.max_source_text, used_ids, facts};
    if (rust) ts::extract_rust(fc, root, crate_name(in.root, f.path));
    else ts::extract_python(fc, root);
  }
  for (auto& s : facts.symbols) s.brief = brief_of(s.doc_comment);
  resolve(facts, out.relations);
  for (auto& s : facts.symbols) out.symbols.push_back(std::move(s));
  return {};
}

}  // namespace doctown::detail

#else  // no tree-sitter: the analyzer dispatch sends Rust and Python to ctags.

namespace doctown::detail {

bool tree_sitter_available() { return false; }

result<void> analyze_tree_sitter(const AnalysisInput&, const AnalyzerOptions&,
                                 const RunContext&, Codebase&) {
  return {};
}

}  // namespace doctown::detail

#endif
