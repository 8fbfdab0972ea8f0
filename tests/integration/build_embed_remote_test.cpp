// `doctown build --embedder remote` end to end against the loopback server: the docpack's
// embeddings.bin holds one unit row per symbol at the server's dimensions and names its model,
// `doctown search` embeds the query with that model, the key stays out of every output, and a
// server that refuses the key fails the build with a message that says what to do.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cmath>

#include "doctown/docpack.hpp"
#include "support/loopback_openai_server.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
using doctown::test::run_cli;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {
const std::string kKey = "sk-test-embed-e2e-leakcheck-7c6b5a49";
}

TEST_CASE("build with the remote embedder writes the server's vectors and search uses them",
          "[e2e][embedder]") {
  doctown::test::LoopbackOpenAiServer server({.api_key = kKey, .shuffle_embeddings = true});
  fs::path out = doctown::test::scratch_dir("embed-remote-out");
  auto r = run_cli({"build", doctown::test::sample_project().string(), "-o", out.string(),
                    "--llm", "offline", "--embedder", "remote", "--embedding-base-url",
                    server.base_url(), "--embedding-model", "loopback-embed", "--embedding-dims",
                    "48", "--embedding-batch-size", "16", "--formats", "docpack", "--json"},
                   {"OPENAI_EMBEDDING_API_KEY=" + kKey});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto summary = json::parse(r.out).as_object();
  fs::path docpack(std::string(summary.at("docpack").as_string()));
  auto dp = Docpack::open(docpack);
  REQUIRE(dp);
  const EmbeddingMatrix& e = dp->embeddings();
  CHECK(e.model == "loopback-embed");
  CHECK(e.dims == 48);
  REQUIRE(e.rows == dp->symbols().size());
  REQUIRE(e.rows > 16);
  for (std::size_t i = 0; i < e.rows; ++i) {
    double n = 0;
    for (float x : e.row(i)) n += double(x) * x;
    CHECK(n == Approx(1.0).epsilon(1e-4));
  }
  CHECK(json::parse(dp->manifest_json()).at("embedding").at("dims").as_int64() == 48);
  auto c = server.counters();
  CHECK(c.embedding_inputs == e.rows);
  CHECK(c.embedding_requests == (e.rows + 15) / 16);
  CHECK(c.chat_requests == 0);
  CHECK(r.out.find(kKey) == std::string::npos);
  CHECK(r.err.find(kKey) == std::string::npos);

  // search embeds the query with the docpack's model and size at the configured server.
  auto s = run_cli({"search", docpack.string(), "circle area radius", "--json",
                    "--embedding-base-url", server.base_url()},
                   {"OPENAI_EMBEDDING_API_KEY=" + kKey});
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  auto sv = json::parse(s.out).as_object();
  CHECK(sv.at("ranking").as_string() == "bm25+embedding");
  REQUIRE_FALSE(sv.at("hits").as_array().empty());
  CHECK(server.counters().embedding_requests == c.embedding_requests + 1);
  auto last = json::parse(server.embedding_bodies().back()).as_object();
  CHECK(last.at("dimensions").as_int64() == 48);
  CHECK(last.at("model").as_string() == "loopback-embed");

  // Without a server to ask, search says why and ranks by BM25 alone.
  auto offline = run_cli({"search", docpack.string(), "circle area", "--json"});
  REQUIRE(offline.exit_code == 0);
  CHECK(json::parse(offline.out).at("ranking").as_string() == "bm25");
  CHECK(offline.err.find("loopback-embed") != std::string::npos);
}

TEST_CASE("build with the remote embedder fails clearly when the server refuses the key",
          "[e2e][embedder]") {
  doctown::test::LoopbackOpenAiServer server({.api_key = kKey});
  fs::path out = doctown::test::scratch_dir("embed-remote-401");
  const std::string wrong = "sk-wrong-embed-key-0123456789";
  auto r = run_cli({"build", doctown::test::sample_project().string(), "-o", out.string(),
                    "--llm", "offline", "--embedder", "remote", "--embedding-base-url",
                    server.base_url(), "--formats", "docpack"},
                   {"OPENAI_EMBEDDING_API_KEY=" + wrong});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("--embedder local") != std::string::npos);
  CHECK(r.err.find(server.base_url() + "/embeddings") != std::string::npos);
  CHECK(r.err.find(wrong) == std::string::npos);

  // No key and no URL: a usage error before any work.
  auto usage = run_cli({"build", doctown::test::sample_project().string(), "-o", out.string(),
                        "--llm", "offline", "--embedder", "remote"});
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.find("--embedding-base-url") != std::string::npos);
}
