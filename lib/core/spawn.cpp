// fork + execve with the parent-death signal. Between fork and exec the child of a threaded
// process may only make async-signal-safe calls, so everything that allocates (argv/envp
// arrays, the PATH search) happens before the fork, and an exec failure travels back to the
// parent through a close-on-exec pipe as an errno value.
#include "core/spawn.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <csignal>
#include <string_view>

namespace doctown::detail {

namespace {

// The executable for `name`: itself when it has a '/', else the first PATH entry holding an
// executable regular file of that name; empty when there is none.
std::string find_program(const std::string& name, char* const envp[]) {
  if (name.find('/') != std::string::npos) return name;
  std::string_view path = "/usr/local/bin:/usr/bin:/bin";
  for (char* const* e = envp; e && *e; ++e)
    if (std::string_view(*e).substr(0, 5) == "PATH=") path = std::string_view(*e).substr(5);
  while (true) {
    std::size_t colon = path.find(':');
    std::string dir(path.substr(0, colon));
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (colon == std::string_view::npos) return {};
    path.remove_prefix(colon + 1);
  }
}

}  // namespace

int spawn_tied(pid_t& pid, const std::vector<std::string>& argv, char* const envp[],
               const std::string& cwd, std::span<const std::pair<int, int>> dups) {
  if (argv.empty()) return EINVAL;
  std::string program = find_program(argv[0], envp);
  if (program.empty()) return ENOENT;
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return errno;
  const pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child < 0) {
    int e = errno;
    ::close(report[0]);
    ::close(report[1]);
    return e;
  }
  if (child == 0) {
    int err = 0;
#ifdef __linux__
    // The signal follows the death of the forking thread; callers wait for the child on the
    // thread that started it, so the two coincide. If the parent died before this line, the
    // child now belongs to init and must not run.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
#else
    (void)parent;
#endif
    for (const auto& [from, to] : dups)
      if (::dup2(from, to) < 0) err = errno;
    if (!err && !cwd.empty() && ::chdir(cwd.c_str()) != 0) err = errno;
    if (!err) {
      ::execve(program.c_str(), cargv.data(), envp);
      err = errno;
    }
    ssize_t w = ::write(report[1], &err, sizeof err);
    (void)w;
    ::_exit(127);
  }
  ::close(report[1]);
  int err = 0;
  ssize_t r;
  do r = ::read(report[0], &err, sizeof err);
  while (r < 0 && errno == EINTR);
  ::close(report[0]);
  if (r == static_cast<ssize_t>(sizeof err) && err != 0) {
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return err;
  }
  pid = child;
  return 0;
}

}  // namespace doctown::detail
