// Child processes without a shell: fork + execve with an argument vector (core/spawn: the
// child dies with us), stdout/stderr read through pipes with poll() so neither pipe can fill
// up and block the child, a deadline and the run's stop token checked between polls. Pipes
// are close-on-exec so children spawned concurrently by other threads never inherit them.
#include "source/process.hpp"

#include "core/spawn.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

extern char** environ;

namespace doctown::detail {

namespace {

// Owns a file descriptor; closes it once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

bool make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

std::string join_argv(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  const ProcessOptions& options) {
  if (argv.empty() || argv[0].empty())
    return fail(errc::invalid_argument, "no program to run", {});

  Fd out_r, out_w, err_r, err_w, in_r, in_w;
  if (!make_pipe(out_r, out_w) || !make_pipe(err_r, err_w) || !make_pipe(in_r, in_w))
    return fail(errc::io_error, std::string("cannot create pipes: ") + std::strerror(errno),
                argv[0]);

  const std::pair<int, int> dups[] = {
      {in_r.get(), STDIN_FILENO}, {out_w.get(), STDOUT_FILENO}, {err_w.get(), STDERR_FILENO}};

  // The child inherits the environment (PATH, HOME, proxies) minus what the caller removes or
  // replaces (getenv takes the first match, so a replaced entry must not stay in front).
  std::vector<std::string> env_store = options.extra_env;
  std::vector<char*> cenv;
  auto name_of = [](std::string_view kv) { return kv.substr(0, kv.find('=')); };
  auto dropped = [&](std::string_view name) {
    for (const auto& e : env_store)
      if (name_of(e) == name) return true;
    for (const auto& u : options.unset_env)
      if (u == name) return true;
    return false;
  };
  for (char** e = environ; e && *e; ++e)
    if (!dropped(name_of(*e))) cenv.push_back(*e);
  for (auto& e : env_store) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  pid_t pid = 0;
  // The child dies with us (a kill -9 of doctown must not orphan git or ctags).
  int rc = spawn_tied(pid, argv, cenv.data(), options.cwd.string(), dups);
  if (rc != 0) {
    if (rc == ENOENT)
      return fail(errc::not_found,
                  "program '" + argv[0] + "' was not found; install it or put it on PATH",
                  argv[0]);
    return fail(errc::io_error, "cannot start '" + join_argv(argv) + "': " + std::strerror(rc),
                argv[0]);
  }
  out_w.reset();
  err_w.reset();
  in_r.reset();

  // Feed stdin (small inputs only: file lists) before reading, non-blocking so a child that
  // does not read cannot stall us.
  if (!options.stdin_data.empty()) ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  std::size_t in_off = 0;
  if (options.stdin_data.empty()) in_w.reset();

  using clock = std::chrono::steady_clock;
  const auto deadline =
      options.timeout_s > 0
          ? clock::now() + std::chrono::milliseconds(static_cast<long long>(options.timeout_s * 1000))
          : clock::time_point::max();

  ProcessOutput result_out;
  bool timed_out = false, cancelled = false;
  char buf[65536];
  while (out_r.get() >= 0 || err_r.get() >= 0) {
    pollfd fds[3];
    int n = 0;
    if (out_r.get() >= 0) fds[n++] = {out_r.get(), POLLIN, 0};
    if (err_r.get() >= 0) fds[n++] = {err_r.get(), POLLIN, 0};
    if (in_w.get() >= 0) fds[n++] = {in_w.get(), POLLOUT, 0};
    int pr = ::poll(fds, static_cast<nfds_t>(n), 100);
    if (pr < 0 && errno != EINTR) break;
    for (int i = 0; i < n && pr > 0; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_w.get()) {
        ssize_t w = ::write(in_w.get(), options.stdin_data.data() + in_off,
                            options.stdin_data.size() - in_off);
        if (w > 0) in_off += static_cast<std::size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) in_off = options.stdin_data.size();
        if (in_off >= options.stdin_data.size()) in_w.reset();
        continue;
      }
      ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        (fds[i].fd == out_r.get() ? result_out.out : result_out.err).append(buf, static_cast<std::size_t>(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        if (fds[i].fd == out_r.get()) out_r.reset(); else err_r.reset();
      }
    }
    if (clock::now() > deadline) { timed_out = true; break; }
    if (options.stop.stop_requested()) { cancelled = true; break; }
  }
  if (timed_out || cancelled) ::kill(pid, SIGKILL);
  in_w.reset();
  result_out.exit_code = wait_child(pid);
  if (timed_out)
    return fail(errc::timeout,
                "'" + join_argv(argv) + "' did not finish within " +
                    std::to_string(static_cast<long long>(options.timeout_s)) +
                    " s; raise the timeout or check the network",
                argv[0]);
  if (cancelled) return fail(errc::cancelled, "cancelled while running '" + argv[0] + "'", argv[0]);
  return result_out;
}

std::vector<std::string> git_argv(const std::string& git_path, std::vector<std::string> args) {
  // Command-line -c beats every config file, the repository's own .git/config included (and
  // whatever it pulls in with include.path), so these hold whatever a hostile repository sets.
  std::vector<std::string> argv{git_path,
                                "--no-pager",
                                "-c", "core.fsmonitor=false",
                                "-c", "core.hooksPath=/dev/null",
                                "-c", "core.pager=cat",
                                "-c", "core.askPass=",
                                "-c", "credential.helper=",
                                "-c", "core.excludesFile=/dev/null",
                                "-c", "core.untrackedCache=false",
                                "-c", "diff.external=",
                                "-c", "protocol.ext.allow=never",
                                "-c", "submodule.recurse=false",
                                "-c", "core.quotepath=off"};
  for (auto& a : args) argv.push_back(std::move(a));
  return argv;
}

ProcessOptions git_process_options(ProcessOptions options) {
  for (const char* kv : {"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
                         "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=true", "SSH_ASKPASS=true",
                         "GIT_PAGER=cat", "PAGER=cat", "GIT_OPTIONAL_LOCKS=0",
                         "GIT_NO_REPLACE_OBJECTS=1"})
    options.extra_env.emplace_back(kv);
  for (const char* name :
       {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_EXTERNAL_DIFF", "GIT_CONFIG", "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT"})
    options.unset_env.emplace_back(name);
  return options;
}

}  // namespace doctown::detail
