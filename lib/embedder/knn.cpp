// k-nearest neighbours over embedding rows. Exact search multiplies blocks of rows with Eigen
// (similarities of one block of queries against one block of candidates at a time), keeping a
// running top-k per query: memory is O(rows*k + block^2) per worker, never rows^2. Approximate
// search uses hnswlib's HNSW graph in inner-product space. This is the only TU that includes
// hnswlib: its header defines non-inline helpers that would clash if included twice.
// hnswlib's SSE path prefetches the id one past the end of an upper layer's link list
// (hnswalg.h searchBaseLayer, `*(datal + j + 1)`), a 4-byte over-read that AddressSanitizer
// reports. Sanitizer builds use its plain path; release builds keep the SIMD distances.
#if defined(__SANITIZE_ADDRESS__) && !defined(NO_MANUAL_VECTORIZATION)
#define NO_MANUAL_VECTORIZATION
#endif
#include <hnswlib/hnswlib.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <random>

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

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define DOCTOWN_KNN_AVX2 1
// The portable build targets baseline x86-64 (SSE2), where Eigen's product runs 4 lanes wide
// without FMA. CPUs with AVX2+FMA (nearly all x86 servers since 2013) get this kernel instead,
// selected at run time: 8 lanes with fused multiply-add, 2 query rows x 4 candidate rows per
// register tile (8 accumulators + 6 operands fit the 16 vector registers), so each loaded
// vector feeds 2 to 4 multiply-adds. Everything here is compiled for AVX2 only through the
// target attribute; nothing else in the library changes its instruction set.
#define DOCTOWN_AVX2 __attribute__((target("avx2,fma")))
#define DOCTOWN_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) inline

typedef float V8 __attribute__((vector_size(32)));

DOCTOWN_AVX2_INLINE V8 load8(const float* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

DOCTOWN_AVX2_INLINE float hsum(V8 v) {
  float s = 0;
  for (int i = 0; i < 8; ++i) s += v[i];
  return s;
}

DOCTOWN_AVX2_INLINE float dot_avx2(const float* a, const float* b, std::size_t d) {
  V8 acc{};
  std::size_t t = 0;
  for (; t + 8 <= d; t += 8) acc += load8(a + t) * load8(b + t);
  float s = hsum(acc);
  for (; t < d; ++t) s += a[t] * b[t];
  return s;
}

// sims[q * cn + c] = dot(row qb+q, row cb+c) for q < qn, c < cn: the same column-per-query
// layout as the Eigen path, so the top-k scan is shared.
DOCTOWN_AVX2 void block_dots_avx2(const float* x, std::size_t d, std::size_t qb, std::size_t qn,
                                  std::size_t cb, std::size_t cn, float* sims) {
  const std::size_t d8 = d & ~std::size_t{7};
  constexpr std::size_t kQueryTile = 16;  // 16 query rows stay in L1 while candidates stream
  for (std::size_t q0 = 0; q0 < qn; q0 += kQueryTile) {
    const std::size_t q1 = std::min(qn, q0 + kQueryTile);
    std::size_t c = 0;
    for (; c + 4 <= cn; c += 4) {
      const float* y0 = x + (cb + c) * d;
      const float* y1 = y0 + d;
      const float* y2 = y1 + d;
      const float* y3 = y2 + d;
      std::size_t q = q0;
      for (; q + 2 <= q1; q += 2) {
        const float* a = x + (qb + q) * d;
        const float* b = a + d;
        V8 a0{}, a1{}, a2{}, a3{}, b0{}, b1{}, b2{}, b3{};
        for (std::size_t t = 0; t < d8; t += 8) {
          V8 va = load8(a + t), vb = load8(b + t);
          V8 w0 = load8(y0 + t), w1 = load8(y1 + t), w2 = load8(y2 + t), w3 = load8(y3 + t);
          a0 += va * w0, a1 += va * w1, a2 += va * w2, a3 += va * w3;
          b0 += vb * w0, b1 += vb * w1, b2 += vb * w2, b3 += vb * w3;
        }
        float ra[4] = {hsum(a0), hsum(a1), hsum(a2), hsum(a3)};
        float rb[4] = {hsum(b0), hsum(b1), hsum(b2), hsum(b3)};
        const float* ys[4] = {y0, y1, y2, y3};
        for (std::size_t t = d8; t < d; ++t)
          for (int j = 0; j < 4; ++j) ra[j] += a[t] * ys[j][t], rb[j] += b[t] * ys[j][t];
        for (int j = 0; j < 4; ++j) {
          sims[q * cn + c + static_cast<std::size_t>(j)] = ra[j];
          sims[(q + 1) * cn + c + static_cast<std::size_t>(j)] = rb[j];
        }
      }
      for (; q < q1; ++q) {
        const float* a = x + (qb + q) * d;
        for (std::size_t j = 0; j < 4; ++j) sims[q * cn + c + j] = dot_avx2(a, y0 + j * d, d);
      }
    }
    for (; c < cn; ++c)
      for (std::size_t q = q0; q < q1; ++q)
        sims[q * cn + c] = dot_avx2(x + (qb + q) * d, x + (cb + c) * d, d);
  }
}

bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}
#endif

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
#ifdef DOCTOWN_KNN_AVX2
  const bool simd = o.allow_simd && cpu_has_avx2_fma();
#else
  const bool simd = false;
#endif
  (void)simd;
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
#ifdef DOCTOWN_KNN_AVX2
      if (simd)
        block_dots_avx2(m.values.data(), d, qb, qe - qb, cb, ce - cb, sims.data());
      else
#endif
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
    const std::size_t links = std::max<std::size_t>(2, o.hnsw_m);
    hnswlib::HierarchicalNSW<float> index(&space, n, links, std::max(links, o.hnsw_ef_construction),
                                          o.hnsw_seed);
    // Levels are drawn here rather than by hnswlib, whose generator is not guarded against
    // concurrent inserts: mt19937_64 is specified bit-for-bit by the standard, so levels are the
    // same on every machine. With one thread the inserts happen in row order and the whole
    // index is reproducible; with more, the first rows are inserted in order and the rest
    // concurrently, which keeps recall but lets link choices depend on timing.
    std::vector<int> levels(n);
    {
      std::mt19937_64 rng(o.hnsw_seed);
      const double mult = 1.0 / std::log(static_cast<double>(links));
      for (auto& level : levels) {
        double u = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
        level = static_cast<int>(-std::log(u) * mult);
      }
    }
    const unsigned workers = detail::worker_count(o.threads, n);
    const std::size_t serial = workers == 1 ? n : std::min<std::size_t>(n, 1024);
    for (std::size_t i = 0; i < serial; ++i) index.addPoint(m.values.data() + i * d, i, levels[i]);
    std::atomic<bool> build_failed{false};
    detail::parallel_chunks(n - serial, 64, workers, [&](std::size_t b, std::size_t e, unsigned) {
      try {
        for (std::size_t i = serial + b; i < serial + e; ++i)
          index.addPoint(m.values.data() + i * d, i, levels[i]);
      } catch (...) {
        build_failed = true;
      }
    });
    if (build_failed) return knn_exact(m, o);
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
