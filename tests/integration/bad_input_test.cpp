// Bad inputs through the real CLI (offline writer, no network): each gets a clear error or a
// skip the user is told about, never a crash, invalid output or a write outside the output
// folder. Archive attacks (absolute paths, `..`, escaping links, zip bombs) and GitHub 404s
// are covered where they are handled, in tests/unit/source_test.cpp.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "doctown/docpack.hpp"
#include "support/test_paths.hpp"

using doctown::test::run_cli;
namespace fs = std::filesystem;
using doctown::test::slurp;
namespace json = boost::json;

namespace {

void write(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

doctown::test::ProcessResult build(const fs::path& src, const fs::path& out,
                                   std::vector<std::string> extra = {},
                                   std::vector<std::string> env = {}) {
  std::vector<std::string> args{"build", src.string(), "-o", out.string(), "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args, env);
}

json::object summary_of(const doctown::test::ProcessResult& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  boost::system::error_code ec;
  auto v = json::parse(r.out, ec);
  REQUIRE_FALSE(ec);
  return v.as_object();
}

bool has_docpack(const fs::path& out) {
  if (!fs::exists(out)) return false;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().extension() == ".docpack") return true;
  return false;
}

// Strict UTF-8 check of everything a run wrote: Boost.JSON rejects invalid UTF-8, so every
// JSON member parses; Markdown and HTML go through the same check wrapped as a JSON string.
void check_outputs_are_utf8(const json::object& summary) {
  auto pack = doctown::Docpack::open(std::string(summary.at("docpack").as_string()));
  REQUIRE(pack);
  boost::system::error_code ec;
  json::parse(pack->manifest_json(), ec);
  CHECK_FALSE(ec);
  fs::path md = std::string(summary.at("markdown_dir").as_string());
  std::size_t checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(md)) {
    if (!e.is_regular_file()) continue;
    std::string text = slurp(e.path());
    // A JSON string of the raw bytes: the parser validates them as UTF-8.
    std::string quoted = "\"";
    for (char c : text) {
      if (c == '"' || c == '\\') quoted += '\\';
      if (static_cast<unsigned char>(c) < 0x20) continue;
      quoted += c;
    }
    quoted += '"';
    json::parse(quoted, ec);
    INFO(e.path().string());
    CHECK_FALSE(ec);
    ++checked;
  }
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("an empty repository is a clear error and writes nothing", "[bad-input]") {
  fs::path src = doctown::test::scratch_dir("bad-empty");
  fs::path out = doctown::test::scratch_dir("bad-empty-out");
  auto r = build(src, out);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("found nothing to document") != std::string::npos);
  CHECK(r.err.find(src.filename().string()) != std::string::npos);  // names the input
  CHECK_FALSE(has_docpack(out));
}

TEST_CASE("a repository without C/C++: ctags documents it, its absence is explained",
          "[bad-input]") {
  fs::path src = doctown::test::scratch_dir("bad-python");
  write(src / "app/greet.py",
        "def greet(name):\n    \"\"\"Say hello.\"\"\"\n    return 'hi ' + name\n\n"
        "class Greeter:\n    def wave(self):\n        return 1\n");
  // With universal-ctags (installed by scripts/install-deps.sh) the Python is documented.
  auto with = build(src, doctown::test::scratch_dir("bad-python-out"), {"--no-doc-scorer"});
  auto s = summary_of(with);
  CHECK(s.at("documented").as_int64() >= 3);

  // Without it (PATH holds only git), the run stops and says what to install.
  fs::path bin = doctown::test::scratch_dir("bad-python-bin");
  for (const char* dir : {"/usr/bin", "/bin", "/usr/local/bin"})
    if (fs::exists(fs::path(dir) / "git")) {
      fs::create_symlink(fs::path(dir) / "git", bin / "git");
      break;
    }
  // Python is parsed by tree-sitter when its grammar is built in: a Go-only tree needs ctags.
  fs::path go_src = doctown::test::scratch_dir("bad-go-src");
  write(go_src / "app/greet.go", "package app\n\n// Greet says hello.\nfunc Greet() string { return \"hi\" }\n");
  fs::path out = doctown::test::scratch_dir("bad-python-noctags");
  auto without = build(go_src, out, {}, {"PATH=" + bin.string()});
  CHECK(without.exit_code == 2);
  CHECK(without.err.find("found nothing to document") != std::string::npos);
  CHECK(without.err.find("install universal-ctags") != std::string::npos);
  CHECK_FALSE(has_docpack(out));
}

TEST_CASE("non-UTF-8 file names are skipped with a warning, non-UTF-8 text is repaired",
          "[bad-input]") {
  fs::path src = doctown::test::scratch_dir("bad-utf8");
  write(src / "src/ok.cpp", "/// Adds two numbers.\nint add(int a, int b) { return a + b; }\n");
  // Latin-1 comment and identifier-free bytes inside a UTF-8-named file.
  write(src / "src/latin1.cpp",
        "/// Caf\xe9 na\xefve: returns its input.\nint latin(int x) { return x; }\n");
  // A file name that is not UTF-8 (0xE9 alone).
  write(src / "src/bad\xe9name.cpp", "int hidden(int x) { return x; }\n");
  auto r = build(src, doctown::test::scratch_dir("bad-utf8-out"), {"--no-doc-scorer"});
  auto s = summary_of(r);
  CHECK(r.err.find("not valid UTF-8") != std::string::npos);
  CHECK(r.err.find("rename the file") != std::string::npos);
  check_outputs_are_utf8(s);
  auto pack = doctown::Docpack::open(std::string(s.at("docpack").as_string()));
  REQUIRE(pack);
  bool latin_seen = false, hidden_seen = false;
  for (const auto& [id, doc] : pack->docs()) {
    latin_seen |= id.find("latin") != std::string::npos;
    hidden_seen |= id.find("hidden") != std::string::npos;
  }
  CHECK(latin_seen);     // documented, its bad bytes shown as U+FFFD
  CHECK_FALSE(hidden_seen);  // in the skipped file
}

TEST_CASE("a 50 MB source file, binary .cpp files and symlink loops are skipped and named",
          "[bad-input]") {
  fs::path src = doctown::test::scratch_dir("bad-files");
  write(src / "src/ok.cpp", "/// Adds two numbers.\nint add(int a, int b) { return a + b; }\n");
  {
    std::ofstream big(src / "src/generated_tables.cpp", std::ios::binary);
    std::string line;
    for (int i = 0; big.tellp() < (50 << 20); ++i) {
      line = "int table_" + std::to_string(i) + " = " + std::to_string(i) + ";\n";
      big << line;
    }
  }
  std::string blob(4096, '\0');
  for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>((i * 7919) % 251);
  write(src / "src/blob.cpp", blob);
  fs::create_symlink("b.cpp", src / "src/a.cpp");
  fs::create_symlink("a.cpp", src / "src/b.cpp");
  fs::create_directories(src / "src/nested");
  fs::create_symlink("..", src / "src/nested/up");
  fs::path elsewhere = doctown::test::scratch_dir("bad-files-elsewhere");
  write(elsewhere / "private.cpp", "int private_function() { return 1; }\n");
  fs::create_symlink(elsewhere / "private.cpp", src / "src/outside.cpp");

  fs::path out = doctown::test::scratch_dir("bad-files-out");
  auto r = build(src, out, {"--no-doc-scorer"});
  auto s = summary_of(r);
  CHECK(s.at("documented").as_int64() == 1);  // add(), and nothing else
  CHECK(r.err.find("skipped 5 file(s)") != std::string::npos);
  CHECK(r.err.find("src/blob.cpp (binary content") != std::string::npos);
  CHECK(r.err.find("src/a.cpp (a symbolic link that loops") != std::string::npos);
  // The full list names every skipped file with its reason.
  auto a = run_cli({"analyze", src.string(), "--json"});
  REQUIRE(a.exit_code == 0);
  auto v = json::parse(a.out).as_object();
  std::map<std::string, std::string> skipped;
  for (const auto& d : v.at("diagnostics").as_array()) {
    std::string file(d.at("file").as_string()), msg(d.at("message").as_string());
    if (msg.rfind("skipped", 0) == 0) skipped[file] = msg;
  }
  CHECK(skipped["src/generated_tables.cpp"].find("--max-file-size") != std::string::npos);
  CHECK(skipped["src/blob.cpp"].find("binary") != std::string::npos);
  CHECK(skipped["src/a.cpp"].find("loops") != std::string::npos);
  CHECK(skipped["src/b.cpp"].find("loops") != std::string::npos);
  CHECK(skipped["src/outside.cpp"].find("outside the source tree") != std::string::npos);
  // Nothing was written outside the output folder.
  CHECK(fs::exists(src / "src/ok.cpp"));
  for (const auto& e : fs::recursive_directory_iterator(src))
    CHECK(e.path().extension() != ".docpack");
}

TEST_CASE("a compile database pointing outside the root or at missing files", "[bad-input]") {
  fs::path src = doctown::test::scratch_dir("bad-cdb");
  fs::path elsewhere = doctown::test::scratch_dir("bad-cdb-elsewhere");
  write(src / "src/ok.cpp", "/// Adds two numbers.\nint add(int a, int b) { return a + b; }\n");
  write(elsewhere / "secret.cpp", "int secret_function(int x) { return x; }\n");
  json::array db;
  auto entry = [&](const fs::path& dir, const std::string& file) {
    db.push_back(json::object{{"directory", dir.string()},
                              {"file", file},
                              {"arguments", json::array{"c++", "-std=c++20", "-c", file}}});
  };
  entry(src, "src/ok.cpp");
  entry(elsewhere, (elsewhere / "secret.cpp").string());
  entry(src, "src/missing.cpp");
  entry(src, "../bad-cdb-escape.cpp");
  write(src / "compile_commands.json", json::serialize(db));

  auto a = run_cli({"analyze", src.string(), "--json"});
  REQUIRE(a.exit_code == 0);
  auto v = json::parse(a.out).as_object();
  std::vector<std::string> names;
  for (const auto& sym : v.at("symbols").as_array())
    names.emplace_back(sym.at("name").as_string());
  CHECK(names == std::vector<std::string>{"add"});  // the file outside was never read
  bool noted = false;
  for (const auto& d : v.at("diagnostics").as_array()) {
    std::string msg(d.at("message").as_string());
    noted |= msg.find("ignored 2 entries for files outside the source tree and 1 for files "
                      "that are missing") != std::string::npos;
  }
  CHECK(noted);
  auto r = build(src, doctown::test::scratch_dir("bad-cdb-out"), {"--no-doc-scorer"});
  CHECK(summary_of(r).at("documented").as_int64() == 1);
}
