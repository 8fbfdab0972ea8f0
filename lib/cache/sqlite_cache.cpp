// The incremental cache: fingerprint -> SymbolDoc in SQLite. WAL journaling and one
// transaction per put mean that a killed run keeps every doc whose put returned; a schema
// version table lets later releases migrate or refuse old stores instead of misreading them.
// Notes (key -> text, what a run learned for the next) live in their own table. It was added
// without a schema version bump, on purpose: it is created when missing, so a cache of an
// earlier release is used as it is, and an earlier release ignores the table, so it still
// reads a newer cache's docs (a bump would make it refuse them).
#include <sqlite3.h>
#include <sys/stat.h>

#include <optional>
#include <set>

#include <boost/json.hpp>

#include "core/file_util.hpp"
#include "core/json_util.hpp"
#include "doctown/cache.hpp"

namespace doctown {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr int kSchemaVersion = 1;
constexpr const char* kFileName = "docs.sqlite";

json::object to_json(const SymbolDoc& d) {
  json::array params, examples, see_also;
  for (const ParamDoc& p : d.params)
    params.push_back(json::object{{"name", p.name}, {"description", p.description}});
  for (const auto& e : d.examples) examples.emplace_back(e);
  for (const auto& s : d.see_also) see_also.emplace_back(s);
  return json::object{{"id", d.id},           {"summary", d.summary},
                      {"description", d.description}, {"params", std::move(params)},
                      {"returns", d.returns}, {"throws", d.throws},
                      {"notes", d.notes},     {"examples", std::move(examples)},
                      {"see_also", std::move(see_also)}};
}

SymbolDoc from_json(const json::object& o) {
  using detail::json_string;
  SymbolDoc d;
  d.id = json_string(o, "id");
  d.summary = json_string(o, "summary");
  d.description = json_string(o, "description");
  if (auto* p = o.if_contains("params"); p && p->is_array())
    for (const auto& v : p->get_array())
      if (v.is_object())
        d.params.push_back({json_string(v.get_object(), "name"),
                            json_string(v.get_object(), "description")});
  d.returns = json_string(o, "returns");
  d.throws = json_string(o, "throws");
  d.notes = json_string(o, "notes");
  for (const char* key : {"examples", "see_also"})
    if (auto* p = o.if_contains(key); p && p->is_array())
      for (const auto& v : p->get_array())
        if (v.is_string())
          (std::string_view(key) == "examples" ? d.examples : d.see_also)
              .emplace_back(v.get_string());
  d.source = "cache";
  return d;
}

struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

// Where the open failed: the file is not a usable doctown cache (moved aside and rebuilt), or
// the folder/version is the user's to sort out (reported).
struct OpenFailure {
  bool broken = false;
  error err;
};

struct Opened {
  sqlite3* db = nullptr;
  std::optional<OpenFailure> failure;
};

Opened open_db(const fs::path& dir, const fs::path& file);

class SqliteCache final : public DocCache {
 public:
  SqliteCache(sqlite3* db, fs::path dir, RunContext ctx)
      : db_(db), dir_(std::move(dir)), ctx_(std::move(ctx)), inode_(inode_of(dir_ / kFileName)) {}
  ~SqliteCache() override { sqlite3_close_v2(db_); }
  SqliteCache(const SqliteCache&) = delete;
  SqliteCache& operator=(const SqliteCache&) = delete;

  result<std::optional<SymbolDoc>> get(const std::string& key) override {
    Stmt st;
    if (sqlite3_prepare_v2(db_, "SELECT doc FROM docs WHERE key = ?1", -1, &st.s, nullptr) !=
        SQLITE_OK)
      return error_here("preparing a lookup");
    sqlite3_bind_text(st.s, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(st.s);
    if (rc == SQLITE_DONE) return std::optional<SymbolDoc>{};
    if (rc != SQLITE_ROW) return error_here("looking up a doc");
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0));
    int n = sqlite3_column_bytes(st.s, 0);
    auto v = detail::parse_json(std::string_view(text ? text : "", static_cast<std::size_t>(n)),
                                "cache entry " + key);
    // A damaged entry is a miss (the doc is regenerated and overwritten), not a failure.
    if (!v || !v->is_object()) return std::optional<SymbolDoc>{};
    return std::optional<SymbolDoc>{from_json(v->get_object())};
  }

  result<void> put(std::span<const std::pair<std::string, SymbolDoc>> entries) override {
    if (entries.empty()) return {};
    if (auto r = reopen_if_gone(); !r) return r;
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
      return error_here("starting a transaction");
    Stmt st;
    if (sqlite3_prepare_v2(db_,
                           "INSERT OR REPLACE INTO docs(key, doc, created_at) VALUES(?1, ?2, ?3)",
                           -1, &st.s, nullptr) != SQLITE_OK) {
      auto e = error_here("preparing an insert");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
    std::string now = detail::utc_now_iso8601();
    for (const auto& [key, doc] : entries) {
      std::string text = json::serialize(to_json(doc));
      sqlite3_reset(st.s);
      sqlite3_bind_text(st.s, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(st.s, 2, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(st.s, 3, now.data(), static_cast<int>(now.size()), SQLITE_TRANSIENT);
      if (sqlite3_step(st.s) != SQLITE_DONE) {
        auto e = error_here("storing a doc");
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return e;
      }
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      auto e = error_here("committing");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
    return {};
  }

  result<std::optional<std::string>> get_note(const std::string& key) override {
    Stmt st;
    if (sqlite3_prepare_v2(db_, "SELECT value FROM notes WHERE key = ?1", -1, &st.s, nullptr) !=
        SQLITE_OK)
      return error_here("preparing a note lookup");
    sqlite3_bind_text(st.s, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(st.s);
    if (rc == SQLITE_DONE) return std::optional<std::string>{};
    if (rc != SQLITE_ROW) return error_here("looking up a note");
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0));
    int n = sqlite3_column_bytes(st.s, 0);
    return std::optional<std::string>{std::string(text ? text : "", static_cast<std::size_t>(n))};
  }

  result<void> put_note(const std::string& key, const std::string& value) override {
    if (auto r = reopen_if_gone(); !r) return r;
    Stmt st;
    if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO notes(key, value) VALUES(?1, ?2)", -1,
                           &st.s, nullptr) != SQLITE_OK)
      return error_here("preparing a note");
    sqlite3_bind_text(st.s, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st.s, 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(st.s) != SQLITE_DONE) return error_here("storing a note");
    return {};
  }

 private:
  static ino_t inode_of(const fs::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
  }

  // SQLite keeps writing to a deleted file through its open descriptor, so a cache removed
  // mid-run would swallow every later doc. Checked before each store: the file must still be
  // the one opened; otherwise it is reported once and a fresh cache is opened in its place.
  result<void> reopen_if_gone() {
    const fs::path file = dir_ / kFileName;
    if (inode_ != 0 && inode_of(file) == inode_) return {};
    std::error_code ec;
    fs::create_directories(dir_, ec);
    Opened fresh = open_db(dir_, file);
    if (fresh.failure)
      return fail(errc::io_error,
                  "the cache file was deleted during the run and cannot be created again (" +
                      fresh.failure->err.message + "); docs of this run are no longer cached",
                  dir_.string());
    sqlite3_close_v2(db_);
    db_ = fresh.db;
    inode_ = inode_of(file);
    ctx_.diagnostic("cache", Diagnostic::Severity::warning,
                    "the cache file " + file.string() +
                        " was deleted or replaced during the run; started a new one (docs "
                        "stored before that are gone from the cache)");
    return {};
  }

  error error_here(const char* what) const {
    return fail(errc::io_error,
                std::string("cache ") + what + " failed: " + sqlite3_errmsg(db_) +
                    "; delete the folder or run with --no-cache",
                dir_.string());
  }

  sqlite3* db_;
  fs::path dir_;
  RunContext ctx_;
  ino_t inode_;
};

}  // namespace

namespace {

// The tables must be exactly what put/get use; CREATE TABLE IF NOT EXISTS keeps a foreign
// table of the same name, whose inserts would then fail at every store.
bool table_ok(sqlite3* db, const std::string& table, const std::set<std::string>& want) {
  Stmt st;
  std::string sql = "PRAGMA table_info(" + table + ")";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st.s, nullptr) != SQLITE_OK) return false;
  std::set<std::string> cols;
  while (sqlite3_step(st.s) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 1));
    if (name) cols.insert(name);
  }
  return cols == want;
}

Opened open_db(const fs::path& dir, const fs::path& file) {
  Opened o;
  int rc = sqlite3_open_v2(file.c_str(), &o.db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  auto failed = [&](bool broken, const std::string& what) {
    std::string msg = o.db ? sqlite3_errmsg(o.db) : "out of memory";
    sqlite3_close_v2(o.db);
    o.db = nullptr;
    o.failure = OpenFailure{broken, fail(errc::io_error,
                                         "cannot open the cache (" + what + ": " + msg +
                                             "); delete the folder or run with --no-cache",
                                         dir.string())};
    return std::move(o);
  };
  if (rc != SQLITE_OK) return failed(false, "open");
  sqlite3_busy_timeout(o.db, 5000);
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      // Checkpoint once the WAL passes 32 pages (the default is 1000): each answer commits a
      // few dozen pages of random-key index, so the default lets the WAL grow to 4 MB before it
      // is folded back — space a nearly full disk may not have.
      "PRAGMA wal_autocheckpoint=32;"
      "PRAGMA journal_size_limit=1048576;"
      "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS docs(key TEXT PRIMARY KEY, doc TEXT NOT NULL,"
      " created_at TEXT NOT NULL);"
      // Added later, in schema version 1 still (see the top of the file).
      "CREATE TABLE IF NOT EXISTS notes(key TEXT PRIMARY KEY, value TEXT NOT NULL);";
  if (sqlite3_exec(o.db, setup, nullptr, nullptr, nullptr) != SQLITE_OK)
    return failed(true, "creating tables (is it a doctown cache?)");
  if (!table_ok(o.db, "docs", {"key", "doc", "created_at"}))
    return failed(true, "the docs table has other columns");
  if (!table_ok(o.db, "notes", {"key", "value"}))
    return failed(true, "the notes table has other columns");
  int version = -1;
  {
    Stmt st;
    if (sqlite3_prepare_v2(o.db, "SELECT version FROM schema_version LIMIT 1", -1, &st.s,
                           nullptr) != SQLITE_OK)
      return failed(true, "reading the schema version");
    if (sqlite3_step(st.s) == SQLITE_ROW) version = sqlite3_column_int(st.s, 0);
  }
  if (version == -1) {
    std::string sql = "INSERT INTO schema_version(version) VALUES(" +
                      std::to_string(kSchemaVersion) + ")";
    if (sqlite3_exec(o.db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      return failed(true, "writing the schema version");
  } else if (version > kSchemaVersion) {
    sqlite3_close_v2(o.db);
    o.db = nullptr;
    o.failure = OpenFailure{
        false, fail(errc::unsupported,
                    "cache schema version " + std::to_string(version) + " is not " +
                        std::to_string(kSchemaVersion) +
                        " (written by another doctown release); delete the folder or use "
                        "--cache-dir",
                    dir.string())};
  } else if (version != kSchemaVersion) {
    return failed(true, "schema version " + std::to_string(version));
  }
  return o;
}

// Move a broken cache file (and its WAL and shared-memory files) aside, keeping it for
// inspection; returns the new name.
fs::path move_aside(const fs::path& file) {
  std::string stamp = detail::utc_now_iso8601();
  for (auto& c : stamp)
    if (c == ':') c = '-';
  fs::path aside = file;
  aside += ".broken-" + stamp;
  std::error_code ec;
  fs::rename(file, aside, ec);
  for (const char* suffix : {"-wal", "-shm"}) {
    fs::path side = file;
    side += suffix;
    fs::path side_aside = aside;
    side_aside += suffix;
    if (fs::exists(side, ec)) fs::rename(side, side_aside, ec);
  }
  return aside;
}

}  // namespace

result<std::unique_ptr<DocCache>> open_sqlite_cache(const fs::path& dir, const RunContext& ctx) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec))
    return fail(errc::io_error, "cannot create the cache folder; choose another --cache-dir",
                dir.string());
  fs::path file = dir / kFileName;
  Opened o = open_db(dir, file);
  if (o.failure && o.failure->broken) {
    // Never bypassed silently: a cache that cannot store would make every rerun pay again.
    fs::path aside = move_aside(file);
    ctx.diagnostic("cache", Diagnostic::Severity::warning,
                   "the cache " + file.string() + " is damaged or not a doctown cache (" +
                       o.failure->err.message + "); moved it to " + aside.filename().string() +
                       " and started a new one");
    o = open_db(dir, file);
  }
  if (o.failure) return std::move(o.failure->err);
  return std::unique_ptr<DocCache>(std::make_unique<SqliteCache>(o.db, dir, ctx));
}

}  // namespace doctown
