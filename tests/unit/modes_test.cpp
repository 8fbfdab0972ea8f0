// Modes and the defaults the library resolves for every caller (the CLI, the examples): one
// parser per mode, the folders a run keeps beside its outputs, what `--llm auto` means, and
// which tokenizer a remote embedding model gets.
#include <catch2/catch.hpp>

#include <string>

#include "doctown/modes.hpp"
#include "doctown/pipeline.hpp"
#include "doctown/tokenizer.hpp"
#include "doctown/writer.hpp"

namespace {

template <class E>
std::size_t round_trip(std::span<const E> values,
                       doctown::result<E> (*parse)(std::string_view)) {
  std::size_t n = 0;
  for (E v : values) {
    auto back = parse(to_string(v));
    REQUIRE(back);
    CHECK(*back == v);
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("every mode parses back from its name", "[modes]") {
  CHECK(round_trip(doctown::all_llm_backends(), doctown::parse_llm_backend) == 3);
  CHECK(round_trip(doctown::all_embedder_kinds(), doctown::parse_embedder_kind) == 2);
  CHECK(round_trip(doctown::all_output_formats(), doctown::parse_output_format) == 3);
  CHECK(round_trip(doctown::all_llm_modes(), doctown::parse_llm_mode) == 2);
  CHECK(round_trip(doctown::all_batch_fallbacks(), doctown::parse_batch_fallback) == 2);
  CHECK(round_trip(doctown::all_response_formats(), doctown::parse_response_format) == 3);
  CHECK(to_string(doctown::LlmBackend::automatic) == "auto");
  CHECK(to_string(doctown::ResponseFormat::automatic) == "auto");
  // The docpack manifest records the mode by this name: it is a file format, not a label.
  CHECK(to_string(doctown::LlmMode::batch_api) == "batch_api");
}

TEST_CASE("an unknown mode names the value and lists the accepted ones", "[modes]") {
  auto llm = doctown::parse_llm_backend("gpt");
  REQUIRE(!llm);
  CHECK(llm.error().code == doctown::errc::invalid_argument);
  CHECK(llm.error().message == "unknown LLM backend 'gpt'; use auto, offline or openai");
  auto emb = doctown::parse_embedder_kind("Local");  // one spelling: names are case-sensitive
  REQUIRE(!emb);
  CHECK(emb.error().message.find("use local or remote") != std::string::npos);
  auto mode = doctown::parse_llm_mode("bulk");
  REQUIRE(!mode);
  CHECK(mode.error().message == "unknown LLM mode 'bulk'; use sync or batch_api");
  auto fallback = doctown::parse_batch_fallback("retry");
  REQUIRE(!fallback);
  CHECK(fallback.error().message == "unknown Batch API fallback 'retry'; use batch or sync");
  auto format = doctown::parse_response_format("xml");
  REQUIRE(!format);
  CHECK(format.error().message ==
        "unknown response format 'xml'; use auto, json_schema or json_object");
}

TEST_CASE("make_writer and the pipeline accept the same format names", "[modes]") {
  // make_writer used to take "md" while the pipeline refused it: both now parse through
  // parse_output_format, so a name either works everywhere or nowhere.
  for (std::string_view name : {"docpack", "markdown", "html"}) {
    auto w = doctown::make_writer(name);
    REQUIRE(w);
    CHECK((*w)->format() == name);
    CHECK(doctown::parse_output_format(name));
  }
  auto md = doctown::make_writer("md");
  REQUIRE(!md);
  CHECK(md.error().code == doctown::errc::not_found);
  CHECK(md.error().message.find("docpack, markdown or html") != std::string::npos);
  CHECK(!doctown::parse_output_format("md"));
}

TEST_CASE("a run keeps its cache, state and work files in its output folder", "[modes]") {
  doctown::Config c;
  c.output.out_dir = "/tmp/out";
  auto f = doctown::run_folders(c);
  CHECK(f.cache == "/tmp/out/.doctown-cache");
  CHECK(f.state == "/tmp/out/.doctown-state");
  CHECK(f.work == "/tmp/out/.doctown-work");
  c.output.cache_dir = "/var/cache/doctown";
  c.llm_options.state_dir = "/var/state";
  c.source.work_dir = "/scratch";
  f = doctown::run_folders(c);
  CHECK(f.cache == "/var/cache/doctown");
  CHECK(f.state == "/var/state");
  CHECK(f.work == "/scratch");

  // Pipeline::create applies them: config() shows where the run will write.
  doctown::Config d;
  d.output.out_dir = "/tmp/doctown-modes-test";
  auto p = doctown::Pipeline::create(d);
  REQUIRE(p);
  CHECK(p->config().output.cache_dir == "/tmp/doctown-modes-test/.doctown-cache");
  CHECK(p->config().llm_options.state_dir == "/tmp/doctown-modes-test/.doctown-state");
  CHECK(p->config().source.work_dir == "/tmp/doctown-modes-test/.doctown-work");
}

TEST_CASE("auto is openai with a key or a server, else offline", "[modes]") {
  using doctown::LlmBackend;
  CHECK(*doctown::resolve_llm_backend(LlmBackend::automatic, false, false) == LlmBackend::offline);
  CHECK(*doctown::resolve_llm_backend(LlmBackend::automatic, true, false) == LlmBackend::openai);
  CHECK(*doctown::resolve_llm_backend(LlmBackend::automatic, false, true) == LlmBackend::openai);
  CHECK(*doctown::resolve_llm_backend(LlmBackend::offline, true, true) == LlmBackend::offline);
  auto bare = doctown::resolve_llm_backend(LlmBackend::openai, false, false);
  REQUIRE(!bare);
  CHECK(bare.error().message.find("OPENAI_API_KEY") != std::string::npos);

  // The pipeline resolves automatic itself: no key and the default URL give the offline writer.
  doctown::Config c;
  c.llm = LlmBackend::automatic;
  c.output.out_dir = "/tmp/doctown-modes-test";
  auto p = doctown::Pipeline::create(c);
  REQUIRE(p);
  CHECK(p->config().llm == LlmBackend::offline);
  c.llm_options.server.api_key = "sk-test";
  auto q = doctown::Pipeline::create(c);
  REQUIRE(q);
  CHECK(q->config().llm == LlmBackend::openai);
}

TEST_CASE("OpenAI embedding models count with cl100k_base, others keep the byte bound",
          "[modes]") {
  CHECK(doctown::embedding_encoding_for_model("text-embedding-3-small") == "cl100k_base");
  CHECK(doctown::embedding_encoding_for_model("text-embedding-ada-002") == "cl100k_base");
  CHECK(doctown::embedding_encoding_for_model("nomic-embed-text").empty());
  CHECK(doctown::embedding_encoding_for_model("").empty());
}
