// Graphviz runner. `dot` is optional: the HTML writer calls this and, on not_found, puts a
// note in the page instead of a diagram. Output goes to a file (not a pipe) so a large SVG
// can never block the child while we wait on it.
#include "output/graphviz.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "core/file_util.hpp"

extern char** environ;

namespace doctown::detail {

namespace fs = std::filesystem;

std::string dot_quote(std::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o + "\"";
}

result<std::string> render_dot_svg(const std::string& dot_source, const std::string& dot_path,
                                   double timeout_s, const fs::path& work_dir) {
  std::string tag = std::to_string(std::random_device{}());
  fs::path in = work_dir / ("diagram-" + tag + ".dot");
  fs::path out = work_dir / ("diagram-" + tag + ".svg");
  if (auto ok = write_file_atomic(in, dot_source); !ok) return ok.error();
  auto cleanup = [&] {
    std::error_code ec;
    fs::remove(in, ec);
    fs::remove(out, ec);
  };

  std::vector<std::string> args{dot_path, "-Tsvg", "-o", out.string(), in.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, dot_path.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    cleanup();
    return fail(errc::not_found,
                "Graphviz `dot` could not be run; install graphviz to get diagrams", dot_path);
  }
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) {
      cleanup();
      return fail(errc::internal, "waiting for dot failed", dot_path);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      cleanup();
      return fail(errc::timeout, "dot took longer than " + std::to_string(timeout_s) + " s",
                  dot_path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    cleanup();
    // posix_spawnp reports a missing program as exit code 127 on some libcs.
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      return fail(errc::not_found,
                  "Graphviz `dot` could not be run; install graphviz to get diagrams", dot_path);
    return fail(errc::io_error, "dot failed on the generated diagram", dot_path);
  }
  auto svg = read_file(out);
  cleanup();
  if (!svg) return std::move(svg).error();
  auto start = svg->find("<svg");
  if (start == std::string::npos) return fail(errc::parse_error, "dot produced no SVG", dot_path);
  return svg->substr(start);
}

}  // namespace doctown::detail
