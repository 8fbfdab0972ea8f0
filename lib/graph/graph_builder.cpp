// Builds the typed graph of a codebase: symbol nodes (codebase order) then file nodes
// ("file:<path>"), the analyzer's relations, file→symbol containment, `similar` edges from the
// k-NN of the embeddings (weight = cosine), file-to-file similarity (mean of a file's symbol
// vectors, top `file_neighbors` at >= `file_min_similarity`), then PageRank with the options'
// edge-type weights, SCCs over the dependency edges, and the dependency order.
#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "doctown/graph.hpp"

namespace doctown {
namespace {

bool is_dependency(RelationKind k) {
  return k == RelationKind::calls || k == RelationKind::inherits || k == RelationKind::overrides ||
         k == RelationKind::uses_type || k == RelationKind::includes;
}

class DefaultGraphBuilder final : public GraphBuilder {
 public:
  explicit DefaultGraphBuilder(GraphOptions o) : options_(std::move(o)) {}

  result<Graph> build(const Codebase& cb, const EmbeddingMatrix& emb,
                      const RunContext& ctx) override {
    const std::size_t n = cb.symbols.size();
    if (emb.rows != 0 && emb.rows != n)
      return fail(errc::invalid_argument,
                  "the embeddings have " + std::to_string(emb.rows) +
                      " rows but the codebase has " + std::to_string(n) +
                      " symbols; embed the same codebase you build the graph of",
                  cb.root);
    Graph g;
    g.nodes.reserve(n + cb.files.size());
    for (const auto& s : cb.symbols) g.nodes.push_back(GraphNode{s.id, false, 0, 0});

    // Files: the analysed ones, plus any a symbol points at that the file list lacks.
    std::set<std::string> files;
    for (const auto& f : cb.files) files.insert(f.path);
    for (const auto& s : cb.symbols)
      if (!s.location.file.empty()) files.insert(s.location.file);
    for (const auto& f : files) g.nodes.push_back(GraphNode{"file:" + f, true, 0, 0});
    g.reindex();

    g.edges = cb.relations;
    add_file_containment(cb, g);
    if (ctx.stop_requested()) return fail(errc::cancelled, "graph construction cancelled");

    if (emb.rows == n && n > 1) {
      auto nn = knn(emb, options_.knn);
      for (std::size_t i = 0; i < n; ++i)
        for (const auto& nb : nn[i])
          g.edges.push_back(
              Relation{cb.symbols[i].id, cb.symbols[nb.index].id, RelationKind::similar, nb.score});
      if (ctx.stop_requested()) return fail(errc::cancelled, "graph construction cancelled");
      add_file_similarity(cb, emb, g);
    } else if (emb.rows == 0 && n > 1) {
      ctx.note("graph", "no embeddings: the graph has no `similar` edges");
    }
    g.reindex();

    // Index edges once; edges naming unknown ids (e.g. a call into a library) take no part.
    std::vector<IndexEdge> weighted, deps;
    weighted.reserve(g.edges.size());
    for (const auto& e : g.edges) {
      auto f = g.index_of(e.from), t = g.index_of(e.to);
      if (!f || !t) continue;
      auto w = options_.edge_weights.find(e.kind);
      double kind_weight = w == options_.edge_weights.end() ? 0.0 : w->second;
      // A `similar` edge counts in proportion to how similar; other kinds by their type weight.
      double weight =
          kind_weight * (e.kind == RelationKind::similar ? std::max(0.0, e.weight) : 1.0);
      if (weight > 0) weighted.push_back({*f, *t, weight});
      if (is_dependency(e.kind)) deps.push_back({*f, *t, 1.0});
    }
    auto ranks = pagerank(g.nodes.size(), weighted, options_.damping, options_.tolerance,
                          options_.max_iterations);
    auto comps = strongly_connected_components(g.nodes.size(), deps);
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      g.nodes[i].pagerank = ranks[i];
      g.nodes[i].scc = comps[i];
    }

    std::vector<std::string> ids;
    ids.reserve(n);
    for (const auto& s : cb.symbols) ids.push_back(s.id);
    for (auto& wave : dependency_waves(g, ids))
      for (auto& id : wave) g.dependency_order.push_back(std::move(id));
    return g;
  }

 private:
  // A file contains the symbols declared in it at its top level: symbols without a parent, or
  // whose parent is a namespace or lives in another file (a namespace spans files; members of a
  // class are reached through the class).
  static void add_file_containment(const Codebase& cb, Graph& g) {
    for (const auto& s : cb.symbols) {
      if (s.location.file.empty()) continue;
      const Symbol* parent = s.parent_id.empty() ? nullptr : cb.find(s.parent_id);
      bool top_level = parent == nullptr || parent->kind == SymbolKind::namespace_ ||
                       parent->location.file != s.location.file;
      if (top_level)
        g.edges.push_back(Relation{"file:" + s.location.file, s.id, RelationKind::contains, 1.0});
    }
  }

  // The seed's rule: a file's vector is the mean of its symbols' vectors (renormalised); each
  // file links to its `file_neighbors` most similar files at >= `file_min_similarity`.
  void add_file_similarity(const Codebase& cb, const EmbeddingMatrix& emb, Graph& g) const {
    if (options_.file_neighbors == 0) return;
    std::vector<std::string> paths;
    std::unordered_map<std::string, std::size_t> row_of;
    for (const auto& s : cb.symbols)
      if (!s.location.file.empty() && row_of.emplace(s.location.file, paths.size()).second)
        paths.push_back(s.location.file);
    if (paths.size() < 2) return;
    EmbeddingMatrix files;
    files.rows = paths.size();
    files.dims = emb.dims;
    files.values.assign(files.rows * files.dims, 0.0f);
    std::vector<double> acc(files.rows * files.dims, 0.0);
    for (std::size_t i = 0; i < cb.symbols.size(); ++i) {
      const auto& f = cb.symbols[i].location.file;
      if (f.empty()) continue;
      double* dst = acc.data() + row_of[f] * files.dims;
      auto src = emb.row(i);
      for (std::size_t d = 0; d < files.dims; ++d) dst[d] += src[d];
    }
    for (std::size_t r = 0; r < files.rows; ++r) {
      double norm = 0;
      for (std::size_t d = 0; d < files.dims; ++d)
        norm += acc[r * files.dims + d] * acc[r * files.dims + d];
      norm = std::sqrt(norm);
      if (norm == 0) continue;
      for (std::size_t d = 0; d < files.dims; ++d)
        files.values[r * files.dims + d] = static_cast<float>(acc[r * files.dims + d] / norm);
    }
    KnnOptions o = options_.knn;
    o.k = options_.file_neighbors;
    o.min_similarity = static_cast<float>(options_.file_min_similarity);
    auto nn = knn_exact(files, o);  // files are few: exact is cheap and reproducible
    for (std::size_t r = 0; r < files.rows; ++r)
      for (const auto& nb : nn[r])
        g.edges.push_back(Relation{"file:" + paths[r], "file:" + paths[nb.index],
                                   RelationKind::similar, nb.score});
  }

  GraphOptions options_;
};

}  // namespace

result<std::unique_ptr<GraphBuilder>> make_graph_builder(GraphOptions options) {
  if (!(options.damping > 0.0 && options.damping < 1.0))
    return fail(errc::invalid_argument, "PageRank damping must be in (0, 1); 0.85 is the default",
                "damping");
  if (!(options.tolerance > 0.0) || options.max_iterations == 0)
    return fail(errc::invalid_argument,
                "PageRank tolerance and iteration cap must be positive (defaults 1e-9, 1000)");
  for (const auto& [kind, w] : options.edge_weights)
    if (!std::isfinite(w) || w < 0)
      return fail(errc::invalid_argument,
                  "edge weight of '" + std::string(to_string(kind)) + "' must be finite and >= 0");
  if (!(options.knn.min_similarity >= -1.0f && options.knn.min_similarity <= 1.0f) ||
      !(options.file_min_similarity >= -1.0 && options.file_min_similarity <= 1.0))
    return fail(errc::invalid_argument, "similarity thresholds must lie in [-1, 1]");
  return std::unique_ptr<GraphBuilder>(std::make_unique<DefaultGraphBuilder>(std::move(options)));
}

}  // namespace doctown
