// Test helpers: locate the tree and run the CLI as a child process (fork + execve, argv only).
#include "support/test_paths.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
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

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ProcessResult run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env,
                      const fs::path& cwd) {
  ChildProcess child(args, {.env = env, .cwd = cwd});
  return child.wait();
}

ChildProcess::ChildProcess(const std::vector<std::string>& args, const ProcessOptions& options) {
  fs::path dir = scratch_dir("proc");
  out_ = dir / "stdout";
  err_ = dir / "stderr";
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
  // Given entries replace inherited ones of the same name (PATH, to hide a tool).
  for (const auto& e : options.env) {
    auto key = e.substr(0, e.find('=') + 1);
    std::erase_if(env_s, [&key](const std::string& v) { return v.rfind(key, 0) == 0; });
    env_s.push_back(e);
  }
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  // fork + execve rather than posix_spawn, because the file-size limit must be set in the
  // child. Between the two only async-signal-safe calls run (the test process has threads).
  std::string out_s = out_.string(), err_s = err_.string(), cwd_s = options.cwd.string();
  pid_ = fork();
  if (pid_ == 0) {
    int in = open("/dev/null", O_RDONLY);
    int o = open(out_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0) _exit(127);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    if (!cwd_s.empty() && chdir(cwd_s.c_str()) != 0) _exit(127);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGINT, &dfl, nullptr);
    if (options.file_size_limit > 0) {
      struct sigaction ign {};
      ign.sa_handler = SIG_IGN;
      sigaction(SIGXFSZ, &ign, nullptr);
      rlimit lim{options.file_size_limit, options.file_size_limit};
      setrlimit(RLIMIT_FSIZE, &lim);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  if (pid_ < 0) reaped_ = true;
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
}

void ChildProcess::signal(int sig) {
  if (!reaped_) ::kill(pid_, sig);
}

bool ChildProcess::running() {
  if (reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

ProcessResult ChildProcess::wait() {
  ProcessResult r;
  if (!reaped_) {
    waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  if (pid_ > 0)
    r.exit_code = WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  r.out = slurp(out_);
  r.err = slurp(err_);
  return r;
}

}  // namespace doctown::test
