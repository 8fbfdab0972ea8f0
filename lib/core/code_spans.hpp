// The one Markdown code-span scanner. Verification reads the names inside `code spans` and the
// writers link them; both must agree on where a span starts and ends, or a name verification
// never saw could become a link (or the reverse), so neither keeps its own copy.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace doctown::detail {

/// A piece of prose: plain text, or the raw content of a code span (between its backtick runs,
/// untrimmed) with the length of the run that opened it.
struct InlinePiece {
  bool code = false;
  std::string text;
  std::size_t fence = 0;  ///< backticks around a code piece; 0 for plain text
};

/// Split prose into plain text and code spans. A backtick run closes only at a run of the same
/// length; an unclosed run stays plain text. O(n^2) worst case on adversarial backtick runs,
/// linear on prose.
std::vector<InlinePiece> scan_code_spans(std::string_view text);

}  // namespace doctown::detail
