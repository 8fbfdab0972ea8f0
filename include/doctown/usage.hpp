// Usage from real code: where a symbol is called, found through the graph's call edges, with
// the calling line and a short snippet. The best documentation a C++ reader gets is an example
// that compiles; call sites in tests and examples are exactly that.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/roles.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// One call site of a symbol.
struct UsageSite {
  std::string caller_id;  ///< the calling symbol
  std::string file;       ///< relative path of the call
  int line = 0;           ///< 1-based line of the call
  std::string snippet;    ///< the calling line (and its continuation), trimmed, ≤ 3 lines
  FileRole role = FileRole::library;  ///< role of the calling file
};

/// Call sites of every callee in a codebase. Built once in O(relations); each lookup reads the
/// caller's source text (the analyzer's copy) to find the calling line, so a site is only
/// reported where its line is certain.
class UsageIndex {
 public:
  /// `roles` (may be null: every file is library code) orders the sites and labels them; both
  /// must outlive the index.
  explicit UsageIndex(const Codebase& codebase, const FileRoles* roles = nullptr);

  /// Up to `limit` call sites of a symbol: tests and examples first (they show the intended
  /// use), then library code, each in file/line order.
  std::vector<UsageSite> find(std::string_view symbol_id, std::size_t limit) const;

 private:
  const Codebase* codebase_;
  const FileRoles* roles_;
  std::map<std::string, std::vector<std::size_t>, std::less<>> callers_;  ///< callee -> callers
};

}  // namespace doctown
