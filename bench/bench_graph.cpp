// Graph-stage scaling benchmark: builds the graph (k-NN `similar` edges, file similarity,
// PageRank, SCCs, dependency order) and the doc scores of a synthetic codebase at two sizes
// (33k and 67k symbols by default, the sizes of issue 13) and reports the ratio of their times.
// Near-linear stages give a ratio near 2 (n log n: ~2.1); a quadratic one gives ~4.
// Two configurations: "before" (the k-NN defaults before issue 13: exact search below 50,000
// rows, HNSW M=16/efC=100/ef=96 above) and "after" (today's KnnOptions defaults). Times are
// wall and CPU seconds (user + system, all threads): on a shared machine CPU time is the
// steadier measure. Each size runs in a forked child so that its peak RSS is its own.
// Usage: bench_graph [--json PATH] [--sizes 33000,67000] [--runs N] [--dims D] [--after-only]
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_child.hpp"
#include "doctown/doc_scorer.hpp"
#include "doctown/embedder.hpp"
#include "doctown/graph.hpp"

namespace {

using namespace doctown;
using Clock = std::chrono::steady_clock;

struct Sample {
  double cpu_s = 0;    // CPU seconds of the graph builder and scorer (user + system)
  double knn_s = 0;    // the k-NN search alone (what the graph stage spends most on)
  double graph_s = 0;  // the whole graph builder, k-NN included
  double score_s = 0;  // the doc scorer on that graph
  double peak_rss_mib = 0;
  std::size_t edges = 0;
  bool ok = false;
};

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double cpu_now() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The k-NN settings before issue 13 (exact up to 50,000 rows, then hnswlib's usual values).
KnnOptions before_defaults() {
  KnnOptions o;
  o.hnsw_threshold = 50000;
  o.hnsw_m = 16;
  o.hnsw_ef_construction = 100;
  o.hnsw_ef_search = 96;
  return o;
}

// Today's defaults (HNSW from 16,000 rows, M=16/efC=48/ef=64), spelled out so that a build
// against an older header still measures them; a note says when KnnOptions{} differs.
KnnOptions after_defaults() {
  KnnOptions o;
  o.hnsw_threshold = 16000;
  o.hnsw_m = 16;
  o.hnsw_ef_construction = 48;
  o.hnsw_ef_search = 64;
  return o;
}

// A codebase shaped like a large C++ project: files of 12 symbols (a class, its methods, free
// functions), each callable calling 3 others (mostly nearby, sometimes anywhere), and
// embeddings clustered by file topic (same file: similar vectors), L2-normalised.
struct Synthetic {
  Codebase cb;
  EmbeddingMatrix emb;
};

Synthetic make_codebase(std::size_t n, std::size_t d, unsigned seed) {
  Synthetic s;
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.f, 1.f);
  const std::size_t per_file = 12;
  const std::size_t files = (n + per_file - 1) / per_file;
  const std::size_t topics = std::max<std::size_t>(1, files / 8);
  std::vector<float> centroids(topics * d);
  for (auto& c : centroids) c = g(rng);
  s.cb.root = "/synthetic";
  s.cb.name = "synthetic";
  for (std::size_t f = 0; f < files; ++f)
    s.cb.files.push_back({fmt::format("src/m{}/file{}.cpp", f % 97, f), "c++", 1000, ""});
  s.emb.rows = n;
  s.emb.dims = d;
  s.emb.values.resize(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t f = i / per_file;
    Symbol sym;
    sym.id = fmt::format("c:s{:08}", i);
    bool is_class = i % per_file == 0;
    sym.kind = is_class ? SymbolKind::class_ : SymbolKind::function;
    sym.name = fmt::format("sym{}", i);
    sym.qualified_name = sym.name;
    sym.language = "c++";
    sym.location = {s.cb.files[f].path, static_cast<int>(1 + (i % per_file) * 10),
                    static_cast<int>(9 + (i % per_file) * 10)};
    sym.complexity = static_cast<int>(1 + i % 7);
    sym.is_public_api = i % 3 == 0;
    if (!is_class && i % 2 == 0) sym.parent_id = fmt::format("c:s{:08}", f * per_file);
    s.cb.symbols.push_back(std::move(sym));
    std::size_t topic = f % topics;
    double norm = 0;
    for (std::size_t j = 0; j < d; ++j) {
      float v = centroids[topic * d + j] + 0.8f * g(rng);
      s.emb.values[i * d + j] = v;
      norm += double(v) * v;
    }
    for (std::size_t j = 0; j < d; ++j)
      s.emb.values[i * d + j] = static_cast<float>(s.emb.values[i * d + j] / std::sqrt(norm));
  }
  std::uniform_int_distribution<std::size_t> any(0, n - 1), near(0, 40);
  for (std::size_t i = 0; i < n; ++i) {
    if (i % per_file == 0) continue;
    for (int c = 0; c < 3; ++c) {
      std::size_t to = c == 2 ? any(rng) : std::min(n - 1, i + near(rng));
      if (to != i)
        s.cb.relations.push_back({s.cb.symbols[i].id, s.cb.symbols[to].id, RelationKind::calls});
    }
  }
  s.cb.normalize();
  return s;
}

Sample measure(std::size_t n, std::size_t d, const KnnOptions& knn_options) {
  return bench::in_child<Sample>([&] {
    Sample s;
    Synthetic syn = make_codebase(n, d, 7);
    GraphOptions go;
    go.knn = knn_options;
    auto t0 = Clock::now();
    auto nn = knn(syn.emb, go.knn);
    s.knn_s = since(t0);
    auto builder = make_graph_builder(go);
    auto scorer = make_doc_scorer({});
    if (!builder || !scorer) return s;
    const double c0 = cpu_now();
    t0 = Clock::now();
    auto graph = (*builder)->build(syn.cb, syn.emb, RunContext{});
    s.graph_s = since(t0);
    if (!graph) return s;
    s.edges = graph->edges.size();
    t0 = Clock::now();
    auto scores = (*scorer)->score(syn.cb, *graph, syn.emb, RunContext{});
    s.score_s = since(t0);
    s.cpu_s = cpu_now() - c0;
    s.ok = scores.has_value() && nn.size() == n;
    return s;
  });
}

std::vector<std::size_t> parse_sizes(const std::string& s) {
  std::vector<std::size_t> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(std::stoul(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path;
  std::vector<std::size_t> sizes{33000, 67000};
  int runs = 1;
  std::size_t dims = 256;  // the local embedder's default
  bool with_before = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "{} needs a value\n", a);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--json") json_path = next();
    else if (a == "--sizes") sizes = parse_sizes(next());
    else if (a == "--runs") runs = std::max(1, std::stoi(next()));
    else if (a == "--dims") dims = std::stoul(next());
    else if (a == "--after-only") with_before = false;
    else {
      fmt::print(stderr,
                 "usage: bench_graph [--json PATH] [--sizes A,B] [--runs N] [--dims D] "
                 "[--after-only]\n");
      return 2;
    }
  }
  std::vector<std::pair<std::string, KnnOptions>> configs;
  if (with_before) configs.emplace_back("before", before_defaults());
  configs.emplace_back("after", after_defaults());
  const KnnOptions lib = KnnOptions{}, after = after_defaults();
  const bool lib_is_after = lib.hnsw_threshold == after.hnsw_threshold && lib.hnsw_m == after.hnsw_m &&
                            lib.hnsw_ef_construction == after.hnsw_ef_construction &&
                            lib.hnsw_ef_search == after.hnsw_ef_search;
  if (!lib_is_after) fmt::print("note: this build's KnnOptions defaults are not \"after\"\n");
  boost::json::array rows;
  boost::json::object ratios;
  fmt::print("{:>7} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "config", "symbols", "knn s",
             "graph s", "score s", "CPU s", "edges", "peak MiB");
  for (const auto& [label, knn_options] : configs) {
    std::vector<Sample> best;
    for (std::size_t n : sizes) {
      Sample b;
      for (int r = 0; r < runs; ++r) {
        Sample s = measure(n, dims, knn_options);
        if (!s.ok) {
          fmt::print(stderr, "run at {} symbols failed\n", n);
          return 1;
        }
        if (!b.ok || s.cpu_s < b.cpu_s) b = s;
      }
      best.push_back(b);
      fmt::print("{:>7} {:>8} {:>8.2f} {:>9.2f} {:>9.2f} {:>9.2f} {:>9} {:>9.0f}\n", label, n,
                 b.knn_s, b.graph_s, b.score_s, b.cpu_s, b.edges, b.peak_rss_mib);
      rows.push_back({{"config", label},        {"symbols", n},
                      {"knn_s", b.knn_s},       {"graph_s", b.graph_s},
                      {"score_s", b.score_s},   {"cpu_s", b.cpu_s},
                      {"edges", b.edges},       {"peak_rss_mib", b.peak_rss_mib}});
    }
    if (best.size() >= 2) {
      const Sample& lo = best.front();
      const Sample& hi = best.back();
      double wall = (hi.graph_s + hi.score_s) / std::max(1e-9, lo.graph_s + lo.score_s);
      double cpu = hi.cpu_s / std::max(1e-9, lo.cpu_s);
      fmt::print("{:>7}: graph+score ratio {} vs {} symbols: wall {:.2f}, CPU {:.2f} (target <= 3)\n",
                 label, sizes.back(), sizes.front(), wall, cpu);
      ratios[label] = boost::json::object{{"wall", wall}, {"cpu", cpu}};
    }
  }
  if (!json_path.empty()) {
    boost::json::object o{{"benchmark", "graph"},
                          {"dims", dims},
                          {"runs", runs},
                          {"threads", std::thread::hardware_concurrency()},
                          {"library_defaults_are_after", lib_is_after},
                          {"rows", rows},
                          {"ratio_largest_to_smallest", ratios}};
    std::ofstream(json_path) << boost::json::serialize(o) << "\n";
  }
  return 0;
}
