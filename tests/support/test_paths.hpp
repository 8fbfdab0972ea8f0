// Paths of the source tree, test data and the built CLI, for tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
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
/// A file's whole content (empty when it cannot be read).
std::string slurp(const std::filesystem::path& path);

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

/// How to start a child process.
struct ProcessOptions {
  /// "K=V" entries added to the minimal environment (PATH, HOME, sanitizer options); an
  /// entry replaces an inherited one of the same name.
  std::vector<std::string> env;
  /// Working directory; empty = the test's.
  std::filesystem::path cwd;
  /// RLIMIT_FSIZE in bytes, 0 = none. SIGXFSZ is ignored in the child, so a write past the
  /// limit fails with EFBIG the way a full disk fails with ENOSPC.
  std::uint64_t file_size_limit = 0;
};

/// The CLI running in the background: signal it, then collect its exit code and output.
/// The destructor kills a child that is still running.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& args, const ProcessOptions& options = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  /// Send a signal (SIGINT, SIGKILL...) to the child.
  void signal(int sig);
  /// True while the child has not exited (reaps it when it has).
  bool running();
  /// Wait for the child; exit_code is 128+N when it died of signal N.
  ProcessResult wait();

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  std::filesystem::path out_, err_;
};

}  // namespace doctown::test
