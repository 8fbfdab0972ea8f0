// What a run learns about the model's answers outlives it: the pipeline keeps the client's
// learned output ratio and what each symbol kind's answers took in the cache, and the next build's first request reserves what answers
// take instead of the planner's ceiling. A note the next run cannot trust is ignored.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <string>

#include "doctown/cache.hpp"
#include "doctown/pipeline.hpp"
#include "support/loopback_openai_server.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
namespace json = boost::json;

namespace {

// Collects the run's warnings.
struct Warnings final : ProgressSink {
  std::vector<std::string> messages;
  void on_event(const ProgressEvent& ev) override {
    if (ev.type == ProgressEvent::Type::diagnostic) messages.push_back(ev.message);
  }
};

// A small project, so that each of the test's builds takes a fraction of a second.
std::filesystem::path small_project() {
  auto dir = test::scratch_dir("learned-output-src");
  std::ofstream(dir / "geo.hpp") << R"(#pragma once
namespace geo {
struct Point { double x; double y; };
double distance(Point a, Point b);
double dot(Point a, Point b);
Point scale(Point p, double k);
Point add(Point a, Point b);
Point sub(Point a, Point b);
double norm(Point p);
}  // namespace geo
)";
  return dir;
}

// One build by a new Pipeline (a new process, as far as the client can tell); returns the
// max_completion_tokens of its first request.
std::int64_t build_and_first_reserved(const Config& c, const std::filesystem::path& src,
                                      const test::LoopbackOpenAiServer& server,
                                      const RunContext& ctx = {}) {
  std::size_t from = server.chat_bodies().size();
  auto p = Pipeline::create(c);
  REQUIRE(p);
  auto built = p->build(src.string(), ctx);
  REQUIRE(built);
  CHECK(built->stats.failed == 0);
  CHECK(built->stats.documented == built->stats.selected);
  CHECK(built->stats.cached == 0);
  auto bodies = server.chat_bodies();
  REQUIRE(bodies.size() > from);
  return json::parse(bodies[from]).as_object().at("max_completion_tokens").as_int64();
}

}  // namespace

TEST_CASE("a build starts from the answer size the previous build learned", "[pipeline][cache]") {
  test::LoopbackOpenAiServer server;
  Config c;
  c.llm = LlmBackend::openai;
  c.llm_options.server.base_url = server.base_url();
  c.llm_options.server.api_key = "sk-learned-output";
  c.llm_options.model = "gpt-4o-mini";
  c.output.out_dir = test::scratch_dir("pipeline-learned-output");
  c.output.formats = {OutputFormat::docpack};
  // Each build asks again for every doc (the cached docs are ignored, the notes are not), so
  // the builds send the same first request.
  c.output.refresh = true;

  const auto src = small_project();
  const std::int64_t cold = build_and_first_reserved(c, src, server);
  const std::int64_t warm = build_and_first_reserved(c, src, server);
  INFO("first request reserved " << cold << " tokens cold, " << warm << " warm");
  CHECK(warm < cold);

  // The notes are kept under the model's name: one ratio, as a number, and per symbol kind.
  const std::string key = "llm.output_ratio/gpt-4o-mini";
  const std::string by_kind = "llm.output_by_kind/gpt-4o-mini";
  const auto cache_dir = c.output.out_dir / ".doctown-cache";
  {
    auto cache = open_sqlite_cache(cache_dir);
    REQUIRE(cache);
    auto note = (*cache)->get_note(key);
    REQUIRE(note);
    REQUIRE(note->has_value());
    double ratio = std::stod(**note);
    CHECK(ratio > 0);
    CHECK(ratio < 1);
    auto kinds_note = (*cache)->get_note(by_kind);
    REQUIRE(kinds_note);
    REQUIRE(kinds_note->has_value());
    std::map<std::string, std::int64_t> answers;
    const json::value parsed = json::parse(**kinds_note);
    for (const auto& k : parsed.at("kinds").as_array())
      answers[json::value_to<std::string>(k.at("kind"))] = k.at("answers").as_int64();
    CHECK(answers["*"] >= 8);        // every symbol of the project, both builds
    CHECK(answers["function"] >= 6);  // the free functions
  }

  // Notes a hostile or damaged cache holds are warned about and ignored: the build starts from
  // the planner's figure and writes good notes again.
  const std::vector<std::pair<std::string, std::string>> bad_notes = {
      {"not a number", "not json"},
      {"nan", R"({"kinds":[{"kind":"function","answers":5,"mean":1e308,"spread":0}]})"},
      {"1e400", R"({"kinds":[{"kind":"no_such_kind","answers":5,"mean":0.5,"spread":0.1}]})"},
      {"-0.3", R"({"kinds":[{"kind":"*","answers":-4,"mean":0.5,"spread":0.1}]})"},
      {"5000", R"({"kinds":{"kind":"*"}})"},
      {"", ""}};
  for (const auto& [bad_ratio, bad_kinds] : bad_notes) {
    INFO("notes: '" << bad_ratio << "', '" << bad_kinds << "'");
    {
      auto cache = open_sqlite_cache(cache_dir);
      REQUIRE(cache);
      REQUIRE((*cache)->put_note(key, bad_ratio));
      REQUIRE((*cache)->put_note(by_kind, bad_kinds));
    }
    Warnings seen;
    CHECK(build_and_first_reserved(c, src, server, {&seen, {}}) == cold);
    std::size_t about_ratio = 0, about_kinds = 0;
    for (const auto& m : seen.messages) {
      about_ratio += m.find(key) != std::string::npos;
      about_kinds += m.find(by_kind) != std::string::npos;
    }
    CHECK(about_ratio == 1);
    CHECK(about_kinds == 1);
    auto cache = open_sqlite_cache(cache_dir);
    REQUIRE(cache);
    CHECK(std::stod(**(*cache)->get_note(key)) > 0);
    CHECK(json::parse(**(*cache)->get_note(by_kind)).at("kinds").as_array().size() >= 2);
  }

  // The per-kind note alone (the ratio's unreadable) right-sizes the first request too.
  {
    auto cache = open_sqlite_cache(cache_dir);
    REQUIRE(cache);
    REQUIRE((*cache)->put_note(key, "unreadable"));
  }
  CHECK(build_and_first_reserved(c, src, server) < cold);
}
