// `doctown build` end to end against the loopback OpenAI-compatible server: every selected
// symbol documented, the summary's counts equal to the server's own usage figures, the API key
// nowhere in outputs or logs, an unchanged rerun paying nothing, and an edited function body
// re-documenting only what depends on it.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "doctown/docpack.hpp"
#include "doctown/models.hpp"
#include "support/loopback_openai_server.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
using doctown::test::run_cli;
namespace fs = std::filesystem;
using doctown::test::slurp;
namespace json = boost::json;

namespace {

const std::string kKey = "sk-test-doctown-leakcheck-5f0e1d2c3b4a";

json::object summary_of(const doctown::test::ProcessResult& r) {
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  boost::system::error_code ec;
  auto v = json::parse(r.out, ec);
  REQUIRE_FALSE(ec);
  return v.as_object();
}

doctown::test::ProcessResult build(const fs::path& src, const fs::path& out,
                                   const std::string& base_url) {
  return run_cli({"build", src.string(), "-o", out.string(), "--base-url", base_url, "--json",
                  "--concurrency", "4"},
                 {"OPENAI_API_KEY=" + kKey});
}

}  // namespace

TEST_CASE("build documents every selected symbol through an OpenAI-compatible server",
          "[e2e][llm]") {
  doctown::test::LoopbackOpenAiServer server({.api_key = kKey});
  fs::path src = doctown::test::scratch_dir("e2e-src");
  fs::copy(doctown::test::sample_project(), src, fs::copy_options::recursive);
  fs::path out = doctown::test::scratch_dir("e2e-out");

  auto first = build(src, out, server.base_url());
  auto s1 = summary_of(first);
  auto c1 = server.counters();
  CHECK(s1.at("llm").as_string() == "gpt-4o-mini");
  CHECK(s1.at("failed").as_int64() == 0);
  CHECK(s1.at("documented").as_int64() == s1.at("selected").as_int64());
  CHECK(s1.at("selected").as_int64() > 5);
  // The summary's counts are the server's own figures.
  CHECK(s1.at("requests").as_int64() == static_cast<std::int64_t>(c1.chat_requests));
  CHECK(s1.at("rate_limited").as_int64() == static_cast<std::int64_t>(c1.rate_limited));
  const auto& tokens = s1.at("tokens").as_object();
  CHECK(tokens.at("input").as_int64() == static_cast<std::int64_t>(c1.usage.input));
  CHECK(tokens.at("cached").as_int64() == static_cast<std::int64_t>(c1.usage.cached));
  CHECK(tokens.at("output").as_int64() == static_cast<std::int64_t>(c1.usage.output));
  double expected_cost = cost_usd(ModelTable::builtin().lookup("gpt-4o-mini"), c1.usage);
  CHECK(s1.at("cost_usd").to_number<double>() == Approx(expected_cost));
  CHECK(c1.usage.input > 0);
  // Batching: far fewer requests than symbols.
  CHECK(c1.chat_requests < static_cast<std::size_t>(s1.at("selected").as_int64()));

  // The key is in no output, cache, state file or log line.
  CHECK(first.out.find(kKey) == std::string::npos);
  CHECK(first.err.find(kKey) == std::string::npos);
  std::size_t files_checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    if (!e.is_regular_file()) continue;
    ++files_checked;
    INFO(e.path().string());
    CHECK(slurp(e.path()).find(kKey) == std::string::npos);
  }
  CHECK(files_checked > 5);
  auto pack = Docpack::open(std::string(s1.at("docpack").as_string()));
  REQUIRE(pack);
  CHECK(pack->manifest_json().find(kKey) == std::string::npos);
  CHECK(pack->manifest_json().find("gpt-4o-mini") != std::string::npos);
  for (const auto& [id, doc] : pack->docs()) {
    CHECK(doc.source == "llm");
    CHECK_FALSE(doc.summary.empty());
  }
  CHECK(pack->docs().size() == static_cast<std::size_t>(s1.at("documented").as_int64()));

  // An unchanged rerun makes zero requests and reuses every doc.
  auto second = build(src, out, server.base_url());
  auto s2 = summary_of(second);
  CHECK(server.counters().chat_requests == c1.chat_requests);
  CHECK(s2.at("requests").as_int64() == 0);
  CHECK(s2.at("cached").as_int64() == s1.at("documented").as_int64());

  // Editing one function body re-documents it (and what shows it in context), not the rest.
  fs::path algo = src / "src/algorithms.cpp";
  std::string text = slurp(algo);
  auto pos = text.find("if (s) sum += s->area();");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 24, "if (s != nullptr) sum += s->area();");
  std::ofstream(algo, std::ios::binary | std::ios::trunc) << text;
  auto before = server.counters().answered;
  auto third = build(src, out, server.base_url());
  auto s3 = summary_of(third);
  auto after = server.counters().answered;
  std::set<std::string> redone;
  for (const auto& [id, n] : after)
    if (n > (before.count(id) ? before.at(id) : 0)) redone.insert(id);
  bool total_area_redone = false;
  for (const auto& id : redone)
    if (id.find("total_area") != std::string::npos) total_area_redone = true;
  CHECK(total_area_redone);
  CHECK(s3.at("requests").as_int64() > 0);
  CHECK(redone.size() < static_cast<std::size_t>(s1.at("selected").as_int64()) / 2);
  CHECK(s3.at("cached").as_int64() + static_cast<std::int64_t>(redone.size()) ==
        s3.at("documented").as_int64());
}

TEST_CASE("a wrong API key stops the build at once with a clear message", "[e2e][llm]") {
  doctown::test::LoopbackOpenAiServer server({.api_key = "sk-the-right-key"});
  fs::path out = doctown::test::scratch_dir("e2e-401");
  auto r = run_cli({"build", doctown::test::sample_project().string(), "-o", out.string(),
                    "--base-url", server.base_url()},
                   {"OPENAI_API_KEY=" + kKey});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("401") != std::string::npos);
  CHECK(r.err.find(kKey) == std::string::npos);
  CHECK(server.counters().chat_requests <= 8);  // no retry storm: at most the requests in flight
}

TEST_CASE("verification catches planted false claims end to end and --strict fails them",
          "[e2e][llm][verify]") {
  // Every answer describes a parameter that does not exist and names an unknown identifier.
  doctown::test::LoopbackOpenAiServer liar({.api_key = kKey, .plant_false_claims = true});
  auto lax = build(doctown::test::sample_project(), doctown::test::scratch_dir("e2e-verify"),
                   liar.base_url());
  auto s = summary_of(lax);
  CHECK(s.at("verified_ratio").to_number<double>() < 0.05);
  CHECK(s.at("failed").as_int64() == 0);  // without --strict, issues are reported, not failures

  auto strict = run_cli({"build", doctown::test::sample_project().string(), "-o",
                         doctown::test::scratch_dir("e2e-verify-strict").string(), "--base-url",
                         liar.base_url(), "--json", "--strict"},
                        {"OPENAI_API_KEY=" + kKey});
  CHECK(strict.exit_code == 1);
  CHECK(strict.err.find("verification:") != std::string::npos);
  CHECK(strict.err.find("no_such_parameter") != std::string::npos);
}
