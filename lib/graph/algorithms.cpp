// Graph algorithms on index graphs: PageRank by power iteration and strongly connected
// components by an iterative Tarjan. Both work on compressed adjacency arrays built once per
// call, so they scale to millions of edges, and neither recurses, so a 200k-deep call chain
// cannot overflow the stack.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "doctown/graph.hpp"

namespace doctown {
namespace {

// Compressed sparse rows: the neighbours of node v are targets[offsets[v] .. offsets[v+1]).
struct Csr {
  std::vector<std::size_t> offsets;
  std::vector<std::size_t> targets;
  std::vector<double> weights;
};

// Groups edges by `from` (or by `to` when `by_target`), keeping the input order of edges within a
// node so that results never depend on hash or sort instabilities. Edges naming nodes out of
// range are ignored: they are a caller bug, but a wrong index must not corrupt memory.
Csr build_csr(std::size_t nodes, std::span<const IndexEdge> edges, bool by_target) {
  Csr csr;
  csr.offsets.assign(nodes + 1, 0);
  for (const auto& e : edges) {
    if (e.from >= nodes || e.to >= nodes) continue;
    ++csr.offsets[(by_target ? e.to : e.from) + 1];
  }
  for (std::size_t v = 0; v < nodes; ++v) csr.offsets[v + 1] += csr.offsets[v];
  csr.targets.resize(csr.offsets[nodes]);
  csr.weights.resize(csr.offsets[nodes]);
  std::vector<std::size_t> fill(csr.offsets.begin(), csr.offsets.end() - 1);
  for (const auto& e : edges) {
    if (e.from >= nodes || e.to >= nodes) continue;
    std::size_t key = by_target ? e.to : e.from;
    std::size_t slot = fill[key]++;
    csr.targets[slot] = by_target ? e.from : e.to;
    csr.weights[slot] = e.weight;
  }
  return csr;
}

}  // namespace

std::vector<double> pagerank(std::size_t nodes, std::span<const IndexEdge> edges, double damping,
                             double tolerance, std::size_t max_iterations) {
  if (nodes == 0) return {};
  const double n = static_cast<double>(nodes);
  if (!(damping >= 0.0 && damping < 1.0)) damping = 0.85;

  // Only positive, finite weights carry rank; a zero weight means "this edge kind is ignored".
  std::vector<IndexEdge> live;
  live.reserve(edges.size());
  for (const auto& e : edges)
    if (e.from < nodes && e.to < nodes && e.weight > 0 && std::isfinite(e.weight))
      live.push_back(e);

  std::vector<double> out_weight(nodes, 0.0);
  for (const auto& e : live) out_weight[e.from] += e.weight;
  // Incoming edges with the transition probability w(u→v) / out_weight(u) precomputed: the
  // iteration is then a pull over in-edges, which is cache-friendly and trivially exact.
  Csr in = build_csr(nodes, live, /*by_target=*/true);
  for (std::size_t v = 0; v < nodes; ++v)
    for (std::size_t i = in.offsets[v]; i < in.offsets[v + 1]; ++i)
      in.weights[i] /= out_weight[in.targets[i]];

  std::vector<std::size_t> dangling;
  for (std::size_t v = 0; v < nodes; ++v)
    if (out_weight[v] == 0.0) dangling.push_back(v);

  std::vector<double> rank(nodes, 1.0 / n), next(nodes, 0.0);
  for (std::size_t it = 0; it < max_iterations; ++it) {
    // A node without out-edges would leak its rank; it is handed to every node uniformly, as if
    // the random surfer jumped anywhere from a dead end.
    double dangling_mass = 0;
    for (std::size_t v : dangling) dangling_mass += rank[v];
    const double base = (1.0 - damping) / n + damping * dangling_mass / n;
    double delta = 0;
    for (std::size_t v = 0; v < nodes; ++v) {
      double sum = 0;
      for (std::size_t i = in.offsets[v]; i < in.offsets[v + 1]; ++i)
        sum += in.weights[i] * rank[in.targets[i]];
      next[v] = base + damping * sum;
      delta += std::abs(next[v] - rank[v]);
    }
    rank.swap(next);
    if (delta < tolerance) break;
  }
  // Rounding drifts the total by ~1e-15 per iteration; renormalise so callers can rely on sum 1.
  double total = 0;
  for (double r : rank) total += r;
  if (total > 0)
    for (double& r : rank) r /= total;
  return rank;
}

std::vector<std::size_t> strongly_connected_components(std::size_t nodes,
                                                       std::span<const IndexEdge> edges) {
  constexpr std::size_t kUnvisited = std::numeric_limits<std::size_t>::max();
  Csr out = build_csr(nodes, edges, /*by_target=*/false);
  std::vector<std::size_t> index(nodes, kUnvisited), low(nodes, 0), component(nodes, kUnvisited);
  std::vector<char> on_stack(nodes, 0);
  std::vector<std::size_t> stack;  // Tarjan's stack of open nodes
  // The explicit call stack: (node, next out-edge position to look at).
  std::vector<std::pair<std::size_t, std::size_t>> frames;
  std::size_t next_index = 0, next_component = 0;

  for (std::size_t root = 0; root < nodes; ++root) {
    if (index[root] != kUnvisited) continue;
    frames.emplace_back(root, out.offsets[root]);
    index[root] = low[root] = next_index++;
    stack.push_back(root);
    on_stack[root] = 1;
    while (!frames.empty()) {
      auto& [v, pos] = frames.back();
      if (pos < out.offsets[v + 1]) {
        std::size_t w = out.targets[pos++];
        if (index[w] == kUnvisited) {
          index[w] = low[w] = next_index++;
          stack.push_back(w);
          on_stack[w] = 1;
          frames.emplace_back(w, out.offsets[w]);  // invalidates v/pos: loop re-reads back()
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      // All successors done: v closes a component if it is its root, then returns to its caller.
      std::size_t done = v;
      if (low[done] == index[done]) {
        std::size_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = 0;
          component[w] = next_component;
        } while (w != done);
        ++next_component;
      }
      frames.pop_back();
      if (!frames.empty()) {
        std::size_t parent = frames.back().first;
        low[parent] = std::min(low[parent], low[done]);
      }
    }
  }
  return component;
}

}  // namespace doctown
