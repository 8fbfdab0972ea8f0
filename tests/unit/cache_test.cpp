// SQLite doc cache: round trip, persistence across reopen, crash safety of committed puts,
// schema versioning and errors that name the folder.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "doctown/cache.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;

namespace {
doctown::SymbolDoc sample_doc(const std::string& id) {
  doctown::SymbolDoc d;
  d.id = id;
  d.summary = "Sums the areas of all shapes.";
  d.description = "Calls `area` on each shape — ünïcode survives.";
  d.params = {{"shapes", "The shapes."}, {"n", "How many."}};
  d.returns = "The total.";
  d.throws = "Nothing.";
  d.notes = "O(n).";
  d.examples = {"double a = total_area(v);"};
  d.see_also = {"geo::Shape::area"};
  d.source = "llm";
  return d;
}
}  // namespace

TEST_CASE("cache stores and returns docs, across reopen", "[cache]") {
  fs::path dir = doctown::test::scratch_dir("cache") / "nested" / ".doctown-cache";
  {
    auto c = doctown::open_sqlite_cache(dir);
    REQUIRE(c);
    auto miss = (*c)->get("k1");
    REQUIRE(miss);
    CHECK(!miss->has_value());
    std::vector<std::pair<std::string, doctown::SymbolDoc>> entries{{"k1", sample_doc("a")},
                                                                     {"k2", sample_doc("b")}};
    REQUIRE((*c)->put(entries));
  }
  CHECK(fs::exists(dir / "docs.sqlite"));
  auto c = doctown::open_sqlite_cache(dir);
  REQUIRE(c);
  auto hit = (*c)->get("k1");
  REQUIRE(hit);
  REQUIRE(hit->has_value());
  const doctown::SymbolDoc& d = **hit;
  doctown::SymbolDoc want = sample_doc("a");
  CHECK(d.id == "a");
  CHECK(d.summary == want.summary);
  CHECK(d.description == want.description);
  REQUIRE(d.params.size() == 2);
  CHECK(d.params[1].name == "n");
  CHECK(d.returns == want.returns);
  CHECK(d.throws == want.throws);
  CHECK(d.notes == want.notes);
  CHECK(d.examples == want.examples);
  CHECK(d.see_also == want.see_also);
  CHECK(d.source == "cache");
  // Replacing a key keeps the latest doc.
  doctown::SymbolDoc newer = sample_doc("a");
  newer.summary = "Newer.";
  std::vector<std::pair<std::string, doctown::SymbolDoc>> again{{"k1", newer}};
  REQUIRE((*c)->put(again));
  CHECK((*(*c)->get("k1"))->summary == "Newer.");
}

TEST_CASE("a put survives the process being killed right after it", "[cache]") {
  fs::path dir = doctown::test::scratch_dir("cache-kill");
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto c = doctown::open_sqlite_cache(dir);
    if (!c) _exit(2);
    for (int i = 0; i < 20; ++i) {
      std::vector<std::pair<std::string, doctown::SymbolDoc>> e{
          {"key" + std::to_string(i), sample_doc("id" + std::to_string(i))}};
      if (!(*c)->put(e)) _exit(3);
    }
    // Die without closing the database (no destructors, no checkpoint).
    kill(getpid(), SIGKILL);
    _exit(4);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  auto c = doctown::open_sqlite_cache(dir);
  REQUIRE(c);
  for (int i = 0; i < 20; ++i) {
    auto hit = (*c)->get("key" + std::to_string(i));
    REQUIRE(hit);
    CHECK(hit->has_value());
  }
}

TEST_CASE("cache errors name the folder", "[cache]") {
  fs::path base = doctown::test::scratch_dir("cache-err");
  SECTION("a file where the folder should be") {
    fs::path file = base / "not-a-dir";
    std::ofstream(file) << "x";
    auto c = doctown::open_sqlite_cache(file);
    REQUIRE(!c);
    CHECK(c.error().where == file.string());
    CHECK(c.error().message.find("--cache-dir") != std::string::npos);
  }
  SECTION("a database that is not a cache") {
    fs::path dir = base / "garbage";
    fs::create_directories(dir);
    std::ofstream(dir / "docs.sqlite") << std::string(4096, 'z');
    auto c = doctown::open_sqlite_cache(dir);
    REQUIRE(!c);
    CHECK(c.error().where == dir.string());
  }
  SECTION("a newer schema version is refused") {
    fs::path dir = base / "future";
    { REQUIRE(doctown::open_sqlite_cache(dir)); }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir / "docs.sqlite").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto c = doctown::open_sqlite_cache(dir);
    REQUIRE(!c);
    CHECK(c.error().code == doctown::errc::unsupported);
    CHECK(c.error().message.find("99") != std::string::npos);
    CHECK(c.error().where == dir.string());
  }
}
