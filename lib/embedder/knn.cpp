// k-nearest neighbours over embedding rows. Exact search multiplies blocks of rows with Eigen
// (similarities of one block of queries against one block of candidates at a time), keeping a
// running top-k per query: memory is O(rows*k + block^2) per worker, never rows^2. Approximate
// search uses hnswlib's HNSW graph in inner-product space. This is the only TU that includes
// hnswlib: its header defines non-inline helpers that would clash if included twice.
#include <hnswlib/hnswlib.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <exception>

#include "doctown/embedder.hpp"
#include "embedder/parallel.hpp"

namespace doctown {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Best first: higher score, then lower index (the deterministic tie rule of the public API).
bool better(const Neighbor& a, const Neighbor& b) {
  return a.score > b.score || (a.score == b.score && a.index < b.index);
}

// A fixed-capacity list of the best k candidates seen so far, kept sorted best first. k is
// small (3..50), so insertion into a sorted array beats a heap.
struct TopK {
  Neighbor* items;
  std::size_t size;
  std::size_t capacity;

  // Candidates arrive in increasing index order, so an equal score never displaces the last
  // entry (its index is lower): a strict comparison is enough and keeps the fast path cheap.
  void offer(float score, std::uint32_t index) {
    if (size == capacity) {
      if (!(score > items[size - 1].score)) return;
      --size;
    }
    std::size_t pos = size;
    Neighbor cand{index, score};
    while (pos > 0 && better(cand, items[pos - 1])) {
      items[pos] = items[pos - 1];
      --pos;
    }
    items[pos] = cand;
    ++size;
  }
};

std::vector<std::vector<Neighbor>> empty_lists(std::size_t rows) {
  return std::vector<std::vector<Neighbor>>(rows);
}

}  // namespace

std::vector<std::vector<Neighbor>> knn_exact(const EmbeddingMatrix& m, const KnnOptions& o) {
  const std::size_t n = m.rows, d = m.dims;
  if (n < 2 || o.k == 0 || d == 0 || m.values.size() < n * d) return empty_lists(n);
  const std::size_t k = std::min(o.k, n - 1);
  const std::size_t block = std::clamp<std::size_t>(o.block, 16, 8192);
  const float min_sim = o.min_similarity;

  Eigen::Map<const RowMatrix> x(m.values.data(), static_cast<Eigen::Index>(n),
                                static_cast<Eigen::Index>(d));
  // Flat result storage: row i's candidates live at best[i*k .. i*k+k).
  std::vector<Neighbor> best(n * k);
  std::vector<std::uint32_t> counts(n, 0);

  const unsigned workers = detail::worker_count(o.threads, (n + block - 1) / block);
  // Each worker owns one similarity buffer; Eigen writes it with noalias (no temporaries).
  std::vector<Eigen::MatrixXf> buffers(workers);

  detail::parallel_chunks(n, block, workers, [&](std::size_t qb, std::size_t qe, unsigned w) {
    const auto qn = static_cast<Eigen::Index>(qe - qb);
    std::vector<TopK> tops;
    tops.reserve(qe - qb);
    for (std::size_t i = qb; i < qe; ++i) tops.push_back(TopK{&best[i * k], 0, k});
    auto queries = x.middleRows(static_cast<Eigen::Index>(qb), qn);
    Eigen::MatrixXf& sims = buffers[w];
    for (std::size_t cb = 0; cb < n; cb += block) {
      const std::size_t ce = std::min(n, cb + block);
      const auto cn = static_cast<Eigen::Index>(ce - cb);
      // Column q of `sims` holds query q against every candidate of the block, contiguously
      // (column-major result): the scan below then walks memory in order.
      sims.resize(cn, qn);
      sims.noalias() = x.middleRows(static_cast<Eigen::Index>(cb), cn) * queries.transpose();
      for (Eigen::Index q = 0; q < qn; ++q) {
        const float* col = sims.data() + q * cn;
        TopK& top = tops[static_cast<std::size_t>(q)];
        const std::size_t self = qb + static_cast<std::size_t>(q);
        for (Eigen::Index c = 0; c < cn; ++c) {
          const float s = col[c];
          if (!(s >= min_sim)) continue;  // also drops NaN
          const std::size_t j = cb + static_cast<std::size_t>(c);
          if (j == self) continue;
          top.offer(s, static_cast<std::uint32_t>(j));
        }
      }
    }
    for (std::size_t i = qb; i < qe; ++i) counts[i] = static_cast<std::uint32_t>(tops[i - qb].size);
  });

  std::vector<std::vector<Neighbor>> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i].assign(best.begin() + static_cast<std::ptrdiff_t>(i * k),
                  best.begin() + static_cast<std::ptrdiff_t>(i * k + counts[i]));
  return out;
}

std::vector<std::vector<Neighbor>> knn_hnsw(const EmbeddingMatrix& m, const KnnOptions& o) {
  const std::size_t n = m.rows, d = m.dims;
  if (n < 2 || o.k == 0 || d == 0 || m.values.size() < n * d) return empty_lists(n);
  const std::size_t k = std::min(o.k, n - 1);
  try {
    hnswlib::InnerProductSpace space(d);
    hnswlib::HierarchicalNSW<float> index(&space, n, std::max<std::size_t>(2, o.hnsw_m),
                                          std::max<std::size_t>(o.hnsw_m, o.hnsw_ef_construction),
                                          o.hnsw_seed);
    // Built in row order on one thread: the graph then depends only on the data and the seed,
    // so two runs give the same neighbours. Queries below are read-only and run in parallel.
    for (std::size_t i = 0; i < n; ++i) index.addPoint(m.values.data() + i * d, i);
    index.setEf(std::max(o.hnsw_ef_search, k + 1));

    std::vector<std::vector<Neighbor>> out(n);
    std::atomic<bool> failed{false};
    detail::parallel_chunks(n, 256, o.threads, [&](std::size_t b, std::size_t e, unsigned) {
      try {
        for (std::size_t i = b; i < e; ++i) {
          auto found = index.searchKnn(m.values.data() + i * d, k + 1);
          auto& row = out[i];
          row.reserve(found.size());
          for (; !found.empty(); found.pop()) {
            auto [dist, label] = found.top();
            if (label == i) continue;
            float score = 1.0f - dist;  // hnswlib's inner-product distance is 1 - dot
            if (score >= o.min_similarity)
              row.push_back({static_cast<std::uint32_t>(label), score});
          }
          std::sort(row.begin(), row.end(), better);
          if (row.size() > k) row.resize(k);
        }
      } catch (...) {
        failed = true;
      }
    });
    if (!failed) return out;
  } catch (const std::exception&) {
    // Out of memory or an hnswlib invariant: fall through to the exact search, which is
    // slower but needs far less memory and cannot give a worse answer.
  }
  return knn_exact(m, o);
}

std::vector<std::vector<Neighbor>> knn(const EmbeddingMatrix& m, const KnnOptions& o) {
  return m.rows >= o.hnsw_threshold ? knn_hnsw(m, o) : knn_exact(m, o);
}

}  // namespace doctown
