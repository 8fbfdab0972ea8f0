// Private: the pieces the analyzers share. File selection happens once per run; each backend
// (libclang for C/C++, universal-ctags for other languages, the Markdown/rst sectioner) then
// appends to one Codebase, which is finalised (dangling edges dropped, sorted) at the end.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/analyzer.hpp"
#include "doctown/types.hpp"

namespace doctown::detail {

/// What a backend receives: the canonical root and the selected files (sorted).
struct AnalysisInput {
  std::filesystem::path root;
  std::vector<SourceFile> files;
};

/// C and C++ through libclang: appends symbols, relations and diagnostics to `out` and sets
/// stats.translation_units. Returns an error only when cancelled.
result<void> analyze_cpp(const AnalysisInput& in, const AnalyzerOptions& options,
                         const RunContext& ctx, Codebase& out);

/// Every other language ctags knows (not C/C++, not documents): appends to `out`. A missing
/// ctags becomes a note, not an error.
result<void> analyze_ctags(const AnalysisInput& in, const AnalyzerOptions& options,
                           const RunContext& ctx, Codebase& out);

/// True when the tree-sitter backend (runtime plus the Rust and Python grammars) was built in.
bool tree_sitter_available();

/// Rust and Python through tree-sitter: appends symbols (with attributes in the signature,
/// rustdoc and docstrings as written) and calls/inherits/overrides relations to `out`. The
/// files it handled are the `rust` and `python` files of `in`. Returns an error only when
/// cancelled.
result<void> analyze_tree_sitter(const AnalysisInput& in, const AnalyzerOptions& options,
                                 const RunContext& ctx, Codebase& out);

/// Symbols from universal-ctags' JSON output (one tag object per line, as `ctags
/// --output-format=json --fields=+neKSa` prints it). Tags of files not in `files`, unknown kinds
/// and unreadable lines are skipped. `text_of(path)` returns a file's text (empty when
/// unreadable), for doc comments and source text, which is cut at `max_source_text` bytes.
std::vector<Symbol> symbols_from_ctags_json(
    std::string_view tags_json, const std::vector<const SourceFile*>& files,
    const std::function<std::string(const std::string& path)>& text_of,
    std::size_t max_source_text);

/// Markdown and reStructuredText files: one `document` symbol per section.
void analyze_documents(const AnalysisInput& in, Codebase& out);

/// Strip comment markers (`///`, `//!`, `/** */`, `/*! */`, leading `*`, trailing `///<`) and
/// the common indentation from a raw comment.
std::string clean_comment(std::string_view raw);
/// First sentence of a cleaned comment (or the text of a `\brief` / `@brief` paragraph).
std::string brief_of(std::string_view cleaned);

/// Where a comment may sit relative to a declaration, beyond the block directly above it.
struct CommentPlaces {
  /// A plain trailing `// text` or `/* text */` on the declaration's last line (fields and
  /// enumerators: `int next_in; /* next input byte */`). `///<` and `//<` always count.
  bool trailing_plain = false;
  /// A block starting on the line after a `;`-terminated declaration and followed by a blank
  /// line (zlib documents its prototypes that way), used only when nothing is above.
  bool below = false;
};

/// The comment a reader takes as documenting the declaration spanning [begin, end) of a file's
/// `text`: the comment lines or blocks directly above it (no blank line between), else a
/// trailing `///<` / `//<` comment on its last line, else (per `places`) a plain trailing
/// comment or a block below. License banners (top of file, Copyright, SPDX) and commented-out
/// code are not documentation. Returned cleaned (see clean_comment); empty when none.
std::string comment_for_declaration(std::string_view text, std::size_t begin, std::size_t end,
                                    CommentPlaces places);
/// True when a cleaned comment is a license banner or commented-out code, not documentation.
bool is_not_documentation(std::string_view cleaned);
/// Both comments of a symbol seen twice (header declaration and definition), without repeats.
std::string merge_comments(const std::string& first, const std::string& second);

/// GitHub-style heading slug: lowercase, punctuation dropped, spaces to '-'.
std::string heading_slug(std::string_view heading);

}  // namespace doctown::detail
