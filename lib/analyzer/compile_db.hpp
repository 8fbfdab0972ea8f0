// Private: which translation units libclang parses and with which arguments — from a
// compile_commands.json when there is one, from fallback flags otherwise.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/analyzer_impl.hpp"

namespace doctown::detail {

/// One translation unit to parse.
struct TuJob {
  std::string rel;                ///< path relative to the root
  std::filesystem::path abs;      ///< absolute path handed to libclang
  std::vector<std::string> args;  ///< compiler arguments, without the compiler and the file
  std::string language;           ///< "c++" or "c"
};

/// The plan for a run.
struct TuPlan {
  std::vector<TuJob> jobs;              ///< sorted by rel
  std::vector<Diagnostic> diagnostics;  ///< fallback notice, unreadable database
  std::filesystem::path database;       ///< the compile_commands.json used, empty when none
  std::vector<std::string> header_args; ///< arguments for headers no translation unit includes
};

/// Build the plan: sources among `in.files` (C/C++ non-headers) become translation units with
/// the database's arguments when listed there, fallback arguments otherwise. `resource_dir`
/// (libclang's builtin headers) is passed as -resource-dir when not empty.
TuPlan plan_translation_units(const AnalysisInput& in, const AnalyzerOptions& options,
                              const std::string& resource_dir);

/// Arguments for a source the database does not list, taken from its nearest listed neighbour
/// of the same language (`c_language`: C, else C++), keyed by relative path; nullopt when the
/// database has no entry of that language.
std::optional<std::vector<std::string>> interpolate_args(
    const std::map<std::string, std::vector<std::string>>& db_args, const std::string& rel,
    bool c_language);

/// Split a shell-style command line (quotes and backslashes as a POSIX shell reads them).
std::vector<std::string> split_command_line(std::string_view command);

/// A compile command's arguments after the allowlist.
struct FilteredArgs {
  std::vector<std::string> args;     ///< what libclang gets
  std::vector<std::string> dropped;  ///< refused arguments (with their value), for the note
};

/// The arguments of a compile command that only change how code is parsed: -D/-U, -std, -x,
/// --target, -W warnings, safe -f/-m switches, and -I/-isystem/-iquote/-include paths inside
/// `root` or the system's folders (relative ones resolved against `directory`). Everything
/// else is dropped into `dropped` (anything that writes, loads code, or reads outside the
/// tree); the compiler, -c, -o X and the source file itself are dropped silently.
FilteredArgs filter_compile_args(const std::vector<std::string>& argv, std::string_view source_file,
                                 const std::filesystem::path& directory,
                                 const std::filesystem::path& root);

/// The same with no tree: only system include folders pass.
std::vector<std::string> filter_compile_args(const std::vector<std::string>& argv,
                                             std::string_view source_file);

/// True when an include path (relative to `directory`) resolves inside `root` or a system
/// folder (/usr, /opt, the Xcode SDKs), links followed.
bool compile_path_allowed(std::string_view value, const std::filesystem::path& directory,
                          const std::filesystem::path& root);

}  // namespace doctown::detail
