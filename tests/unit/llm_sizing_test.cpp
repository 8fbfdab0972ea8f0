// How the OpenAI client sizes what it asks for: the output model (completion tokens reserved per
// request, learned per symbol kind).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "llm/output_model.hpp"

using doctown::SymbolKind;
using doctown::detail::OutputModel;

namespace {

std::vector<OutputModel::Item> request(SymbolKind kind, std::size_t n, double prior = 200) {
  return std::vector<OutputModel::Item>(n, OutputModel::Item{kind, prior});
}

// Answers of `n` symbols of a kind whose true ratio to the prior is `ratio`, spread `cv`.
void learn(OutputModel& m, SymbolKind kind, std::size_t n, double ratio, double cv,
           std::mt19937& rng, double prior = 200) {
  std::normal_distribution<double> noise(1.0, cv);
  for (std::size_t i = 0; i < n; ++i)
    m.observe(kind, prior, std::max(1.0, prior * ratio * noise(rng)));
}

}  // namespace

TEST_CASE("the output model reserves nothing of its own until it has seen a few answers",
          "[llm]") {
  OutputModel m;
  std::mt19937 rng(1);
  auto r = request(SymbolKind::function, 10);
  CHECK_FALSE(m.reserve(r));
  learn(m, SymbolKind::function, OutputModel::min_samples - 1, 0.5, 0.1, rng);
  CHECK_FALSE(m.reserve(r));
  learn(m, SymbolKind::function, 1, 0.5, 0.1, rng);
  CHECK(m.reserve(r));
}

TEST_CASE("a large request needs less headroom per symbol than a small one", "[llm]") {
  OutputModel m;
  std::mt19937 rng(2);
  learn(m, SymbolKind::function, 60, 0.5, 0.3, rng);
  double small = *m.reserve(request(SymbolKind::function, 2)) / (2 * 200 * 0.5);
  double large = *m.reserve(request(SymbolKind::function, 15)) / (15 * 200 * 0.5);
  CHECK(small > large);
  CHECK(large > 1.05);  // still above the expected total
  CHECK(large < 1.5);
}

TEST_CASE("each kind of symbol is reserved by what answers of that kind took", "[llm]") {
  // Fields answered at their prior, functions at a third of it: a request of functions is
  // not reserved as if it were fields (one ratio for all would be 3x too large for them).
  OutputModel m;
  std::mt19937 rng(3);
  learn(m, SymbolKind::field, 20, 0.9, 0.1, rng);
  learn(m, SymbolKind::function, 20, 0.3, 0.1, rng);
  double fields = *m.reserve(request(SymbolKind::field, 10));
  double functions = *m.reserve(request(SymbolKind::function, 10));
  CHECK(fields / functions == Approx(3).epsilon(0.2));
  CHECK(functions < 10 * 200 * 0.3 * 1.4);
  // A kind not seen yet borrows the pooled figures, which cover both.
  double methods = *m.reserve(request(SymbolKind::method, 10));
  CHECK(methods > functions);
}

TEST_CASE("answers that vary more get more headroom, and a cut answer raises it", "[llm]") {
  OutputModel steady, varied;
  std::mt19937 rng(4);
  learn(steady, SymbolKind::function, 40, 0.5, 0.05, rng);
  learn(varied, SymbolKind::function, 40, 0.5, 0.5, rng);
  auto r = request(SymbolKind::function, 10);
  CHECK(*varied.reserve(r) > *steady.reserve(r) * 1.2);
  double before = *steady.reserve(r);
  steady.on_cut();
  CHECK(*steady.reserve(r) == Approx(before * 1.5));
}

TEST_CASE("reservations learned from a few dozen answers rarely cut one and waste little",
          "[llm]") {
  // Simulated runs: answers whose size per symbol varies by 30% around a ratio the model does
  // not know; it learns from the first wave (40 symbols), then reserves for requests of 2 to
  // 15 symbols. Few answers may be cut (each costs a split and a retry), and the tokens held
  // back for nothing stay well under the planner's own headroom.
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> true_ratio(0.3, 0.9);
  std::uniform_int_distribution<std::size_t> size(2, 15);
  std::size_t requests = 0, cut = 0;
  double reserved = 0, used = 0;
  for (int run = 0; run < 200; ++run) {
    OutputModel m;
    double ratio = true_ratio(rng);
    learn(m, SymbolKind::function, 40, ratio, 0.3, rng);
    std::normal_distribution<double> noise(1.0, 0.3);
    for (int i = 0; i < 10; ++i) {
      std::size_t n = size(rng);
      double r = *m.reserve(request(SymbolKind::function, n));
      double answer = 0;
      for (std::size_t k = 0; k < n; ++k) answer += std::max(1.0, 200 * ratio * noise(rng));
      ++requests;
      if (answer > r) ++cut;
      reserved += r;
      used += answer;
    }
  }
  INFO("cut " << cut << " of " << requests << ", reserved/used " << reserved / used);
  CHECK(static_cast<double>(cut) / static_cast<double>(requests) < 0.01);
  CHECK(reserved / used < 1.45);
}
