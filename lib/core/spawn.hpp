// Private: start a child process that dies with us. posix_spawn cannot set the parent-death
// signal, so a `kill -9` of doctown used to orphan `dot`, `git` and `ctags`; this is fork +
// execve with PR_SET_PDEATHSIG set in between (Linux; elsewhere the child simply outlives us).
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <utility>
#include <vector>

namespace doctown::detail {

/// Start argv[0] (searched in the PATH of `envp` when it has no '/') with `envp` as its
/// environment, in `cwd` when not empty, after dup2(from, to) for each pair of `dups`. The child
/// gets SIGKILL when the calling thread's process dies. Returns 0 and sets `pid`, or an errno
/// value (ENOENT when the program does not exist) like posix_spawnp.
int spawn_tied(pid_t& pid, const std::vector<std::string>& argv, char* const envp[],
               const std::string& cwd, std::span<const std::pair<int, int>> dups);

}  // namespace doctown::detail
