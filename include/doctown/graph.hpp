// Graph stage: files and symbols as nodes, typed edges, PageRank, SCCs and dependency order.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "doctown/embedder.hpp"
#include "doctown/error.hpp"
#include "doctown/progress.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// A node: a symbol (id = Symbol::id) or a file (id = "file:" + relative path).
struct GraphNode {
  std::string id;
  bool is_file = false;
  double pagerank = 0;  ///< sums to 1 over all nodes
  std::size_t scc = 0;  ///< its strongly connected component over calls/inherits/overrides/uses_type/includes edges
};

/// The typed graph of a codebase.
struct Graph {
  std::vector<GraphNode> nodes;
  std::vector<Relation> edges;  ///< analyzer relations + `similar` edges (weight = cosine)
  /// Symbol ids in dependency order: callees and bases before their users.
  std::vector<std::string> dependency_order;

  /// Index of a node by id.
  std::optional<std::size_t> index_of(std::string_view id) const;
  /// PageRank of a node, 0 when unknown.
  double pagerank(std::string_view id) const;
  /// Ids related to `id` by edges of `kind` in the given direction.
  std::vector<std::string> targets(std::string_view id, RelationKind kind) const;
  std::vector<std::string> sources(std::string_view id, RelationKind kind) const;
  /// Rebuild the lookup indexes after editing nodes or edges (called by builders). Lookups
  /// stay correct without it (they fall back to a linear scan), only slower.
  void reindex();

 private:
  std::unordered_map<std::string, std::size_t> index_;
  /// Edge positions by endpoint id, built by reindex(); valid while edges.size() == indexed_edges_.
  std::unordered_map<std::string, std::vector<std::size_t>> out_edges_;
  std::unordered_map<std::string, std::vector<std::size_t>> in_edges_;
  std::size_t indexed_edges_ = 0;
  std::size_t indexed_nodes_ = 0;
};

/// Graph construction options.
struct GraphOptions {
  /// Neighbour search for `similar` edges.
  KnnOptions knn;
  /// PageRank damping factor.
  double damping = 0.85;
  /// PageRank convergence (L1 change between iterations).
  double tolerance = 1e-9;
  /// PageRank iteration cap.
  std::size_t max_iterations = 1000;
  /// Edge weights for PageRank by kind (missing kinds weigh 0, i.e. ignored).
  std::map<RelationKind, double> edge_weights = {
      {RelationKind::calls, 1.0},     {RelationKind::inherits, 1.0},
      {RelationKind::overrides, 0.5}, {RelationKind::uses_type, 0.7},
      {RelationKind::includes, 0.5},  {RelationKind::contains, 0.3},
      {RelationKind::similar, 0.2}};
  /// File-to-file similarity: at most this many per file...
  std::size_t file_neighbors = 5;
  /// ...at or above this cosine similarity.
  double file_min_similarity = 0.7;
};

/// Builds the graph.
class GraphBuilder {
 public:
  virtual ~GraphBuilder() = default;
  virtual result<Graph> build(const Codebase& codebase, const EmbeddingMatrix& embeddings,
                              const RunContext& ctx) = 0;
};

result<std::unique_ptr<GraphBuilder>> make_graph_builder(GraphOptions options);

/// A weighted directed edge between node indices, for the algorithms below.
struct IndexEdge {
  std::size_t from = 0;
  std::size_t to = 0;
  double weight = 1.0;
};

/// PageRank by power iteration; dangling mass is spread uniformly. Sums to 1.
std::vector<double> pagerank(std::size_t nodes, std::span<const IndexEdge> edges,
                             double damping = 0.85, double tolerance = 1e-9,
                             std::size_t max_iterations = 1000);

/// Strongly connected components (iterative Tarjan). Returns the component of each node;
/// components are numbered in reverse topological order (a component's successors first).
std::vector<std::size_t> strongly_connected_components(std::size_t nodes,
                                                       std::span<const IndexEdge> edges);

/// Group `ids` into waves: every symbol comes after the symbols it depends on (callees, bases,
/// used types) among `ids`; members of a cycle share a wave. Uses the graph's edges.
std::vector<std::vector<std::string>> dependency_waves(const Graph& graph,
                                                       std::span<const std::string> ids);

}  // namespace doctown
