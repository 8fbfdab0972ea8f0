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

/// Content-addressed store: fingerprint → SymbolDoc. Each put is committed at once.
class DocCache {
 public:
  virtual ~DocCache() = default;
  virtual result<std::optional<SymbolDoc>> get(const std::string& key) = 0;
  /// Store docs with their keys in one transaction.
  virtual result<void> put(std::span<const std::pair<std::string, SymbolDoc>> entries) = 0;
};

/// SQLite store in `dir` (created when missing). Errors name the folder. A file that is not
/// a doctown cache, or whose tables are not the expected ones, is moved aside
/// (docs.sqlite.broken-<time>) and a fresh cache is created, with a warning on `ctx`; a cache
/// of a newer schema version is refused (another release may still need it). A cache file
/// deleted or replaced while the run goes on is noticed at the next store: warned about once,
/// and a fresh file is created so later docs are kept.
result<std::unique_ptr<DocCache>> open_sqlite_cache(const std::filesystem::path& dir,
                                                    const RunContext& ctx = {});

}  // namespace doctown
