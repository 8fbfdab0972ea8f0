// Private prompt pieces of the planner: the fixed system prompt and response schema, and the
// rendering of one symbol's block, a related symbol's context line and a file's context entry.
// Every piece is independent of the batch it lands in, so its token count is computed once and
// batches are estimated by adding counts; the final prompt is then counted exactly.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "doctown/batch_planner.hpp"
#include "doctown/usage.hpp"

namespace doctown::detail {

/// Bumped whenever the prompt text or layout changes: part of every fingerprint (cache key).
inline constexpr std::string_view prompt_version = "doctown-prompt-v1";

/// The strict structured-output schema of the agreed answer format (text).
const std::string& response_schema_text();
/// The system prompt: instructions followed by the schema; identical for every request.
const std::string& system_prompt_text();

/// The user prompt's opening line for a batch of `k` symbols.
std::string batch_header(std::size_t k);
inline constexpr std::string_view context_heading =
    "\n# Context (shared by the symbols below)\n";
inline constexpr std::string_view symbols_heading = "\n# Symbols to document\n";

/// The relations of one symbol that its prompt shows (ids, best first).
struct SymbolContext {
  std::vector<std::pair<std::string, double>> similar;  ///< id, cosine similarity
  std::vector<std::string> callees;
  std::vector<std::string> callers;
  std::vector<std::string> bases;     ///< inherited classes and overridden methods
  std::vector<UsageSite> usages;      ///< call sites from tests, examples and the library
  std::vector<std::string> related() const;  ///< all of the above, deduplicated, in order
};

/// Cut `code` to about `budget` tokens keeping its first lines (the declaration) and its last
/// lines, with a marker saying how much was left out. Returns `code` unchanged when it fits.
std::string cut_code(const Tokenizer& tokenizer, std::string_view code, std::size_t budget);

/// How a symbol block is rendered: the normal form, or smaller forms for oversized symbols.
struct BlockLimits {
  std::size_t code_tokens = 1500;   ///< code budget (0 = code omitted)
  bool context = true;              ///< show the relations line
  std::size_t doc_chars = 6000;     ///< most characters of the existing doc comment
  std::size_t signature_chars = 2000;
};

/// The block of one symbol (facts, code, relations by qualified name).
std::string render_block(const Tokenizer& tokenizer, const Codebase& codebase,
                         const Symbol& symbol, const SymbolContext& context,
                         const BlockLimits& limits);

/// The context line of a related symbol: name, kind, location, signature and the summary when
/// one is known (`summary` empty otherwise).
std::string render_related(const Symbol& symbol, std::string_view summary);

/// The context entry of a file: its includes and the symbols it defines.
std::string render_file(std::string_view path, const std::vector<std::string>& includes,
                        const std::vector<std::string>& symbols);

}  // namespace doctown::detail
