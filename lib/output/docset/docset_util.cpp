// Shared writer logic: DocSet validation and the facts-based overview. The overview is what a
// reader needs first (which files and types matter, how they relate), so it is derived from
// PageRank and the typed relations rather than left as a placeholder when no LLM wrote one.
#include "output/docset/docset_util.hpp"

#include "doctown/roles.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace doctown::detail {

result<void> validate_docset(const DocSet& d) {
  if (!d.codebase) return fail(errc::invalid_argument, "DocSet::codebase is null", "DocSet");
  if (!d.embeddings) return fail(errc::invalid_argument, "DocSet::embeddings is null", "DocSet");
  if (!d.graph) return fail(errc::invalid_argument, "DocSet::graph is null", "DocSet");
  if (!d.scores) return fail(errc::invalid_argument, "DocSet::scores is null", "DocSet");
  if (!d.docs) return fail(errc::invalid_argument, "DocSet::docs is null", "DocSet");
  if (!d.failures) return fail(errc::invalid_argument, "DocSet::failures is null", "DocSet");
  // Writers publish the verdicts, they do not reach them: verification is a pipeline step.
  if (!d.verification)
    return fail(errc::invalid_argument,
                "DocSet::verification is null: verify the docs (verify_docs) before writing",
                "DocSet");
  const auto& e = *d.embeddings;
  if (e.rows != 0 && e.rows != d.codebase->symbols.size())
    return fail(errc::invalid_argument,
                "embedding rows (" + std::to_string(e.rows) + ") differ from the symbol count (" +
                    std::to_string(d.codebase->symbols.size()) + ")",
                "DocSet::embeddings");
  if (e.values.size() != e.rows * e.dims)
    return fail(errc::invalid_argument, "embedding values are not rows x dims",
                "DocSet::embeddings");
  if (!d.scores->empty() && d.scores->size() != d.codebase->symbols.size())
    return fail(errc::invalid_argument, "scores are not one per symbol", "DocSet::scores");
  return {};
}

std::unordered_map<std::string, double> pagerank_map(const Graph& g) {
  std::unordered_map<std::string, double> out;
  out.reserve(g.nodes.size());
  for (const GraphNode& n : g.nodes) out.emplace(n.id, n.pagerank);
  return out;
}

double lookup(const std::unordered_map<std::string, double>& m, const std::string& id) {
  auto it = m.find(id);
  return it == m.end() ? 0.0 : it->second;
}

const std::string& display_name(const Symbol& s) {
  return s.qualified_name.empty() ? s.name : s.qualified_name;
}

std::vector<std::size_t> rank_symbols(const DocSet& d,
                                      const std::function<bool(const Symbol&)>& keep,
                                      std::size_t limit) {
  const auto& syms = d.codebase->symbols;
  std::map<std::string_view, std::size_t> fan_in;
  for (const Relation& r : d.codebase->relations)
    if (r.kind != RelationKind::contains && r.kind != RelationKind::similar) ++fan_in[r.to];
  struct Item {
    std::size_t index;
    double pr;
    std::size_t fan;
  };
  std::vector<Item> items;
  auto pr = pagerank_map(*d.graph);
  for (std::size_t i = 0; i < syms.size(); ++i) {
    if (!keep(syms[i])) continue;
    auto it = fan_in.find(syms[i].id);
    items.push_back({i, lookup(pr, syms[i].id), it == fan_in.end() ? 0 : it->second});
  }
  std::sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    if (a.pr != b.pr) return a.pr > b.pr;
    if (a.fan != b.fan) return a.fan > b.fan;
    return syms[a.index].id < syms[b.index].id;
  });
  std::vector<std::size_t> out;
  for (const Item& it : items) {
    if (out.size() >= limit) break;
    out.push_back(it.index);
  }
  return out;
}

std::vector<FileRank> rank_files(const DocSet& d) {
  std::map<std::string, FileRank> by_path;
  auto pr = pagerank_map(*d.graph);
  for (const SourceFile& f : d.codebase->files) {
    FileRank& r = by_path[f.path];
    r.path = f.path;
    r.centrality = lookup(pr, "file:" + f.path);
  }
  for (const Symbol& s : d.codebase->symbols) {
    if (s.location.file.empty() || s.kind == SymbolKind::namespace_) continue;
    FileRank& r = by_path[s.location.file];
    if (r.path.empty()) {
      r.path = s.location.file;
      r.centrality = lookup(pr, "file:" + s.location.file);
    }
    r.centrality += lookup(pr, s.id);
    if (is_record(s.kind)) ++r.records;
    else if (is_callable(s.kind)) ++r.callables;
    else ++r.others;
  }
  std::vector<FileRank> out;
  for (auto& [_, r] : by_path) out.push_back(std::move(r));
  std::stable_sort(out.begin(), out.end(),
                   [](const FileRank& a, const FileRank& b) { return a.centrality > b.centrality; });
  return out;
}

std::string summary_of(const DocSet& d, const Symbol& s) {
  // A documented symbol's summary is the writer's verdict, even when empty (its comment was
  // a ruler or a pointer elsewhere); the raw brief would bring the ruler back.
  if (auto it = d.docs->find(s.id); it != d.docs->end()) return it->second.summary;
  return s.brief;
}

namespace {

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string code(const std::string& s) { return "`" + s + "`"; }

std::string join_names(const std::vector<std::string>& names, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) {
    if (i) out += (i + 1 == names.size() || i + 1 == limit) ? " and " : ", ";
    out += code(names[i]);
  }
  if (names.size() > limit) out += " (and " + std::to_string(names.size() - limit) + " more)";
  return out;
}

}  // namespace

std::string architecture_overview(const DocSet& d) {
  if (!d.architecture_overview.empty()) return d.architecture_overview;
  const Codebase& cb = *d.codebase;
  std::size_t records = 0, callables = 0, enums = 0;
  std::set<std::string> namespaces, languages;
  for (const Symbol& s : cb.symbols) {
    if (is_record(s.kind)) ++records;
    else if (is_callable(s.kind)) ++callables;
    else if (s.kind == SymbolKind::enum_) ++enums;
    else if (s.kind == SymbolKind::namespace_) namespaces.insert(display_name(s));
    if (!s.language.empty()) languages.insert(s.language);
  }
  std::ostringstream o;
  std::string name = cb.name.empty() ? std::string("The project") : code(cb.name);
  std::string langs;
  for (const auto& l : languages) langs += (langs.empty() ? "" : "/") + l;
  o << name << " is a " << (langs.empty() ? std::string("") : langs + " ") << "codebase of "
    << plural(cb.files.size(), "file", "files") << " and "
    << plural(cb.symbols.size(), "symbol", "symbols") << ": "
    << plural(records, "class or struct", "classes and structs") << ", "
    << plural(callables, "function or method", "functions and methods") << " and "
    << plural(enums, "enum", "enums");
  if (!namespaces.empty())
    o << ", in " << plural(namespaces.size(), "namespace", "namespaces") << " ("
      << join_names(std::vector<std::string>(namespaces.begin(), namespaces.end()), 6) << ")";
  o << ".\n\n";

  auto files = rank_files(d);
  if (!files.empty()) {
    o << "The most central files (PageRank over calls, inheritance, type use and includes) are:\n";
    for (std::size_t i = 0; i < files.size() && i < 5; ++i) {
      const FileRank& f = files[i];
      o << "- " << code(f.path) << ": " << plural(f.records, "class", "classes") << ", "
        << plural(f.callables, "function", "functions") << "\n";
    }
    o << "\n";
  }

  auto central_records = rank_symbols(d, [](const Symbol& s) { return is_record(s.kind); }, 5);
  if (!central_records.empty()) {
    o << "The central types are:\n";
    for (std::size_t i : central_records) {
      const Symbol& s = cb.symbols[i];
      o << "- " << code(display_name(s));
      std::string sum = summary_of(d, s);
      if (!sum.empty()) o << ": " << sum;
      std::vector<std::string> derived;
      for (const Relation& r : cb.relations)
          if (r.kind == RelationKind::inherits && r.to == s.id)
            if (const Symbol* c = cb.find(r.from)) derived.push_back(display_name(*c));
      std::sort(derived.begin(), derived.end());
      derived.erase(std::unique(derived.begin(), derived.end()), derived.end());
      if (!derived.empty()) o << " (base of " << join_names(derived, 5) << ")";
      o << "\n";
    }
    o << "\n";
  }

  // Entry points: callables that call others but that nothing calls.
  std::set<std::string> called, callers;
  for (const Relation& r : cb.relations)
    if (r.kind == RelationKind::calls) {
      called.insert(r.to);
      callers.insert(r.from);
    }
  std::vector<std::string> entries;
  // Constructors, destructors and operators are not where a reader starts, and test or
  // benchmark functions are called by their harness, not by the project's users.
  for (const Symbol& s : cb.symbols)
    if ((s.kind == SymbolKind::function || s.kind == SymbolKind::method) &&
        callers.count(s.id) && !called.count(s.id)) {
      FileRole role = d.roles ? role_of(*d.roles, s) : FileRole::library;
      if (role == FileRole::library || role == FileRole::public_header)
        entries.push_back(display_name(s));
    }
  if (!entries.empty())
    o << "Entry points (functions that call others and are called by none): "
      << join_names(entries, 6) << ".\n\n";

  auto hubs = rank_symbols(
      d, [&](const Symbol& s) { return is_callable(s.kind) && called.count(s.id); }, 5);
  if (!hubs.empty()) {
    std::vector<std::string> names;
    for (std::size_t i : hubs) names.push_back(display_name(cb.symbols[i]));
    o << "The most central functions are " << join_names(names, 5) << ".\n";
  }
  std::string out = o.str();
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<std::string> highlights(const DocSet& d, std::size_t limit) {
  std::vector<std::string> out;
  auto top = rank_symbols(
      d,
      [](const Symbol& s) {
        return s.kind != SymbolKind::namespace_ && s.kind != SymbolKind::enumerator &&
               s.kind != SymbolKind::field;
      },
      limit);
  for (std::size_t i : top) {
    const Symbol& s = d.codebase->symbols[i];
    std::string line = code(display_name(s)) + " (" + std::string(to_string(s.kind)) + ", " +
                       s.location.file + ":" + std::to_string(s.location.line) + ")";
    std::string sum = summary_of(d, s);
    if (!sum.empty()) line += ": " + sum;
    out.push_back(std::move(line));
  }
  return out;
}

std::string source_label(const Codebase& cb) {
  const SourceInfo& src = cb.source;
  if ((src.type == "git" || src.type == "github") && !src.url_or_path.empty())
    return src.url_or_path;
  if (!cb.name.empty()) return cb.name;
  // A local path: its last component only (the rest says where the user's disk keeps it).
  std::string_view p = src.url_or_path.empty() ? std::string_view(cb.root) : src.url_or_path;
  while (!p.empty() && (p.back() == '/' || p.back() == '\\')) p.remove_suffix(1);
  auto slash = p.find_last_of("/\\");
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

std::string source_url(const Codebase& cb, const SourceRange& r) {
  const SourceInfo& src = cb.source;
  if (src.type != "github" && src.type != "git") return {};
  std::string url = src.url_or_path;
  const std::string host = "https://github.com/";
  if (url.rfind(host, 0) != 0 || r.file.empty()) return {};
  std::string repo = url.substr(host.size());
  if (repo.size() > 4 && repo.compare(repo.size() - 4, 4, ".git") == 0) repo.resize(repo.size() - 4);
  while (!repo.empty() && repo.back() == '/') repo.pop_back();
  // owner/name only (a tree/<ref> suffix in the URL is dropped: the commit says where).
  auto first = repo.find('/');
  if (first == std::string::npos) return {};
  auto second = repo.find('/', first + 1);
  if (second != std::string::npos) repo.resize(second);
  std::string rev = !src.commit.empty() ? src.commit : src.ref;
  if (rev.empty()) return {};
  std::string out = host + repo + "/blob/" + rev + "/" + r.file;
  if (r.line > 0) {
    out += "#L" + std::to_string(r.line);
    if (r.end_line > r.line) out += "-L" + std::to_string(r.end_line);
  }
  return out;
}

}  // namespace doctown::detail
