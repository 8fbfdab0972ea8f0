// Paths of the source tree, test data and the built CLI, for tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace doctown::test {

/// examples/sample-project in the source tree.
std::filesystem::path sample_project();
/// tests/data in the source tree.
std::filesystem::path data_dir();
/// A fresh, empty scratch folder under the build tree, unique per call.
std::filesystem::path scratch_dir(const std::string& name);
/// The built `doctown` executable.
std::filesystem::path cli_path();

/// Result of running a process.
struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
/// Run the CLI with arguments (no shell), capturing stdout and stderr. `env` entries
/// ("K=V") are added to a minimal environment (PATH, HOME) — the caller's is not inherited.
ProcessResult run_cli(const std::vector<std::string>& args,
                      const std::vector<std::string>& env = {},
                      const std::filesystem::path& cwd = {});

}  // namespace doctown::test
