// Analyzer stage: source tree → Codebase (symbols, relations, diagnostics).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "doctown/error.hpp"
#include "doctown/progress.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// Options of the analyzers.
struct AnalyzerOptions {
  /// compile_commands.json to use; empty = look in the root and in build/.
  std::filesystem::path compile_commands;
  /// Translation units parsed in parallel; 0 = the number of cores.
  unsigned jobs = 0;
  /// Files larger than this (bytes) are skipped with a diagnostic.
  std::uint64_t max_file_size = 1u << 20;
  /// Only files matching one of these globs are analysed (empty = all).
  std::vector<std::string> include_globs;
  /// Files matching one of these globs are skipped (on top of the default exclusions).
  std::vector<std::string> exclude_globs;
  /// Skip vendored folders (third_party/, vendor/, node_modules/) and real build trees (a
  /// folder holding CMakeCache.txt; without git, the root .gitignore's plain folder names).
  bool default_excludes = true;
  /// Folders never read, whatever the other options say (the pipeline's own output, cache and
  /// work folders); folders outside the analysed root are ignored.
  std::vector<std::filesystem::path> skip_dirs;
  /// Use universal-ctags for non-C/C++ languages when it is installed.
  bool use_ctags = true;
  /// ctags executable.
  std::string ctags_path = "ctags";
  /// Extra compiler arguments appended to every translation unit.
  std::vector<std::string> extra_args;
  /// Most bytes of a definition's source text kept in Symbol::source_text.
  std::size_t max_source_text = 16 * 1024;
};

/// Turns a directory into a Codebase. Implementations must be deterministic: the same tree
/// gives byte-identical output (sorted traversal, stable ids).
class Analyzer {
 public:
  virtual ~Analyzer() = default;
  /// Analyse the tree at `root`. Errors in the analysed code never fail the call: they become
  /// diagnostics. Fails only for an unreadable root or a cancelled run.
  virtual result<Codebase> analyze(const std::filesystem::path& root, const RunContext& ctx) = 0;
};

/// C and C++ through libclang (compile_commands.json or fallback flags).
result<std::unique_ptr<Analyzer>> make_clang_analyzer(AnalyzerOptions options);
/// Other languages through universal-ctags, and Markdown/reStructuredText sections.
result<std::unique_ptr<Analyzer>> make_ctags_analyzer(AnalyzerOptions options);
/// Both of the above, merged into one Codebase (the default).
result<std::unique_ptr<Analyzer>> make_default_analyzer(AnalyzerOptions options);

}  // namespace doctown
