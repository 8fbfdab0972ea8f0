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

/// The arguments of a compile command that matter for parsing: drops the compiler, -c, -o X,
/// dependency-file flags and the source file itself; keeps -D, -I, -std and the rest.
std::vector<std::string> filter_compile_args(const std::vector<std::string>& argv,
                                             std::string_view source_file);

}  // namespace doctown::detail
