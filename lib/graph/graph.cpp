// Graph value type lookups and the dependency waves the planner documents in: a symbol comes
// after what it depends on (callees, bases, overridden methods, used types), so the writer of a
// caller can read its callees' finished docs. Cycles (mutual recursion) share one wave.
#include "doctown/graph.hpp"

#include <algorithm>
#include <unordered_map>

namespace doctown {

void Graph::reindex() {
  index_.clear();
  index_.reserve(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) index_.emplace(nodes[i].id, i);
  out_edges_.clear();
  in_edges_.clear();
  for (std::size_t i = 0; i < edges.size(); ++i) {
    out_edges_[edges[i].from].push_back(i);
    in_edges_[edges[i].to].push_back(i);
  }
  indexed_edges_ = edges.size();
  indexed_nodes_ = nodes.size();
}

std::optional<std::size_t> Graph::index_of(std::string_view id) const {
  if (indexed_nodes_ == nodes.size() && !nodes.empty()) {
    auto it = index_.find(std::string(id));
    if (it == index_.end()) return std::nullopt;
    if (it->second < nodes.size() && nodes[it->second].id == id) return it->second;
  }
  // Not indexed, or edited since reindex(): a linear scan is slow but right.
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].id == id) return i;
  return std::nullopt;
}

double Graph::pagerank(std::string_view id) const {
  auto i = index_of(id);
  return i ? nodes[*i].pagerank : 0.0;
}

std::vector<std::string> Graph::targets(std::string_view id, RelationKind kind) const {
  std::vector<std::string> out;
  if (indexed_edges_ == edges.size()) {
    auto it = out_edges_.find(std::string(id));
    if (it == out_edges_.end()) return out;
    for (std::size_t e : it->second)
      if (e < edges.size() && edges[e].kind == kind && edges[e].from == id)
        out.push_back(edges[e].to);
    return out;
  }
  for (const auto& e : edges)
    if (e.kind == kind && e.from == id) out.push_back(e.to);
  return out;
}

std::vector<std::string> Graph::sources(std::string_view id, RelationKind kind) const {
  std::vector<std::string> out;
  if (indexed_edges_ == edges.size()) {
    auto it = in_edges_.find(std::string(id));
    if (it == in_edges_.end()) return out;
    for (std::size_t e : it->second)
      if (e < edges.size() && edges[e].kind == kind && edges[e].to == id)
        out.push_back(edges[e].from);
    return out;
  }
  for (const auto& e : edges)
    if (e.kind == kind && e.to == id) out.push_back(e.from);
  return out;
}

std::vector<std::vector<std::string>> dependency_waves(const Graph& graph,
                                                       std::span<const std::string> ids) {
  // Position of each id in the request (first occurrence wins; duplicates are dropped).
  std::vector<std::string> unique;
  std::unordered_map<std::string_view, std::size_t> pos;
  unique.reserve(ids.size());
  for (const auto& id : ids)
    if (pos.emplace(id, unique.size()).second) unique.push_back(id);
  // `pos` keys view `ids`, which outlives this function body.

  // Every kind below reads "from depends on to": a caller needs its callee, a derived class its
  // base, an override the method it overrides, a user the type it uses. `contains` and
  // `similar` are not dependencies, `includes` links files, not symbols.
  std::vector<IndexEdge> deps;
  for (const auto& e : graph.edges) {
    if (e.kind != RelationKind::calls && e.kind != RelationKind::inherits &&
        e.kind != RelationKind::overrides && e.kind != RelationKind::uses_type)
      continue;
    auto f = pos.find(e.from), t = pos.find(e.to);
    if (f == pos.end() || t == pos.end() || f->second == t->second) continue;
    deps.push_back({f->second, t->second, 1.0});
  }
  const std::size_t n = unique.size();
  auto comp = strongly_connected_components(n, deps);
  std::size_t components = 0;
  for (std::size_t c : comp) components = std::max(components, c + 1);

  // Tarjan numbers components so that a component's successors (its dependencies) come first:
  // one pass in increasing component number sees every dependency's wave before its user's.
  std::vector<std::vector<std::size_t>> comp_deps(components);
  for (const auto& d : deps)
    if (comp[d.from] != comp[d.to]) comp_deps[comp[d.from]].push_back(comp[d.to]);
  std::vector<std::size_t> wave(components, 0);
  std::size_t waves = 0;
  for (std::size_t c = 0; c < components; ++c) {
    for (std::size_t d : comp_deps[c]) wave[c] = std::max(wave[c], wave[d] + 1);
    waves = std::max(waves, wave[c] + 1);
  }
  // Within a wave, ids keep the caller's order: deterministic for a deterministic input.
  std::vector<std::vector<std::string>> out(waves);
  for (std::size_t i = 0; i < n; ++i) out[wave[comp[i]]].push_back(std::move(unique[i]));
  return out;
}

}  // namespace doctown
