// SQLite doc cache: round trip, persistence across reopen, crash safety of committed puts,
// schema versioning, notes (and caches from before them) and errors that name the folder.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "doctown/cache.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;

namespace {
// Collects the warnings the cache reports.
struct Warnings final : doctown::ProgressSink {
  std::vector<std::string> messages;
  void on_event(const doctown::ProgressEvent& ev) override {
    if (ev.type == doctown::ProgressEvent::Type::diagnostic) messages.push_back(ev.message);
  }
};

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
  SECTION("a file that is not a cache is moved aside, reported and replaced") {
    fs::path dir = base / "garbage";
    fs::create_directories(dir);
    std::ofstream(dir / "docs.sqlite") << std::string(4096, 'z');
    Warnings seen;
    auto c = doctown::open_sqlite_cache(dir, {&seen, {}});
    REQUIRE(c);
    REQUIRE(seen.messages.size() == 1);
    CHECK(seen.messages[0].find("moved it to docs.sqlite.broken-") != std::string::npos);
    CHECK(seen.messages[0].find(dir.string()) != std::string::npos);
    std::size_t aside = 0;
    for (const auto& e : fs::directory_iterator(dir))
      aside += e.path().filename().string().rfind("docs.sqlite.broken-", 0) == 0;
    CHECK(aside == 1);
    // The new cache stores and finds.
    doctown::SymbolDoc d;
    d.id = "x";
    d.summary = "kept";
    std::vector<std::pair<std::string, doctown::SymbolDoc>> e{{"k", d}};
    REQUIRE((*c)->put(e));
    auto hit = (*c)->get("k");
    REQUIRE(hit);
    CHECK(hit->has_value());
  }
  SECTION("a docs table of another shape is not silently kept") {
    fs::path dir = base / "foreign";
    fs::create_directories(dir);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir / "docs.sqlite").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE docs(name TEXT)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    Warnings seen;
    auto c = doctown::open_sqlite_cache(dir, {&seen, {}});
    REQUIRE(c);
    CHECK(seen.messages.size() == 1);
    doctown::SymbolDoc d;
    d.id = "x";
    std::vector<std::pair<std::string, doctown::SymbolDoc>> e{{"k", d}};
    CHECK((*c)->put(e));
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

TEST_CASE("a cache deleted during the run is noticed and recreated", "[cache]") {
  fs::path dir = doctown::test::scratch_dir("cache-deleted");
  Warnings seen;
  auto c = doctown::open_sqlite_cache(dir, {&seen, {}});
  REQUIRE(c);
  doctown::SymbolDoc d;
  d.id = "x";
  d.summary = "first";
  std::vector<std::pair<std::string, doctown::SymbolDoc>> e{{"k1", d}};
  REQUIRE((*c)->put(e));
  CHECK(seen.messages.empty());
  fs::remove_all(dir);
  e = {{"k2", d}};
  REQUIRE((*c)->put(e));
  REQUIRE(seen.messages.size() == 1);
  CHECK(seen.messages[0].find("deleted or replaced during the run") != std::string::npos);
  // The doc stored after the deletion is on disk, in a cache a new run can open.
  REQUIRE(fs::exists(dir / "docs.sqlite"));
  auto reopened = doctown::open_sqlite_cache(dir);
  REQUIRE(reopened);
  auto hit = (*reopened)->get("k2");
  REQUIRE(hit);
  CHECK(hit->has_value());
}

TEST_CASE("a note survives reopening the cache and a newer note replaces it", "[cache]") {
  fs::path dir = doctown::test::scratch_dir("cache-notes");
  {
    auto c = doctown::open_sqlite_cache(dir);
    REQUIRE(c);
    auto none = (*c)->get_note("llm.output_ratio/gpt-4o-mini");
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
    REQUIRE((*c)->put_note("llm.output_ratio/gpt-4o-mini", "0.25"));
    REQUIRE((*c)->put_note("llm.output_ratio/other", "0.5"));
  }
  auto c = doctown::open_sqlite_cache(dir);
  REQUIRE(c);
  auto kept = (*c)->get_note("llm.output_ratio/gpt-4o-mini");
  REQUIRE(kept);
  REQUIRE(kept->has_value());
  CHECK(**kept == "0.25");
  REQUIRE((*c)->put_note("llm.output_ratio/gpt-4o-mini", "0.125"));
  CHECK(**(*c)->get_note("llm.output_ratio/gpt-4o-mini") == "0.125");
  CHECK(**(*c)->get_note("llm.output_ratio/other") == "0.5");
}

TEST_CASE("a cache of an earlier release, without notes, keeps its docs and gains notes",
          "[cache]") {
  fs::path dir = doctown::test::scratch_dir("cache-old");
  {
    auto c = doctown::open_sqlite_cache(dir);
    REQUIRE(c);
    std::vector<std::pair<std::string, doctown::SymbolDoc>> e{{"k1", sample_doc("a")}};
    REQUIRE((*c)->put(e));
  }
  // What the release before notes wrote: the same file with no notes table.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir / "docs.sqlite").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "DROP TABLE notes", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);

  Warnings seen;
  auto c = doctown::open_sqlite_cache(dir, {&seen, {}});
  REQUIRE(c);
  CHECK(seen.messages.empty());  // not "damaged": nothing was moved aside
  for (const auto& e : fs::directory_iterator(dir))
    CHECK(e.path().filename().string().find(".broken-") == std::string::npos);
  auto hit = (*c)->get("k1");
  REQUIRE(hit);
  REQUIRE(hit->has_value());
  CHECK((*hit)->summary == sample_doc("a").summary);
  REQUIRE((*c)->put_note("k", "v"));
  CHECK(**(*c)->get_note("k") == "v");
}

TEST_CASE("a notes table of another shape is not silently kept", "[cache]") {
  fs::path dir = doctown::test::scratch_dir("cache-foreign-notes");
  { REQUIRE(doctown::open_sqlite_cache(dir)); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir / "docs.sqlite").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "DROP TABLE notes; CREATE TABLE notes(name TEXT)", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(db);
  Warnings seen;
  auto c = doctown::open_sqlite_cache(dir, {&seen, {}});
  REQUIRE(c);
  REQUIRE(seen.messages.size() == 1);
  CHECK(seen.messages[0].find("notes table") != std::string::npos);
  REQUIRE((*c)->put_note("k", "v"));
  CHECK(**(*c)->get_note("k") == "v");
}
