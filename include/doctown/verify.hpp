// Verification: checks each generated doc against the facts of the code it describes.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/types.hpp"

namespace doctown {

/// What a verification issue is about.
enum class VerifyIssueKind {
  unknown_param,        ///< a described parameter is not in the signature
  unknown_identifier,   ///< an identifier in backticks exists nowhere in the codebase
  missing_return,       ///< a non-void callable's return value is not described
  return_on_void,       ///< a return value is described for a void callable
  throws_noexcept,      ///< a throwing claim contradicts `noexcept`
  unknown_reference,    ///< a see-also entry names no symbol of the codebase
  unknown_symbol,       ///< the doc's id names no symbol of the codebase
};
/// Stable name of an issue kind ("unknown_param", ...).
std::string_view to_string(VerifyIssueKind k) noexcept;

/// One problem found in a doc.
struct VerifyIssue {
  VerifyIssueKind kind = VerifyIssueKind::unknown_identifier;
  std::string subject;  ///< the parameter, identifier or reference at fault
  std::string message;  ///< one sentence for people
};

/// The verdict on one doc.
struct VerifyResult {
  std::string id;  ///< the doc's symbol id
  std::vector<VerifyIssue> issues;
  bool ok() const noexcept { return issues.empty(); }
};

/// Checks docs against one codebase. Building it indexes every name of the codebase
/// (O(symbols)); each check is then proportional to the doc's length. Immutable after
/// construction, so one Verifier may be shared by threads. The codebase must outlive it.
class Verifier {
 public:
  explicit Verifier(const Codebase& codebase);
  ~Verifier();
  Verifier(Verifier&&) noexcept;
  Verifier& operator=(Verifier&&) noexcept;

  /// Check `doc` against `symbol` (the symbol it documents).
  VerifyResult check(const SymbolDoc& doc, const Symbol& symbol) const;
  /// Check `doc` against the symbol named by doc.id; unknown_symbol when there is none.
  VerifyResult check(const SymbolDoc& doc) const;

 private:
  struct Index;
  std::unique_ptr<Index> index_;
  const Codebase* codebase_ = nullptr;
};

/// One-off check of a doc (indexes the codebase each call: use Verifier for many docs).
VerifyResult verify_doc(const SymbolDoc& doc, const Symbol& symbol, const Codebase& codebase);
/// Check every doc of the map, in id order.
std::vector<VerifyResult> verify_docs(const std::map<std::string, SymbolDoc>& docs,
                                      const Codebase& codebase);
/// Share of results that are ok, in [0, 1]; 1 when there are none.
double verified_ratio(std::span<const VerifyResult> results) noexcept;

}  // namespace doctown
