// Test helpers: locate the tree and run the CLI as a child process (posix_spawn, argv only).
#include "support/test_paths.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace doctown::test {

namespace fs = std::filesystem;

fs::path sample_project() { return fs::path(DOCTOWN_TEST_SOURCE_DIR) / "examples/sample-project"; }
fs::path data_dir() { return DOCTOWN_TEST_DATA_DIR; }
fs::path cli_path() { return DOCTOWN_CLI_PATH; }

fs::path scratch_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  fs::path p = fs::path(DOCTOWN_TEST_BINARY_DIR) / "scratch" /
               (name + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

ProcessResult run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env,
                      const fs::path& cwd) {
  fs::path dir = scratch_dir("proc");
  fs::path out = dir / "stdout", err = dir / "stderr";
  std::vector<std::string> argv_s{cli_path().string()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_s;
  if (const char* path = std::getenv("PATH")) env_s.push_back(std::string("PATH=") + path);
  if (const char* home = std::getenv("HOME")) env_s.push_back(std::string("HOME=") + home);
  for (const char* keep : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* v = std::getenv(keep)) env_s.push_back(std::string(keep) + "=" + v);
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  pid_t pid = 0;
  ProcessResult r;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data()) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&fa);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace doctown::test
