// The guide's LLM scenario as a benchmark: `doctown build` (the real CLI, passed in with
// --doctown) documents a ~90-symbol generated C++ project against the loopback server counting
// like OpenAI: a request costs ceil(chars/4) of its messages + max_completion_tokens against a
// token bucket of TPM (full at the start, refilled continuously), RPM likewise, x-ratelimit-*
// headers, prompt-prefix caching in 128-token steps from 1,024 tokens, 10 ms per generated
// token. No limit flags are given to doctown: what it knows of the limits it learns.
//
// Reported (all from the server's side, so the client cannot grade itself):
//   wall       time of the whole `doctown build` (analysis included, ~0.5 s here)
//   floor      the least time the tokens actually used allow: max(burst-aware token floor
//              = max(0, used - TPM) / (TPM/min), the longest single answer's generation time,
//              all generation / 64 in flight)
//   ratio      wall / floor
//   429s, reserved/used (prompt + max_completion_tokens accepted / prompt + completion used),
//   output reserved/used, cached share of input tokens, documented / selected.
//
// Usage: bench_llm_guide_case [--doctown PATH] [--project DIR] [--tus N --headers N] [--tpm N]
//                       [--rpm N] [--ms-per-token N] [--label NAME] [--json PATH] [--timeline] [--cache-dir DIR] [-- ARGS...]
#include <fmt/core.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

// The simulator is test support code, compiled into this benchmark by bench/CMakeLists.txt.
#include "support/loopback_openai_server.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace doctown;

namespace {

struct Args {
  std::string doctown;
  std::string project;
  int tus = 6, headers = 3;
  double tpm = 30000, rpm = 500, ms_per_token = 10;
  std::string label = "run";
  std::string json_path;
  bool timeline = false;  ///< print every chat request as the server saw it
  /// Keep the doc cache here across runs (every doc is still asked again: --refresh), so a run
  /// starts from what the previous one learned of answer sizes; empty = --no-cache.
  std::string cache_dir;
  std::vector<std::string> extra;  ///< more doctown flags
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

int usage(const char* why) {
  fmt::print(stderr, "bench_llm_guide_case: {}\nusage: bench_llm_guide_case [--doctown PATH] [--project DIR] "
                     "[--tus N --headers N] [--tpm N] [--rpm N] [--ms-per-token N] [--label NAME] "
                     "[--json PATH] [--timeline] [--cache-dir DIR] [-- DOCTOWN-FLAGS...]\n", why);
  return 2;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--") {
      for (++i; i < argc; ++i) a.extra.emplace_back(argv[i]);
    } else if (k == "--doctown") a.doctown = next();
    else if (k == "--project") a.project = next();
    else if (k == "--tus") a.tus = std::atoi(next().c_str());
    else if (k == "--headers") a.headers = std::atoi(next().c_str());
    else if (k == "--tpm") a.tpm = std::atof(next().c_str());
    else if (k == "--rpm") a.rpm = std::atof(next().c_str());
    else if (k == "--ms-per-token") a.ms_per_token = std::atof(next().c_str());
    else if (k == "--label") a.label = next();
    else if (k == "--json") a.json_path = next();
    else if (k == "--timeline") a.timeline = true;
    else if (k == "--cache-dir") a.cache_dir = next();
    else return usage(("unknown argument " + k).c_str());
  }
  if (a.doctown.empty()) a.doctown = DOCTOWN_CLI_PATH;  // the CLI built beside this benchmark
  fs::path tmp = fs::temp_directory_path() / ("llm_guide_case_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  if (a.project.empty()) {
    a.project = (tmp / "project").string();
    std::string gen = std::string("python3 ") + quote(DOCTOWN_SOURCE_DIR "/bench/gen_cpp_project.py") +
                      " " + quote(a.project) + " --tus " + std::to_string(a.tus) + " --headers " +
                      std::to_string(a.headers) + " > /dev/null";
    if (std::system(gen.c_str()) != 0) return usage("could not generate the project (python3?)");
  }

  test::LoopbackOptions o;
  o.tpm = a.tpm;
  o.rpm = a.rpm;
  o.window_s = 60;
  o.output_tokens_per_s = 1000.0 / a.ms_per_token;
  o.latency_s = 0.05;
  test::LoopbackOpenAiServer server(o);

  fs::path out = tmp / "out";
  std::string cmd = "OPENAI_API_KEY=sk-bench " + quote(a.doctown) + " build " + quote(a.project) +
                    " -o " + quote(out.string()) + " --llm openai --base-url " +
                    quote(server.base_url()) +
                    " --no-doc-scorer --embedder local --formats docpack --json";
  cmd += a.cache_dir.empty() ? std::string(" --no-cache")
                             : " --cache-dir " + quote(a.cache_dir) + " --refresh";
  for (const auto& e : a.extra) cmd += " " + quote(e);
  cmd += " > " + quote((tmp / "summary.json").string()) + " 2> " + quote((tmp / "stderr.txt").string());
  auto t0 = std::chrono::steady_clock::now();
  int rc = std::system(cmd.c_str());
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  boost::system::error_code ec;
  json::value summary = json::parse(read_file(tmp / "summary.json"), ec);
  if (ec || !summary.is_object()) {
    fmt::print(stderr, "doctown did not print its JSON summary (exit {}); stderr:\n{}\n", rc,
               read_file(tmp / "stderr.txt"));
    return 1;
  }
  auto num = [&](const char* key) { return summary.as_object().at(key).to_number<double>(); };
  auto c = server.counters();
  double used = static_cast<double>(c.usage.input + c.usage.output);
  double reserved = static_cast<double>(c.counted_tokens);
  double tokens_per_s = a.tpm / 60;
  double token_floor = std::max(0.0, used - a.tpm) / tokens_per_s;
  double longest_answer = static_cast<double>(c.max_completion_tokens) * a.ms_per_token / 1000;
  double all_generation = static_cast<double>(c.usage.output) * a.ms_per_token / 1000 / 64;
  double floor = std::max({token_floor, longest_answer, all_generation});
  double reserved_output = static_cast<double>(c.reserved_output_tokens);
  double cached_share = c.usage.input ? static_cast<double>(c.usage.cached) / static_cast<double>(c.usage.input) : 0;

  json::object row{{"label", a.label},
                   {"tpm", a.tpm},
                   {"rpm", a.rpm},
                   {"ms_per_token", a.ms_per_token},
                   {"selected", num("selected")},
                   {"documented", num("documented")},
                   {"failed", num("failed")},
                   {"exit_code", rc},
                   {"wall_s", wall},
                   {"floor_s", floor},
                   {"token_floor_s", token_floor},
                   {"longest_answer_s", longest_answer},
                   {"naive_tokens_over_tpm_s", used / tokens_per_s},
                   {"ratio", floor > 0 ? wall / floor : 0},
                   {"requests", c.chat_requests},
                   {"rate_limited_429", c.rate_limited},
                   {"max_in_flight", c.max_concurrent},
                   {"reserved_tokens", reserved},
                   {"used_tokens", used},
                   {"reserved_over_used", used > 0 ? reserved / used : 0},
                   {"output_reserved_over_used",
                    c.usage.output ? reserved_output / static_cast<double>(c.usage.output) : 0},
                   {"input_tokens", c.usage.input},
                   {"cached_tokens", c.usage.cached},
                   {"cached_share", cached_share},
                   {"output_tokens", c.usage.output}};
  fmt::print("| {:<8} | {:>6} | {:>7} | {:>5} | {:>4} | {:>4} | {:>13} | {:>10} | {:>6} | {:>10} |\n",
             "run", "wall s", "floor s", "ratio", "req", "429", "reserved/used", "out r/u",
             "cached", "documented");
  fmt::print("| {:<8} | {:>6.1f} | {:>7.1f} | {:>5.2f} | {:>4} | {:>4} | {:>13.2f} | {:>10.2f} | "
             "{:>5.0f}% | {:>4.0f} of {:>3.0f} |\n",
             a.label, wall, floor, floor > 0 ? wall / floor : 0, c.chat_requests, c.rate_limited,
             used > 0 ? reserved / used : 0,
             c.usage.output ? reserved_output / static_cast<double>(c.usage.output) : 0,
             cached_share * 100, num("documented"), num("selected"));
  if (a.timeline) {
    fmt::print("\n|  at s | held s | done s | status | ids | counted | completion |\n");
    for (const auto& e : c.timeline)
      fmt::print("| {:>5.1f} | {:>6.1f} | {:>6.1f} | {:>6} | {:>3} | {:>7} | {:>10} |\n", e.at_s,
                 e.answer_s, e.at_s + e.answer_s, e.status, e.ids, e.counted, e.completion);
  }
  if (!a.json_path.empty()) {
    std::ofstream(a.json_path) << json::serialize(row) << "\n";
  }
  fs::remove_all(tmp, ec);
  return 0;
}
