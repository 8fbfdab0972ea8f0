// Private: run an external program (git, ctags) from an argument vector — never through a
// shell — and capture its output, with a timeout and cancellation. Used by source resolution
// (git clone), file selection (git ls-files) and the ctags analyzer.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>
#include <vector>

#include "doctown/error.hpp"

namespace doctown::detail {

/// What a finished child process left behind.
struct ProcessOutput {
  int exit_code = -1;  ///< exit status, or 128 + signal number when killed by a signal
  std::string out;     ///< everything written to stdout
  std::string err;     ///< everything written to stderr
};

/// How to run a child.
struct ProcessOptions {
  std::filesystem::path cwd;           ///< working folder; empty = inherit
  double timeout_s = 0;                ///< kill the child after this many seconds; 0 = none
  std::vector<std::string> extra_env;  ///< "K=V" entries replacing/adding to the inherited ones
  std::vector<std::string> unset_env;  ///< names removed from the inherited environment
  std::string stdin_data;              ///< bytes written to the child's stdin (then closed)
  std::stop_token stop;                ///< kill the child when a stop is requested
};

/// Run argv[0] (searched in PATH when it has no '/') with the arguments argv[1..]. Fails with
/// not_found when the program does not exist, timeout / cancelled when it was killed; a
/// non-zero exit status is not an error (it is in exit_code).
result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  const ProcessOptions& options = {});

/// `git <safety options> <args...>`: git with every program the repository (or a system or
/// global config) could choose switched off: fsmonitor, hooks, pager, askpass, credential
/// helpers, external diff, the `ext::` transport. Pair it with git_environment().
std::vector<std::string> git_argv(const std::string& git_path, std::vector<std::string> args);

/// Options for a git child: the caller's options plus an environment that ignores the system
/// and global git config, never prompts, and drops variables that redirect git elsewhere
/// (GIT_DIR, GIT_WORK_TREE, GIT_EXTERNAL_DIFF, ...).
ProcessOptions git_process_options(ProcessOptions options);

}  // namespace doctown::detail
