// Graph algorithms: PageRank against hand-computed values, SCCs on cyclic graphs, deep chains
// without recursion, dependency waves, and the Graph lookups.
#include "doctown/graph.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <numeric>
#include <set>

using namespace doctown;

namespace {

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

Relation rel(std::string from, std::string to, RelationKind kind) {
  return Relation{std::move(from), std::move(to), kind, 1.0};
}

Graph graph_of(const std::vector<std::string>& ids, std::vector<Relation> edges) {
  Graph g;
  for (const auto& id : ids) g.nodes.push_back(GraphNode{id, false, 0, 0});
  g.edges = std::move(edges);
  g.reindex();
  return g;
}

std::size_t wave_of(const std::vector<std::vector<std::string>>& waves, const std::string& id) {
  for (std::size_t w = 0; w < waves.size(); ++w)
    for (const auto& x : waves[w])
      if (x == id) return w;
  FAIL("id not in any wave: " << id);
  return 0;
}

}  // namespace

TEST_CASE("pagerank of a dangling pair matches the hand solution", "[graph]") {
  // 0 -> 1, node 1 has no out-edges: its rank is spread uniformly. With d = 0.85 the
  // equations r0 = 0.075 + 0.425 r1, r0 + r1 = 1 give r0 = 20/57, r1 = 37/57.
  std::vector<IndexEdge> edges{{0, 1, 1.0}};
  auto r = pagerank(2, edges);
  REQUIRE(r.size() == 2);
  CHECK(r[0] == Approx(20.0 / 57.0).margin(1e-8));
  CHECK(r[1] == Approx(37.0 / 57.0).margin(1e-8));
  CHECK(sum(r) == Approx(1.0).margin(1e-12));
}

TEST_CASE("pagerank of a star pointing at a dead end matches the hand solution", "[graph]") {
  // Leaves 1,2,3 -> hub 0 (dangling). Solving gives hub 71/131, each leaf 20/131.
  std::vector<IndexEdge> edges{{1, 0, 1.0}, {2, 0, 1.0}, {3, 0, 1.0}};
  auto r = pagerank(4, edges);
  CHECK(r[0] == Approx(71.0 / 131.0).margin(1e-8));
  for (int leaf = 1; leaf <= 3; ++leaf) CHECK(r[leaf] == Approx(20.0 / 131.0).margin(1e-8));
  CHECK(sum(r) == Approx(1.0).margin(1e-12));
}

TEST_CASE("pagerank follows edge weights", "[graph]") {
  // 0 -> 1 (weight 3), 0 -> 2 (weight 1), 1 -> 0, 2 -> 0. Solution: r0 = 18/37,
  // r1 = 13.325/37, r2 = 5.675/37.
  std::vector<IndexEdge> edges{{0, 1, 3.0}, {0, 2, 1.0}, {1, 0, 1.0}, {2, 0, 1.0}};
  auto r = pagerank(3, edges);
  CHECK(r[0] == Approx(18.0 / 37.0).margin(1e-8));
  CHECK(r[1] == Approx(13.325 / 37.0).margin(1e-8));
  CHECK(r[2] == Approx(5.675 / 37.0).margin(1e-8));
  CHECK(r[1] > r[2]);
}

TEST_CASE("pagerank ignores zero-weight edges and handles empty graphs", "[graph]") {
  CHECK(pagerank(0, {}).empty());
  auto lone = pagerank(1, {});
  REQUIRE(lone.size() == 1);
  CHECK(lone[0] == Approx(1.0));
  // A zero-weight edge is as if absent: both nodes are dangling, so ranks are equal.
  std::vector<IndexEdge> edges{{0, 1, 0.0}};
  auto r = pagerank(2, edges);
  CHECK(r[0] == Approx(0.5));
  CHECK(r[1] == Approx(0.5));
}

TEST_CASE("pagerank sums to one on a random graph", "[graph]") {
  std::vector<IndexEdge> edges;
  std::uint32_t x = 12345;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  for (int i = 0; i < 3000; ++i)
    edges.push_back({next() % 500, next() % 500, 0.1 + (next() % 100) / 10.0});
  auto r = pagerank(500, edges);
  CHECK(sum(r) == Approx(1.0).margin(1e-12));
  CHECK(std::all_of(r.begin(), r.end(), [](double v) { return v > 0; }));
}

TEST_CASE("strongly connected components find cycles in reverse topological order", "[graph]") {
  // {0,1,2} is a cycle that reaches the cycle {3,4}; 5 stands alone; 6 -> 0.
  std::vector<IndexEdge> edges{{0, 1, 1}, {1, 2, 1}, {2, 0, 1}, {2, 3, 1},
                               {3, 4, 1}, {4, 3, 1}, {6, 0, 1}};
  auto c = strongly_connected_components(7, edges);
  REQUIRE(c.size() == 7);
  CHECK(c[0] == c[1]);
  CHECK(c[1] == c[2]);
  CHECK(c[3] == c[4]);
  CHECK(c[0] != c[3]);
  CHECK(c[5] != c[0]);
  CHECK(c[5] != c[3]);
  CHECK(c[6] != c[0]);
  // Successors first: {3,4} before {0,1,2} before {6}.
  CHECK(c[3] < c[0]);
  CHECK(c[0] < c[6]);
  std::set<std::size_t> distinct(c.begin(), c.end());
  CHECK(distinct.size() == 4);
}

TEST_CASE("a self-loop is its own component", "[graph]") {
  std::vector<IndexEdge> edges{{0, 0, 1}, {0, 1, 1}};
  auto c = strongly_connected_components(2, edges);
  CHECK(c[0] != c[1]);
  CHECK(c[1] < c[0]);
}

TEST_CASE("a 200k-deep chain needs no recursion", "[graph]") {
  const std::size_t n = 200000;
  std::vector<IndexEdge> chain;
  for (std::size_t i = 0; i + 1 < n; ++i) chain.push_back({i, i + 1, 1.0});
  auto c = strongly_connected_components(n, chain);
  // Every node is alone and the tail comes first.
  CHECK(c[n - 1] == 0);
  CHECK(c[0] == n - 1);
  bool decreasing = true;
  for (std::size_t i = 0; i + 1 < n; ++i) decreasing = decreasing && c[i] == c[i + 1] + 1;
  CHECK(decreasing);

  // Closing the chain makes one component of 200k nodes.
  chain.push_back({n - 1, 0, 1.0});
  auto ring = strongly_connected_components(n, chain);
  CHECK(std::all_of(ring.begin(), ring.end(), [](std::size_t v) { return v == 0; }));
  auto r = pagerank(n, chain, 0.85, 1e-12, 50);
  CHECK(r[0] == Approx(1.0 / n));
  CHECK(sum(r) == Approx(1.0).margin(1e-9));
}

TEST_CASE("dependency waves put callees, bases and used types first", "[graph]") {
  // main calls run; run calls parse and eval; eval and apply recurse into each other;
  // Circle inherits Shape; Circle::area overrides Shape::area; run uses the type Circle.
  std::vector<std::string> ids{"main",   "run",   "parse",        "eval",        "apply",
                               "Circle", "Shape", "Circle::area", "Shape::area", "lonely"};
  Graph g = graph_of(
      ids,
      {rel("main", "run", RelationKind::calls), rel("run", "parse", RelationKind::calls),
       rel("run", "eval", RelationKind::calls), rel("eval", "apply", RelationKind::calls),
       rel("apply", "eval", RelationKind::calls), rel("Circle", "Shape", RelationKind::inherits),
       rel("Circle::area", "Shape::area", RelationKind::overrides),
       rel("run", "Circle", RelationKind::uses_type),
       rel("Shape", "Shape::area", RelationKind::contains),
       rel("main", "lonely", RelationKind::similar), rel("run", "outside", RelationKind::calls)});
  auto waves = dependency_waves(g, ids);
  CHECK(wave_of(waves, "parse") < wave_of(waves, "run"));
  CHECK(wave_of(waves, "eval") < wave_of(waves, "run"));
  CHECK(wave_of(waves, "eval") == wave_of(waves, "apply"));
  CHECK(wave_of(waves, "run") < wave_of(waves, "main"));
  CHECK(wave_of(waves, "Shape") < wave_of(waves, "Circle"));
  CHECK(wave_of(waves, "Circle") < wave_of(waves, "run"));
  CHECK(wave_of(waves, "Shape::area") < wave_of(waves, "Circle::area"));
  // contains and similar are not dependencies.
  CHECK(wave_of(waves, "lonely") == 0);
  CHECK(wave_of(waves, "Shape::area") == 0);
  CHECK(wave_of(waves, "Shape") == 0);
  // Every id appears exactly once, and the first wave keeps the caller's order.
  std::size_t total = 0;
  for (const auto& w : waves) total += w.size();
  CHECK(total == ids.size());
  CHECK(waves[0] ==
        std::vector<std::string>{"parse", "eval", "apply", "Shape", "Shape::area", "lonely"});
  // The same input gives the same waves.
  CHECK(dependency_waves(g, ids) == waves);
}

TEST_CASE("dependency waves only consider the requested ids", "[graph]") {
  Graph g = graph_of({"a", "b", "c"},
                     {rel("a", "b", RelationKind::calls), rel("b", "c", RelationKind::calls)});
  std::vector<std::string> subset{"a", "c", "a"};
  auto waves = dependency_waves(g, subset);
  // b is not requested, so a does not wait for c through it; duplicates are dropped.
  REQUIRE(waves.size() == 1);
  CHECK(waves[0] == std::vector<std::string>{"a", "c"});
  CHECK(dependency_waves(g, std::vector<std::string>{}).empty());
}

TEST_CASE("dependency waves handle a 200k-deep call chain", "[graph]") {
  const std::size_t n = 200000;
  std::vector<std::string> ids;
  std::vector<Relation> edges;
  for (std::size_t i = 0; i < n; ++i) ids.push_back("f" + std::to_string(i));
  for (std::size_t i = 0; i + 1 < n; ++i)
    edges.push_back(rel(ids[i], ids[i + 1], RelationKind::calls));
  Graph g = graph_of(ids, std::move(edges));
  auto waves = dependency_waves(g, ids);
  REQUIRE(waves.size() == n);
  CHECK(waves.front() == std::vector<std::string>{ids.back()});
  CHECK(waves.back() == std::vector<std::string>{ids.front()});
}

TEST_CASE("graph lookups by id and kind", "[graph]") {
  Graph g = graph_of(
      {"file:a.hpp", "A", "A::f", "B"},
      {rel("file:a.hpp", "A", RelationKind::contains), rel("A", "A::f", RelationKind::contains),
       rel("B", "A", RelationKind::inherits), rel("B", "A::f", RelationKind::calls)});
  g.nodes[1].pagerank = 0.4;
  CHECK(g.index_of("A") == std::optional<std::size_t>(1));
  CHECK_FALSE(g.index_of("missing"));
  CHECK(g.pagerank("A") == Approx(0.4));
  CHECK(g.pagerank("missing") == 0.0);
  CHECK(g.targets("A", RelationKind::contains) == std::vector<std::string>{"A::f"});
  CHECK(g.sources("A", RelationKind::contains) == std::vector<std::string>{"file:a.hpp"});
  CHECK(g.sources("A", RelationKind::inherits) == std::vector<std::string>{"B"});
  CHECK(g.targets("B", RelationKind::calls) == std::vector<std::string>{"A::f"});
  CHECK(g.targets("B", RelationKind::uses_type).empty());

  // Edits without reindex() still answer correctly (slower path).
  g.edges.push_back(rel("B", "A", RelationKind::uses_type));
  g.nodes.push_back(GraphNode{"C", false, 0.1, 0});
  CHECK(g.targets("B", RelationKind::uses_type) == std::vector<std::string>{"A"});
  CHECK(g.index_of("C") == std::optional<std::size_t>(4));
  g.reindex();
  CHECK(g.index_of("C") == std::optional<std::size_t>(4));
  CHECK(g.sources("A", RelationKind::uses_type) == std::vector<std::string>{"B"});
}

namespace {

Symbol make_symbol(std::string id, SymbolKind kind, std::string file, std::string parent = {}) {
  Symbol s;
  s.id = id;
  s.name = id.substr(id.rfind(':') == std::string::npos ? 0 : id.rfind(':') + 1);
  s.qualified_name = id;
  s.kind = kind;
  s.location = SourceRange{std::move(file), 1, 5};
  s.parent_id = std::move(parent);
  return s;
}

// A small shape library: Circle::area overrides Shape::area, total_area calls Shape::area,
// main calls total_area. Embeddings are hand-made so that similarity is known exactly.
Codebase shapes() {
  Codebase cb;
  cb.files = {
      {"shape.hpp", "c++", 0, ""}, {"circle.hpp", "c++", 0, ""}, {"main.cpp", "c++", 0, ""}};
  cb.symbols = {make_symbol("geo", SymbolKind::namespace_, "shape.hpp"),
                make_symbol("geo::Shape", SymbolKind::class_, "shape.hpp", "geo"),
                make_symbol("geo::Shape::area", SymbolKind::method, "shape.hpp", "geo::Shape"),
                make_symbol("geo::Circle", SymbolKind::class_, "circle.hpp", "geo"),
                make_symbol("geo::Circle::area", SymbolKind::method, "circle.hpp", "geo::Circle"),
                make_symbol("geo::total_area", SymbolKind::function, "main.cpp", "geo"),
                make_symbol("main", SymbolKind::function, "main.cpp")};
  cb.relations = {rel("geo::Shape", "geo::Shape::area", RelationKind::contains),
                  rel("geo::Circle", "geo::Circle::area", RelationKind::contains),
                  rel("geo::Circle", "geo::Shape", RelationKind::inherits),
                  rel("geo::Circle::area", "geo::Shape::area", RelationKind::overrides),
                  rel("geo::total_area", "geo::Shape::area", RelationKind::calls),
                  rel("main", "geo::total_area", RelationKind::calls),
                  rel("main", "printf", RelationKind::calls)};
  cb.normalize();
  return cb;
}

// Rows: the two area methods point the same way, the classes another, the rest a third.
EmbeddingMatrix shapes_embeddings(const Codebase& cb) {
  EmbeddingMatrix m;
  m.rows = cb.symbols.size();
  m.dims = 4;
  m.values.assign(m.rows * 4, 0.f);
  for (std::size_t i = 0; i < m.rows; ++i) {
    const auto& id = cb.symbols[i].id;
    std::size_t axis = id.ends_with("::area")                        ? 0
                       : (id == "geo::Shape" || id == "geo::Circle") ? 1
                                                                     : 2;
    m.values[i * 4 + axis] = 1.f;
  }
  return m;
}

}  // namespace

TEST_CASE("graph builder: nodes, typed edges, similarity, PageRank, order", "[graph]") {
  auto cb = shapes();
  auto emb = shapes_embeddings(cb);
  auto builder = make_graph_builder(GraphOptions{});
  REQUIRE(builder);
  auto built = (*builder)->build(cb, emb, RunContext{});
  REQUIRE(built);
  const Graph& g = *built;

  // Symbols in codebase order, then one node per file.
  REQUIRE(g.nodes.size() == cb.symbols.size() + 3);
  for (std::size_t i = 0; i < cb.symbols.size(); ++i) {
    CHECK(g.nodes[i].id == cb.symbols[i].id);
    CHECK_FALSE(g.nodes[i].is_file);
  }
  CHECK(g.index_of("file:circle.hpp"));
  CHECK(g.nodes[*g.index_of("file:main.cpp")].is_file);

  // Analyzer relations are kept; files contain their top-level symbols (members via classes).
  CHECK(g.targets("geo::Circle", RelationKind::inherits) == std::vector<std::string>{"geo::Shape"});
  auto in_circle = g.targets("file:circle.hpp", RelationKind::contains);
  CHECK(std::find(in_circle.begin(), in_circle.end(), "geo::Circle") != in_circle.end());
  CHECK(std::find(in_circle.begin(), in_circle.end(), "geo::Circle::area") == in_circle.end());
  auto in_main = g.targets("file:main.cpp", RelationKind::contains);
  CHECK(std::find(in_main.begin(), in_main.end(), "main") != in_main.end());
  CHECK(std::find(in_main.begin(), in_main.end(), "geo::total_area") != in_main.end());

  // k-NN similarity: the two area methods find each other with cosine 1.
  auto similar = g.targets("geo::Circle::area", RelationKind::similar);
  REQUIRE_FALSE(similar.empty());
  CHECK(similar.front() == "geo::Shape::area");
  for (const auto& e : g.edges)
    if (e.kind == RelationKind::similar) CHECK(e.weight >= 0.3);

  // PageRank is a distribution; the overridden, called method outranks its leaf caller.
  double total = 0;
  for (const auto& n : g.nodes) total += n.pagerank;
  CHECK(total == Approx(1.0).margin(1e-9));
  CHECK(g.pagerank("geo::Shape::area") > g.pagerank("main"));
  CHECK(g.pagerank("geo::Shape") > g.pagerank("geo::Circle"));

  // Dependency order: everything a symbol depends on comes first.
  auto pos = [&](const std::string& id) {
    auto it = std::find(g.dependency_order.begin(), g.dependency_order.end(), id);
    REQUIRE(it != g.dependency_order.end());
    return it - g.dependency_order.begin();
  };
  CHECK(g.dependency_order.size() == cb.symbols.size());
  CHECK(pos("geo::Shape::area") < pos("geo::total_area"));
  CHECK(pos("geo::total_area") < pos("main"));
  CHECK(pos("geo::Shape") < pos("geo::Circle"));
  CHECK(pos("geo::Shape::area") < pos("geo::Circle::area"));
}

TEST_CASE("graph builder: file-to-file similarity and SCCs", "[graph]") {
  Codebase cb;
  cb.symbols = {make_symbol("a1", SymbolKind::function, "a.cpp"),
                make_symbol("a2", SymbolKind::function, "a.cpp"),
                make_symbol("b1", SymbolKind::function, "b.cpp"),
                make_symbol("c1", SymbolKind::function, "c.cpp")};
  cb.relations = {rel("a1", "b1", RelationKind::calls), rel("b1", "a1", RelationKind::calls)};
  cb.normalize();
  EmbeddingMatrix emb;
  emb.rows = 4;
  emb.dims = 2;
  // a.cpp's mean and b.cpp's vector are close (cos ~0.95); c.cpp is orthogonal to both.
  emb.values = {1.f, 0.f, 0.8f, 0.6f, 0.95f, 0.31224990f, 0.f, 1.f};
  auto builder = make_graph_builder(GraphOptions{});
  REQUIRE(builder);
  auto g = (*builder)->build(cb, emb, RunContext{});
  REQUIRE(g);
  CHECK(g->targets("file:a.cpp", RelationKind::similar) == std::vector<std::string>{"file:b.cpp"});
  CHECK(g->targets("file:b.cpp", RelationKind::similar) == std::vector<std::string>{"file:a.cpp"});
  CHECK(g->targets("file:c.cpp", RelationKind::similar).empty());
  // a1 and b1 call each other: one component, which also shares a wave.
  CHECK(g->nodes[*g->index_of("a1")].scc == g->nodes[*g->index_of("b1")].scc);
  CHECK(g->nodes[*g->index_of("a1")].scc != g->nodes[*g->index_of("c1")].scc);
  auto waves = dependency_waves(*g, g->dependency_order);
  CHECK(wave_of(waves, "a1") == wave_of(waves, "b1"));
}

TEST_CASE("graph builder: options and mismatched inputs are reported", "[graph]") {
  CHECK_FALSE(make_graph_builder(GraphOptions{.damping = 1.0}));
  GraphOptions negative;
  negative.edge_weights[RelationKind::calls] = -1;
  auto bad = make_graph_builder(negative);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_argument);

  auto cb = shapes();
  auto builder = make_graph_builder(GraphOptions{});
  REQUIRE(builder);
  EmbeddingMatrix wrong;
  wrong.rows = 2;
  wrong.dims = 4;
  wrong.values.assign(8, 0.f);
  auto r = (*builder)->build(cb, wrong, RunContext{});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::invalid_argument);
  // Without embeddings the graph still has structure and PageRank, but no `similar` edges.
  auto plain = (*builder)->build(cb, EmbeddingMatrix{}, RunContext{});
  REQUIRE(plain);
  CHECK(std::none_of(plain->edges.begin(), plain->edges.end(),
                     [](const Relation& e) { return e.kind == RelationKind::similar; }));
  CHECK(plain->pagerank("geo::Shape::area") > 0);
}
