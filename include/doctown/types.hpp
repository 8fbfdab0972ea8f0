// Plain value types the stages exchange: symbols, relations, the analysed codebase, docs, stats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace doctown {

/// What a symbol is. `document` is a section of a Markdown/reStructuredText file.
enum class SymbolKind {
  namespace_, class_, struct_, union_, enum_, enumerator, function, method, constructor,
  destructor, conversion, operator_, field, variable, typedef_, type_alias, macro, concept_,
  module, interface, trait, property, constant, document, other,
};
std::string_view to_string(SymbolKind k) noexcept;
/// Parse the name printed by to_string; nullopt when unknown.
std::optional<SymbolKind> symbol_kind_from_string(std::string_view s) noexcept;
/// True for functions, methods, constructors, destructors, conversions and operators.
bool is_callable(SymbolKind k) noexcept;
/// True for classes, structs, unions, interfaces and traits.
bool is_record(SymbolKind k) noexcept;

/// Member access as written in the code; `none` where the language has no such notion.
enum class Access { none, public_, protected_, private_ };
std::string_view to_string(Access a) noexcept;

/// A function parameter or template parameter.
struct Param {
  std::string name;           ///< may be empty for unnamed parameters
  std::string type;           ///< spelled type, e.g. "const std::string &"
  std::string default_value;  ///< default argument as written, empty when none
};

/// Bit flags of a symbol (see Symbol::flags).
namespace flags {
inline constexpr std::uint32_t is_static = 1u << 0;
inline constexpr std::uint32_t is_virtual = 1u << 1;
inline constexpr std::uint32_t is_pure = 1u << 2;
inline constexpr std::uint32_t is_override = 1u << 3;
inline constexpr std::uint32_t is_const = 1u << 4;
inline constexpr std::uint32_t is_noexcept = 1u << 5;
inline constexpr std::uint32_t is_constexpr = 1u << 6;
inline constexpr std::uint32_t is_inline = 1u << 7;
inline constexpr std::uint32_t is_deleted = 1u << 8;
inline constexpr std::uint32_t is_defaulted = 1u << 9;
inline constexpr std::uint32_t is_deprecated = 1u << 10;
inline constexpr std::uint32_t is_template = 1u << 11;
inline constexpr std::uint32_t is_definition = 1u << 12;  ///< a definition was seen
}  // namespace flags

/// A location range in a file of the codebase (lines are 1-based, inclusive).
struct SourceRange {
  std::string file;  ///< path relative to the codebase root, '/' separators
  int line = 0;      ///< first line
  int end_line = 0;  ///< last line
};

/// One documentable entity. Ids are stable across runs (derived from USRs or qualified names).
struct Symbol {
  std::string id;              ///< stable id, unique in the codebase
  SymbolKind kind = SymbolKind::other;
  std::string name;            ///< unqualified name
  std::string qualified_name;  ///< e.g. "geo::Shape::area"
  std::string language;        ///< "c++", "c", "python", "markdown", ...
  SourceRange location;        ///< where it is defined (or declared when no definition)
  std::optional<SourceRange> declaration;  ///< a separate declaration (header) when there is one
  std::string signature;       ///< pretty-printed declaration without body
  std::string return_type;     ///< empty for non-callables and constructors
  std::vector<Param> params;           ///< function parameters
  std::vector<Param> template_params;  ///< template parameters
  Access access = Access::none;
  std::uint32_t flags = 0;     ///< doctown::flags bits
  std::string doc_comment;     ///< raw doc comment, comment markers stripped
  std::string brief;           ///< first sentence / \brief of the doc comment
  std::string source_text;     ///< the definition's text (may be truncated by the analyzer)
  int complexity = 0;          ///< cyclomatic complexity for callables, 0 otherwise
  int nesting_depth = 0;       ///< depth of the deepest nested block in the body
  bool is_public_api = false;  ///< declared in a public header and reachable by users
  std::string parent_id;       ///< id of the enclosing symbol, empty at top level

  bool has(std::uint32_t f) const noexcept { return (flags & f) != 0; }
};

/// Typed edge between two symbol ids (or file paths for `includes`).
enum class RelationKind { contains, calls, overrides, inherits, uses_type, includes, similar };
std::string_view to_string(RelationKind k) noexcept;
std::optional<RelationKind> relation_kind_from_string(std::string_view s) noexcept;

/// `from` → `to`: contains (parent→child), calls (caller→callee), overrides (override→base
/// method), inherits (derived→base), uses_type (user→type), includes (file→file).
struct Relation {
  std::string from;
  std::string to;
  RelationKind kind = RelationKind::contains;
  double weight = 1.0;  ///< similarity score for `similar`, 1 otherwise

  friend bool operator==(const Relation&, const Relation&) = default;
};

/// A problem found while analysing (a compiler diagnostic, a skipped file, a fallback).
struct Diagnostic {
  enum class Severity { note, warning, error };
  std::string file;  ///< relative path, empty when not about a file
  int line = 0;
  Severity severity = Severity::note;
  std::string message;
};
std::string_view to_string(Diagnostic::Severity s) noexcept;

/// A source file of the codebase.
struct SourceFile {
  std::string path;      ///< relative to the root, '/' separators
  std::string language;  ///< "c++", "c", "python", ...
  std::uint64_t size = 0;
  std::string sha256;    ///< content hash (hex), for caching
};

/// Where the analysed code came from.
struct SourceInfo {
  std::string type;  ///< "local", "zip", "git", "github"
  std::string url_or_path;
  std::string ref;     ///< branch, tag or commit asked for, empty when none
  std::string commit;  ///< resolved commit when known
};

/// Analysis statistics.
struct AnalysisStats {
  std::size_t files = 0;
  std::size_t translation_units = 0;
  std::size_t symbols = 0;
  double seconds = 0;
};

/// The analysed codebase: files, symbols (sorted by id), relations, diagnostics.
struct Codebase {
  std::string root;  ///< absolute path of the analysed tree
  std::string name;  ///< short project name (the root folder's name by default)
  SourceInfo source;
  std::vector<SourceFile> files;
  std::vector<Symbol> symbols;
  std::vector<Relation> relations;
  std::vector<Diagnostic> diagnostics;
  AnalysisStats stats;

  /// Index of the symbol with this id, or nullopt. O(log n): symbols are kept sorted by id.
  std::optional<std::size_t> index_of(std::string_view id) const;
  /// The symbol with this id, or nullptr.
  const Symbol* find(std::string_view id) const;
  /// Sort symbols by id and relations by (from, kind, to), removing duplicate relations.
  void normalize();
};

/// One parameter's documentation.
struct ParamDoc {
  std::string name;
  std::string description;
};

/// The documentation of one symbol, as the LLM (or the offline writer) produced it.
struct SymbolDoc {
  std::string id;
  std::string summary;      ///< one sentence
  std::string description;  ///< a paragraph or two
  std::vector<ParamDoc> params;
  std::string returns;
  std::string throws;
  std::string notes;
  std::vector<std::string> examples;
  std::vector<std::string> see_also;  ///< symbol ids or qualified names
  std::string source;  ///< "offline", "llm", "cache"
};

/// A symbol that could not be documented, with the reason.
struct SymbolFailure {
  std::string id;
  std::string reason;
};

/// Token usage of LLM requests.
struct TokenUsage {
  std::uint64_t input = 0;   ///< prompt tokens, cached included
  std::uint64_t cached = 0;  ///< of which served from the provider's prompt cache
  std::uint64_t output = 0;  ///< completion tokens
};

/// Statistics of a whole run.
struct RunStats {
  std::size_t symbols = 0;     ///< analysed
  std::size_t selected = 0;    ///< chosen by DocScore
  std::size_t documented = 0;  ///< with a doc (cache included)
  std::size_t cached = 0;      ///< docs reused from the cache
  std::size_t failed = 0;
  std::size_t not_started = 0;  ///< selected, left undone by a cancellation (a rerun does them)
  std::size_t requests = 0;    ///< HTTP requests sent (0 offline)
  std::size_t retries = 0;
  std::size_t rate_limited = 0;  ///< 429 answers
  TokenUsage tokens;
  double cost_usd = 0;
  double wall_s = 0;
  std::map<std::string, double> stage_seconds;  ///< per stage name
};

}  // namespace doctown
