// The doc cache must never serve a doc written by another backend or model: an offline run then
// an LLM run over the same output folder must ask the server for everything, and so must a run
// with another model; the same model again is served from the cache (so the misses are real).
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "support/loopback_openai_server.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using doctown::test::run_cli;

namespace {

const std::string kKey = "sk-test-cache-key-0123456789";

json::object run_build(const fs::path& out, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"build", doctown::test::sample_project().string(), "-o",
                                   out.string(), "--json", "--formats", "docpack"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_cli(args, {"OPENAI_API_KEY=" + kKey});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  boost::system::error_code ec;
  auto v = json::parse(r.out, ec);
  REQUIRE_FALSE(ec);
  return v.as_object();
}

std::int64_t num(const json::object& o, const char* k) { return o.at(k).as_int64(); }

}  // namespace

TEST_CASE("an offline run then an LLM run misses the cache", "[e2e][llm][cache]") {
  doctown::test::LoopbackOpenAiServer server({.api_key = kKey});
  fs::path out = doctown::test::scratch_dir("cache-offline-llm");
  auto offline = run_build(out, {"--llm", "offline", "--model", "gpt-4o-mini"});
  CHECK(num(offline, "documented") > 5);
  CHECK(num(offline, "requests") == 0);
  // Same folder, same model name: only the backend differs.
  auto llm = run_build(out, {"--llm", "openai", "--model", "gpt-4o-mini", "--base-url",
                             server.base_url()});
  CHECK(num(llm, "cached") == 0);
  CHECK(num(llm, "requests") > 0);
  CHECK(num(llm, "documented") == num(offline, "documented"));
  CHECK(server.counters().answered.size() == static_cast<std::size_t>(num(llm, "documented")));
  // And back: the offline run must not reuse the LLM's docs either, only its own.
  auto offline2 = run_build(out, {"--llm", "offline", "--model", "gpt-4o-mini"});
  CHECK(num(offline2, "cached") == num(offline, "documented"));
}

TEST_CASE("a model change misses the cache and the same model hits it", "[e2e][llm][cache]") {
  doctown::test::LoopbackOpenAiServer server({.api_key = kKey});
  fs::path out = doctown::test::scratch_dir("cache-model");
  std::vector<std::string> common = {"--llm", "openai", "--base-url", server.base_url()};
  auto with = [&](const std::string& model) {
    auto args = common;
    args.insert(args.end(), {"--model", model});
    return args;
  };
  auto a = run_build(out, with("gpt-4o-mini"));
  CHECK(num(a, "cached") == 0);
  CHECK(num(a, "documented") > 5);
  std::size_t after_a = server.counters().chat_requests;
  auto b = run_build(out, with("gpt-4o"));
  CHECK(num(b, "cached") == 0);
  CHECK(num(b, "requests") > 0);
  CHECK(server.counters().chat_requests > after_a);
  auto a2 = run_build(out, with("gpt-4o-mini"));
  CHECK(num(a2, "requests") == 0);
  CHECK(num(a2, "cached") == num(a, "documented"));
}
