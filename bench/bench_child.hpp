// Shared by the benchmarks that measure memory: run one measurement in a forked child so that
// its peak RSS (ru_maxrss from wait4) is its own, not the largest of every earlier run.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <type_traits>

namespace doctown::bench {

/// Runs `fn` in a child process and returns its result with `peak_rss_mib` set to the child's
/// peak RSS; a value-initialised Sample when the child fails. Sample is copied through a pipe,
/// so it must be trivially copyable.
template <class Sample, class Fn>
Sample in_child(Fn&& fn) {
  static_assert(std::is_trivially_copyable_v<Sample>, "a Sample crosses a pipe as bytes");
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Sample s = fn();
    ssize_t w = write(fds[1], &s, sizeof s);
    _exit(w == static_cast<ssize_t>(sizeof s) ? 0 : 1);
  }
  close(fds[1]);
  Sample s{};
  ssize_t r = read(fds[0], &s, sizeof s);
  close(fds[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (r != static_cast<ssize_t>(sizeof s) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return {};
  s.peak_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  return s;
}

}  // namespace doctown::bench
