// The OpenAI-compatible client against the loopback server: end to end, request shape, rate
// limits, retries, repair of partial answers, fatal errors, cancellation, waves, Batch API.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "doctown/llm_client.hpp"
#include "doctown/models.hpp"
#include "planner/prompt.hpp"
#include "support/loopback_openai_server.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
using doctown::test::Fault;
using doctown::test::LoopbackChatEvent;
using doctown::test::LoopbackCounters;
using doctown::test::LoopbackOpenAiServer;
using doctown::test::LoopbackOptions;
namespace json = boost::json;

namespace {

const std::string system_prompt =
    "You document C++ symbols. Answer in JSON with one entry per requested id.";

std::string symbol_id(std::size_t i) { return "c:@N@geo@F@fn" + std::to_string(i) + "#"; }

// A request for `ids`, shaped like the planner's: ids listed as "id: <id>" lines.
Batch make_batch(const std::vector<std::string>& ids, std::size_t index, std::size_t wave = 0) {
  Batch b;
  b.index = index;
  b.wave = wave;
  b.symbol_ids = ids;
  b.system_prompt = system_prompt;
  for (const auto& id : ids) b.user_prompt += "- id: " + id + "\n  signature: int f(int)\n";
  b.input_tokens = test::chat_prompt_tokens(b.system_prompt, b.user_prompt);
  b.max_output_tokens = 300 * ids.size();
  return b;
}

std::vector<Batch> make_batches(std::size_t symbols, std::size_t per_batch, std::size_t first = 0) {
  std::vector<Batch> out;
  std::vector<std::string> ids;
  for (std::size_t i = first; i < first + symbols; ++i) {
    ids.push_back(symbol_id(i));
    if (ids.size() == per_batch) {
      out.push_back(make_batch(ids, out.size()));
      ids.clear();
    }
  }
  if (!ids.empty()) out.push_back(make_batch(ids, out.size()));
  return out;
}

// Collects what a run reports.
struct Recorder : ProgressSink {
  std::vector<ProgressEvent> events;
  std::function<void(const ProgressEvent&)> hook;
  void on_event(const ProgressEvent& e) override {
    events.push_back(e);
    if (hook) hook(e);
  }
  std::size_t diagnostics_containing(const std::string& text) const {
    std::size_t n = 0;
    for (const auto& e : events)
      if (e.type == ProgressEvent::Type::diagnostic && e.message.find(text) != std::string::npos) ++n;
    return n;
  }
};

struct Run {
  LlmOutcome outcome;
  std::map<std::string, int> committed;  // id → times passed to on_docs
  std::vector<std::string> commit_order;
  std::size_t rebatch_calls = 0;
};

Run run_client(const LlmOptions& options, const std::vector<Batch>& batches,
               const RunContext& ctx = {}) {
  Run r;
  auto client = make_openai_client(options);
  REQUIRE(client);
  LlmJob job;
  job.batches = batches;
  std::size_t next_index = 1000;
  job.rebatch = [&](std::span<const std::string> ids) -> result<std::vector<Batch>> {
    ++r.rebatch_calls;
    return std::vector<Batch>{make_batch({ids.begin(), ids.end()}, next_index++)};
  };
  job.on_docs = [&](std::span<const SymbolDoc> docs) {
    for (const auto& d : docs) {
      ++r.committed[d.id];
      r.commit_order.push_back(d.id);
    }
  };
  r.outcome = (*client)->run(job, ctx);
  return r;
}

LlmOptions options_for(const LoopbackOpenAiServer& server) {
  LlmOptions o;
  o.server.base_url = server.base_url();
  o.model = "gpt-4o-mini";
  o.server.concurrency = 4;
  o.server.timeout_s = 5;
  o.server.connect_timeout_s = 2;
  o.server.backoff_base_s = 0.01;
  o.server.backoff_max_s = 0.05;
  return o;
}

// Every symbol of the batches is documented exactly once or failed with a reason, never both.
void check_every_symbol_accounted(const Run& r, const std::vector<Batch>& batches) {
  std::set<std::string> all;
  for (const auto& b : batches) all.insert(b.symbol_ids.begin(), b.symbol_ids.end());
  std::map<std::string, int> seen;
  for (const auto& d : r.outcome.docs) ++seen[d.id];
  for (const auto& f : r.outcome.failures) {
    ++seen[f.id];
    CHECK_FALSE(f.reason.empty());
  }
  for (const auto& id : r.outcome.not_started) ++seen[id];
  for (const auto& id : all) {
    INFO(id);
    CHECK(seen[id] == 1);
  }
  CHECK(seen.size() == all.size());
  for (const auto& d : r.outcome.docs) CHECK(r.committed.at(d.id) == 1);
  CHECK(r.committed.size() == r.outcome.docs.size());
}

}  // namespace

TEST_CASE("a batch of symbols is documented end to end", "[llm]") {
  LoopbackOpenAiServer server({.api_key = "sk-test-key-1234"});
  auto batches = make_batches(20, 5);
  auto options = options_for(server);
  options.server.api_key = "sk-test-key-1234";
  Recorder rec;
  RunContext ctx{&rec, {}};
  auto r = run_client(options, batches, ctx);
  check_every_symbol_accounted(r, batches);
  REQUIRE(r.outcome.docs.size() == 20);
  CHECK(r.outcome.failures.empty());
  CHECK_FALSE(r.outcome.fatal);
  CHECK(r.outcome.requests == 5);  // the first request probes with 2 of its 5 symbols
  CHECK(r.outcome.retries == 0);
  for (const auto& d : r.outcome.docs) {
    CHECK(d.source == "llm");
    CHECK(d.summary == "Summary of " + d.id + ".");
    CHECK(d.description.find("Documents " + d.id) == 0);
  }
  // The client's accounting matches the server's own usage figures.
  auto c = server.counters();
  CHECK(r.outcome.tokens.input == c.usage.input);
  CHECK(r.outcome.tokens.cached == c.usage.cached);
  CHECK(r.outcome.tokens.output == c.usage.output);
  ModelInfo info = ModelTable::builtin().lookup("gpt-4o-mini");
  CHECK(r.outcome.cost_usd == Approx(cost_usd(info, r.outcome.tokens)));
  CHECK(r.outcome.cost_usd > 0);
  CHECK(server.last_headers().at("authorization") == "Bearer sk-test-key-1234");
  // Progress reached 20/20.
  std::size_t last_done = 0;
  for (const auto& e : rec.events)
    if (e.type == ProgressEvent::Type::item_done) last_done = e.done;
  CHECK(last_done == 20);
}

TEST_CASE("requests carry the fields CreateChatCompletionRequest defines", "[llm]") {
  LoopbackOpenAiServer server;
  auto batches = make_batches(3, 3);
  auto options = options_for(server);
  options.seed = 7;
  options.temperature = 0.3;
  auto r = run_client(options, batches);
  REQUIRE(r.outcome.docs.size() == 3);
  auto bodies = server.chat_bodies();
  REQUIRE(bodies.size() == 1);
  auto body = json::parse(bodies[0]).as_object();
  // Required by the OpenAPI schema: model and a non-empty messages array of {role, content}.
  CHECK(body.at("model").as_string() == "gpt-4o-mini");
  auto& messages = body.at("messages").as_array();
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].at("role").as_string() == "system");
  CHECK(messages[0].at("content").as_string() == system_prompt);
  CHECK(messages[1].at("role").as_string() == "user");
  CHECK(messages[1].at("content").as_string() == batches[0].user_prompt);
  CHECK(body.at("max_completion_tokens").as_int64() == 900);
  CHECK_FALSE(body.contains("max_tokens"));
  CHECK(body.at("temperature").as_double() == Approx(0.3));
  CHECK(body.at("seed").as_int64() == 7);
  // ResponseFormatJsonSchema: type, json_schema {name, strict, schema}.
  auto& rf = body.at("response_format").as_object();
  CHECK(rf.at("type").as_string() == "json_schema");
  CHECK(rf.at("json_schema").at("name").as_string() == "symbol_docs");
  CHECK(rf.at("json_schema").at("strict").as_bool());
  auto& schema = rf.at("json_schema").at("schema").as_object();
  CHECK(schema.at("additionalProperties").as_bool() == false);
  auto& entry = schema.at("properties").at("symbols").at("items").as_object();
  CHECK(entry.at("required").as_array().size() == 9);

  options.seed = -1;
  (void)run_client(options, batches);
  CHECK_FALSE(json::parse(server.chat_bodies().back()).as_object().contains("seed"));
}

TEST_CASE("the client paces itself under the RPM and TPM limits", "[llm]") {
  // The server only counts (enforce = false): any excess would show in its counters.
  LoopbackOpenAiServer server({.rpm = 6, .tpm = 4000, .window_s = 0.4, .enforce = false});
  auto batches = make_batches(24, 1);
  auto options = options_for(server);
  options.server.rpm_limit = 6;
  options.server.tpm_limit = 4000;
  options.server.rate_window_s = 0.4;
  auto start = std::chrono::steady_clock::now();
  auto r = run_client(options, batches);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 24);
  auto c = server.counters();
  CHECK(c.limit_violations == 0);  // no request ever found the server's buckets short
  CHECK(c.min_request_level >= 0);
  CHECK(c.min_token_level >= 0);
  // 24 requests: a burst of 6, then 6 per 0.4 s: at least 1.2 s, and not much more.
  CHECK(took >= 1.0);
  CHECK(took < 4.0);
}

TEST_CASE("the client paces itself when the TPM limit binds", "[llm]") {
  // Only tokens are limited: 40 requests of ~150-330 counted tokens against 1,000 per 0.5 s.
  // The bucket starts full, so the run cannot take less than (counted - 1,000) / (2,000 per s).
  LoopbackOpenAiServer server({.tpm = 1000, .window_s = 0.5, .enforce = false});
  auto batches = make_batches(40, 1);
  auto options = options_for(server);
  options.server.tpm_limit = 1000;
  options.server.rate_window_s = 0.5;
  auto start = std::chrono::steady_clock::now();
  auto r = run_client(options, batches);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 40);
  auto c = server.counters();
  CHECK(c.limit_violations == 0);
  CHECK(c.min_token_level >= 0);
  REQUIRE(c.counted_tokens > 3000);
  double floor_s = (static_cast<double>(c.counted_tokens) - 1000) / (1000 / 0.5);
  CHECK(took >= floor_s * 0.95);
  CHECK(took < floor_s + 3);
}

TEST_CASE("requests count as the server counts them, not as the planner estimated", "[llm]") {
  // The batches claim 1 input token each; the server counts ceil(chars / 4). A client trusting
  // the claim would overrun the server's bucket.
  LoopbackOpenAiServer server({.tpm = 3000, .window_s = 0.5, .enforce = false});
  auto batches = make_batches(16, 1);
  for (auto& b : batches) {
    b.user_prompt += std::string(600, 'x');
    b.input_tokens = 1;
  }
  auto options = options_for(server);
  options.server.tpm_limit = 3000;
  options.server.rate_window_s = 0.5;
  auto r = run_client(options, batches);
  CHECK(r.outcome.docs.size() == 16);
  auto c = server.counters();
  CHECK(c.limit_violations == 0);
  CHECK(c.min_token_level >= 0);
}

TEST_CASE("without limit flags the first answer's headers set the pace and nothing is 429",
          "[llm]") {
  LoopbackOpenAiServer server({.rpm = 4, .window_s = 0.3});
  auto batches = make_batches(16, 1);
  auto options = options_for(server);  // no client-side limits: it learns them from headers
  options.server.concurrency = 0;              // automatic in-flight count
  options.server.rate_window_s = 0.3;          // what the server's "minute" is
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 16);
  auto c = server.counters();
  CHECK(c.rate_limited == 0);
  CHECK(r.outcome.rate_limited == 0);
}

TEST_CASE("a server seen to charge chars/4 is paced by chars/4, not by a higher exact count",
          "[llm]") {
  // Prompts whose exact BPE count is three times ceil(chars/4) (dense code does this), against
  // a server charging chars/4 as OpenAI documents: 10,000 tokens a minute, each request
  // ~2,100 by the server's count, ~5,700 by the exact one. The probe's headers show the
  // server's count; then both others fit at once. Counting exactly, the third would wait
  // (5,700 - 2,200) / 167 per s = 21 s for tokens the server never charges.
  LoopbackOpenAiServer server({.tpm = 10000, .window_s = 60, .latency_s = 1.0});
  auto batches = make_batches(3, 1);
  for (auto& b : batches) {
    b.user_prompt += std::string(7000, 'x');
    b.input_tokens = 3 * test::chat_prompt_tokens(b.system_prompt, b.user_prompt);
  }
  auto options = options_for(server);
  options.server.concurrency = 0;
  auto start = std::chrono::steady_clock::now();
  auto r = run_client(options, batches);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 3);
  auto c = server.counters();
  CHECK(c.rate_limited == 0);
  CHECK(c.max_concurrent == 2);  // the two after the probe went together
  CHECK(took < 12);
}

TEST_CASE("the probe is a short request when others wait behind it", "[llm]") {
  // Nothing else is sent until the first answer shows the limits: a first request of 12
  // symbols would hold the whole run several times as long as one of 2.
  LoopbackOpenAiServer server({.rpm = 500, .tpm = 200000});
  auto batches = make_batches(36, 12);
  auto options = options_for(server);
  options.server.concurrency = 0;
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 36);
  auto c = server.counters();
  REQUIRE(c.timeline.size() >= 4);  // 2 + 10 + 12 + 12, or more once the wave is spread
  CHECK(c.timeline[0].ids == 2);
  CHECK(c.rate_limited == 0);
  // A single request has nobody waiting behind it: it goes as planned.
  LoopbackOpenAiServer alone({.rpm = 500, .tpm = 200000});
  auto one = make_batches(12, 12);
  auto options_alone = options_for(alone);
  options_alone.server.concurrency = 0;
  auto r1 = run_client(options_alone, one);
  CHECK(r1.outcome.docs.size() == 12);
  CHECK(alone.counters().timeline.size() == 1);
}

// Runs `batches` with limits learned from the server (no limit flags) and checks what every
// run must hold: each symbol documented once, no 429. Returns the server's timeline.
std::vector<LoopbackChatEvent> run_learning_limits(LoopbackOpenAiServer& server,
                                                   const std::vector<Batch>& batches,
                                                   unsigned concurrency = 0, double window_s = 60) {
  auto options = options_for(server);
  options.server.concurrency = concurrency;
  options.server.rate_window_s = window_s;
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  std::size_t symbols = 0;
  for (const auto& b : batches) symbols += b.symbol_ids.size();
  CHECK(r.outcome.docs.size() == symbols);
  auto c = server.counters();
  CHECK(c.rate_limited == 0);
  return c.timeline;
}

TEST_CASE("a wave is spread over the slots a large account admits", "[llm]") {
  // Four requests of 15 symbols, and limits that admit dozens at once: the wave would end
  // with its slowest 15-symbol answer. Halved into small requests, every slot takes a share.
  LoopbackOpenAiServer server({.rpm = 10000, .tpm = 2000000, .output_tokens_per_s = 4000});
  auto batches = make_batches(60, 15);
  auto timeline = run_learning_limits(server, batches);
  std::size_t most = 0;
  for (const auto& e : timeline) most = std::max(most, e.ids);
  CHECK(most <= 4);
  CHECK(timeline.size() >= 15);
  // With --concurrency 1 nothing could go at once: the plan stays as it is.
  LoopbackOpenAiServer one({.rpm = 10000, .tpm = 2000000, .output_tokens_per_s = 4000});
  CHECK(run_learning_limits(one, batches, 1).size() == 4);
}

TEST_CASE("a small account's wave is not spread: the prefixes would cost tokens it needs", "[llm]") {
  LoopbackOpenAiServer server({.rpm = 500, .tpm = 12000, .output_tokens_per_s = 4000});
  auto timeline = run_learning_limits(server, make_batches(60, 15));
  // The probe's 2 symbols, then the rest in as many requests as planned (sizes evened out).
  REQUIRE(timeline.size() == 5);
  CHECK(timeline[0].ids == 2);
  for (std::size_t i = 1; i < timeline.size(); ++i) CHECK(timeline[i].ids >= 14);
}

TEST_CASE("requests held for tokens are small: symbols move to the ones that go now", "[llm]") {
  // After the probe the bucket holds all but the last request of the wave: that one waits for
  // tokens, then generates. Moving symbols out of it into the requests that go now, and
  // cutting what still waits into smaller requests sent as the bucket refills, ends the wave
  // sooner. (A 12 s window keeps the refill slow enough that timing noise does not change
  // which requests fit.)
  LoopbackOpenAiServer server({.rpm = 500, .tpm = 3200, .window_s = 12, .output_tokens_per_s = 400});
  auto timeline = run_learning_limits(server, make_batches(32, 8), 0, 12);
  // Planned after the probe: 6, 8 and 8 at once, and a held 8.
  REQUIRE(timeline.size() >= 5);
  CHECK(timeline[0].ids == 2);
  const double waited = timeline[1].at_s + 0.5;
  std::size_t smallest_now = 99, held = 0, now = 0;
  for (std::size_t i = 1; i < timeline.size(); ++i)
    if (timeline[i].at_s < waited) smallest_now = std::min(smallest_now, timeline[i].ids), now += timeline[i].ids;
  for (std::size_t i = 1; i < timeline.size(); ++i) {
    INFO("request " << i << " at " << timeline[i].at_s << " s: " << timeline[i].ids << " symbols");
    if (timeline[i].at_s < waited) continue;
    CHECK(timeline[i].ids < smallest_now);
    held += timeline[i].ids;
  }
  CHECK(held > 0);
  CHECK(held < 8);
  CHECK(now + held == 30);
  // What still waits goes in two smaller requests, the second sent as the bucket refills.
  CHECK(timeline.size() > 5);
}

TEST_CASE("a later wave is reserved by what answers of its kind of symbol took", "[llm]") {
  // Fields and functions answered at about the same length, though the planner expects a
  // function of eight parameters to take four times as much as a field: after a first wave of
  // both, a wave of functions is reserved by what functions took, not by the fields' higher
  // share of their estimate (one ratio for every symbol would reserve ~4x what they use).
  Codebase cb;
  for (std::size_t i = 0; i < 35; ++i) {
    Symbol s;
    s.id = symbol_id(i);
    s.name = "fn" + std::to_string(i);
    s.kind = i < 10 ? SymbolKind::field : SymbolKind::function;
    if (s.kind == SymbolKind::function)
      for (int p = 0; p < 8; ++p) s.params.push_back({"p" + std::to_string(p), "int"});
    cb.symbols.push_back(std::move(s));
  }
  cb.normalize();
  auto planned = [&cb](Batch b) {  // as the planner reserves: its estimate, with headroom
    std::size_t expected = 0;
    for (const auto& id : b.symbol_ids) expected += detail::expected_output_tokens(*cb.find(id));
    b.max_output_tokens = detail::reserve_for(expected);
    return b;
  };
  auto waves = std::vector<std::vector<Batch>>{make_batches(20, 5), make_batches(15, 15, 20)};
  for (auto& wave : waves)
    for (auto& b : wave) b = planned(b);
  LoopbackOpenAiServer server(LoopbackOptions{});
  auto client = make_openai_client(options_for(server));
  REQUIRE(client);
  std::vector<LoopbackCounters> after;
  std::size_t next_index = 1000;
  for (const auto& wave : waves) {
    LlmJob job;
    job.batches = wave;
    job.codebase = &cb;
    job.rebatch = [&](std::span<const std::string> ids) -> result<std::vector<Batch>> {
      return std::vector<Batch>{planned(make_batch({ids.begin(), ids.end()}, next_index++))};
    };
    auto o = (*client)->run(job, {});
    CHECK(o.docs.size() == (wave.size() == 1 ? 15u : 20u));
    CHECK(o.failures.empty());
    after.push_back(server.counters());
  }
  double reserved = static_cast<double>(after[1].reserved_output_tokens - after[0].reserved_output_tokens);
  double used = static_cast<double>(after[1].usage.output - after[0].usage.output);
  INFO("second wave: reserved " << reserved << ", used " << used);
  CHECK(after[1].chat_requests - after[0].chat_requests == 1);  // not cut, not retried
  CHECK(reserved >= used);
  CHECK(reserved < 1.5 * used);
}

TEST_CASE("a server without rate headers gets a modest number in flight and no 429", "[llm]") {
  // llama.cpp and vLLM send no x-ratelimit-* headers: one request probes, then a fixed few.
  LoopbackOpenAiServer server({.rate_headers = false, .latency_s = 0.05});
  auto batches = make_batches(40, 1);
  auto options = options_for(server);
  options.server.concurrency = 0;
  auto r = run_client(options, batches);
  CHECK(r.outcome.docs.size() == 40);
  auto c = server.counters();
  CHECK(c.rate_limited == 0);
  CHECK(c.max_concurrent > 1);
  CHECK(c.max_concurrent <= 8);
}

TEST_CASE("in flight grows toward rate times latency when the limits are high", "[llm]") {
  // 6,000 requests per 60 s admit 100 per second; answers take 0.3 s: ~30 in flight keep up.
  LoopbackOpenAiServer server({.rpm = 6000, .tpm = 10000000, .latency_s = 0.3});
  auto batches = make_batches(120, 1);
  auto options = options_for(server);
  options.server.concurrency = 0;
  auto start = std::chrono::steady_clock::now();
  auto r = run_client(options, batches);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.outcome.docs.size() == 120);
  auto c = server.counters();
  CHECK(c.rate_limited == 0);
  CHECK(c.max_concurrent > 8);  // the old fixed default
  CHECK(c.max_concurrent <= 64);
  CHECK(took < 4.0);  // 8 in flight would take 120 / 8 × 0.3 = 4.5 s
}

TEST_CASE("after a burst of server errors the number in flight grows back", "[llm]") {
  // Three 503s halve the in-flight target three times (to an eighth); good answers must raise
  // it again, or the rest of the run (and every later run of the client) crawls.
  LoopbackOpenAiServer server({.rpm = 6000, .tpm = 10000000, .latency_s = 0.3});
  server.script({Fault::status_503, Fault::status_503, Fault::status_503});
  auto batches = make_batches(160, 1);
  auto options = options_for(server);
  options.server.concurrency = 0;
  auto r = run_client(options, batches);
  CHECK(r.outcome.docs.size() == 160);
  auto c = server.counters();
  CHECK(c.failed == 3);
  CHECK(c.max_concurrent > 16);  // without regrowth it stays at 7 or fewer; with it, 64
}

TEST_CASE("a --concurrency value stays a hard cap", "[llm]") {
  LoopbackOpenAiServer server({.rpm = 6000, .tpm = 10000000, .latency_s = 0.05});
  auto batches = make_batches(30, 1);
  auto options = options_for(server);
  options.server.concurrency = 3;
  auto r = run_client(options, batches);
  CHECK(r.outcome.docs.size() == 30);
  CHECK(server.counters().max_concurrent <= 3);
}

TEST_CASE("a 429 is retried no sooner than its retry-after-ms", "[llm]") {
  // The scripted 429 asks for window / 20 = 1 s; the backoff alone would wait at most 0.05 s.
  LoopbackOpenAiServer server({.window_s = 20});
  server.script({Fault::status_429});
  auto batches = make_batches(1, 1);
  auto options = options_for(server);
  auto start = std::chrono::steady_clock::now();
  auto r = run_client(options, batches);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.outcome.docs.size() == 1);
  CHECK(r.outcome.rate_limited == 1);
  CHECK(r.outcome.retries == 1);
  CHECK(took >= 1.0);
  CHECK(took < 3.0);
}

TEST_CASE("reservations shrink to what answers take and stay above it", "[llm]") {
  // The batches reserve 300 tokens per symbol; the server's answers take far fewer.
  LoopbackOpenAiServer server;
  auto batches = make_batches(40, 5);
  auto options = options_for(server);
  options.server.concurrency = 1;
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 40);
  auto c = server.counters();
  CHECK(c.rate_limited == 0);
  // The first request reserves the planner's 1,500; the later ones what answers take + headroom.
  auto last = json::parse(server.chat_bodies().back()).as_object();
  auto last_reserved = last.at("max_completion_tokens").as_int64();
  CHECK(last_reserved < 1500 / 2);
  CHECK(static_cast<double>(c.reserved_output_tokens) < 2.0 * static_cast<double>(c.usage.output));
  CHECK(r.rebatch_calls == 0);  // no answer was cut at its reservation
}

namespace {
// max_completion_tokens of the first request the server saw from `from` on.
std::int64_t first_reserved(const LoopbackOpenAiServer& server, std::size_t from = 0) {
  auto bodies = server.chat_bodies();
  REQUIRE(bodies.size() > from);
  return json::parse(bodies[from]).as_object().at("max_completion_tokens").as_int64();
}
}  // namespace

TEST_CASE("a ratio learned by an earlier run right-sizes the first request", "[llm]") {
  LoopbackOpenAiServer server;
  auto batches = make_batches(20, 5);  // 1,500 planned output tokens per request
  auto options = options_for(server);
  options.server.concurrency = 1;
  // A run that knows nothing reserves the planner's figure first, and reports what it learned.
  auto first = run_client(options, batches);
  CHECK(first.outcome.docs.size() == 20);
  CHECK(first_reserved(server) == 1500);
  const double learned = first.outcome.output_ratio;
  CHECK(learned > 0);
  CHECK(learned < 0.5);  // the loopback's answers take far less than 300 tokens a symbol

  // A new client (the next process) given that ratio starts right-sized, and loses nothing.
  options.learned_output_ratio = learned;
  std::size_t from = server.chat_bodies().size();
  auto second = run_client(options, batches);
  check_every_symbol_accounted(second, batches);
  CHECK(second.outcome.docs.size() == 20);
  CHECK(first_reserved(server, from) < 1500 / 2);
  CHECK(second.rebatch_calls == 0);  // no answer was cut at the smaller reservation
  CHECK(second.outcome.output_ratio > 0);

  // A ratio that cannot be trusted is none: the planner's figure goes first.
  for (double bad : {std::nan(""), -0.5, HUGE_VAL, 40.0}) {
    INFO(bad);
    options.learned_output_ratio = bad;
    from = server.chat_bodies().size();
    auto r = run_client(options, batches);
    CHECK(r.outcome.docs.size() == 20);
    CHECK(first_reserved(server, from) == 1500);
  }
}

TEST_CASE("a --max-cost budget stops the client before the request that would exceed it", "[llm]") {
  LoopbackOpenAiServer server;
  auto batches = make_batches(10, 1);
  auto options = options_for(server);
  options.server.concurrency = 1;
  ModelInfo mini = ModelTable::builtin().lookup("gpt-4o-mini");
  // Room for the first request at its worst case, and a few more as they really cost.
  double one = cost_usd(mini, {batches[0].input_tokens + 40, 0, batches[0].max_output_tokens});
  options.max_cost_usd = 1.6 * one;
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  REQUIRE(r.outcome.fatal);
  CHECK(r.outcome.fatal->code == errc::limit_exceeded);
  CHECK(r.outcome.fatal->message.find("--max-cost") != std::string::npos);
  CHECK(r.outcome.cost_usd <= options.max_cost_usd);
  CHECK(r.outcome.cost_usd == Approx(cost_usd(mini, server.counters().usage)));
  CHECK(r.outcome.docs.size() >= 1);
  CHECK(r.outcome.docs.size() < 10);
  CHECK(r.outcome.failures.empty());
  CHECK(r.outcome.not_started.size() == 10 - r.outcome.docs.size());
  CHECK(server.counters().chat_requests == r.outcome.docs.size());
}

TEST_CASE("the run is priced from the options' model table", "[llm]") {
  LoopbackOpenAiServer server;
  auto batches = make_batches(6, 3);
  auto options = options_for(server);
  options.model = "acme-docs-1";
  REQUIRE(options.models.load_json(
      R"([{"name":"acme-docs-1","input_per_mtok":2.0,"cached_input_per_mtok":1.0,"output_per_mtok":8.0}])"));
  auto r = run_client(options, batches);
  CHECK(r.outcome.docs.size() == 6);
  CHECK(r.outcome.cost_usd > 0);
  CHECK(r.outcome.cost_usd ==
        Approx(cost_usd(options.models.lookup("acme-docs-1"), server.counters().usage)));
}

TEST_CASE("5xx, resets, stalls and unreadable bodies are retried", "[llm]") {
  LoopbackOpenAiServer server({.stall_s = 2});
  server.script({Fault::status_500, Fault::status_502, Fault::status_503, Fault::reset_mid_body,
                 Fault::invalid_json_body, Fault::stall});
  auto batches = make_batches(8, 2);
  auto options = options_for(server);
  options.server.concurrency = 1;
  options.server.timeout_s = 0.4;
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 8);
  CHECK(r.outcome.retries == 6);
  CHECK(r.outcome.requests == 4 + 6);
}

TEST_CASE("retries are bounded and the failure says why", "[llm]") {
  LoopbackOpenAiServer server;
  server.set_fault_fn([](std::size_t, const std::vector<std::string>&) { return Fault::status_500; });
  auto batches = make_batches(4, 2);
  auto options = options_for(server);
  options.server.max_attempts = 3;
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.empty());
  REQUIRE(r.outcome.failures.size() == 4);
  CHECK(server.counters().chat_requests == 2 * 3);
  CHECK(r.outcome.requests == 6);
  for (const auto& f : r.outcome.failures) {
    CHECK(f.reason.find("HTTP 500") != std::string::npos);
    CHECK(f.reason.find("3 attempts") != std::string::npos);
  }
  CHECK_FALSE(r.outcome.fatal);
}

TEST_CASE("401 stops the whole run at once and never shows the key", "[llm]") {
  LoopbackOpenAiServer server({.latency_s = 0.02, .api_key = "sk-right-key"});
  auto batches = make_batches(40, 1);
  auto options = options_for(server);
  options.server.api_key = "sk-wrong-secret-98765";
  options.server.concurrency = 2;
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  REQUIRE(r.outcome.fatal);
  CHECK(r.outcome.fatal->code == errc::unauthorized);
  CHECK(r.outcome.docs.empty());
  CHECK(r.outcome.failures.size() == 40);
  CHECK(server.counters().chat_requests <= 2);  // no retry storm
  CHECK(r.outcome.retries == 0);
  CHECK(r.outcome.fatal->what().find("sk-wrong-secret-98765") == std::string::npos);
  for (const auto& f : r.outcome.failures)
    CHECK(f.reason.find("sk-wrong-secret-98765") == std::string::npos);
}

TEST_CASE("403 is fatal too", "[llm]") {
  LoopbackOpenAiServer server;
  server.script({Fault::status_403});
  auto options = options_for(server);
  options.server.concurrency = 1;
  auto r = run_client(options, make_batches(6, 2));
  REQUIRE(r.outcome.fatal);
  CHECK(r.outcome.fatal->code == errc::unauthorized);
  CHECK(server.counters().chat_requests == 1);
}

TEST_CASE("400 and 404 fail that request with the server's message", "[llm]") {
  LoopbackOpenAiServer server;
  server.script({Fault::status_400, Fault::status_404});
  auto batches = make_batches(6, 2);
  auto options = options_for(server);
  options.server.concurrency = 1;
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 2);
  REQUIRE(r.outcome.failures.size() == 4);
  CHECK(r.outcome.failures[0].reason.find("HTTP 400") != std::string::npos);
  CHECK(r.outcome.failures[0].reason.find("could not be processed") != std::string::npos);
  CHECK(r.outcome.failures[2].reason.find("HTTP 404") != std::string::npos);
  CHECK(r.outcome.failures[2].reason.find("does not exist") != std::string::npos);
  CHECK(r.outcome.retries == 0);
  CHECK_FALSE(r.outcome.fatal);
}

TEST_CASE("servers without max_completion_tokens get max_tokens", "[llm]") {
  LoopbackOpenAiServer server({.reject_max_completion_tokens = true});
  auto batches = make_batches(6, 2);
  Recorder rec;
  auto r = run_client(options_for(server), batches, {&rec, {}});
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 6);
  auto last = json::parse(server.chat_bodies().back()).as_object();
  CHECK(last.contains("max_tokens"));
  CHECK_FALSE(last.contains("max_completion_tokens"));
  CHECK(rec.diagnostics_containing("max_tokens") == 1);
}

TEST_CASE("servers without json_schema get json_object with the schema in the prompt", "[llm]") {
  LoopbackOpenAiServer server({.reject_json_schema = true});
  auto batches = make_batches(6, 3);
  auto r = run_client(options_for(server), batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 6);
  auto last = json::parse(server.chat_bodies().back()).as_object();
  CHECK(last.at("response_format").at("type").as_string() == "json_object");
  std::string user(last.at("messages").as_array()[1].at("content").as_string());
  CHECK(user.find("JSON schema") != std::string::npos);
}

TEST_CASE("missing ids are asked again, unknown and duplicate ids are dropped", "[llm]") {
  LoopbackOpenAiServer server;
  // The answers with an extra entry come first: later requests are right-sized from what
  // answers took, and an extra entry would then be cut at the reservation instead.
  server.script({Fault::extra_id, Fault::duplicate_id, Fault::drop_first_id, Fault::invalid_entry});
  auto batches = make_batches(16, 4);
  auto options = options_for(server);
  options.server.concurrency = 1;
  Recorder rec;
  auto r = run_client(options, batches, {&rec, {}});
  check_every_symbol_accounted(r, batches);
  for (const auto& f : r.outcome.failures) UNSCOPED_INFO(f.id << ": " << f.reason);
  CHECK(r.outcome.docs.size() == 16);
  CHECK(r.outcome.failures.empty());
  CHECK(r.rebatch_calls == 2);  // the dropped id and the invalid entry
  CHECK(rec.diagnostics_containing("did not ask for") == 1);
  CHECK(rec.diagnostics_containing("duplicate") == 1);
  CHECK(rec.diagnostics_containing("did not match the schema") == 1);
  CHECK(rec.diagnostics_containing("missing from the answer") == 2);
}

TEST_CASE("a symbol the model keeps leaving out ends failed with a reason", "[llm]") {
  LoopbackOpenAiServer server;
  server.set_fault_fn([](std::size_t, const std::vector<std::string>& ids) {
    return std::find(ids.begin(), ids.end(), symbol_id(0)) != ids.end() && ids.front() == symbol_id(0)
               ? Fault::drop_first_id
               : Fault::none;
  });
  auto batches = make_batches(3, 3);
  auto options = options_for(server);
  options.max_repairs = 2;
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 2);
  REQUIRE(r.outcome.failures.size() == 1);
  CHECK(r.outcome.failures[0].id == symbol_id(0));
  CHECK(r.outcome.failures[0].reason.find("left it out") != std::string::npos);
  CHECK(r.outcome.requests == 3);  // the first request + two follow-ups
}

TEST_CASE("truncated or unparsable answers are split in halves down to single symbols", "[llm]") {
  LoopbackOpenAiServer server;
  // length on the 8-symbol request, prose on one 4-symbol half, then all good.
  server.script({Fault::length, Fault::non_json_content});
  auto batches = make_batches(8, 8);
  auto options = options_for(server);
  options.server.concurrency = 1;
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 8);
  CHECK(r.rebatch_calls == 4);  // 8 → 4 + 4, then one 4 → 2 + 2
  CHECK(r.outcome.requests == 1 + 2 + 2);
  // Tokens of the truncated attempt are counted too.
  auto c = server.counters();
  CHECK(r.outcome.tokens.input == c.usage.input);
  CHECK(r.outcome.tokens.output == c.usage.output);
}

TEST_CASE("a single symbol whose answer is always truncated fails with the reason", "[llm]") {
  LoopbackOpenAiServer server;
  server.set_fault_fn([](std::size_t, const std::vector<std::string>& ids) {
    return ids.size() == 1 && ids[0] == symbol_id(1) ? Fault::length : Fault::none;
  });
  auto batches = make_batches(2, 2);
  server.script({Fault::length});
  auto r = run_client(options_for(server), batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 1);
  REQUIRE(r.outcome.failures.size() == 1);
  CHECK(r.outcome.failures[0].id == symbol_id(1));
  CHECK(r.outcome.failures[0].reason.find("max_completion_tokens") != std::string::npos);
}

TEST_CASE("a refusal marks the symbol failed with the model's words", "[llm]") {
  LoopbackOpenAiServer server;
  server.script({Fault::refusal});
  auto batches = make_batches(1, 1);
  auto r = run_client(options_for(server), batches);
  check_every_symbol_accounted(r, batches);
  REQUIRE(r.outcome.failures.size() == 1);
  CHECK(r.outcome.failures[0].reason.find("refused") != std::string::npos);
  CHECK(r.outcome.failures[0].reason.find("cannot help") != std::string::npos);
}

TEST_CASE("cancellation keeps finished docs and sends nothing new", "[llm]") {
  LoopbackOpenAiServer server({.latency_s = 0.1});
  auto batches = make_batches(20, 1);
  auto options = options_for(server);
  options.server.concurrency = 2;
  std::stop_source stop;
  Recorder rec;
  rec.hook = [&](const ProgressEvent& e) {
    if (e.type == ProgressEvent::Type::item_done && e.done >= 3) stop.request_stop();
  };
  auto r = run_client(options, batches, {&rec, stop.get_token()});
  check_every_symbol_accounted(r, batches);
  REQUIRE(r.outcome.fatal);
  CHECK(r.outcome.fatal->code == errc::cancelled);
  CHECK(r.outcome.docs.size() >= 3);
  CHECK(r.outcome.docs.size() <= 5);  // what was in flight when the stop came finished
  // What was never sent is left for the rerun, not failed.
  CHECK(r.outcome.failures.empty());
  CHECK(r.outcome.not_started.size() == 20 - r.outcome.docs.size());
  CHECK(server.counters().chat_requests == r.outcome.docs.size());
}

TEST_CASE("waves run in order", "[llm]") {
  LoopbackOpenAiServer server({.latency_s = 0.02});
  std::vector<Batch> batches;
  for (std::size_t i = 0; i < 4; ++i) batches.push_back(make_batch({symbol_id(i)}, i, 0));
  for (std::size_t i = 4; i < 8; ++i) batches.push_back(make_batch({symbol_id(i)}, i, 1));
  std::swap(batches[0], batches[7]);  // a wave-1 request listed first still waits
  auto r = run_client(options_for(server), batches);
  REQUIRE(r.commit_order.size() == 8);
  std::set<std::string> first_four(r.commit_order.begin(), r.commit_order.begin() + 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(first_four.count(symbol_id(i)) == 1);
}

TEST_CASE("Batch API mode uploads, polls, maps and bills at half price", "[llm][batch]") {
  LoopbackOpenAiServer server({.api_key = "sk-batch", .batch_step_s = 0.1});
  auto batches = make_batches(12, 4);
  auto options = options_for(server);
  options.server.api_key = "sk-batch";
  options.mode = LlmMode::batch_api;
  options.batch_poll_s = 0.02;
  options.state_dir = test::scratch_dir("llm-batch").string();
  Recorder rec;
  auto r = run_client(options, batches, {&rec, {}});
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 12);
  CHECK_FALSE(r.outcome.fatal);
  auto c = server.counters();
  CHECK(c.files_uploaded == 1);
  CHECK(c.batches_created == 1);
  CHECK(c.batch_requests == 3);
  CHECK(c.chat_requests == 0);
  CHECK(r.outcome.requests == 3);
  CHECK(r.outcome.tokens.input == c.usage.input);
  CHECK(r.outcome.tokens.output == c.usage.output);
  ModelInfo info = ModelTable::builtin().lookup("gpt-4o-mini");
  CHECK(r.outcome.cost_usd == Approx(cost_usd(info, r.outcome.tokens, true)));
  CHECK(r.outcome.cost_usd == Approx(cost_usd(info, r.outcome.tokens) / 2));
  bool progress_line = false;
  for (const auto& e : rec.events)
    if (e.type == ProgressEvent::Type::note && e.message.find(" done)") != std::string::npos)
      progress_line = true;
  CHECK(progress_line);
}

TEST_CASE("Batch API failures go into a follow-up batch, or sync when asked", "[llm][batch]") {
  for (BatchFallback fallback : all_batch_fallbacks()) {
    DYNAMIC_SECTION("fallback " << to_string(fallback)) {
      LoopbackOpenAiServer server({.batch_step_s = 0.02});
      server.script({Fault::none, Fault::status_500, Fault::drop_first_id});
      auto batches = make_batches(9, 3);
      auto options = options_for(server);
      options.mode = LlmMode::batch_api;
      options.batch_poll_s = 0.01;
      options.batch_fallback = fallback;
      auto r = run_client(options, batches);
      check_every_symbol_accounted(r, batches);
      CHECK(r.outcome.docs.size() == 9);
      auto c = server.counters();
      if (fallback == BatchFallback::batch) {
        CHECK(c.batches_created == 2);
        CHECK(c.chat_requests == 0);
      } else {
        CHECK(c.batches_created == 1);
        CHECK(c.chat_requests == 2);  // the failed request and the missing id
      }
    }
  }
}

TEST_CASE("a submitted batch is resumed by a later run", "[llm][batch]") {
  LoopbackOpenAiServer server({.batch_step_s = 0.3});
  auto batches = make_batches(6, 3);
  auto options = options_for(server);
  options.mode = LlmMode::batch_api;
  options.batch_poll_s = 0.02;
  options.state_dir = test::scratch_dir("llm-resume").string();
  {
    // The first run stops (as if the CLI exited) right after submitting.
    std::stop_source stop;
    Recorder rec;
    rec.hook = [&](const ProgressEvent& e) {
      if (e.type == ProgressEvent::Type::note && e.message.find("submitted") != std::string::npos)
        stop.request_stop();
    };
    auto r = run_client(options, batches, {&rec, stop.get_token()});
    REQUIRE(r.outcome.fatal);
    CHECK(r.outcome.fatal->code == errc::cancelled);
    CHECK(r.outcome.docs.empty());
    auto state = std::filesystem::path(options.state_dir) / "llm_batch_state.json";
    REQUIRE(std::filesystem::exists(state));
    std::ifstream in(state);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(text.find("batch_") != std::string::npos);
  }
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 6);
  auto c = server.counters();
  CHECK(c.files_uploaded == 1);
  CHECK(c.batches_created == 1);
}

TEST_CASE("make_openai_client validates its options", "[llm]") {
  for (const char* url : {"not a url", "ftp://x/v1"})
    CHECK(make_openai_client({.server = {.base_url = url}}).error().code == errc::invalid_argument);
  CHECK(make_openai_client({.max_cost_usd = -1}).error().code == errc::invalid_argument);
  auto ok = make_openai_client(
      {.server = {.base_url = "http://127.0.0.1:11434/v1"}, .model = "qwen2.5-coder"});
  REQUIRE(ok);
  CHECK((*ok)->name() == "qwen2.5-coder");
}

TEST_CASE("the client talks https with certificate verification", "[llm][tls]") {
  LoopbackOpenAiServer server({.tls = true});
  auto batches = make_batches(4, 2);
  auto options = options_for(server);
  options.server.ca_file = server.ca_file();
  auto r = run_client(options, batches);
  check_every_symbol_accounted(r, batches);
  CHECK(r.outcome.docs.size() == 4);

  // Without the CA the certificate is refused once per request, with no retry storm.
  options.server.ca_file.clear();
  auto refused = run_client(options, batches);
  CHECK(refused.outcome.docs.empty());
  REQUIRE(refused.outcome.failures.size() == 4);
  CHECK(refused.outcome.failures[0].reason.find("TLS") != std::string::npos);
  CHECK(refused.outcome.retries == 0);
}
