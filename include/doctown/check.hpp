// Docs check: a project's own documentation against its code, offline (analysis only), for CI
// and pre-commit hooks. Finds public API without documentation and doc comments that
// contradict the code (the verifier of verify.hpp applied to the comments the authors wrote).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/types.hpp"

namespace doctown {

/// What a finding is about.
enum class CheckKind {
  undocumented,        ///< public API without a doc comment
  unknown_param,       ///< @param / \param names no parameter of the signature
  return_on_void,      ///< @return on a function returning void
  unknown_identifier,  ///< a name in backticks or after @p exists nowhere in the code
  throws_noexcept,     ///< @throws (or "throws ...") on a noexcept function
  unknown_reference,   ///< @see / \sa names no symbol of the codebase
};
/// Stable name of a kind, with dashes ("undocumented", "unknown-param", ...): the suffix of
/// the `[doctown-check-<kind>]` tag.
std::string_view to_string(CheckKind k) noexcept;

/// One problem, placed where an editor should put the cursor.
struct CheckFinding {
  CheckKind kind = CheckKind::undocumented;
  std::string file;            ///< relative to the codebase root, '/' separators
  int line = 0;                ///< 1-based
  int column = 0;              ///< 1-based byte column
  std::string symbol_id;       ///< the symbol the finding is about
  std::string qualified_name;  ///< its qualified name
  std::string subject;         ///< the parameter, identifier or reference at fault
  std::string message;         ///< one sentence, without control characters
};

/// What to look for.
struct CheckOptions {
  /// Report public API symbols that have no doc comment.
  bool undocumented = true;
  /// Report doc comments that contradict the code.
  bool contradictions = true;
};

/// The result of a check.
struct CheckReport {
  std::vector<CheckFinding> findings;  ///< sorted by file, line, column, kind
  std::size_t public_symbols = 0;      ///< public API symbols considered
  std::size_t documented = 0;          ///< of which have a doc comment
  std::size_t comments_checked = 0;    ///< doc comments checked for contradictions
  bool ok() const noexcept { return findings.empty(); }
};

/// Check a codebase's own doc comments. Reads the files under `codebase.root` (when they are
/// still there) only to place each finding at its line and column; never fails: an unreadable
/// file puts the finding at the symbol's line, column 1. O(symbols + size of their comments).
CheckReport check_codebase(const Codebase& codebase, const CheckOptions& options = {});

/// Doxygen/Javadoc commands of a doc comment (markers already stripped, as in
/// Symbol::doc_comment) as a SymbolDoc: @param/\param/@tparam, @return(s)/@retval,
/// @throw(s)/@exception, @see/\sa; `@p name` becomes a code span. The rest is the description.
SymbolDoc doc_from_comment(std::string_view comment, const std::string& id);

}  // namespace doctown
