// lib/format: the one JSON mapping. Every flag survives a round trip (the analyze copy of the
// table once lost "definition"), a chunk record rebuilds the same Symbol, and the typed
// Manifest round-trips field by field.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <set>

#include "doctown/format.hpp"
#include "format/format.hpp"

namespace json = boost::json;
using namespace doctown;

TEST_CASE("the flag table names every flag bit once and round-trips", "[format]") {
  auto table = flag_table();
  std::set<std::string_view> names;
  std::uint32_t all = 0;
  for (const auto& [bit, name] : table) {
    CHECK(names.insert(name).second);
    CHECK((all & bit) == 0);
    all |= bit;
  }
  CHECK(table.size() == 13);
  CHECK(all == (flags::is_definition << 1) - 1);  // bits 0..12, none missing
  CHECK(names.count("definition") == 1);
  for (const auto& [bit, name] : table) {
    json::value v = flags_to_json(bit);
    CHECK(flags_from_json(&v) == bit);
  }
  json::value every = flags_to_json(all);
  CHECK(flags_from_json(&every) == all);
  json::value junk = json::parse(R"(["static", 3, "bogus", null])");
  CHECK(flags_from_json(&junk) == flags::is_static);
}

TEST_CASE("analyze JSON carries every flag including definition", "[format]") {
  Codebase cb;
  cb.root = "/r";
  Symbol s;
  s.id = "f";
  s.kind = SymbolKind::function;
  s.name = "f";
  s.flags = flags::is_definition | flags::is_noexcept;
  s.params = {{"x", "int", "3"}};
  cb.symbols.push_back(s);
  json::value v = json::parse(codebase_to_json(cb));
  const auto& sym = v.at("symbols").at(0);
  CHECK(sym.at("flags") == json::parse(R"(["noexcept","definition"])"));
  CHECK(sym.at("params").at(0).at("default") == "3");
  CHECK(sym.at("return_type") == "");
}

TEST_CASE("a chunk record rebuilds the same symbol", "[format]") {
  Symbol s;
  s.id = "c:@N@geo@S@Circle";
  s.kind = SymbolKind::class_;
  s.name = "Circle";
  s.qualified_name = "geo::Circle";
  s.language = "c++";
  s.location = {"include/geo/circle.hpp", 8, 22};
  s.declaration = SourceRange{"include/geo/circle.hpp", 8, 8};
  s.signature = "class Circle : public Shape";
  s.return_type = "";
  s.params = {{"r", "double", "1.0"}};
  s.template_params = {{"T", "typename", ""}};
  s.access = Access::protected_;
  s.flags = flags::is_definition | flags::is_template;
  s.doc_comment = "A circle.";
  s.brief = "A circle.";
  s.source_text = "class Circle : public Shape {};";
  s.complexity = 4;
  s.nesting_depth = 2;
  s.is_public_api = true;
  s.parent_id = "c:@N@geo";
  Symbol back = symbol_from_chunk(chunk_json(s));
  CHECK(back.id == s.id);
  CHECK(back.kind == s.kind);
  CHECK(back.qualified_name == s.qualified_name);
  CHECK(back.location.line == 8);
  CHECK(back.location.end_line == 22);
  REQUIRE(back.declaration);
  CHECK(back.declaration->end_line == 8);
  CHECK(back.params.size() == 1);
  CHECK(back.params[0].default_value == "1.0");
  CHECK(back.template_params.at(0).name == "T");
  CHECK(back.access == Access::protected_);
  CHECK(back.flags == s.flags);
  CHECK(back.source_text == s.source_text);
  CHECK(back.complexity == 4);
  CHECK(back.nesting_depth == 2);
  CHECK(back.is_public_api);
  CHECK(back.parent_id == s.parent_id);
  CHECK(back.signature == s.signature);
  CHECK(back.brief == s.brief);
  CHECK(back.doc_comment == s.doc_comment);
}

TEST_CASE("the typed manifest round-trips through JSON", "[format]") {
  Manifest m;
  m.docpack_version = "6.1";
  m.name = "geo";
  m.source = {"git", "https://example.com/geo.git", "main", "abc123"};
  m.generated_at = "2026-01-02T03:04:05Z";
  m.totals = {1, 2, 3, 4, 5, 6, 7, 8};
  m.embedding = {"doctown-local-hash-v1", 256, 2, "float32", "little"};
  m.generator = {"doctown", "1.2.3", "gpt-4o-mini", "sync"};
  m.doc_scoring.threshold = 0.25;
  m.doc_scoring.scored = 9;
  m.doc_scoring.min = 0.5;
  m.generation_stats.requests = 11;
  m.generation_stats.cost_usd = 0.125;
  m.generation_stats.tokens.cached = 42;
  m.generation_stats.stage_seconds["analyze"] = 1.5;
  m.members = {"manifest.json", "sources.json"};
  json::value v = json::value_from(m);
  CHECK(v.at("source").at("url") == "https://example.com/geo.git");  // remote: url, not path
  auto back = manifest_from_json(json::serialize(v));
  REQUIRE(back);
  CHECK(back->source.url_or_path == m.source.url_or_path);
  CHECK(back->source.commit == "abc123");
  CHECK(back->totals.graph_edges == 8);
  CHECK(back->totals.documented == 5);
  CHECK(back->embedding.dims == 256);
  CHECK(back->generator.llm_model == "gpt-4o-mini");
  CHECK(back->doc_scoring.threshold == 0.25);
  CHECK(back->doc_scoring.min == 0.5);
  CHECK(!back->doc_scoring.max);
  CHECK(back->generation_stats.requests == 11);
  CHECK(back->generation_stats.tokens.cached == 42);
  CHECK(back->generation_stats.stage_seconds.at("analyze") == 1.5);
  CHECK(back->members == m.members);
  CHECK(json::value_from(*back) == v);
  CHECK(!manifest_from_json("[1]"));
  CHECK(!manifest_from_json("{oops"));
}
