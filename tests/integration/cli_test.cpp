// The CLI contract: help and version, exit codes, the analyze/build/plan --json documents, and
// clear errors that name the bad input.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "doctown/docpack.hpp"
#include "support/test_paths.hpp"

using doctown::test::run_cli;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  INFO(text);
  REQUIRE_FALSE(ec);
  REQUIRE(v.is_object());
  return v.get_object();
}

const json::object* find_symbol(const json::array& symbols, const std::string& qname,
                                const std::string& kind) {
  for (const auto& s : symbols) {
    const auto& o = s.get_object();
    if (o.at("qualified_name").as_string() == qname && o.at("kind").as_string() == kind) return &o;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("version and help", "[cli]") {
  auto v = run_cli({"--version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.find("doctown 0.") != std::string::npos);
  auto h = run_cli({"--help"});
  CHECK(h.exit_code == 0);
  for (const char* cmd : {"build", "analyze", "plan", "tokens", "inspect", "search"})
    CHECK(h.out.find(cmd) != std::string::npos);
  auto bh = run_cli({"build", "--help"});
  CHECK(bh.exit_code == 0);
  for (const char* flag : {"--batch-size", "--llm", "--max-batch-tokens", "--formats", "--json"})
    CHECK(bh.out.find(flag) != std::string::npos);
}

TEST_CASE("usage errors exit 2 and say what is wrong", "[cli]") {
  CHECK(run_cli({}).exit_code == 2);
  auto bad_flag = run_cli({"build", "--no-such-flag", "x"});
  CHECK(bad_flag.exit_code == 2);
  auto missing = run_cli({"analyze", "/definitely/not/here"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("/definitely/not/here") != std::string::npos);
  auto no_key = run_cli({"build", doctown::test::sample_project().string(), "--llm", "openai",
                         "-o", doctown::test::scratch_dir("nokey").string()});
  CHECK(no_key.exit_code == 2);
  CHECK(no_key.err.find("OPENAI_API_KEY") != std::string::npos);
  auto bad_weights = run_cli({"plan", doctown::test::sample_project().string(),
                              "--doc-score-structural", "0.9"});
  CHECK(bad_weights.exit_code == 2);
  // Mode flags parse through doctown/modes.hpp: the error names the value and the choices.
  const std::string modes_out = doctown::test::scratch_dir("bad-modes").string();
  auto bad_mode = run_cli({"build", doctown::test::sample_project().string(), "-o", modes_out,
                           "--llm-mode", "bulk"});
  CHECK(bad_mode.exit_code == 2);
  CHECK(bad_mode.err.find("unknown LLM mode 'bulk'; use sync or batch_api") != std::string::npos);
  auto bad_fallback = run_cli({"build", doctown::test::sample_project().string(), "-o", modes_out,
                               "--batch-api-fallback", "retry"});
  CHECK(bad_fallback.exit_code == 2);
  CHECK(bad_fallback.err.find("'retry'; use batch or sync") != std::string::npos);
}

TEST_CASE("analyze --json lists the sample's symbols with files and lines", "[cli]") {
  auto r = run_cli({"analyze", doctown::test::sample_project().string(), "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto doc = parse_object(r.out);
  for (const char* key : {"files", "symbols", "relations", "diagnostics", "stats"})
    CHECK(doc.contains(key));
  const auto& symbols = doc.at("symbols").as_array();

  struct Expect {
    const char* qname;
    const char* kind;
    const char* file;
    int line;
  };
  for (const Expect& e : {Expect{"geo::Shape", "class", "include/geo/shape.hpp", 19},
                          Expect{"geo::Circle", "class", "include/geo/circle.hpp", 8},
                          Expect{"geo::Square", "class", "include/geo/rectangle.hpp", 25},
                          Expect{"geo::ShapeKind", "enum", "include/geo/shape.hpp", 8},
                          Expect{"geo::Circle::area", "method", "src/circle.cpp", 11},
                          Expect{"geo::total_area", "function", "src/algorithms.cpp", 11},
                          Expect{"geo::parse_shape", "function", "src/algorithms.cpp", 28}}) {
    INFO(e.qname);
    const json::object* s = find_symbol(symbols, e.qname, e.kind);
    REQUIRE(s);
    CHECK(s->at("file").as_string() == e.file);
    CHECK(s->at("line").as_int64() == e.line);
    CHECK(s->at("end_line").as_int64() >= e.line);
    for (const char* key : {"id", "name", "signature", "doc_comment"}) CHECK(s->contains(key));
  }
  const json::object* total = find_symbol(symbols, "geo::total_area", "function");
  CHECK(total->at("doc_comment").as_string().find("Sum of the areas") != std::string::npos);

  std::set<std::string> kinds;
  for (const auto& rel : doc.at("relations").as_array())
    kinds.insert(std::string(rel.at("kind").as_string()));
  for (const char* k : {"contains", "calls", "inherits", "overrides"}) CHECK(kinds.count(k));
}

TEST_CASE("build --json writes a docpack and Markdown and reports the run", "[cli]") {
  fs::path out = doctown::test::scratch_dir("build");
  auto r = run_cli({"build", doctown::test::sample_project().string(), "-o", out.string(),
                    "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto doc = parse_object(r.out);
  for (const char* key : {"docpack", "markdown_dir", "symbols", "documented", "failed",
                          "requests", "wall_s", "cached", "tokens", "cost_usd"})
    CHECK(doc.contains(key));
  CHECK(doc.at("symbols").as_int64() > 10);
  CHECK(doc.at("documented").as_int64() > 0);
  CHECK(doc.at("failed").as_int64() == 0);
  CHECK(doc.at("requests").as_int64() == 0);  // offline: no network
  CHECK(doc.at("verified_ratio").to_number<double>() == Approx(1.0));  // true by construction

  fs::path docpack = std::string(doc.at("docpack").as_string());
  REQUIRE(fs::exists(docpack));
  std::ifstream in(docpack, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  CHECK(std::string(magic, 4) == std::string("PK\x03\x04", 4));
  auto pack = doctown::Docpack::open(docpack);
  REQUIRE(pack);
  std::set<std::string> members(pack->members().begin(), pack->members().end());
  for (const char* m : {"manifest.json", "chunks.json", "embeddings.bin", "graph.json",
                        "documentation.json", "README.md"})
    CHECK(members.count(m));
  CHECK(pack->docs().size() == static_cast<std::size_t>(doc.at("documented").as_int64()));
  CHECK(fs::exists(fs::path(std::string(doc.at("markdown_dir").as_string())) / "index.md"));

  // A second, unchanged run reuses every doc from the cache.
  auto again = run_cli({"build", doctown::test::sample_project().string(), "-o", out.string(),
                        "--json"});
  REQUIRE(again.exit_code == 0);
  auto doc2 = parse_object(again.out);
  CHECK(doc2.at("cached").as_int64() == doc.at("documented").as_int64());
}

TEST_CASE("plan --json reports requests, tokens and per-symbol mode", "[cli]") {
  auto r = run_cli({"plan", doctown::test::sample_project().string(), "--json",
                    "--no-doc-scorer"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto doc = parse_object(r.out);
  for (const char* key : {"model", "requests", "lower_bound_requests", "waves", "input_tokens",
                          "max_output_tokens", "estimated_cost_usd", "per_symbol", "batches"})
    CHECK(doc.contains(key));
  auto requests = doc.at("requests").as_int64();
  CHECK(requests >= doc.at("lower_bound_requests").as_int64());
  CHECK(requests >= 1);
  auto selected = doc.at("selected").as_int64();
  CHECK(doc.at("per_symbol").at("requests").as_int64() == selected);
  CHECK(requests < selected);  // batching packs several symbols per request
  std::size_t in_batches = 0;
  for (const auto& b : doc.at("batches").as_array()) in_batches += b.at("symbols").as_array().size();
  CHECK(in_batches == static_cast<std::size_t>(selected));
}
