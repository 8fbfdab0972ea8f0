// Incremental, crash-safe cache of generated docs, keyed by prompt fingerprints.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "doctown/error.hpp"
#include "doctown/progress.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// Content-addressed store: fingerprint → SymbolDoc. Each put is committed at once. Beside the
/// docs it may keep notes: short facts a run learned for the next one (e.g. how long the
/// model's answers are), key → text.
class DocCache {
 public:
  virtual ~DocCache() = default;
  virtual result<std::optional<SymbolDoc>> get(const std::string& key) = 0;
  /// Store docs with their keys in one transaction.
  virtual result<void> put(std::span<const std::pair<std::string, SymbolDoc>> entries) = 0;
  /// The note kept under `key`, or nullopt. The text is as stored: a caller parses it as
  /// untrusted input. This default keeps no notes.
  virtual result<std::optional<std::string>> get_note(const std::string& /*key*/) {
    return std::optional<std::string>{};
  }
  /// Keep `value` under `key`, replacing the note before; committed at once. This default
  /// keeps no notes (and succeeds).
  virtual result<void> put_note(const std::string& /*key*/, const std::string& /*value*/) {
    return {};
  }
};

/// SQLite store in `dir` (created when missing), keeping docs and notes. Errors name the
/// folder. A cache of an earlier release without the notes table gets one, its docs kept. A
/// file that is not a doctown cache, or whose tables are not the expected ones, is moved aside
/// (docs.sqlite.broken-<time>) and a fresh cache is created, with a warning on `ctx`; a cache
/// of a newer schema version is refused (another release may still need it). A cache file
/// deleted or replaced while the run goes on is noticed at the next store: warned about once,
/// and a fresh file is created so later docs are kept.
result<std::unique_ptr<DocCache>> open_sqlite_cache(const std::filesystem::path& dir,
                                                    const RunContext& ctx = {});

}  // namespace doctown
