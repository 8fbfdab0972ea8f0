// The MCP server in-process: the docpack stores the texts read_source needs (and nothing from
// outside the tree), read_source cannot escape the source folder, and malformed messages get
// JSON-RPC errors without taking the server down. The SDK-driven conversations are in
// tests/mcp (node).
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "doctown/docpack.hpp"
#include "doctown/mcp.hpp"
#include "doctown/writer.hpp"
#include "support/output_fixture.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace doctown;

namespace {

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A docpack of the fixture whose tree really exists: algorithms.cpp is a real file (with a
// Latin-1 byte), circle.cpp is a symlink to a secret outside the tree.
struct McpFixture {
  fs::path dir = test::scratch_dir("mcp");
  fs::path docpack;
  std::string algorithms = "// algorithms\nint a;\nint b;\nint c;\n// caf\xe9\n";

  McpFixture() {
    test::OutputFixture fx;
    fx.codebase.root = (dir / "tree").string();
    write(dir / "tree/src/algorithms.cpp", algorithms);
    write(dir / "secret.txt", "TOP SECRET\n");
    fs::create_directories(dir / "tree/src");
    fs::create_symlink(dir / "secret.txt", dir / "tree/src/circle.cpp");
    auto w = make_docpack_writer();
    REQUIRE(w);
    auto p = (*w)->write(fx.docset(), dir, "geo", {});
    REQUIRE(p);
    docpack = *p;
  }
};

json::value call(McpServer& s, McpSession& session, const std::string& msg) {
  std::string reply = s.handle_message(msg, session);
  INFO(msg);
  REQUIRE(!reply.empty());
  return json::parse(reply);
}

json::value tool(McpServer& s, McpSession& session, const std::string& name, const std::string& args) {
  return call(s, session,
              R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + name +
                  R"(","arguments":)" + args + "}}");
}

}  // namespace

TEST_CASE("the docpack stores file texts and nothing from outside the tree", "[mcp][docpack]") {
  McpFixture fx;
  auto dp = Docpack::open(fx.docpack);
  REQUIRE(dp);
  const DocpackFile* alg = dp->file("src/algorithms.cpp");
  REQUIRE(alg);
  CHECK(alg->has_text);
  CHECK(alg->text.substr(0, 28) == fx.algorithms.substr(0, 28));
  CHECK(alg->text.find("caf\xef\xbf\xbd") != std::string::npos);  // repaired to U+FFFD
  const DocpackFile* circle = dp->file("src/circle.cpp");
  REQUIRE(circle);
  CHECK(!circle->has_text);
  for (const DocpackFile& f : dp->files()) CHECK(f.text.find("TOP SECRET") == std::string::npos);
  CHECK(dp->manifest().members.size() == 8);
  CHECK(dp->manifest().name == "geo");
}

TEST_CASE("read_source serves stored text and never leaves the source folder", "[mcp]") {
  McpFixture fx;
  auto dp = Docpack::open(fx.docpack);
  REQUIRE(dp);
  fs::path src = fx.dir / "tree";
  write(src / "README.txt", "one\ntwo\nthree\n");
  fs::create_symlink(fx.dir, src / "up");
  auto server = McpServer::create(std::move(*dp), {.source_dir = src.string()});
  REQUIRE(server);
  McpSession session;
  auto ok = tool(**server, session, "read_source", R"({"path":"src/algorithms.cpp","start_line":2,"end_line":3})");
  CHECK(ok.at("result").at("isError") == false);
  std::string text(ok.at("result").at("content").at(0).at("text").as_string());
  CHECK(json::parse(text).at("text") == "int a;\nint b;\n");
  auto live = tool(**server, session, "read_source", R"({"path":"README.txt","start_line":3})");
  CHECK(json::parse(std::string(live.at("result").at("content").at(0).at("text").as_string())).at("text") == "three\n");
  for (const char* bad : {"../secret.txt", "src/circle.cpp", "up/secret.txt", "/etc/passwd",
                          "src/../../secret.txt", "", "src\\\\..\\\\..\\\\secret.txt"}) {
    auto r = tool(**server, session, "read_source", std::string(R"({"path":")") + bad + "\"}");
    INFO(bad << " -> " << json::serialize(r));
    REQUIRE(r.as_object().contains("result"));
    CHECK(r.at("result").at("isError") == true);
    CHECK(json::serialize(r).find("TOP SECRET") == std::string::npos);
  }
}

TEST_CASE("malformed messages get JSON-RPC errors and the server goes on", "[mcp]") {
  McpFixture fx;
  auto dp = Docpack::open(fx.docpack);
  REQUIRE(dp);
  auto server = McpServer::create(std::move(*dp));
  REQUIRE(server);
  std::string huge(5 << 20, '{');
  std::istringstream in("{bad\n" + huge + "\n{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"zap\"}\n" +
                        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"outline","arguments":{"path":7}}})" "\n" +
                        R"({"jsonrpc":"2.0","method":"notifications/initialized"})" "\n" +
                        R"({"jsonrpc":"2.0","id":3,"method":"ping"})");
  std::ostringstream out;
  auto r = (*server)->serve_stdio(in, out, {});
  CHECK(r);  // end of input is success
  std::vector<json::value> answers;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) answers.push_back(json::parse(line));
  REQUIRE(answers.size() == 5);
  CHECK(answers[0].at("error").at("code") == -32700);
  CHECK(answers[1].at("error").at("code") == -32700);
  CHECK(answers[2].at("error").at("code") == -32601);
  CHECK(answers[2].at("id") == "a");
  CHECK(answers[3].at("error").at("code") == -32602);
  CHECK(answers[4].at("id") == 3);
  CHECK(answers[4].at("result").as_object().empty());
  CHECK(!McpServer::create(*Docpack::open(fx.docpack), {.source_dir = (fx.dir / "nope").string()}));
}
