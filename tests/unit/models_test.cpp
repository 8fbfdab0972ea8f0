// Model table: built-in limits and prices, snapshot names, JSON extension, cost formula.
#include <catch2/catch.hpp>

#include "doctown/models.hpp"

using namespace doctown;

TEST_CASE("built-in models have limits and prices", "[models]") {
  auto t = ModelTable::builtin();
  for (const char* name : {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
                           "gpt-5", "gpt-5-mini", "gpt-5-nano", "o3", "o4-mini"}) {
    auto m = t.lookup(name);
    CHECK(m.known);
    CHECK(m.context_window >= 128000);
    CHECK(m.max_output_tokens > 0);
    CHECK(m.input_per_mtok > 0);
    CHECK(m.output_per_mtok > m.input_per_mtok);
    CHECK(m.cached_input_per_mtok < m.input_per_mtok);
  }
}

TEST_CASE("dated snapshots map to the longest matching model", "[models]") {
  auto t = ModelTable::builtin();
  auto m = t.lookup("gpt-4o-mini-2024-07-18");
  CHECK(m.known);
  CHECK(m.input_per_mtok == Approx(0.15));
  CHECK(t.lookup("gpt-4o-2024-08-06").input_per_mtok == Approx(2.50));
}

TEST_CASE("unknown models get conservative limits and are flagged", "[models]") {
  auto m = ModelTable::builtin().lookup("qwen2.5-coder:7b");
  CHECK_FALSE(m.known);
  CHECK(m.context_window == 8192);
  CHECK(m.input_per_mtok == 0);
}

TEST_CASE("models load from JSON and bad entries are rejected whole", "[models]") {
  auto t = ModelTable::builtin();
  REQUIRE(t.load_json(R"({"models":[{"name":"qwen2.5-coder","context_window":32768,
      "max_output_tokens":8192,"input_per_mtok":0.1,"output_per_mtok":0.2}]})"));
  auto m = t.lookup("qwen2.5-coder");
  CHECK(m.known);
  CHECK(m.context_window == 32768);
  CHECK(m.cached_input_per_mtok == Approx(0.1));  // defaults to the input price

  auto bad = t.load_json(R"([{"name":"a","context_window":100,"max_output_tokens":50},{"context_window":5}])", "m.json");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where.find("models[1]") != std::string::npos);
  CHECK_FALSE(t.lookup("a").known);  // nothing from the bad file was added
}

TEST_CASE("cost bills cached tokens once and halves for the Batch API", "[models]") {
  auto m = ModelTable::builtin().lookup("gpt-4o-mini");
  TokenUsage u{1'000'000, 400'000, 100'000};
  double expected = 0.6 * 0.15 + 0.4 * 0.075 + 0.1 * 0.60;
  CHECK(cost_usd(m, u) == Approx(expected));
  CHECK(cost_usd(m, u, true) == Approx(expected / 2));
}
