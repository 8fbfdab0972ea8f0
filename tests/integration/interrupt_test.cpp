// Interruption, injected faults and a full disk, end to end: `doctown build` runs as a child
// process against the loopback OpenAI-compatible server, and the tests check what a user who
// pays per token cares about — finished docs survive Ctrl-C, SIGKILL, server faults and a
// failed output write, and the rerun pays only for what is still missing.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <set>
#include <thread>

#include "doctown/docpack.hpp"
#include "support/loopback_openai_server.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
using doctown::test::ChildProcess;
using doctown::test::Fault;
using doctown::test::LoopbackOpenAiServer;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const std::string kKey = "sk-test-doctown-interrupt-0a1b2c3d";

// A C++ project of `n` independent documented functions: quick for libclang (no includes), and
// with --batch-size it makes as many requests as a test needs.
// `body_statements` pads each body with distinct statements (big docpack, same-sized cache).
fs::path flat_project(const std::string& name, int n, int body_statements = 0) {
  fs::path dir = doctown::test::scratch_dir(name);
  fs::create_directories(dir / "src");
  std::ofstream out;
  std::uint32_t lcg = 12345;
  for (int i = 0; i < n; ++i) {
    if (i % 50 == 0) {  // 50 functions per file keeps files under the 1 MB size limit
      if (out.is_open()) out << "}  // namespace ops\n";
      out.close();
      out.open(dir / "src" / ("ops" + std::to_string(i / 50) + ".cpp"));
      out << "namespace ops {\n";
    }
    out << "/// Operation " << i << " scales and shifts its input.\n"
        << "int op_" << i << "(int x, int y) { int r = x * " << i + 2 << " + y; if (r > " << i
        << ") r -= y;\n";
    for (int k = 0; k < body_statements; ++k) {
      lcg = lcg * 1664525u + 1013904223u;
      out << "  r ^= (r << " << (lcg >> 29) + 1 << ") + " << (lcg >> 4) << ";\n";
    }
    out << "  return r; }\n";
  }
  out << "}  // namespace ops\n";
  return dir;
}

std::vector<std::string> build_args(const fs::path& src, const fs::path& out,
                                    const LoopbackOpenAiServer& server,
                                    std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"build",        src.string(), "-o", out.string(), "--base-url",
                                server.base_url(), "--json", "--no-doc-scorer",
                                "--jobs", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  if (std::find(extra.begin(), extra.end(), "--formats") == extra.end())
    args.insert(args.end(), {"--formats", "docpack,markdown"});
  return args;
}

json::object summary_of(const doctown::test::ProcessResult& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.out, ec);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE_FALSE(ec);
  return v.as_object();
}

std::int64_t field(const json::object& o, const char* name) { return o.at(name).as_int64(); }

// Wait until the server has answered at least `n` chat requests (or the child ended).
void wait_for_answers(const LoopbackOpenAiServer& server, ChildProcess& child, std::size_t n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (server.counters().chat_ok < n && child.running() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

std::size_t answered_more_than_once(const LoopbackOpenAiServer& server) {
  std::size_t n = 0;
  for (const auto& [id, times] : server.counters().answered) n += times > 1;
  return n;
}

}  // namespace

TEST_CASE("Ctrl-C mid-run exits 130 with finished docs kept, the rerun pays only for the rest",
          "[e2e][interrupt]") {
  // 24 symbols, 2 per request, 2 in flight, 150 ms per answer: about two seconds of requests.
  LoopbackOpenAiServer server({.latency_s = 0.15, .api_key = kKey});
  fs::path src = flat_project("int-src", 24);
  fs::path out = doctown::test::scratch_dir("int-out");
  auto args = build_args(src, out, server, {"--batch-size", "2", "--concurrency", "2"});

  ChildProcess run1(args, {.env = {"OPENAI_API_KEY=" + kKey}});
  wait_for_answers(server, run1, 4);
  REQUIRE(run1.running());
  run1.signal(SIGINT);
  auto r1 = run1.wait();
  CHECK(r1.exit_code == 130);
  CHECK(r1.err.find("interrupted") != std::string::npos);
  auto s1 = summary_of(r1);
  CHECK(s1.at("cancelled").as_bool());
  const auto finished = field(s1, "documented");
  CHECK(finished >= 8);                      // the 4 answers waited for, and those in flight
  CHECK(finished < field(s1, "selected"));   // it really was interrupted mid-run
  // What was not started is not a failure: the rerun does it.
  CHECK(field(s1, "failed") == 0);
  CHECK(field(s1, "not_started") == field(s1, "selected") - finished);
  CHECK(r1.err.find("failed to document") == std::string::npos);
  // The finished docs were written, not only cached.
  auto pack = Docpack::open(std::string(s1.at("docpack").as_string()));
  REQUIRE(pack);
  CHECK(static_cast<std::int64_t>(pack->docs().size()) == finished);
  // Requests in flight at the signal were finished, not abandoned: every answer was used.
  const auto paid_first = server.counters().chat_ok;
  CHECK(static_cast<std::int64_t>(paid_first) * 2 == finished);

  auto r2 = doctown::test::run_cli(args, {"OPENAI_API_KEY=" + kKey});
  CHECK(r2.exit_code == 0);
  auto s2 = summary_of(r2);
  CHECK(field(s2, "documented") == field(s2, "selected"));
  CHECK(field(s2, "cached") == finished);
  CHECK(field(s2, "failed") == 0);
  // Nothing finished was paid for twice: every symbol was answered exactly once overall.
  CHECK(answered_more_than_once(server) == 0);
  CHECK(server.counters().answered.size() == static_cast<std::size_t>(field(s2, "selected")));

  // --resume continues from the cache too; after a finished run it has nothing left to pay for.
  auto r3 = doctown::test::run_cli(
      build_args(src, out, server, {"--batch-size", "2", "--concurrency", "2", "--resume"}),
      {"OPENAI_API_KEY=" + kKey});
  CHECK(r3.exit_code == 0);
  CHECK(field(summary_of(r3), "requests") == 0);
  // --resume where no run happened is refused instead of starting a paid run from scratch.
  auto r4 = doctown::test::run_cli(
      build_args(src, doctown::test::scratch_dir("int-empty"), server, {"--resume"}),
      {"OPENAI_API_KEY=" + kKey});
  CHECK(r4.exit_code == 2);
  CHECK(r4.err.find("no earlier run") != std::string::npos);
}

TEST_CASE("SIGKILL mid-run loses at most the requests in flight, the rerun completes",
          "[e2e][interrupt]") {
  LoopbackOpenAiServer server({.latency_s = 0.15, .api_key = kKey});
  fs::path src = flat_project("kill-src", 24);
  fs::path out = doctown::test::scratch_dir("kill-out");
  auto args = build_args(src, out, server, {"--batch-size", "2", "--concurrency", "2"});

  ChildProcess run1(args, {.env = {"OPENAI_API_KEY=" + kKey}});
  wait_for_answers(server, run1, 4);
  REQUIRE(run1.running());
  run1.signal(SIGKILL);
  CHECK(run1.wait().exit_code == 128 + SIGKILL);

  auto r2 = doctown::test::run_cli(args, {"OPENAI_API_KEY=" + kKey});
  CHECK(r2.exit_code == 0);
  auto s2 = summary_of(r2);
  CHECK(field(s2, "documented") == field(s2, "selected"));
  CHECK(field(s2, "failed") == 0);
  // Answers committed before the kill came from the cache (each request commits at once).
  CHECK(field(s2, "cached") >= 4 * 2 - 2 * 2);
  // Paid twice: at most the symbols of the requests in flight when the process died
  // (2 requests of 2 symbols), never the committed ones.
  CHECK(answered_more_than_once(server) <= 4);
  auto pack = Docpack::open(std::string(s2.at("docpack").as_string()));
  REQUIRE(pack);
  CHECK(static_cast<std::int64_t>(pack->docs().size()) == field(s2, "selected"));
}

TEST_CASE("every server fault injected mid-run: transient ones recover, final ones fail only "
          "their items",
          "[e2e][faults]") {
  struct Case {
    Fault fault;
    int exit_code;  // 0 recovered, 1 the items of that request failed, 3 the run stopped
  };
  const std::vector<Case> cases = {
      {Fault::status_429, 0},       {Fault::status_500, 0},         {Fault::status_502, 0},
      {Fault::status_503, 0},       {Fault::reset_mid_body, 0},     {Fault::stall, 0},
      {Fault::invalid_json_body, 0}, {Fault::non_json_content, 0},  {Fault::drop_first_id, 0},
      {Fault::extra_id, 0},         {Fault::duplicate_id, 0},       {Fault::length, 0},
      {Fault::refusal, 0},          {Fault::invalid_entry, 0},      {Fault::status_400, 1},
      {Fault::status_404, 1},       {Fault::status_401, 3},         {Fault::status_403, 3},
  };
  fs::path src = flat_project("fault-src", 8);
  for (const auto& c : cases) {
    DYNAMIC_SECTION("fault " << static_cast<int>(c.fault)) {
      LoopbackOpenAiServer server({.stall_s = 3, .api_key = kKey});
      // The third request (of four) meets the fault once; everything else is answered.
      server.set_fault_fn([&c](std::size_t n, const std::vector<std::string>&) {
        return n == 2 ? c.fault : Fault::none;
      });
      fs::path out = doctown::test::scratch_dir("fault-out");
      auto args = build_args(src, out, server,
                             {"--batch-size", "2", "--concurrency", "1", "--timeout", "1"});
      auto r = doctown::test::run_cli(args, {"OPENAI_API_KEY=" + kKey});
      INFO("stderr: " << r.err);
      CHECK(r.exit_code == c.exit_code);
      CHECK(r.err.find(kKey) == std::string::npos);
      CHECK(r.out.find(kKey) == std::string::npos);
      if (c.exit_code == 3) {
        // The run stopped at the refusal; the two answers before it are kept in the cache.
        auto again = doctown::test::run_cli(args, {"OPENAI_API_KEY=" + kKey});
        auto s = summary_of(again);
        CHECK(again.exit_code == 0);
        CHECK(field(s, "cached") == 4);
        CHECK(answered_more_than_once(server) == 0);
        continue;
      }
      auto s = summary_of(r);
      if (c.exit_code == 0) {
        CHECK(field(s, "documented") == 8);
        CHECK(field(s, "failed") == 0);
      } else {
        CHECK(field(s, "failed") >= 1);
        CHECK(field(s, "failed") <= 2);
        CHECK(field(s, "documented") + field(s, "failed") == 8);
        CHECK(r.err.find("failed to document") != std::string::npos);
        // The rerun asks only for the failed items.
        auto before = server.counters().answered;
        auto again = doctown::test::run_cli(args, {"OPENAI_API_KEY=" + kKey});
        auto s2 = summary_of(again);
        CHECK(again.exit_code == 0);
        CHECK(field(s2, "cached") == field(s, "documented"));
        CHECK(answered_more_than_once(server) == 0);
      }
    }
  }
}

TEST_CASE("a full disk while writing the outputs is a clear error and leaves the cache intact",
          "[e2e][disk]") {
  // Short answers in two requests keep the cache (and its WAL) small beside the docpack.
  LoopbackOpenAiServer server({.api_key = kKey, .description_words = 0});
  fs::path src = flat_project("disk-src", 400, 300);
  fs::path out = doctown::test::scratch_dir("disk-out");
  fs::path cache = doctown::test::scratch_dir("disk-cache");
  auto args = build_args(src, out, server,
                         {"--cache-dir", cache.string(), "--formats", "docpack", "--batch-size", "40"});
  // Files may not grow past 512 KiB: the cache's database (and its WAL) of 400 short docs
  // fits, the docpack (chunks with 400 long bodies, embeddings, graph) does not. Writes past
  // the limit fail with EFBIG, the way they fail with ENOSPC on a full disk.
  ChildProcess limited(args, {.env = {"OPENAI_API_KEY=" + kKey}, .file_size_limit = 512 << 10});
  auto r1 = limited.wait();
  INFO("stderr: " << r1.err);
  CHECK(r1.exit_code == 3);
  CHECK(r1.err.find("disk full") != std::string::npos);
  CHECK(r1.err.find(".docpack") != std::string::npos);
  const auto paid = server.counters().chat_ok;
  CHECK(paid > 0);
  // No half-written docpack is left where a reader would take it for a finished one.
  for (const auto& e : fs::directory_iterator(out))
    CHECK(e.path().extension() != ".docpack");

  // With space again, the rerun takes every doc from the cache and pays nothing.
  auto r2 = doctown::test::run_cli(args, {"OPENAI_API_KEY=" + kKey});
  CHECK(r2.exit_code == 0);
  auto s2 = summary_of(r2);
  CHECK(field(s2, "requests") == 0);
  CHECK(field(s2, "cached") == field(s2, "selected"));
  CHECK(server.counters().chat_ok == paid);
}

TEST_CASE("a wave bigger than one slice of prompts is documented whole, each symbol once",
          "[e2e][llm]") {
  // One request slot and one symbol per request: prompts are rendered 16 at a time, so 40
  // symbols take three slices.
  LoopbackOpenAiServer server({.api_key = kKey});
  fs::path src = flat_project("slice-src", 40);
  auto r = doctown::test::run_cli(
      build_args(src, doctown::test::scratch_dir("slice-out"), server,
                 {"--batch-size", "1", "--concurrency", "1"}),
      {"OPENAI_API_KEY=" + kKey});
  auto s = summary_of(r);
  CHECK(r.exit_code == 0);
  CHECK(field(s, "documented") == 40);
  CHECK(field(s, "requests") == 40);
  CHECK(server.counters().answered.size() == 40);
  CHECK(answered_more_than_once(server) == 0);
}
