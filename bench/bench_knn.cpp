// Embeddings and k-NN benchmark: local embedder throughput (symbols/s); exact k-NN at N = 10,000
// and 100,000, d = 256, beside a naive N×N baseline (where it fits in memory) and FAISS
// IndexFlatIP (when the build found libfaiss-dev); HNSW time and recall@k.
// Each measurement runs in a forked child so that its peak RSS is its own.
// Usage: bench_knn [--json PATH] [--runs N] [--large-runs N] [--sizes 10000,100000] [--k K]
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Eigen/Core>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <thread>

#include "bench_child.hpp"
#include "doctown/embedder.hpp"

#ifdef DOCTOWN_BENCH_HAVE_FAISS
#include <faiss/IndexFlat.h>
#endif

namespace {

using namespace doctown;
using Clock = std::chrono::steady_clock;

struct Sample {
  double seconds = 0;
  double cpu_seconds = 0;  // user + system time of all threads: robust on a shared machine
  double peak_rss_mib = 0;
  double recall = -1;  // < 0: not measured
  bool ok = false;
};

// Clustered unit vectors (like real embeddings, unlike uniform noise): N/100 centroids, each
// row a centroid plus Gaussian noise of the same norm. Same seed, same data.
EmbeddingMatrix clustered(std::size_t n, std::size_t d, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.f, 1.f);
  const std::size_t clusters = std::max<std::size_t>(1, n / 100);
  std::vector<float> centroids(clusters * d);
  for (auto& c : centroids) c = g(rng) / std::sqrt(static_cast<float>(d));
  EmbeddingMatrix m;
  m.rows = n;
  m.dims = d;
  m.values.resize(n * d);
  std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t c = pick(rng);
    double norm = 0;
    for (std::size_t j = 0; j < d; ++j) {
      float v = centroids[c * d + j] + g(rng) / std::sqrt(static_cast<float>(d));
      m.values[i * d + j] = v;
      norm += double(v) * v;
    }
    for (std::size_t j = 0; j < d; ++j)
      m.values[i * d + j] = static_cast<float>(m.values[i * d + j] / std::sqrt(norm));
  }
  return m;
}

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double cpu_now() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Times `op` (wall and CPU) inside a child.
template <class Op>
Sample timed(Op&& op) {
  double c0 = cpu_now();
  auto t0 = Clock::now();
  bool ok = op();
  Sample s;
  s.seconds = since(t0);
  s.cpu_seconds = cpu_now() - c0;
  s.ok = ok;
  return s;
}

// recall@k of `got` on `queries` sample rows, against brute force computed here.
double sampled_recall(const EmbeddingMatrix& m, const std::vector<std::vector<Neighbor>>& got,
                      std::size_t k, std::size_t queries) {
  std::size_t hit = 0, total = 0;
  std::vector<std::pair<float, std::size_t>> all(m.rows);
  for (std::size_t q = 0; q < queries; ++q) {
    std::size_t i = q * (m.rows / queries);
    for (std::size_t j = 0; j < m.rows; ++j) {
      float s = 0;
      for (std::size_t t = 0; t < m.dims; ++t)
        s += m.values[i * m.dims + t] * m.values[j * m.dims + t];
      all[j] = {j == i ? -2.f : s, j};
    }
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
                      [](auto& a, auto& b) {
                        return a.first > b.first || (a.first == b.first && a.second < b.second);
                      });
    for (std::size_t r = 0; r < k; ++r) {
      ++total;
      for (const auto& nb : got[i]) hit += nb.index == all[r].second;
    }
  }
  return total ? double(hit) / double(total) : 1.0;
}

// A synthetic codebase with realistic facts: names from a vocabulary, qualified scopes,
// signatures with types, doc comments and ~600-character bodies.
Codebase synthetic_codebase(std::size_t n) {
  static const char* words[] = {
      "parse",  "shape",  "area",  "total", "buffer",  "read",     "write",  "token",  "graph",
      "node",   "edge",   "rank",  "file",  "path",    "index",    "cache",  "query",  "embed",
      "vector", "score",  "batch", "plan",  "request", "response", "client", "server", "json",
      "value",  "symbol", "scope", "kind",  "error",   "result",   "stream", "open"};
  const std::size_t nw = std::size(words);
  std::mt19937 rng(42);
  auto w = [&] { return std::string(words[rng() % nw]); };
  Codebase cb;
  cb.symbols.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Symbol s;
    std::string cls = w();
    cls[0] = static_cast<char>(std::toupper(cls[0]));
    cls += w();
    s.name = w() + "_" + w();
    s.qualified_name = "lib" + std::to_string(i % 40) + "::" + cls + "::" + s.name;
    s.id = "c:@N@" + s.qualified_name + "#" + std::to_string(i);
    s.kind = SymbolKind::method;
    s.return_type = "std::vector<" + cls + ">";
    s.params = {{"input", "const " + w() + "_t &", ""}, {"options", cls + "Options", ""}};
    s.signature = s.return_type + " " + s.name + "(const Input & input, Options options)";
    s.doc_comment =
        "Computes the " + w() + " of the " + w() + " for each " + w() + " in the " + w() + ".";
    std::string body = "{\n";
    while (body.size() < 600)
      body += "  auto " + w() + " = " + w() + "_" + w() + "(" + w() + ", " + w() + ");\n";
    s.source_text = body + "}";
    cb.symbols.push_back(std::move(s));
  }
  cb.normalize();
  return cb;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Row {
  std::string task;
  std::size_t n = 0;
  std::string method;
  double seconds = 0;
  double cpu_seconds = 0;
  double peak_rss_mib = 0;
  double recall = -1;
  std::size_t runs = 0;
  std::string note;
};

Row measure(std::string task, std::size_t n, std::string method, std::size_t runs,
            const std::function<Sample()>& fn) {
  std::vector<double> secs, cpu, rss, rec;
  for (std::size_t r = 0; r < runs; ++r) {
    Sample s = bench::in_child<Sample>(fn);
    if (!s.ok) return Row{task, n, method, 0, 0, 0, -1, 0, "failed"};
    secs.push_back(s.seconds);
    cpu.push_back(s.cpu_seconds);
    rss.push_back(s.peak_rss_mib);
    if (s.recall >= 0) rec.push_back(s.recall);
  }
  return Row{std::move(task),
             n,
             std::move(method),
             median(secs),
             median(cpu),
             median(rss),
             rec.empty() ? -1 : median(rec),
             runs,
             {}};
}

Row skipped(std::string task, std::size_t n, std::string method, std::string why) {
  return Row{std::move(task), n, std::move(method), 0, 0, 0, -1, 0, std::move(why)};
}

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The naive baseline: the whole N×N similarity matrix, then a partial sort per row.
bool naive_knn(const EmbeddingMatrix& m, std::size_t k) {
  const std::size_t n = m.rows;
  Eigen::Map<const RowMajor> x(m.values.data(), static_cast<Eigen::Index>(n),
                               static_cast<Eigen::Index>(m.dims));
  Eigen::MatrixXf sims = x * x.transpose();
  std::vector<std::vector<Neighbor>> out(n);
  std::vector<std::uint32_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float* col = sims.data() + i * n;  // symmetric: column i = row i
    for (std::uint32_t j = 0; j < n; ++j) idx[j] = j;
    std::partial_sort(
        idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k + 1), idx.end(),
        [&](auto a, auto b) { return col[a] > col[b] || (col[a] == col[b] && a < b); });
    for (std::size_t r = 0; r <= k; ++r)
      if (idx[r] != i && out[i].size() < k) out[i].push_back({idx[r], col[idx[r]]});
  }
  return out.size() == n;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path = "bench/results/knn.json";
  std::size_t runs = 3, large_runs = 1, k = 10, dims = 256, embed_n = 20000;
  std::vector<std::size_t> sizes{10000, 100000};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--json")
      json_path = v;
    else if (a == "--runs")
      runs = std::stoul(v);
    else if (a == "--large-runs")
      large_runs = std::stoul(v);
    else if (a == "--k")
      k = std::stoul(v);
    else if (a == "--embed-symbols")
      embed_n = std::stoul(v);
    else if (a == "--sizes") {
      sizes.clear();
      std::stringstream ss(v);
      for (std::string part; std::getline(ss, part, ',');) sizes.push_back(std::stoul(part));
    }
  }
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<Row> rows;

  // 1. Embedding throughput of the local embedder (feature extraction + TF-IDF + hashing).
  {
    Row r = measure("embed", embed_n, "doctown local embedder (d=256)", runs, [&] {
      Codebase cb = synthetic_codebase(embed_n);
      auto e = make_local_embedder({});
      return timed([&] { return bool((*e)->embed(cb, RunContext{})); });
    });
    r.note = fmt::format("{:.0f} symbols/s wall, {:.0f} per CPU-second",
                         r.seconds > 0 ? double(embed_n) / r.seconds : 0.0,
                         r.cpu_seconds > 0 ? double(embed_n) / r.cpu_seconds : 0.0);
    rows.push_back(r);
  }

  for (std::size_t n : sizes) {
    const std::size_t reps = n >= 50000 ? large_runs : runs;
    const KnnOptions exact{.k = k, .min_similarity = -1.f};
    rows.push_back(measure("exact k-NN", n, "doctown knn_exact (AVX2 kernel)", reps, [&] {
      auto m = clustered(n, dims, 7);
      return timed([&] { return knn_exact(m, exact).size() == n; });
    }));
    KnnOptions eigen = exact;
    eigen.allow_simd = false;
    // The portable path is timed at the smaller sizes only, to keep the run under 5 minutes.
    if (n < 50000)
      rows.push_back(measure("exact k-NN", n, "doctown knn_exact (portable Eigen)", reps, [&] {
        auto m = clustered(n, dims, 7);
        return timed([&] { return knn_exact(m, eigen).size() == n; });
      }));
    double nxn_gib = double(n) * double(n) * 4 / (1 << 30);
    if (nxn_gib < 4) {
      rows.push_back(measure("exact k-NN", n, "naive N×N (Eigen, 1 thread)", reps, [&] {
        auto m = clustered(n, dims, 7);
        return timed([&] { return naive_knn(m, k); });
      }));
    } else {
      rows.push_back(skipped("exact k-NN", n, "naive N×N",
                             fmt::format("skipped: the matrix alone needs {:.0f} GiB", nxn_gib)));
    }
#ifdef DOCTOWN_BENCH_HAVE_FAISS
    rows.push_back(measure("exact k-NN", n, "FAISS IndexFlatIP (OpenBLAS)", reps, [&] {
      auto m = clustered(n, dims, 7);
      return timed([&] {
        using Idx = faiss::Index::idx_t;
        faiss::IndexFlatIP index(static_cast<Idx>(dims));
        index.add(static_cast<Idx>(n), m.values.data());
        std::vector<float> dist(n * (k + 1));
        std::vector<Idx> labels(n * (k + 1));
        index.search(static_cast<Idx>(n), m.values.data(), static_cast<Idx>(k + 1), dist.data(),
                     labels.data());
        return labels[0] >= 0;
      });
    }));
#else
    rows.push_back(
        skipped("exact k-NN", n, "FAISS IndexFlatIP", "skipped: built without libfaiss-dev"));
#endif
    rows.push_back(
        measure("HNSW k-NN", n, "doctown knn_hnsw (defaults: M=16, efC=48, ef=64)", reps, [&] {
          auto m = clustered(n, dims, 7);
          std::vector<std::vector<Neighbor>> nn;
          Sample s = timed([&] {
            nn = knn_hnsw(m, exact);
            return nn.size() == n;
          });
          s.recall = sampled_recall(m, nn, k, 500);
          return s;
        }));
  }

  fmt::print("k-NN benchmark: d = {}, k = {}, {} hardware threads, clustered unit vectors\n", dims,
             k, threads);
  fmt::print("{:<11} {:>7}  {:<42} {:>8} {:>8} {:>9} {:>7} {:>4}  {}\n", "task", "N", "method",
             "wall s", "CPU s", "peak MiB", "recall", "runs", "note");
  boost::json::array out;
  for (const auto& r : rows) {
    fmt::print("{:<11} {:>7}  {:<42} {:>8.3f} {:>8.3f} {:>9.1f} {:>7} {:>4}  {}\n", r.task, r.n,
               r.method, r.seconds, r.cpu_seconds, r.peak_rss_mib,
               r.recall >= 0 ? fmt::format("{:.4f}", r.recall) : "-", r.runs, r.note);
    out.push_back(
        {{"task", r.task},
         {"n", r.n},
         {"method", r.method},
         {"wall_seconds", r.seconds},
         {"cpu_seconds", r.cpu_seconds},
         {"peak_rss_mib", r.peak_rss_mib},
         {"recall", r.recall >= 0 ? boost::json::value(r.recall) : boost::json::value(nullptr)},
         {"runs", r.runs},
         {"note", r.note}});
  }
  boost::json::object doc{{"benchmark", "knn"},
                          {"dims", dims},
                          {"k", k},
                          {"threads", threads},
                          {"rows", std::move(out)}};
  std::ofstream f(json_path);
  f << boost::json::serialize(doc) << "\n";
  if (!f) fmt::print(stderr, "could not write {}\n", json_path);
  return 0;
}
