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
inline constexpr std::string_view prompt_version = "doctown-prompt-v2";

/// The strict structured-output schema of the agreed answer format (text).
const std::string& response_schema_text();
/// The system prompt's instructions; identical for every request. The schema is not in it: it
/// travels in response_format (and, for the json_object fallback, in the user message).
const std::string& system_prompt_text();

/// Most tokens of the project preamble (what the planner reserves for it when packing).
inline constexpr std::size_t preamble_max_tokens = 1600;
/// The project preamble that follows the system prompt in every request of a run: what the
/// project is, its modules and its central types and functions, from the facts only, so that
/// every request shares one long prefix (providers cache prefixes from 1,024 tokens on) and
/// the model knows the project it documents. At most preamble_max_tokens.
std::string project_preamble(const Tokenizer& tokenizer, const Codebase& codebase);

/// Completion tokens a typical answer for `symbol` takes (summary, description, one line per
/// parameter, the JSON around them), by kind and size. The planner reserves this with headroom;
/// the client then scales it by what the run's answers actually take.
std::size_t expected_output_tokens(const Symbol& symbol);
/// Reservation for answers expected to take `expected` tokens: headroom for longer answers
/// (a cut answer is split and asked again, so the headroom need not cover every outlier).
inline std::size_t reserve_for(std::size_t expected) { return expected * 5 / 4 + 32; }

/// The system prompt's instruction to write prose in `language` (BCP 47); "" for English.
std::string language_instruction(std::string_view language);

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

/// True for a path under a test or third-party folder (tests/, vendor/, third_party/, ...) or a
/// test file by name (foo_test.cc, test_foo.py, foo.spec.ts). Context from there is noise
/// unless it shows the symbol in use. One function so that a richer file-role model can
/// replace it.
bool is_test_or_third_party(std::string_view path);

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
