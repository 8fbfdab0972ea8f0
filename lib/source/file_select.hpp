// Private: which files of a tree count for analysis. Asks git when the root is a work tree
// (so .gitignore is honoured exactly as git does), walks the folder otherwise; skips binary,
// oversized, vendored files, real build trees and doctown's own outputs; applies
// include/exclude globs; detects languages.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/error.hpp"
#include "doctown/progress.hpp"
#include "doctown/types.hpp"

namespace doctown::detail {

/// What to select.
struct FileSelectOptions {
  std::uint64_t max_file_size = 1u << 20;  ///< larger files are skipped with a diagnostic
  std::vector<std::string> include_globs;  ///< when not empty, a file must match one
  std::vector<std::string> exclude_globs;  ///< a matching file is skipped
  bool default_excludes = true;            ///< skip third_party/, vendor/, node_modules/, build trees
  std::string git_path = "git";            ///< used to list a git work tree's files
  /// Folders never read (doctown's own output, cache and work folders); those outside the root
  /// are ignored.
  std::vector<std::filesystem::path> skip_dirs;
};

/// The selected files, sorted by path, with their language, size and hash.
struct FileSelection {
  std::vector<SourceFile> files;
  std::vector<Diagnostic> diagnostics;  ///< skipped oversized files, unreadable files
  bool from_git = false;                ///< the list came from `git ls-files`
};

/// Select the analysable files under `root` (an existing folder). Fails when root is not a
/// readable folder or the run was cancelled.
result<FileSelection> select_files(const std::filesystem::path& root,
                                   const FileSelectOptions& options, const RunContext& ctx);

/// Language of a path from its extension/name ("c++", "c", "python", "markdown", ...); empty
/// when the file is not source code or documentation doctown knows.
std::string language_for_path(std::string_view path);

/// True for header extensions (.h, .hh, .hpp, .hxx, .h++, .inl, .ipp, .tpp).
bool is_header_path(std::string_view path);

/// Glob match on a '/'-separated relative path: `*` and `?` stay within one segment, `**`
/// crosses segments; a pattern without '/' also matches the file name alone.
bool glob_match(std::string_view pattern, std::string_view path);

/// True when a path lies in a folder skipped by default by its name alone (third_party/,
/// vendor/, node_modules/, .git/ ...). Build folders are not among them: they are recognised by
/// what they hold (see select_files), so `builder/` or `buildings/` stay sources.
bool in_default_excluded_dir(std::string_view path);

/// True when a relative path leaves its base: it is `..` or starts with `../` (a file named
/// `..hidden.c` does not).
bool leaves_base(std::string_view rel);

}  // namespace doctown::detail
