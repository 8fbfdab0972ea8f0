// The docpack writer: one zip in Doctown's 6.1 layout (manifest.json, filestructure.json,
// chunks.json, embeddings.bin, graph.json, documentation.json, README.md) so existing docpack
// readers keep working; our additions are extra keys that those readers ignore.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include <boost/json.hpp>

#include "core/file_util.hpp"
#include "core/json_util.hpp"
#include "core/utf8.hpp"
#include "doctown/version.hpp"
#include "doctown/writer.hpp"
#include "format/format.hpp"
#include "output/docpack/docpack_writer.hpp"
#include "output/docpack/zip_io.hpp"
#include "output/docset/docset_util.hpp"
#include "output/staging/dir_util.hpp"
#include "verify/name_resolver.hpp"

namespace doctown {
namespace detail {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// Relations by endpoint, for the calls/called_by/extends/... lists of each chunk.
struct RelationIndex {
  std::map<std::string, std::vector<std::string>, std::less<>> out[7];
  std::map<std::string, std::vector<std::string>, std::less<>> in[7];
  explicit RelationIndex(const Codebase& cb) {
    for (const Relation& r : cb.relations) {
      out[static_cast<int>(r.kind)][r.from].push_back(r.to);
      in[static_cast<int>(r.kind)][r.to].push_back(r.from);
    }
  }
  json::array get(bool outgoing, RelationKind k, const std::string& id) const {
    const auto& m = outgoing ? out[static_cast<int>(k)] : in[static_cast<int>(k)];
    auto it = m.find(id);
    return it == m.end() ? json::array{} : string_array(it->second);
  }
};

json::value filestructure(const Codebase& cb, const FileRoles* roles) {
  // A directory tree: {path, node_type, size, children}; files carry language and hash.
  struct Node {
    std::map<std::string, Node> dirs;
    std::vector<const SourceFile*> files;
  };
  Node root;
  for (const SourceFile& f : cb.files) {
    Node* n = &root;
    std::string_view p = f.path;
    std::size_t slash;
    while ((slash = p.find('/')) != std::string_view::npos) {
      n = &n->dirs[std::string(p.substr(0, slash))];
      p.remove_prefix(slash + 1);
    }
    n->files.push_back(&f);
  }
  std::function<json::object(const Node&, const std::string&)> emit =
      [&](const Node& n, const std::string& path) {
        json::array children;
        std::uint64_t size = 0;
        for (const auto& [name, child] : n.dirs) {
          json::object c = emit(child, path.empty() ? name : path + "/" + name);
          size += static_cast<std::uint64_t>(c["size"].as_int64());
          children.push_back(std::move(c));
        }
        for (const SourceFile* f : n.files) {
          size += f->size;
          children.push_back(json::object{{"path", f->path},
                                          {"node_type", "file"},
                                          {"size", f->size},
                                          {"language", f->language},
                                          {"role", to_string(roles ? role_of_file(*roles, f->path)
                                                                   : FileRole::library)},
                                          {"sha256", f->sha256},
                                          {"children", json::array{}}});
        }
        return json::object{{"path", path},
                            {"node_type", "directory"},
                            {"size", static_cast<std::int64_t>(size)},
                            {"children", std::move(children)}};
      };
  return emit(root, "");
}

json::array chunks(const DocSet& d) {
  const Codebase& cb = *d.codebase;
  RelationIndex rel(cb);
  json::array out;
  for (std::size_t i = 0; i < cb.symbols.size(); ++i) {
    const Symbol& s = cb.symbols[i];
    json::object chunk = chunk_json(s);
    json::object& meta = chunk["metadata"].as_object();
    meta["calls"] = rel.get(true, RelationKind::calls, s.id);
    meta["called_by"] = rel.get(false, RelationKind::calls, s.id);
    meta["extends"] = rel.get(true, RelationKind::inherits, s.id);
    meta["implements"] = rel.get(true, RelationKind::overrides, s.id);
    meta["uses_types"] = rel.get(true, RelationKind::uses_type, s.id);
    json::object& extra = meta["extra"].as_object();
    extra["embedding_row"] = i;
    if (i < d.scores->size()) {
      const DocScore& sc = (*d.scores)[i];
      extra["doc_score"] = sc.score;
      extra["doc_score_parts"] = json::object{{"structural", sc.structural},
                                              {"semantic", sc.semantic},
                                              {"complexity", sc.complexity}};
      extra["selected"] = sc.selected;
      extra["selection_reason"] = sc.reason;
    }
    out.push_back(std::move(chunk));
  }
  return out;
}

json::object graph(const DocSet& d) {
  const Codebase& cb = *d.codebase;
  json::array nodes;
  for (const GraphNode& n : d.graph->nodes) {
    json::object o{{"id", n.id},
                   {"node_type", n.is_file ? "file" : "symbol"},
                   {"pagerank", n.pagerank},
                   {"scc", n.scc}};
    if (n.is_file) {
      o["name"] = n.id.rfind("file:", 0) == 0 ? n.id.substr(5) : n.id;
    } else if (const Symbol* s = cb.find(n.id)) {
      o["name"] = display_name(*s);
      o["kind"] = to_string(s->kind);
      o["path"] = s->location.file;
    } else {
      o["name"] = n.id;
    }
    nodes.push_back(std::move(o));
  }
  json::array edges;
  std::map<std::string, std::size_t> by_type;
  for (const Relation& r : d.graph->edges) {
    ++by_type[std::string(to_string(r.kind))];
    edges.push_back(graph_edge_json(r));
  }
  json::object types;
  for (const auto& [k, v] : by_type) types[k] = v;
  return json::object{
      {"nodes", std::move(nodes)},
      {"edges", std::move(edges)},
      {"dependency_order", string_array(d.graph->dependency_order)},
      {"statistics", json::object{{"nodes", d.graph->nodes.size()},
                                  {"edges", d.graph->edges.size()},
                                  {"edges_by_type", std::move(types)}}}};
}

std::string details_markdown(const SymbolDoc& doc) {
  std::string md;
  if (!doc.params.empty()) {
    md += "Parameters:\n";
    for (const ParamDoc& p : doc.params) md += "- `" + p.name + "`: " + p.description + "\n";
  }
  if (!doc.returns.empty()) md += "\nReturns: " + doc.returns + "\n";
  if (!doc.throws.empty()) md += "\nThrows: " + doc.throws + "\n";
  if (!doc.notes.empty()) md += "\nNotes: " + doc.notes + "\n";
  for (const std::string& ex : doc.examples) md += "\nExample:\n```\n" + ex + "\n```\n";
  while (!md.empty() && md.front() == '\n') md.erase(0, 1);
  return md;
}

json::object documentation(const DocSet& d, const std::vector<VerifyResult>& verification) {
  NameResolver resolver(*d.codebase);
  json::array summaries;
  for (const auto& [id, doc] : *d.docs) {
    json::array related;
    std::set<std::string> seen;
    for (const std::string& ref : doc.see_also)
      if (const Symbol* s = resolver.resolve(ref); s && seen.insert(s->id).second)
        related.emplace_back(s->id);
    json::object summary = json::value_from(doc).as_object();
    summary["symbol_id"] = id;
    summary["details"] = details_markdown(doc);
    summary["related"] = std::move(related);
    summaries.push_back(std::move(summary));
  }
  json::array failures;
  for (const SymbolFailure& f : *d.failures)
    failures.push_back(json::object{{"symbol_id", f.id}, {"reason", f.reason}});
  json::array per_symbol;
  std::size_t ok = 0;
  for (const VerifyResult& v : verification) {
    if (v.ok()) ++ok;
    json::array issues;
    for (const VerifyIssue& is : v.issues)
      issues.push_back(json::object{
          {"kind", to_string(is.kind)}, {"subject", is.subject}, {"message", is.message}});
    per_symbol.push_back(
        json::object{{"symbol_id", v.id}, {"ok", v.ok()}, {"issues", std::move(issues)}});
  }
  return json::object{
      {"summaries", std::move(summaries)},
      {"architecture_overview", architecture_overview(d)},
      {"highlights", string_array(highlights(d))},
      {"generation_stats", json::value_from(d.stats)},
      {"failures", std::move(failures)},
      {"verification", json::object{{"checked", verification.size()},
                                    {"ok", ok},
                                    {"ratio", verified_ratio(verification)},
                                    {"symbols", std::move(per_symbol)}}}};
}

Manifest::DocScoring doc_scoring(const DocSet& d) {
  std::vector<double> v;
  Manifest::DocScoring out;
  for (const DocScore& s : *d.scores) {
    v.push_back(s.score);
    if (s.selected) ++out.selected;
  }
  std::sort(v.begin(), v.end());
  out.scored = v.size();
  if (!v.empty()) {
    out.min = v.front();
    out.max = v.back();
    out.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    out.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }
  const DocScoreOptions& o = d.doc_scoring;
  out.enabled = o.enabled;
  out.threshold = o.threshold;
  out.structural = o.structural;
  out.semantic = o.semantic;
  out.complexity = o.complexity;
  return out;
}

Manifest manifest(const DocSet& d, const std::string& name) {
  const Codebase& cb = *d.codebase;
  Manifest m;
  m.docpack_version = kDocpackVersion;
  m.name = name;
  m.source = cb.source;
  if (m.source.type.empty()) m.source.type = "local";
  if (m.source.url_or_path.empty()) m.source.url_or_path = cb.root;
  m.generated_at = d.generated_at.empty() ? utc_now_iso8601() : d.generated_at;
  m.totals = {cb.files.size(),     cb.symbols.size(), cb.symbols.size(),
              cb.relations.size(), d.docs->size(),    d.failures->size(),
              d.graph->nodes.size(), d.graph->edges.size()};
  m.embedding.model = d.embeddings->model;
  m.embedding.dims = d.embeddings->dims;
  m.embedding.rows = d.embeddings->rows;
  m.generator = {"doctown", version_string, d.llm_model, d.llm_mode, d.language};
  m.doc_scoring = doc_scoring(d);
  m.generation_stats = d.stats;
  m.members = {"manifest.json", "filestructure.json", "chunks.json",      "embeddings.bin",
               "graph.json",    "documentation.json", "sources.json",     "README.md"};
  return m;
}

// sources.json: the text of every file that holds a symbol, so that the MCP server (and any
// reader) can show code without the source tree. The analysed tree is hostile: only regular
// files that resolve inside the root are read, and the sizes are capped so that a docpack
// cannot balloon; what is left out is listed with the reason.
json::object sources(const Codebase& cb) {
  constexpr std::uint64_t kMaxFile = 1u << 20, kMaxTotal = 64u << 20;
  std::set<std::string, std::less<>> with_symbols;
  for (const Symbol& s : cb.symbols) with_symbols.insert(s.location.file);
  std::error_code ec;
  fs::path root = cb.root.empty() ? fs::path() : fs::weakly_canonical(cb.root, ec);
  json::array files, omitted;
  std::uint64_t total = 0;
  auto omit = [&](const SourceFile& f, const char* why) {
    omitted.push_back(json::object{{"path", f.path}, {"reason", why}});
  };
  for (const SourceFile& f : cb.files) {
    if (!with_symbols.count(f.path)) continue;
    if (root.empty()) {
      omit(f, "source tree not available when the docpack was written");
      continue;
    }
    fs::path p = fs::weakly_canonical(root / f.path, ec);
    auto [r, pe] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
    if (ec || r != root.end() || !fs::is_regular_file(fs::symlink_status(root / f.path, ec))) {
      omit(f, "not a regular file inside the source tree");
      continue;
    }
    auto size = fs::file_size(p, ec);
    if (ec || size > kMaxFile || total + size > kMaxTotal) {
      omit(f, size > kMaxFile ? "larger than 1 MiB" : "docpack source budget (64 MiB) spent");
      continue;
    }
    auto text = read_file(p);
    if (!text) {
      omit(f, "unreadable");
      continue;
    }
    total += text->size();
    repair_utf8(*text);
    files.push_back(json::object{{"path", f.path}, {"sha256", f.sha256}, {"text", std::move(*text)}});
  }
  return json::object{{"files", std::move(files)}, {"omitted", std::move(omitted)}};
}

std::string embeddings_bin(const EmbeddingMatrix& m) {
  std::string out(m.values.size() * 4, '\0');
  for (std::size_t i = 0; i < m.values.size(); ++i) {
    std::uint32_t bits = std::bit_cast<std::uint32_t>(m.values[i]);
    if constexpr (std::endian::native == std::endian::big)
      bits = ((bits & 0xffu) << 24) | ((bits & 0xff00u) << 8) | ((bits >> 8) & 0xff00u) |
             (bits >> 24);
    std::memcpy(out.data() + i * 4, &bits, 4);
  }
  return out;
}

std::string readme(const DocSet& d, const std::string& name, const Manifest& man) {
  const Codebase& cb = *d.codebase;
  std::string md = "# " + name + " docpack\n\n";
  md += "Generated by doctown " + std::string(version_string) + " on " +
        man.generated_at + " from `" + source_label(cb) + "`";
  if (!cb.source.commit.empty()) md += " at commit `" + cb.source.commit + "`";
  md += ".\n\n";
  md += "- Files: " + std::to_string(cb.files.size()) + "\n";
  md += "- Symbols (chunks): " + std::to_string(cb.symbols.size()) + "\n";
  md += "- Documented: " + std::to_string(d.docs->size()) + " (LLM: " + d.llm_model + ", mode " +
        d.llm_mode + ")\n";
  md += "- Embeddings: " + std::to_string(d.embeddings->rows) + " x " +
        std::to_string(d.embeddings->dims) + " float32 little-endian (" + d.embeddings->model +
        ")\n\n";
  md += "## Architecture\n\n" + architecture_overview(d) + "\n\n";
  auto hl = highlights(d);
  if (!hl.empty()) {
    md += "## Highlights\n\n";
    for (const auto& h : hl) md += "- " + h + "\n";
    md += "\n";
  }
  md +=
      "## Contents\n\n"
      "| Member | What it holds |\n|---|---|\n"
      "| manifest.json | version, source, totals, embedding model, generator, scoring |\n"
      "| filestructure.json | the directory tree of the analysed files |\n"
      "| chunks.json | one record per symbol (facts, relations, DocScore) |\n"
      "| embeddings.bin | float32 row-major; row i is chunks[i] |\n"
      "| graph.json | typed edges and PageRank per node |\n"
      "| documentation.json | generated docs, architecture overview, verification |\n"
      "| sources.json | the text of each file that holds a symbol (for readers without the tree) |\n";
  return md;
}

std::time_t parse_time(const std::string& iso) {
  std::tm tm{};
  if (iso.size() >= 19 &&
      std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
  }
  return std::time(nullptr);
}

}  // namespace

result<std::vector<ZipMember>> docpack_members(const DocSet& d, const std::string& name) {
  if (auto ok = validate_docset(d); !ok) return ok.error();
  try {
    const std::vector<VerifyResult>& verification = *d.verification;
    Manifest man = manifest(d, name);
    std::vector<ZipMember> m;
    m.push_back({"manifest.json", pretty_json(json::value_from(man))});
    m.push_back({"filestructure.json", pretty_json(filestructure(*d.codebase, d.roles))});
    m.push_back({"chunks.json", pretty_json(chunks(d))});
    m.push_back({"embeddings.bin", embeddings_bin(*d.embeddings)});
    m.push_back({"graph.json", pretty_json(graph(d))});
    m.push_back({"documentation.json", pretty_json(documentation(d, verification))});
    m.push_back({"sources.json", pretty_json(sources(*d.codebase))});
    m.push_back({"README.md", readme(d, name, man)});
    return m;
  } catch (const std::exception& e) {
    return fail(errc::internal, std::string("building the docpack failed: ") + e.what(), name);
  }
}

namespace {

class DocpackWriter final : public Writer {
 public:
  std::string_view format() const override { return "docpack"; }
  result<fs::path> write(const DocSet& docs, const fs::path& out_dir, const std::string& name,
                         const RunContext& ctx) override {
    if (auto ok = check_output_name(name); !ok) return ok.error();
    auto members = docpack_members(docs, name);
    if (!members) return std::move(members).error();
    fs::path path = out_dir / (name + ".docpack");
    std::time_t mtime = parse_time(docs.generated_at);
    if (auto ok = write_zip_atomic(path, *members, mtime); !ok) return ok.error();
    ctx.note("write", "docpack written to " + path.string());
    return path;
  }
};

}  // namespace
}  // namespace detail

result<std::unique_ptr<Writer>> make_docpack_writer() {
  return std::unique_ptr<Writer>(std::make_unique<detail::DocpackWriter>());
}

}  // namespace doctown
