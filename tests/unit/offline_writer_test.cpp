// The offline writer states the facts: summaries from doc comments, relations named, params and
// returns from the signature, and nothing that is not in the codebase.
#include <catch2/catch.hpp>

#include <map>

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
  Symbol describe;
  describe.id = "c:@S@Shape@F@describe#";
  describe.kind = SymbolKind::method;
  describe.name = "describe";
  describe.qualified_name = "Shape::describe";
  describe.location = {"shape.cpp", 7, 7};
  describe.doc_comment = "Sum of @p shapes, e.g. a circle. Never throws.\n@param shapes the list";
  cb.symbols = {shape, area, total, describe};
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
  b.symbol_ids = {"c:@F@total", "c:@S@Shape@F@area#", "c:@S@Shape", "c:@S@Shape@F@describe#", "c:@missing"};
  std::vector<Batch> batches{b};
  std::size_t delivered = 0;
  LlmJob job;
  job.batches = batches;
  job.codebase = &cb;
  job.on_docs = [&](std::span<const SymbolDoc> docs) { delivered += docs.size(); };
  RunContext ctx;
  LlmOutcome out = (*writer)->run(job, ctx);
  REQUIRE(out.docs.size() == 4);
  CHECK(delivered == 4);
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
  CHECK(area.description.find("Pure virtual") != std::string::npos);
  // Callers, bases and overrides are listed by the page ("Called by: ..."), not repeated here.
  CHECK(area.description.find("Called by") == std::string::npos);
  CHECK(area.returns.empty());  // nothing is known beyond the type, which the page shows

  SymbolDoc total = doc_of("c:@F@total");
  // No comment: the most telling fact stands in, never "A function `total`."
  CHECK(total.summary.find("function `total`") == std::string::npos);
  CHECK(total.summary.find("Calls") == std::string::npos);
  // Only the parameter with something known (its default) gets a row.
  REQUIRE(total.params.size() == 1);
  CHECK(total.params[0].name == "scale");
  CHECK(total.params[0].description == "Defaults to `1.0`.");

  SymbolDoc describe = doc_of("c:@S@Shape@F@describe#");
  CHECK(describe.summary == "Sum of shapes, e.g. a circle.");  // inline tag dropped, no split at e.g.
  CHECK(describe.description == "Never throws.");
  CHECK(describe.notes.empty());

  SymbolDoc shape = doc_of("c:@S@Shape");
  CHECK(shape.returns.empty());
}

namespace {

SymbolDoc run_one(const Codebase& cb, const std::string& id) {
  auto writer = make_offline_writer();
  Batch b;
  b.symbol_ids = {id};
  std::vector<Batch> batches{b};
  LlmJob job;
  job.batches = batches;
  job.codebase = &cb;
  RunContext ctx;
  LlmOutcome out = (*writer)->run(job, ctx);
  REQUIRE(out.docs.size() == 1);
  return out.docs[0];
}

Symbol method(std::string id, std::string qname) {
  Symbol s;
  s.id = std::move(id);
  s.kind = SymbolKind::method;
  s.qualified_name = qname;
  s.name = qname.substr(qname.rfind(':') + 1);
  s.location = {"a.hpp", 1, 1};
  s.language = "c++";
  return s;
}

// A sentence that only restates kind, name or type, as the old offline writer wrote them.
bool restates(const std::string& text) {
  for (const char* bad : {"A function `", "A member function `", "A parameter of type",
                          "A value of type", " is a function", " is a member function",
                          "An enumeration `", "A class `", "A struct `"})
    if (text.find(bad) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("offline prose uses the comment and never restates kind name or type", "[llm][offline]") {
  Codebase cb;
  Symbol f = method("f", "geo::Parser::parse");
  f.kind = SymbolKind::function;
  f.doc_comment =
      "Parse a shape from text such as \"circle 2\". Unknown words are ignored.\n\n"
      "@param text the description to parse\n@param[out] error set when parsing fails\n"
      "@return the shape, or nullptr when the text is not understood\n@throws std::bad_alloc";
  f.return_type = "std::unique_ptr<Shape>";
  f.params = {{"text", "const std::string &", ""}, {"error", "std::string &", ""},
              {"depth", "int", ""}, {"sink", "std::unique_ptr<Sink>", ""}};
  f.signature = "[[nodiscard]] std::unique_ptr<Shape> parse(const std::string &text, ...)";
  cb.symbols = {f};
  cb.normalize();
  SymbolDoc d = run_one(cb, "f");
  CHECK(d.summary == "Parse a shape from text such as \"circle 2\".");
  CHECK(d.description.find("Unknown words are ignored.") == 0);
  CHECK(d.description.find("The caller owns the returned object.") != std::string::npos);
  CHECK(d.description.find("[[nodiscard]]") != std::string::npos);
  CHECK(d.returns == "The shape, or nullptr when the text is not understood.");
  CHECK(d.throws == "std::bad_alloc.");  // code keeps its spelling
  std::map<std::string, std::string> params;
  for (const auto& p : d.params) params[p.name] = p.description;
  CHECK(params.at("text") == "The description to parse.");
  CHECK(params.at("error").find("Set when parsing fails.") == 0);
  CHECK(params.at("error").find("non-const reference") != std::string::npos);
  CHECK(params.at("sink") == "Ownership passes to the callee.");
  CHECK(params.count("depth") == 0);  // nothing known: no row
  CHECK_FALSE(restates(d.summary + d.description + d.returns));
  for (const auto& p : d.params) CHECK_FALSE(restates(p.description));
}

TEST_CASE("an override without a comment inherits its base's docs and says so", "[llm][offline]") {
  Codebase cb;
  Symbol base = method("base", "geo::Shape::area");
  base.doc_comment = "Area in square units. Never negative.";
  base.flags = flags::is_virtual | flags::is_pure;
  Symbol over = method("over", "geo::Circle::area");
  over.flags = flags::is_override | flags::is_noexcept;
  cb.symbols = {base, over};
  cb.relations = {{"over", "base", RelationKind::overrides}};
  cb.normalize();
  SymbolDoc d = run_one(cb, "over");
  CHECK(d.summary == "Area in square units.");
  CHECK(d.description.find("Documentation inherited from `geo::Shape::area`") == 0);
  CHECK(d.description.find("Never negative.") != std::string::npos);
  CHECK(d.throws == "Nothing: it is declared noexcept.");
  SymbolDoc b = run_one(cb, "base");
  CHECK(b.description.find("Pure virtual: derived classes implement it.") != std::string::npos);
  CHECK(b.description.find("geo::Circle::area") == std::string::npos);  // "Overridden by" lists it
  CHECK(b.see_also.empty());
}

TEST_CASE("rulers and pointer comments are not prose and paragraphs survive", "[llm][offline]") {
  Codebase cb;
  // zlib's definitions: a ruler, "-- see zlib.h --", or a ruler after the real comment.
  Symbol ruler = method("ruler", "adler32_combine");
  ruler.doc_comment = "=========================================================================";
  Symbol pointer = method("pointer", "deflateEnd");
  pointer.doc_comment = "-- see zlib.h --";
  Symbol after = method("after", "adler32_z");
  after.doc_comment = "Same as adler32(), but with a size_t length.\n\n"
                      "=========================================================================";
  Symbol paras = method("paras", "deflate");
  paras.doc_comment =
      "deflate compresses as much data as possible.\n\nIt may introduce some output latency.\n"
      "The detailed semantics are as follows:\n\n  - Compress more input.\n  - Generate more output.";
  Symbol busy = method("busy", "deflate_slow");
  busy.complexity = 40;
  busy.flags = flags::is_static;
  Symbol sibling = method("sibling", "tinyxml2::XMLElement::BoolAttribute");
  sibling.doc_comment = "See IntAttribute()";
  Symbol twice = method("twice", "compress2");
  twice.doc_comment = "Compresses the source buffer. The level is as in deflateInit.\n\n"
                      "Returns Z_OK on success.\n\n"
                      "Compresses the source buffer. An older wording of the same.\n\n"
                      "Returns Z_OK on success.";
  cb.symbols = {ruler, pointer, after, paras, busy, sibling, twice};
  cb.normalize();
  CHECK(run_one(cb, "ruler").summary.empty());
  CHECK(run_one(cb, "pointer").summary.empty());
  // A pointer to a sibling symbol stays, as a code span the page turns into a link.
  CHECK(run_one(cb, "sibling").summary == "See `IntAttribute`.");
  SymbolDoc a = run_one(cb, "after");
  CHECK(a.summary == "Same as adler32(), but with a size_t length.");
  CHECK(a.description.empty());
  SymbolDoc p = run_one(cb, "paras");
  CHECK(p.summary == "deflate compresses as much data as possible.");
  CHECK(p.description ==
        "It may introduce some output latency. The detailed semantics are as follows:\n\n"
        "- Compress more input.\n\n- Generate more output.");
  // zlib's header and definition comments say the same: the second copy is left out.
  SymbolDoc t = run_one(cb, "twice");
  CHECK(t.summary == "Compresses the source buffer.");
  CHECK(t.description == "The level is as in deflateInit.\n\nReturns Z_OK on success.");
  // No comment: "Static" or a complexity figure is no summary.
  SymbolDoc b = run_one(cb, "busy");
  CHECK(b.summary.empty());
  CHECK(b.description.find("complexity") == std::string::npos);
}

TEST_CASE("Python docstrings give summary and parameters, Sphinx fields end the prose",
          "[llm][offline]") {
  Codebase cb;
  Symbol f;
  f.id = f.name = f.qualified_name = "get";
  f.kind = SymbolKind::function;
  f.language = "python";
  f.location = {"requests/api.py", 10, 30};
  f.doc_comment =
      "Sends a GET request.\n\n    :param url: URL for the new :class:`Request` object.\n"
      "    :param params: (optional) Dictionary to send in the query string.\n"
      "    :return: :class:`Response <Response>` object\n    :rtype: requests.Response";
  f.params = {{"url", "", ""}, {"params", "", "None"}, {"kwargs", "", ""}};
  cb.symbols = {f};
  cb.normalize();
  SymbolDoc d = run_one(cb, "get");
  CHECK(d.summary == "Sends a GET request.");
  CHECK(d.description.empty());
  REQUIRE(d.params.size() == 2);
  CHECK(d.params[0].description == "URL for the new :class:`Request` object.");
  CHECK(d.params[1].description ==
        "(optional) Dictionary to send in the query string. Defaults to `None`.");
  CHECK(d.returns == ":class:`Response <Response>` object.");
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

TEST_CASE("a deleted copy or move says the class cannot be copied or moved", "[llm][offline]") {
  Codebase cb;
  Symbol copy = method("copy", "spdlog::logger::logger");
  copy.kind = SymbolKind::constructor;
  copy.flags = flags::is_deleted;
  copy.params = {{"", "const logger &", ""}};
  Symbol move = method("move", "spdlog::logger::operator=");
  move.kind = SymbolKind::operator_;
  move.name = "operator=";
  move.flags = flags::is_deleted;
  move.params = {{"", "logger &&", ""}};
  Symbol other = method("other", "spdlog::logger::log");
  other.flags = flags::is_deleted;
  other.params = {{"msg", "const char *", ""}};
  cb.symbols = {copy, move, other};
  cb.normalize();
  CHECK(run_one(cb, "copy").summary == "Copying is disabled (deleted): `spdlog::logger` cannot be copied.");
  CHECK(run_one(cb, "move").summary == "Moving is disabled (deleted): `spdlog::logger` cannot be moved.");
  CHECK(run_one(cb, "other").summary == "Deleted: this overload cannot be called.");
}
