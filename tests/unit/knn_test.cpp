// k-nearest neighbours: exact search equals brute force (ties to the lower index), respects k,
// the similarity floor and self-exclusion, whatever the block size and thread count; HNSW
// reaches recall >= 0.95 at its defaults and is reproducible.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "doctown/embedder.hpp"

using namespace doctown;

namespace {

EmbeddingMatrix random_unit_rows(std::size_t n, std::size_t d, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.f, 1.f);
  EmbeddingMatrix m;
  m.rows = n;
  m.dims = d;
  m.values.resize(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    double norm = 0;
    for (std::size_t j = 0; j < d; ++j) {
      float v = g(rng);
      m.values[i * d + j] = v;
      norm += double(v) * v;
    }
    for (std::size_t j = 0; j < d; ++j)
      m.values[i * d + j] = static_cast<float>(m.values[i * d + j] / std::sqrt(norm));
  }
  return m;
}

double dot(const EmbeddingMatrix& m, std::size_t a, std::size_t b) {
  double s = 0;
  for (std::size_t j = 0; j < m.dims; ++j)
    s += double(m.values[a * m.dims + j]) * m.values[b * m.dims + j];
  return s;
}

// The definition of the answer: all pairs, sorted by (score desc, index asc).
std::vector<std::vector<Neighbor>> brute_force(const EmbeddingMatrix& m, std::size_t k,
                                               float floor) {
  std::vector<std::vector<Neighbor>> out(m.rows);
  for (std::size_t i = 0; i < m.rows; ++i) {
    std::vector<Neighbor> all;
    for (std::size_t j = 0; j < m.rows; ++j) {
      if (j == i) continue;
      auto s = static_cast<float>(dot(m, i, j));
      if (s >= floor) all.push_back({static_cast<std::uint32_t>(j), s});
    }
    std::sort(all.begin(), all.end(), [](const Neighbor& a, const Neighbor& b) {
      return a.score > b.score || (a.score == b.score && a.index < b.index);
    });
    if (all.size() > k) all.resize(k);
    out[i] = std::move(all);
  }
  return out;
}

// Float products summed in another order differ in the last bits; a different index is only
// accepted where brute force itself sees a near-tie.
void require_same(const std::vector<std::vector<Neighbor>>& got,
                  const std::vector<std::vector<Neighbor>>& want, const EmbeddingMatrix& m) {
  REQUIRE(got.size() == want.size());
  std::size_t wrong_size = 0, wrong_score = 0, wrong_index = 0, self = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].size() != want[i].size()) {
      ++wrong_size;
      continue;
    }
    for (std::size_t r = 0; r < got[i].size(); ++r) {
      self += got[i][r].index == i;
      if (std::abs(got[i][r].score - want[i][r].score) > 1e-5 ||
          std::abs(got[i][r].score - dot(m, i, got[i][r].index)) > 1e-5)
        ++wrong_score;
      else if (got[i][r].index != want[i][r].index)
        ++wrong_index;  // only possible at a near-tie, since the scores agree
    }
  }
  CHECK(wrong_size == 0);
  CHECK(wrong_score == 0);
  CHECK(self == 0);
  CHECK(wrong_index < 5);
}

double recall(const std::vector<std::vector<Neighbor>>& got,
              const std::vector<std::vector<Neighbor>>& truth) {
  std::size_t hit = 0, total = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    for (const auto& t : truth[i]) {
      ++total;
      for (const auto& g : got[i]) hit += g.index == t.index;
    }
  }
  return total ? double(hit) / double(total) : 1.0;
}

}  // namespace

TEST_CASE("exact k-NN equals brute force on random data", "[knn]") {
  auto m = random_unit_rows(700, 24, 7);
  auto want = brute_force(m, 5, -1.f);
  for (bool simd : {true, false}) {
    for (std::size_t block : {16u, 100u, 1024u}) {
      for (unsigned threads : {1u, 2u}) {
        INFO("simd " << simd << " block " << block << " threads " << threads);
        auto got = knn_exact(m, KnnOptions{.k = 5,
                                           .min_similarity = -1.f,
                                           .threads = threads,
                                           .block = block,
                                           .allow_simd = simd});
        require_same(got, want, m);
      }
    }
  }
  // d not a multiple of 8 and odd row counts exercise the kernel's edges.
  auto odd = random_unit_rows(203, 13, 8);
  require_same(knn_exact(odd, KnnOptions{.k = 7, .min_similarity = -1.f, .block = 50}),
               brute_force(odd, 7, -1.f), odd);
}

TEST_CASE("exact k-NN is identical across block sizes and threads", "[knn]") {
  auto m = random_unit_rows(300, 16, 11);
  auto a = knn_exact(m, KnnOptions{.k = 4, .min_similarity = -1.f, .threads = 1, .block = 32});
  auto b = knn_exact(m, KnnOptions{.k = 4, .min_similarity = -1.f, .threads = 2, .block = 32});
  CHECK(a == b);
}

TEST_CASE("exact k-NN breaks ties by lower index, across blocks", "[knn]") {
  // Dot products of these rows are exactly 1 or 0 in any summation order: real ties.
  // Rows 0..9 are e0, rows 10..19 are e1.
  EmbeddingMatrix m;
  m.rows = 20;
  m.dims = 4;
  m.values.assign(80, 0.f);
  for (std::size_t i = 0; i < 20; ++i) m.values[i * 4 + (i < 10 ? 0 : 1)] = 1.f;
  for (std::size_t block : {16u, 3u, 64u}) {
    auto nn = knn_exact(m, KnnOptions{.k = 3, .min_similarity = -1.f, .block = block});
    CHECK(nn[0] == std::vector<Neighbor>{{1, 1.f}, {2, 1.f}, {3, 1.f}});
    CHECK(nn[5] == std::vector<Neighbor>{{0, 1.f}, {1, 1.f}, {2, 1.f}});
    CHECK(nn[19] == std::vector<Neighbor>{{10, 1.f}, {11, 1.f}, {12, 1.f}});
    // With k = 12, row 0 has 9 equal twins, then the zeros of the lowest other rows.
    auto wide = knn_exact(m, KnnOptions{.k = 12, .min_similarity = -1.f, .block = block});
    REQUIRE(wide[0].size() == 12);
    CHECK(wide[0][8] == Neighbor{9, 1.f});
    CHECK(wide[0][9] == Neighbor{10, 0.f});
    CHECK(wide[0][11] == Neighbor{12, 0.f});
  }
}

TEST_CASE("exact k-NN honours the similarity floor and small inputs", "[knn]") {
  EmbeddingMatrix m;
  m.rows = 20;
  m.dims = 4;
  m.values.assign(80, 0.f);
  for (std::size_t i = 0; i < 20; ++i) m.values[i * 4 + (i < 10 ? 0 : 1)] = 1.f;
  auto nn = knn_exact(m, KnnOptions{.k = 15, .min_similarity = 0.3f});
  CHECK(nn[0].size() == 9);  // the 10 orthogonal rows score 0 < 0.3
  CHECK(std::all_of(nn[15].begin(), nn[15].end(), [](const Neighbor& x) { return x.index >= 10; }));

  EmbeddingMatrix one;
  one.rows = 1;
  one.dims = 4;
  one.values = {1, 0, 0, 0};
  auto single = knn_exact(one, KnnOptions{});
  REQUIRE(single.size() == 1);
  CHECK(single[0].empty());
  CHECK(knn_exact(EmbeddingMatrix{}, KnnOptions{}).empty());
  // k larger than the other rows: everything else, best first.
  auto m3 = random_unit_rows(4, 8, 3);
  auto all = knn_exact(m3, KnnOptions{.k = 10, .min_similarity = -1.f});
  REQUIRE(all.size() == 4);
  for (const auto& row : all) CHECK(row.size() == 3);
}

TEST_CASE("HNSW reaches recall 0.95 at its defaults and is reproducible", "[knn]") {
  auto m = random_unit_rows(3000, 64, 5);
  for (std::size_t k : {3u, 10u}) {
    KnnOptions o{.k = k, .min_similarity = -1.f};
    auto truth = knn_exact(m, o);
    auto approx = knn_hnsw(m, o);
    double r = recall(approx, truth);
    INFO("k = " << k << " recall " << r);
    CHECK(r >= 0.95);
    std::size_t short_rows = 0, unsorted = 0, self = 0;
    for (std::size_t i = 0; i < approx.size(); ++i) {
      short_rows += approx[i].size() != k;
      unsorted +=
          !std::is_sorted(approx[i].begin(), approx[i].end(),
                          [](const Neighbor& a, const Neighbor& b) { return a.score > b.score; });
      for (const auto& nb : approx[i]) self += nb.index == i;
    }
    CHECK(short_rows == 0);
    CHECK(unsorted == 0);
    CHECK(self == 0);
    // One thread builds the index in row order: the same neighbours every time.
    KnnOptions serial = o;
    serial.threads = 1;
    auto once = knn_hnsw(m, serial);
    CHECK(recall(once, truth) >= 0.95);
    CHECK(knn_hnsw(m, serial) == once);
  }
}

TEST_CASE("knn switches to HNSW at the threshold", "[knn]") {
  auto m = random_unit_rows(400, 16, 9);
  KnnOptions exact{.k = 3, .min_similarity = -1.f, .hnsw_threshold = 401};
  KnnOptions approx{.k = 3, .min_similarity = -1.f, .hnsw_threshold = 400};
  CHECK(knn(m, exact) == knn_exact(m, exact));
  CHECK(knn(m, approx) == knn_hnsw(m, approx));
  // HNSW also applies the floor.
  auto floored = knn_hnsw(m, KnnOptions{.k = 3, .min_similarity = 0.5f});
  std::size_t below = 0;
  for (const auto& row : floored)
    for (const auto& nb : row) below += nb.score < 0.5f;
  CHECK(below == 0);
}
