// The offline writer states the facts: summaries from doc comments, relations named, params and
// returns from the signature, and nothing that is not in the codebase.
#include <catch2/catch.hpp>

#include "doctown/llm_client.hpp"

using namespace doctown;

namespace {

Codebase fixture() {
  Codebase cb;
  Symbol shape;
  shape.id = "c:@S@Shape";
  shape.kind = SymbolKind::class_;
  shape.name = shape.qualified_name = "Shape";
  shape.location = {"shape.hpp", 3, 10};
  Symbol area;
  area.id = "c:@S@Shape@F@area#";
  area.kind = SymbolKind::method;
  area.name = "area";
  area.qualified_name = "Shape::area";
  area.location = {"shape.hpp", 5, 5};
  area.return_type = "double";
  area.flags = flags::is_virtual | flags::is_pure | flags::is_const;
  area.doc_comment = "Area of the shape in square units.";
  area.parent_id = shape.id;
  Symbol total;
  total.id = "c:@F@total";
  total.kind = SymbolKind::function;
  total.name = total.qualified_name = "total";
  total.location = {"algo.cpp", 10, 20};
  total.return_type = "double";
  total.params = {{"shapes", "const std::vector<Shape> &", ""}, {"scale", "double", "1.0"}};
  cb.symbols = {shape, area, total};
  cb.relations = {{total.id, area.id, RelationKind::calls},
                  {shape.id, area.id, RelationKind::contains}};
  cb.normalize();
  return cb;
}

}  // namespace

TEST_CASE("offline docs come from the facts", "[llm][offline]") {
  Codebase cb = fixture();
  auto writer = make_offline_writer();
  REQUIRE(writer);
  Batch b;
  b.symbol_ids = {"c:@F@total", "c:@S@Shape@F@area#", "c:@S@Shape", "c:@missing"};
  std::vector<Batch> batches{b};
  std::size_t delivered = 0;
  LlmJob job;
  job.batches = batches;
  job.codebase = &cb;
  job.on_docs = [&](std::span<const SymbolDoc> docs) { delivered += docs.size(); };
  RunContext ctx;
  LlmOutcome out = (*writer)->run(job, ctx);
  REQUIRE(out.docs.size() == 3);
  CHECK(delivered == 3);
  CHECK(out.requests == 0);
  REQUIRE(out.failures.size() == 1);
  CHECK(out.failures[0].id == "c:@missing");

  auto doc_of = [&](const std::string& id) {
    for (const auto& d : out.docs)
      if (d.id == id) return d;
    FAIL("no doc for " << id);
    return SymbolDoc{};
  };
  SymbolDoc area = doc_of("c:@S@Shape@F@area#");
  CHECK(area.summary == "Area of the shape in square units.");
  CHECK(area.description.find("pure virtual") != std::string::npos);
  CHECK(area.description.find("called by `total`") != std::string::npos);
  CHECK(area.returns.find("double") != std::string::npos);

  SymbolDoc total = doc_of("c:@F@total");
  CHECK(total.summary.find("function `total`") != std::string::npos);
  CHECK(total.description.find("calls `Shape::area`") != std::string::npos);
  CHECK(total.description.find("algo.cpp (lines 10–20)") != std::string::npos);
  REQUIRE(total.params.size() == 2);
  CHECK(total.params[1].name == "scale");
  CHECK(total.params[1].description.find("defaulting to 1.0") != std::string::npos);

  SymbolDoc shape = doc_of("c:@S@Shape");
  CHECK(shape.description.find("members include `Shape::area`") != std::string::npos);
  CHECK(shape.returns.empty());
}

TEST_CASE("offline writer stops on cancellation and keeps finished docs", "[llm][offline]") {
  Codebase cb = fixture();
  auto writer = make_offline_writer();
  Batch b1, b2;
  b1.symbol_ids = {"c:@F@total"};
  b2.symbol_ids = {"c:@S@Shape"};
  std::vector<Batch> batches{b1, b2};
  std::stop_source stop;
  LlmJob job;
  job.batches = batches;
  job.codebase = &cb;
  job.on_docs = [&](std::span<const SymbolDoc>) { stop.request_stop(); };
  RunContext ctx{nullptr, stop.get_token()};
  LlmOutcome out = (*writer)->run(job, ctx);
  CHECK(out.docs.size() == 1);
  REQUIRE(out.fatal);
  CHECK(out.fatal->code == errc::cancelled);
}
