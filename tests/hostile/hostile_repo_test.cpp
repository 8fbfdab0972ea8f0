// The hostile corpus: each attack of issue 13 that reaches doctown through the analysed tree
// (git metadata, compile database, file names, dotfiles) or through a URL with credentials,
// rebuilt here as a real repository, then run through the real CLI. Each test asserts that
// nothing ran, nothing was written outside the output, no key or credential left the process,
// and that the outputs still parse. The attack files are written by the test, so a reader can
// see each one in full next to its assertions.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "doctown/docpack.hpp"
#include "source/process.hpp"
#include "support/hostile_support.hpp"
#include "support/loopback_openai_server.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using doctown::test::run_cli;
using doctown::test::slurp;
using namespace doctown::test::hostile;

namespace {

// `doctown build` offline into `out`, the summary as JSON.
doctown::test::ProcessResult build(const fs::path& src, const fs::path& out,
                                   std::vector<std::string> extra = {},
                                   std::vector<std::string> env = {}, const fs::path& cwd = {}) {
  std::vector<std::string> args{"build", src.string(), "-o", out.string(), "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args, env, cwd);
}

json::object summary_of(const doctown::test::ProcessResult& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  boost::system::error_code ec;
  auto v = json::parse(r.out, ec);
  REQUIRE_FALSE(ec);
  return v.as_object();
}

// The documented symbol ids of a build (from its docpack, which must open); a relative
// docpack path is taken from `cwd`, the folder the CLI ran in.
std::set<std::string> documented_ids(const json::object& summary, const fs::path& cwd = {}) {
  fs::path docpack = std::string(summary.at("docpack").as_string());
  if (docpack.is_relative() && !cwd.empty()) docpack = cwd / docpack;
  auto pack = doctown::Docpack::open(docpack);
  REQUIRE(pack);
  std::set<std::string> ids;
  for (const auto& s : pack->symbols()) ids.insert(s.id);
  return ids;
}

bool any_contains(const std::set<std::string>& ids, std::string_view part) {
  for (const auto& id : ids)
    if (id.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a repository's git config runs no program (fsmonitor, hooks, pager)", "[hostile]") {
  const fs::path base = doctown::test::scratch_dir("hostile-git");
  const fs::path src = base / "repo";
  const fs::path pwned = base / "PWNED";
  write(src / "lib.cpp", "/// Adds.\nint add(int a, int b) { return a + b; }\n");
  write(src / "ignored/gen.cpp", "int generated() { return 0; }\n");
  write(src / ".gitignore", "ignored/\n");
  git(src, {"init", "--quiet"});
  git(src, {"add", "lib.cpp", ".gitignore"});
  git(src, {"commit", "--quiet", "-m", "one"});
  // Every hook git knows, all touching the marker; and the programs config can name.
  const std::string touch = "touch '" + pwned.string() + "'";
  for (const char* hook : {"post-index-change", "pre-commit", "post-checkout", "reference-transaction",
                           "fsmonitor-watchman", "pre-auto-gc"})
    write_executable(src / "evil-hooks" / hook, "#!/bin/sh\n" + touch + "\n");
  git(src, {"config", "core.fsmonitor", touch + "; echo"});
  git(src, {"config", "core.hooksPath", (src / "evil-hooks").string()});
  git(src, {"config", "core.pager", touch + "; cat"});
  git(src, {"config", "core.untrackedCache", "true"});
  git(src, {"config", "diff.external", touch});
  // The attack is real: plain git does run it.
  REQUIRE(plain_git_runs_fsmonitor(src, pwned));

  SECTION("the folder") {
    auto r = build(src, base / "out", {"--no-doc-scorer"});
    auto ids = documented_ids(summary_of(r));
    CHECK_FALSE(fs::exists(pwned));
    CHECK(any_contains(ids, "add"));
    CHECK_FALSE(any_contains(ids, "generated"));  // git still listed the tree (.gitignore held)
  }
  SECTION("the same repository as a .tar.gz archive") {
    const fs::path tgz = base / "repo.tar.gz";
    make_tar_gz(src, tgz);
    auto r = build(tgz, base / "out-tgz", {"--no-doc-scorer"});
    auto ids = documented_ids(summary_of(r));
    CHECK_FALSE(fs::exists(pwned));
    CHECK(any_contains(ids, "add"));
  }
}

TEST_CASE("compile_commands.json flags cannot write, load or read outside the tree", "[hostile]") {
  const fs::path base = doctown::test::scratch_dir("hostile-cdb");
  const fs::path src = base / "repo";
  const fs::path victim = base / "victim";
  write(src / "a.cpp", "#include \"x.h\"\n/// Twice.\nint twice(int v) { return 2 * v; }\n");
  write(src / "x.h", "#pragma once\nint helper_from_header();\n");
  // A header whose name becomes a shell command if it lands in a dependency file.
  write(src / ";{touch,X};.h", "#pragma once\n");
  json::array args{"clang++",
                   "-Wp,-MD," + (victim / "wp").string(),
                   "-MD", "-MF", (victim / "mf").string(),
                   "-MJ", (victim / "mj").string(),
                   "-Xclang", "-header-include-file", "-Xclang", (victim / "hif").string(),
                   "-Xclang", "-dependency-file", "-Xclang", (victim / "dep").string(),
                   "-fplugin=" + (victim / "plugin.so").string(),
                   "-include", "/etc/passwd",
                   "@" + (victim / "rsp").string(),
                   "-I/etc",
                   "-DFROM_DB=1",
                   "-std=c++17",
                   "-c", "a.cpp", "-o", (victim / "a.o").string()};
  fs::create_directories(victim);
  write(src / "compile_commands.json",
        json::serialize(json::array{json::object{
            {"directory", src.string()}, {"file", "a.cpp"}, {"arguments", args}}}));
  auto r = build(src, base / "out", {"--no-doc-scorer"});
  auto ids = documented_ids(summary_of(r));
  CHECK(any_contains(ids, "twice"));
  // Nothing was written into the victim folder, nor anywhere in the source tree.
  CHECK(fs::is_empty(victim));
  CHECK_FALSE(fs::exists(src / "X"));
  // One note names what was dropped.
  CHECK(r.err.find("-Wp,-MD,") != std::string::npos);
  CHECK(r.err.find("-fplugin=") != std::string::npos);
  CHECK(r.err.find("-include /etc/passwd") != std::string::npos);
  CHECK(r.err.find("-I/etc") != std::string::npos);
  std::size_t notes = 0;
  for (std::size_t at = 0; (at = r.err.find("dropped ", at)) != std::string::npos; ++at) ++notes;
  CHECK(notes == 1);
}

TEST_CASE("file names and .ctags.d cannot steer ctags", "[hostile]") {
  const fs::path base = doctown::test::scratch_dir("hostile-ctags");
  const fs::path src = base / "repo";
  write(src / "--bogus.py", "def from_bogus():\n    return 1\n");
  write(src / "-fhijack.py", "def from_hijack():\n    return 2\n");
  write(src / "app.py", "def real_function():\n    return 3\n");
  // Option files in the tree: an injected regex "symbol" and a file list outside the tree.
  write(src / ".ctags.d/evil.ctags",
        "--regex-python=/^def (real)_function/INJECTED\\1/f/\n-L/etc/hostname\n");
  auto r = build(src, base / "out", {"--no-doc-scorer"});
  auto ids = documented_ids(summary_of(r));
  CHECK(any_contains(ids, "from_bogus"));
  CHECK(any_contains(ids, "from_hijack"));
  CHECK(any_contains(ids, "real_function"));
  CHECK_FALSE(any_contains(ids, "INJECTED"));
  // -fhijack.py taken as an option would have written a tags file named hijack.py.
  CHECK_FALSE(fs::exists(src / "hijack.py"));
  CHECK(r.err.find("ctags failed") == std::string::npos);
}

TEST_CASE("a .env inside the analysed source does not redirect the key", "[hostile]") {
  const fs::path base = doctown::test::scratch_dir("hostile-env");
  const fs::path src = base / "repo";
  doctown::test::LoopbackOpenAiServer attacker;
  doctown::test::LoopbackOpenAiServer users_server;
  const std::string key = "sk-hostile-env-key-0123456789";
  write(src / "lib.cpp", "/// Adds.\nint add(int a, int b) { return a + b; }\n");
  write(src / ".env", "OPENAI_BASE_URL=" + attacker.base_url() + "\n");

  SECTION("run from inside the repository: its .env is not read") {
    auto r = build(fs::path("."), base / "out", {"--no-doc-scorer"},
                   {"OPENAI_API_KEY=" + key, "OPENAI_BASE_URL=" + users_server.base_url()}, src);
    summary_of(r);
    CHECK(attacker.counters().http_requests == 0);
    CHECK(users_server.counters().chat_requests > 0);
    CHECK(r.err.find("not reading") != std::string::npos);
  }
  SECTION("a .env the user chose (outside the source) points elsewhere: the key stays home") {
    const fs::path home = base / "work";
    write(home / ".env", "OPENAI_BASE_URL=" + attacker.base_url() + "\n");
    auto r = build(src, base / "out2", {"--no-doc-scorer"}, {"OPENAI_API_KEY=" + key}, home);
    summary_of(r);
    REQUIRE(attacker.counters().chat_requests > 0);  // the user's .env is honoured...
    CHECK(attacker.last_headers().count("authorization") == 0);  // ...without the key
    CHECK(r.err.find("the key is not sent") != std::string::npos);
    CHECK(r.err.find(key) == std::string::npos);
  }
  SECTION("control: a .env holding both the URL and its own key sends that key") {
    const fs::path home = base / "work3";
    write(home / ".env", "OPENAI_BASE_URL=" + users_server.base_url() +
                             "\nOPENAI_API_KEY=sk-from-dotenv\n");
    auto r = build(src, base / "out3", {"--no-doc-scorer"}, {}, home);
    summary_of(r);
    CHECK(users_server.last_headers()["authorization"] == "Bearer sk-from-dotenv");
    CHECK(attacker.counters().http_requests == 0);
  }
}

TEST_CASE("credentials in --base-url are redacted everywhere and the query stays in place",
          "[hostile]") {
  const fs::path base = doctown::test::scratch_dir("hostile-url");
  const fs::path src = base / "repo";
  write(src / "lib.cpp", "/// Adds.\nint add(int a, int b) { return a + b; }\n");
  const std::string key = "sk-echoed-key-abcdefghijklmnop";
  // A server that answers every request with HTTP 400 quoting the Authorization header it got.
  EchoServer echo;
  const std::string url = "http://alice:s3cr3t-pass@127.0.0.1:" + std::to_string(echo.port()) +
                          "/v1?api-key=QUERYSECRET";
  const fs::path out = base / "out";
  auto r = build(src, out, {"--no-doc-scorer", "--base-url", url}, {"OPENAI_API_KEY=" + key});
  INFO("stderr: " << r.err);
  REQUIRE(echo.requests() > 0);
  CHECK(echo.first_target() == "/v1/chat/completions?api-key=QUERYSECRET");
  std::string everything = r.out + r.err + all_output_text(out);
  for (const std::string& secret : {key, std::string("s3cr3t-pass"), std::string("QUERYSECRET")}) {
    INFO(secret);
    CHECK(everything.find(secret) == std::string::npos);
  }
  CHECK(r.err.find("127.0.0.1") != std::string::npos);  // the server is still named
}

TEST_CASE("outputs are never inputs, and only real build trees are skipped", "[hostile]") {
  const fs::path src = doctown::test::scratch_dir("hostile-outputs");
  write(src / "lib.cpp", "/// Adds.\nint add(int a, int b) { return a + b; }\n");
  write(src / "builder/make.cpp", "/// Makes.\nint make_it() { return 1; }\n");
  write(src / "buildings/tower.cpp", "/// Tower.\nint tower() { return 2; }\n");
  write(src / "..dots.cpp", "/// Dots.\nint dots() { return 3; }\n");
  write(src / "build/CMakeCache.txt", "CMAKE_BUILD_TYPE:STRING=Release\n");
  write(src / "build/generated.cpp", "int generated_by_build() { return 4; }\n");
  // Run from inside the project with the default output folder, twice.
  auto first = summary_of(run_cli({"build", ".", "--json", "--no-doc-scorer"}, {}, src));
  auto second_run = run_cli({"build", ".", "--json", "--no-doc-scorer"}, {}, src);
  auto second = summary_of(second_run);
  CHECK(first.at("symbols").as_int64() == second.at("symbols").as_int64());
  auto ids = documented_ids(second, src);
  for (const char* name : {"add", "make_it", "tower", "dots"}) {
    INFO(name);
    CHECK(any_contains(ids, name));
  }
  CHECK_FALSE(any_contains(ids, "generated_by_build"));
  CHECK(second_run.err.find("CMakeCache.txt") != std::string::npos);  // the skip is noted
}

TEST_CASE("bad flags and files are clear errors with exit 2", "[hostile]") {
  const fs::path base = doctown::test::scratch_dir("hostile-flags");
  const fs::path src = base / "repo";
  write(src / "lib.cpp", "int add(int a, int b) { return a + b; }\n");
  write(base / "a-file", "x");
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  const std::vector<Case> cases{
      {{"--compile-commands", "/nonexistent.json"}, "/nonexistent.json"},
      {{"-o", (base / "a-file").string()}, "a-file"},
      {{"--batch-size", "0"}, "--batch-size"},
      {{"--tpm-limit", "1"}, "--tpm-limit"},
      {{"--rpm-limit", "nan"}, "--rpm-limit"},
      {{"--tpm-limit", "nan"}, "--tpm-limit"},
      {{"--timeout", "inf"}, "--timeout"},
      {{"--models", "/etc/passwd"}, "--models"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"build", src.string()};
    if (c.args[0] != "-o") args.insert(args.end(), {"-o", (base / "out").string()});
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_cli(args);
    INFO(c.args[0] << " " << c.args[1] << " -> " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.names) != std::string::npos);
    CHECK(r.err.size() < 400);  // one clear line, not a 300-digit range
  }
}

TEST_CASE("a broken cache is reported, moved aside and rebuilt", "[hostile]") {
  const fs::path base = doctown::test::scratch_dir("hostile-cache");
  const fs::path src = base / "repo";
  const fs::path out = base / "out";
  write(src / "lib.cpp", "/// Adds.\nint add(int a, int b) { return a + b; }\n");
  make_foreign_sqlite(out / ".doctown-cache" / "docs.sqlite");
  auto first = run_cli({"build", src.string(), "-o", out.string(), "--json", "--no-doc-scorer"});
  summary_of(first);
  CHECK(first.err.find("moved it to") != std::string::npos);
  bool aside = false;
  for (const auto& e : fs::directory_iterator(out / ".doctown-cache"))
    aside |= e.path().filename().string().find("docs.sqlite.broken-") == 0;
  CHECK(aside);
  // The rebuilt cache works: a rerun takes every doc from it.
  auto second = summary_of(
      run_cli({"build", src.string(), "-o", out.string(), "--json", "--no-doc-scorer"}));
  CHECK(second.at("cached").as_int64() > 0);
  CHECK(second.at("cached").as_int64() == second.at("selected").as_int64());
}
