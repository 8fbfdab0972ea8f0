// `doctown inspect` and `doctown search` on a docpack: JSON contracts, readable text, and exit
// codes for missing or damaged docpacks.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "core/file_util.hpp"
#include "doctown/writer.hpp"
#include "support/output_fixture.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using doctown::test::run_cli;

namespace {
fs::path fixture_docpack(const std::string& tag) {
  doctown::test::OutputFixture fx;
  auto w = doctown::make_docpack_writer();
  REQUIRE(w);
  auto p = (*w)->write(fx.docset(), doctown::test::scratch_dir(tag), "geo", {});
  REQUIRE(p);
  return *p;
}
}  // namespace

TEST_CASE("doctown inspect shows manifest, counts and statistics", "[cli][inspect]") {
  fs::path dp = fixture_docpack("cli-inspect");
  auto r = run_cli({"inspect", dp.string(), "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto v = json::parse(r.out).as_object();
  CHECK(v["docpack_version"] == "6.1");
  CHECK(v["manifest"].as_object()["generator"].as_object()["llm_model"] == "test-model");
  CHECK(v["counts"].as_object()["symbols"].to_number<int>() == 15);
  CHECK(v["counts"].as_object()["documented"].to_number<int>() == 9);
  CHECK(v["counts"].as_object()["embedding_dims"].to_number<int>() == 32);
  CHECK(v["statistics"].as_object()["symbols_by_kind"].as_object()["method"].to_number<int>() == 4);
  CHECK(v["statistics"].as_object()["verified_ratio"].to_number<double>() == Approx(1.0));
  CHECK(v["members"].as_array().size() == 8);  // the 6.1 members + sources.json

  auto text = run_cli({"inspect", dp.string()});
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("docpack 6.1") != std::string::npos);
  CHECK(text.out.find("15 (9 documented") != std::string::npos);
  CHECK(text.out.find("15 x 32 float32 (doctown-local-hash-v1)") != std::string::npos);
}

TEST_CASE("doctown inspect fails clearly on missing and damaged docpacks", "[cli][inspect]") {
  fs::path dp = fixture_docpack("cli-inspect-bad");
  auto missing = run_cli({"inspect", (dp.parent_path() / "nope.docpack").string()});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("nope.docpack") != std::string::npos);

  auto bytes = doctown::detail::read_file(dp);
  REQUIRE(bytes);
  fs::path cut = dp.parent_path() / "cut.docpack";
  REQUIRE(doctown::detail::write_file_atomic(cut, std::string_view(*bytes).substr(0, bytes->size() - 40)));
  auto damaged = run_cli({"inspect", cut.string(), "--json"});
  CHECK(damaged.exit_code == 3);
  CHECK(damaged.out.empty());
  CHECK(damaged.err.find("truncated") != std::string::npos);
  CHECK(damaged.err.find("cut.docpack") != std::string::npos);
}

TEST_CASE("doctown search ranks symbols", "[cli][search]") {
  fs::path dp = fixture_docpack("cli-search");
  auto r = run_cli({"search", dp.string(), "total area", "-k", "3", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto v = json::parse(r.out).as_object();
  auto hits = v["hits"].as_array();
  REQUIRE(!hits.empty());
  CHECK(hits.size() <= 3);
  auto first = hits[0].as_object();
  CHECK(first["qualified_name"] == "geo::total_area");
  CHECK(first["file"] == "src/algorithms.cpp");
  CHECK(first["line"].to_number<int>() == 10);
  CHECK(first["summary"] == "Sums the areas of all shapes.");

  auto text = run_cli({"search", dp.string(), "parse_shape"});
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.rfind("geo::parse_shape  src/algorithms.cpp:20  (function)\n", 0) == 0);

  auto none = run_cli({"search", dp.string(), "xylophone"});
  CHECK(none.exit_code == 0);
  CHECK(none.out.find("No symbol matches") != std::string::npos);

  auto usage = run_cli({"search", dp.string()});
  CHECK(usage.exit_code == 2);
}
