// Focused tests for the bugs the fuzzers found (tests/fuzz/regressions/ holds the inputs): each
// checks the behaviour a user sees now — a clear error or the right result — not only "no crash".
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <set>

#include "analyzer/analyzer_impl.hpp"
#include "core/file_util.hpp"
#include "doctown/docpack.hpp"
#include "doctown/source.hpp"
#include "doctown/tokenizer.hpp"
#include "llm/chat_protocol.hpp"
#include "output/docpack/zip_io.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using namespace doctown;

namespace {

fs::path regression(const std::string& rel) {
  return fs::path(DOCTOWN_TEST_SOURCE_DIR) / "tests" / "fuzz" / "regressions" / rel;
}

}  // namespace

TEST_CASE("ctags: identical tags on one line get distinct ids, a tag without a line has no text",
          "[fuzz-regression]") {
  const SourceFile py{"m.py", "python", 0, ""};
  const std::string tag = R"({"_type": "tag", "name": "v", "path": "m.py", "line": 1, "kind": "variable"})";
  auto symbols = detail::symbols_from_ctags_json(
      tag + "\n" + tag + "\n" + tag + "\n" +
          R"({"_type": "tag", "name": "f", "path": "m.py", "kind": "function", "end": 2})",
      {&py}, [](const std::string&) { return std::string("v = 1; v = 2; v = 3\ndef f(): pass\n"); },
      1024);
  REQUIRE(symbols.size() == 4);
  CHECK(symbols[0].id == "python:m.py:v:variable");
  CHECK(symbols[1].id == "python:m.py:v:variable@1");
  CHECK(symbols[2].id == "python:m.py:v:variable@1.2");
  CHECK(symbols[0].source_text == "v = 1; v = 2; v = 3\n");
  CHECK(symbols[3].name == "f");
  CHECK(symbols[3].source_text.empty());
}

TEST_CASE("tiktoken: a huge rank is refused with the file and line, not an 8 GB allocation",
          "[fuzz-regression]") {
  const fs::path dir = test::scratch_dir("fuzz-regression-tiktoken");
  fs::copy_file(fs::path(DOCTOWN_TEST_SOURCE_DIR) / "data" / "tokenizers" / "cl100k_base.meta.json",
                dir / "big.meta.json");
  fs::copy_file(regression("tiktoken/bad-huge-rank.tiktoken"), dir / "big.tiktoken");
  auto t = load_tokenizer({.encoding = "big", .data_dir = dir});
  REQUIRE_FALSE(t);
  CHECK(t.error().code == errc::parse_error);
  CHECK_THAT(t.error().message, Catch::Contains("999999999 is too large"));
  CHECK_THAT(t.error().where, Catch::EndsWith("big.tiktoken:257"));
}

TEST_CASE("schema validation: a huge whole double is an integer, a fraction is not",
          "[fuzz-regression]") {
  const auto schema = boost::json::parse(R"({"type": "integer"})");
  CHECK(detail::validate_json(boost::json::parse("1e300"), schema).empty());
  CHECK(detail::validate_json(boost::json::parse("-4.0"), schema).empty());
  CHECK_THAT(detail::validate_json(boost::json::parse("1.5"), schema),
             Catch::Contains("expected integer"));
}

TEST_CASE("docpack: dims that overflow rows x dims x 4 are refused, naming manifest.json",
          "[fuzz-regression]") {
  auto text = detail::read_file(regression("docpack/bad-dims-overflow.txt"));
  REQUIRE(text);
  const std::string names[] = {"manifest.json", "chunks.json", "embeddings.bin",
                               "graph.json", "documentation.json", "README.md"};
  std::vector<detail::ZipMember> members;
  std::string_view rest = *text;
  for (const auto& name : names) {
    auto sep = rest.find("\n@@\n");
    members.push_back({name, std::string(rest.substr(0, sep))});
    rest = sep == std::string_view::npos ? std::string_view() : rest.substr(sep + 4);
  }
  const fs::path file = test::scratch_dir("fuzz-regression-docpack") / "overflow.docpack";
  REQUIRE(detail::write_zip_atomic(file, members, 0));
  auto dp = Docpack::open(file);
  REQUIRE_FALSE(dp);
  CHECK(dp.error().code == errc::parse_error);
  CHECK_THAT(dp.error().message, Catch::StartsWith("manifest.json: embedding.dims"));
}

TEST_CASE("archives: a zip whose error has no message is refused, not a crash",
          "[fuzz-regression]") {
  const fs::path dir = test::scratch_dir("fuzz-regression-archive");
  fs::copy_file(regression("archive/bad-zip-error-without-message.zip"), dir / "damaged.zip");
  auto r = resolve_source((dir / "damaged.zip").string(), SourceOptions{.work_dir = dir / "work"},
                          RunContext{});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::parse_error);
  CHECK_THAT(r.error().message, Catch::StartsWith("corrupt archive"));
  CHECK(fs::is_empty(dir / "work"));
}
