// Name resolution shared by verification and the writers: which symbol a doc's reference (a
// see-also entry, a name in prose) means. It lives here, below lib/output, because verification
// must judge references exactly as the pages will link them, and the writers only read it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "doctown/types.hpp"

namespace doctown::detail {

/// Resolves the references a doc makes (see-also entries, names in prose) to symbols: by id,
/// by qualified name (a leading `::` and a trailing argument list are ignored), or by a name
/// that only one symbol has.
class NameResolver {
 public:
  explicit NameResolver(const Codebase& codebase);
  /// The symbol named by `ref`, or nullptr when none or ambiguous.
  const Symbol* resolve(std::string_view ref) const;

 private:
  const Codebase* codebase_;
  std::unordered_map<std::string, std::size_t> by_qualified_;
  std::unordered_map<std::string, std::size_t> by_name_;  ///< npos when ambiguous
  /// Every proper "::" suffix of qualified names ("Circle::area" for geo::Circle::area); npos
  /// when two different qualified names share it.
  std::unordered_map<std::string, std::size_t> by_suffix_;
};

/// Strip a trailing argument list and a leading `::` from a reference.
std::string normalize_reference(std::string_view ref);

}  // namespace doctown::detail
