// How the OpenAI client sizes what it asks for: the output model (completion tokens reserved per
// request, learned per symbol kind) and the wave shape (how a wave the TPM bucket cannot take at
// once is cut into requests).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "llm/output_model.hpp"
#include "llm/wave_shape.hpp"

using doctown::SymbolKind;
using doctown::detail::fastest_sizes;
using doctown::detail::OutputModel;
using doctown::detail::wave_end_s;
using doctown::detail::WaveShape;

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

TEST_CASE("what one run learned starts the next, and figures that make no sense are skipped",
          "[llm]") {
  OutputModel first;
  std::mt19937 rng(6);
  learn(first, SymbolKind::field, 12, 0.9, 0.1, rng);
  learn(first, SymbolKind::function, 20, 0.3, 0.2, rng);
  auto kept = first.learned();
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].kind == "*");
  CHECK(kept[0].answers == 32);

  OutputModel next;
  next.seed(kept);
  auto fields = request(SymbolKind::field, 10), functions = request(SymbolKind::function, 10);
  CHECK(*next.reserve(fields) == Approx(*first.reserve(fields)));
  CHECK(*next.reserve(functions) == Approx(*first.reserve(functions)));

  // A long history counts as 30 answers: this run's answers can still move it.
  OutputModel long_history;
  long_history.seed(std::vector<doctown::LearnedOutput>{{"*", 100000, 0.5, 0.1}});
  CHECK(long_history.samples() == OutputModel::max_seed_answers);

  OutputModel hostile;
  hostile.seed(std::vector<doctown::LearnedOutput>{{"*", 10, std::nan(""), 0.1},
                                                  {"*", 10, 0.5, -1},
                                                  {"no_such_kind", 10, 0.5, 0.1},
                                                  {"function", 0, 0.5, 0.1},
                                                  {"function", 10, 1e300, 0.1}});
  CHECK(hostile.samples() == 0);
  CHECK_FALSE(hostile.reserve(functions));
}

TEST_CASE("a wave's end is when its last request, sent as the bucket allows, has answered",
          "[llm]") {
  // 1,000 tokens now, 100 a second; each request 200 tokens + 100 a symbol, 0.5 s a symbol.
  WaveShape s{.room = 1000, .rate = 100, .request_cost = 200, .symbol_cost = 100,
              .s_per_symbol = 0.5, .most_per_request = 10};
  std::vector<std::size_t> fits{4, 4};  // 600 + 600 > 1,000: the second waits 2 s
  CHECK(wave_end_s(s, fits) == Approx(2 + 2));
  std::vector<std::size_t> one{8};  // 1,000 tokens: goes now, answers in 4 s
  CHECK(wave_end_s(s, one) == Approx(4));
}

TEST_CASE("a wave the bucket cannot take at once is cut so its waiting requests are small",
          "[llm]") {
  // The guide case's last wave: 39 symbols, the bucket holds ~13,900 tokens and refills 500 a
  // second, each request repeats a 1,437-token prefix, a symbol costs ~342 tokens and 0.81 s.
  WaveShape s{.room = 13900, .rate = 500, .request_cost = 1437, .symbol_cost = 342,
              .s_per_symbol = 0.81, .most_per_request = 15};
  auto three = fastest_sizes(s, 39, 3);
  REQUIRE(three.size() == 3);
  CHECK(three == std::vector<std::size_t>{15, 15, 9});  // the batch size caps the first two
  auto four = fastest_sizes(s, 39, 4);
  REQUIRE(four.size() == 4);
  std::size_t total = 0;
  for (auto n : four) total += n;
  CHECK(total == 39);
  CHECK(four.back() < three.back());
  // One request more pays for its prefix here: the wave ends over a second sooner.
  CHECK(wave_end_s(s, four) < wave_end_s(s, three) - 1);
  // When the bucket takes everything now, the sizes come out even.
  s.room = 1e6;
  CHECK(fastest_sizes(s, 39, 3) == std::vector<std::size_t>{13, 13, 13});
  // Symbols that cannot be placed within the batch size: no cut.
  CHECK(fastest_sizes(s, 46, 3).empty());
}
