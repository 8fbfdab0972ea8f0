// Search over a docpack: identifier splitting, BM25 ranking over names and prose, blending
// with embedding similarity, and input validation.
#include <catch2/catch.hpp>

#include "doctown/search.hpp"
#include "doctown/writer.hpp"
#include "support/output_fixture.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using doctown::test::OutputFixture;

namespace {

doctown::Docpack open_fixture_docpack(const OutputFixture& fx) {
  auto w = doctown::make_docpack_writer();
  REQUIRE(w);
  auto path = (*w)->write(fx.docset(), doctown::test::scratch_dir("search"), "geo", {});
  REQUIRE(path);
  auto dp = doctown::Docpack::open(*path);
  REQUIRE(dp);
  return std::move(dp).value();
}

std::vector<std::string> top(const doctown::SearchIndex& idx, const std::string& q,
                             std::size_t k = 3, std::span<const float> v = {}) {
  doctown::SearchOptions o;
  o.k = k;
  auto hits = idx.search(q, o, v);
  REQUIRE(hits);
  std::vector<std::string> out;
  for (const auto& h : *hits) out.push_back(h.qualified_name);
  return out;
}

// The best hit's qualified name; a search that finds nothing fails the test here instead of
// reading past an empty vector.
std::string first(const doctown::SearchIndex& idx, const std::string& q, std::size_t k = 3,
                  std::span<const float> v = {}) {
  auto hits = top(idx, q, k, v);
  INFO("query: " << q);
  REQUIRE_FALSE(hits.empty());
  return hits.front();
}

}  // namespace

TEST_CASE("search terms split identifiers", "[search]") {
  using V = std::vector<std::string>;
  CHECK(doctown::search_terms("total_area") == V{"total_area", "total", "area"});
  CHECK(doctown::search_terms("parseShapeHTTP2") == V{"parseshapehttp2", "parse", "shape", "http", "2"});
  CHECK(doctown::search_terms("geo::Circle, radius!") == V{"geo", "circle", "radius"});
  CHECK(doctown::search_terms("  ").empty());
}

TEST_CASE("BM25 ranks names first, then prose", "[search]") {
  OutputFixture fx;
  auto dp = open_fixture_docpack(fx);
  auto idx = doctown::SearchIndex::build(dp);
  CHECK(idx.size() == fx.codebase.symbols.size());
  CHECK(idx.embedding_model() == "doctown-local-hash-v1");

  CHECK(first(idx, "total_area") == "geo::total_area");
  CHECK(first(idx, "parse shape") == "geo::parse_shape");
  // "area": symbols named area beat total_area, which beats prose mentions.
  auto area = top(idx, "area", 5);
  REQUIRE(area.size() >= 3);
  CHECK((area[0] == "geo::Shape::area" || area[0] == "geo::Circle::area"));
  CHECK((area[1] == "geo::Shape::area" || area[1] == "geo::Circle::area"));
  // Words only found in summaries and descriptions still find their symbol.
  CHECK(first(idx, "sums") == "geo::total_area");
  CHECK(first(idx, "generator script") == "gen.main");

  doctown::SearchOptions o;
  o.k = 2;
  auto hits = idx.search("area", o);
  REQUIRE(hits);
  REQUIRE(hits->size() == 2);
  const auto& h = hits->front();
  CHECK(!h.file.empty());
  CHECK(h.line > 0);
  CHECK(h.bm25 > 0);
  CHECK(h.score == Approx(1.0));  // normalised to the best match

  auto none = idx.search("xylophone", o);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("embedding similarity blends in when a query vector is given", "[search]") {
  OutputFixture fx;
  auto dp = open_fixture_docpack(fx);
  auto idx = doctown::SearchIndex::build(dp);
  // A query with no lexical match, embedded next to geo::Circle's row.
  std::size_t circle = *fx.codebase.index_of(fx.id_of("geo::Circle"));
  auto row = fx.embeddings.row(circle);
  std::vector<float> q(row.begin(), row.end());
  CHECK(first(idx, "xylophone", 1, q) == "geo::Circle");
  // With lexical evidence both count: "parse" still finds parse_shape first.
  CHECK(first(idx, "parse", 1, q) == "geo::parse_shape");

  doctown::SearchOptions o;
  std::vector<float> wrong(3, 0.5f);
  auto bad = idx.search("circle", o, wrong);
  REQUIRE(!bad);
  CHECK(bad.error().code == doctown::errc::invalid_argument);
  auto empty = idx.search(" ?! ", o);
  REQUIRE(!empty);
  CHECK(empty.error().code == doctown::errc::invalid_argument);
}

TEST_CASE("queries are embedded locally in the docpack's space", "[search]") {
  OutputFixture fx;
  auto dp = open_fixture_docpack(fx);
  auto q = doctown::local_query_embedding(dp, "parse shape text");
  INFO((q ? std::string() : q.error().what()));
  REQUIRE(q);
  REQUIRE(q->size() == fx.embeddings.dims);
  // The query lands nearest to the symbol it describes.
  std::size_t best = 0;
  double best_sim = -2;
  for (std::size_t i = 0; i < fx.embeddings.rows; ++i) {
    auto row = fx.embeddings.row(i);
    double dot = 0;
    for (std::size_t j = 0; j < row.size(); ++j) dot += row[j] * (*q)[j];
    if (dot > best_sim) {
      best_sim = dot;
      best = i;
    }
  }
  CHECK(fx.codebase.symbols[best].qualified_name == "geo::parse_shape");
  auto idx = doctown::SearchIndex::build(dp);
  CHECK(first(idx, "parse shape text", 1, *q) == "geo::parse_shape");

  // Embeddings from another model cannot be reproduced: unsupported, BM25 still works.
  fx.embeddings.model = "text-embedding-3-small";
  auto remote = open_fixture_docpack(fx);
  auto r = doctown::local_query_embedding(remote, "parse");
  REQUIRE(!r);
  CHECK(r.error().code == doctown::errc::unsupported);
}
