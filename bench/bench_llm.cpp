// LLM client benchmark: the loopback server as a rate-limited OpenAI simulator (30,000 tokens
// and 500 requests per minute, ~300 ms latency plus output time at 100 tokens/s), documenting
// generated workloads of 67 and 1,000 symbols in per-symbol mode (one symbol per request) and
// batch mode (15 symbols per request). Time runs `scale` times faster than real (default 120:
// one simulated minute lasts 0.5 s); every time below is converted back to real-time seconds.
// Reports wall time, requests, 429s, failures, tokens and the ratio of wall time to a
// burst-aware lower bound: the server's buckets start full, so the least time is
// max(counted tokens - TPM, 0) / TPM and max(requests - RPM, 0) / RPM minutes, plus one answer's
// generation time (the naive counted / TPM bound is printed beside it). The client counts its
// prompts with its own tokenizer (o200k_base, as the planner does), while the server counts
// ceil(chars / 4), as OpenAI's limiter does: the two disagree, as they do in production.
// Prints a table and writes JSON.
//
// Usage: bench_llm [--scale N] [--quick] [--json PATH]
#include <fmt/core.h>

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "doctown/llm_client.hpp"
#include "doctown/tokenizer.hpp"
// The simulator is test support code, compiled into this benchmark by bench/CMakeLists.txt.
#include "support/loopback_openai_server.hpp"

using namespace doctown;

namespace {

constexpr double real_tpm = 30000;
constexpr double real_rpm = 500;
constexpr double real_latency_s = 0.3;
constexpr double real_output_tokens_per_s = 100;
constexpr std::size_t output_tokens_per_symbol = 700;  // the planner's default budget

std::string system_prompt() {
  // ~1,100 tokens, identical across requests (the planner's layout, so prompt caching applies).
  std::string s =
      "You are a senior C++ engineer writing reference documentation for a library. For each "
      "symbol listed in the user message, write a one-sentence summary, a description, the "
      "meaning of each parameter, the return value, what it throws, notes and examples. Answer "
      "in JSON matching the schema: {\"symbols\":[{\"id\",\"summary\",\"description\",\"params\","
      "\"returns\",\"throws\",\"notes\",\"examples\",\"see_also\"}]}.\n";
  while (s.size() < 4400)
    s += "Rule: describe behaviour a caller can observe; never invent facts not in the code.\n";
  return s;
}

// A generated function and its prompt section (~300 tokens each).
std::string symbol_section(std::size_t i) {
  std::string id = "c:@N@gen@F@compute_" + std::to_string(i) + "#&1$@N@gen@S@Widget#I#";
  std::string s = "- id: " + id + "\n  kind: function\n  signature: int gen::compute_" +
                  std::to_string(i) + "(const Widget& w, int factor)\n  code: |\n";
  s += "    int gen::compute_" + std::to_string(i) + "(const Widget& w, int factor) {\n";
  while (s.size() < 1150)
    s += "      total += w.part(" + std::to_string(s.size() % 97) + ").weight() * factor;\n";
  s += "    }\n";
  return s;
}

std::string id_of(std::size_t i) {
  return "c:@N@gen@F@compute_" + std::to_string(i) + "#&1$@N@gen@S@Widget#I#";
}

Batch make_batch(const std::vector<std::size_t>& symbols, std::size_t index) {
  static const std::string sys = system_prompt();
  Batch b;
  b.index = index;
  b.system_prompt = sys;
  for (auto i : symbols) {
    b.symbol_ids.push_back(id_of(i));
    b.user_prompt += symbol_section(i);
  }
  // The client's own count (exact BPE + message overhead), not the server's formula.
  static const auto tokenizer = [] {
    auto t = load_tokenizer({});
    if (!t) {
      fmt::print(stderr, "bench_llm: {}\n", t.error().what());
      std::exit(1);
    }
    return *t;
  }();
  b.input_tokens = tokenizer->count(b.system_prompt) + tokenizer->count(b.user_prompt) +
                   chat_message_overhead_tokens;
  b.max_output_tokens = output_tokens_per_symbol * symbols.size();
  return b;
}

std::vector<Batch> make_batches(std::size_t symbols, std::size_t per_batch) {
  std::vector<Batch> out;
  std::vector<std::size_t> group;
  for (std::size_t i = 0; i < symbols; ++i) {
    group.push_back(i);
    if (group.size() == per_batch) {
      out.push_back(make_batch(group, out.size()));
      group.clear();
    }
  }
  if (!group.empty()) out.push_back(make_batch(group, out.size()));
  return out;
}

struct Row {
  std::size_t symbols = 0;
  std::string mode;
  double wall_s = 0;  // real-time equivalent
  std::size_t requests = 0;
  std::size_t rate_limited = 0;
  std::size_t failures = 0;
  std::size_t documented = 0;
  TokenUsage tokens;
  std::uint64_t counted_tokens = 0;
  double bound_s = 0;        // burst-aware
  double naive_bound_s = 0;  // counted / TPM, ignoring the full bucket at the start
  double ratio = 0;
  std::size_t limit_violations = 0;
  double cost_usd = 0;
};

Row run(std::size_t symbols, std::size_t per_batch, double scale) {
  test::LoopbackOptions so;
  so.rpm = real_rpm;
  so.tpm = real_tpm;
  so.window_s = 60 / scale;
  so.latency_s = real_latency_s / scale;
  so.output_tokens_per_s = real_output_tokens_per_s * scale;
  so.description_words = 80;  // ~150 output tokens per symbol
  test::LoopbackOpenAiServer server(so);

  LlmOptions o;
  o.server.base_url = server.base_url();
  o.model = "gpt-4o-mini";
  o.server.concurrency = 8;
  o.server.rpm_limit = real_rpm;
  o.server.tpm_limit = real_tpm;
  o.server.rate_window_s = 60 / scale;
  o.server.timeout_s = 300;
  o.server.backoff_base_s = 1 / scale;
  o.server.backoff_max_s = 60 / scale;
  auto client = make_openai_client(o);
  if (!client) {
    fmt::print(stderr, "bench_llm: {}\n", client.error().what());
    std::exit(1);
  }
  auto batches = make_batches(symbols, per_batch);
  std::size_t next = batches.size();
  LlmJob job;
  job.batches = batches;
  job.rebatch = [&](std::span<const std::string> ids) -> result<std::vector<Batch>> {
    std::vector<std::size_t> idx;
    for (const auto& id : ids)
      for (std::size_t i = 0; i < symbols; ++i)
        if (id_of(i) == id) idx.push_back(i);
    return std::vector<Batch>{make_batch(idx, next++)};
  };
  auto start = std::chrono::steady_clock::now();
  LlmOutcome out = (*client)->run(job, {});
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto c = server.counters();

  Row r;
  r.symbols = symbols;
  r.mode = per_batch == 1 ? "per-symbol" : "batch(" + std::to_string(per_batch) + ")";
  r.wall_s = wall * scale;
  r.requests = out.requests;
  r.rate_limited = out.rate_limited;
  r.failures = out.failures.size();
  r.documented = out.docs.size();
  r.tokens = out.tokens;
  r.counted_tokens = c.counted_tokens;
  double counted = static_cast<double>(c.counted_tokens);
  double one_answer = real_latency_s + static_cast<double>(c.max_completion_tokens) / real_output_tokens_per_s;
  r.bound_s = std::max({std::max(0.0, counted - real_tpm) / real_tpm * 60,
                        std::max(0.0, static_cast<double>(c.chat_requests) - real_rpm) / real_rpm * 60,
                        0.0}) + one_answer;
  r.naive_bound_s = counted / real_tpm * 60;
  r.ratio = r.bound_s > 0 ? r.wall_s / r.bound_s : 0;
  r.limit_violations = c.limit_violations;
  r.cost_usd = out.cost_usd;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  double scale = 120;
  bool quick = false;
  std::string json_path = "bench_llm.json";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--scale" && i + 1 < argc) scale = std::atof(argv[++i]);
    else if (a == "--quick") quick = true;
    else if (a == "--json" && i + 1 < argc) json_path = argv[++i];
    else {
      fmt::print(stderr, "usage: bench_llm [--scale N] [--quick] [--json PATH]\n");
      return 2;
    }
  }
  if (!(scale > 0)) scale = 120;
  std::vector<Row> rows;
  std::vector<std::size_t> sizes = quick ? std::vector<std::size_t>{67}
                                         : std::vector<std::size_t>{67, 1000};
  for (auto n : sizes)
    for (std::size_t per : {std::size_t{1}, std::size_t{15}}) rows.push_back(run(n, per, scale));

  fmt::print("LLM client vs simulated OpenAI ({} TPM, {} RPM, {} ms + output at {} tok/s), "
             "time scale x{} (times in real seconds)\n\n",
             real_tpm, real_rpm, real_latency_s * 1000, real_output_tokens_per_s, scale);
  fmt::print("{:>7} {:>11} {:>9} {:>8} {:>5} {:>6} {:>10} {:>8} {:>8} {:>11} {:>9} {:>9} {:>6} {:>9}\n",
             "symbols", "mode", "wall_s", "requests", "429s", "failed", "input", "cached",
             "output", "counted", "bound_s", "naive_s", "ratio", "cost_usd");
  // bound_s is burst-aware (see the top of this file); naive = counted / TPM.
  for (const auto& r : rows)
    fmt::print("{:>7} {:>11} {:>9.1f} {:>8} {:>5} {:>6} {:>10} {:>8} {:>8} {:>11} {:>9.1f} {:>9.1f} {:>6.3f} {:>9.4f}\n",
               r.symbols, r.mode, r.wall_s, r.requests, r.rate_limited, r.failures,
               r.tokens.input, r.tokens.cached, r.tokens.output, r.counted_tokens, r.bound_s,
               r.naive_bound_s, r.ratio, r.cost_usd);

  boost::json::array arr;
  for (const auto& r : rows)
    arr.push_back(boost::json::object{{"symbols", r.symbols},
                                      {"mode", r.mode},
                                      {"wall_s", r.wall_s},
                                      {"requests", r.requests},
                                      {"rate_limited", r.rate_limited},
                                      {"failed", r.failures},
                                      {"documented", r.documented},
                                      {"tokens", boost::json::object{{"input", r.tokens.input},
                                                                     {"cached", r.tokens.cached},
                                                                     {"output", r.tokens.output}}},
                                      {"counted_tokens", r.counted_tokens},
                                      {"lower_bound_s", r.bound_s},
                                      {"naive_bound_s", r.naive_bound_s},
                                      {"ratio_to_bound", r.ratio},
                                      {"server_limit_violations", r.limit_violations},
                                      {"cost_usd", r.cost_usd}});
  boost::json::object doc{{"benchmark", "llm"},
                          {"tpm", real_tpm},
                          {"rpm", real_rpm},
                          {"latency_s", real_latency_s},
                          {"output_tokens_per_s", real_output_tokens_per_s},
                          {"time_scale", scale},
                          {"results", std::move(arr)}};
  std::ofstream(json_path) << boost::json::serialize(doc) << "\n";
  fmt::print("\nwrote {}\n", json_path);
  return 0;
}
