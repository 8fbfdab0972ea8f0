// The pipeline through the library, against the loopback OpenAI-compatible server: the run has
// one model name (LlmOptions::model) and one model table (LlmOptions::models), so a program's
// plan and build agree on the model and its price; and the LLM mode is an enum whose name the
// docpack manifest records as before.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "doctown/docpack.hpp"
#include "doctown/pipeline.hpp"
#include "support/loopback_openai_server.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

Config openai_config(const doctown::test::LoopbackOpenAiServer& server, const std::string& out) {
  Config c;
  c.llm = LlmBackend::openai;
  c.llm_options.server.base_url = server.base_url();
  c.llm_options.server.api_key = "sk-pipeline-model";
  c.output.out_dir = doctown::test::scratch_dir(out);
  c.output.formats = {OutputFormat::docpack};
  c.output.use_cache = false;
  return c;
}

}  // namespace

TEST_CASE("a pipeline plans, asks and prices the one model of LlmOptions", "[pipeline][models]") {
  doctown::test::LoopbackOpenAiServer server;
  Config c = openai_config(server, "pipeline-model-out");
  c.llm_options.model = "acme-docs-1";
  // A table given in code (not a --models file): the plan and the run must both use it.
  REQUIRE(c.llm_options.models.load_json(R"([{"name":"acme-docs-1","context_window":64000,
      "max_output_tokens":8000,"input_per_mtok":3.0,"cached_input_per_mtok":1.5,
      "output_per_mtok":12.0}])"));
  ModelInfo acme = c.llm_options.models.lookup("acme-docs-1");
  REQUIRE(acme.known);
  auto p = Pipeline::create(c);
  REQUIRE(p);
  RunContext ctx;
  std::string src = doctown::test::sample_project().string();

  auto plan = p->plan(src, ctx);
  REQUIRE(plan);
  CHECK(plan->model.name == "acme-docs-1");
  CHECK(plan->model.known);  // the built-in table does not know it: this is the caller's table
  CHECK(plan->plan.model == "acme-docs-1");
  CHECK(plan->per_symbol.model == "acme-docs-1");
  REQUIRE(plan->plan.input_tokens > 0);
  CHECK(plan->estimated_cost_usd ==
        Approx(cost_usd(acme, {plan->plan.input_tokens, 0, plan->plan.max_output_tokens})));

  auto built = p->build(src, ctx);
  REQUIRE(built);
  CHECK(built->stats.failed == 0);
  auto usage = server.counters().usage;
  REQUIRE(usage.input > 0);
  CHECK(built->stats.cost_usd == Approx(cost_usd(acme, usage)));
  CHECK(built->stats.cost_usd > 0);
  // The server was asked for that model, in every request.
  auto bodies = server.chat_bodies();
  REQUIRE_FALSE(bodies.empty());
  for (const auto& body : bodies)
    CHECK(json::parse(body).as_object().at("model").as_string() == "acme-docs-1");
}

TEST_CASE("a Batch API run through the pipeline is recorded as batch_api in the manifest",
          "[pipeline][batch]") {
  doctown::test::LoopbackOpenAiServer server({.batch_step_s = 0.02});
  Config c = openai_config(server, "pipeline-batch-out");
  c.llm_options.mode = LlmMode::batch_api;
  c.llm_options.batch_poll_s = 0.02;
  auto p = Pipeline::create(c);
  REQUIRE(p);
  RunContext ctx;
  auto built = p->build(doctown::test::sample_project().string(), ctx);
  REQUIRE(built);
  CHECK(built->stats.failed == 0);
  CHECK(built->stats.documented > 5);
  auto counters = server.counters();
  CHECK(counters.batches_created > 0);
  CHECK(counters.chat_requests == 0);
  auto pack = Docpack::open(built->docpack.string());
  REQUIRE(pack);
  auto m = json::parse(pack->manifest_json()).as_object();
  CHECK(m.at("generator").as_object().at("mode").as_string() == "batch_api");
}
