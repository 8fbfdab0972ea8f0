// Building blocks of the hostile corpus (tests/hostile): files and repositories written the
// way an attacker would ship them, a loopback HTTP server that quotes the credentials it
// receives back in its error body, and a reader of everything a run wrote (docpack members
// included) to search it for secrets.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace doctown::test::hostile {

/// Write a file, creating its folders.
void write(const std::filesystem::path& p, std::string_view text);
/// Write a file and make it executable.
void write_executable(const std::filesystem::path& p, std::string_view text);
/// Run git in `repo` (test setup only, with an author configured); REQUIREs success.
void git(const std::filesystem::path& repo, const std::vector<std::string>& args);
/// True when plain `git ls-files` in `repo` creates `marker` (then removes the marker): the
/// repository's config really is an attack.
bool plain_git_runs_fsmonitor(const std::filesystem::path& repo,
                              const std::filesystem::path& marker);
/// Pack the folder `dir` (its .git included) into a .tar.gz with one top folder.
void make_tar_gz(const std::filesystem::path& dir, const std::filesystem::path& tgz);
/// A SQLite file with a `docs` table of the wrong shape (what a foreign or damaged cache is).
void make_foreign_sqlite(const std::filesystem::path& file);
/// Every byte a run wrote under `out`, docpack members unpacked, as one string.
std::string all_output_text(const std::filesystem::path& out);

/// HTTP on 127.0.0.1 (ephemeral port) answering every request with 400 and an OpenAI-style
/// error body that quotes the Authorization header and the request target it received.
class EchoServer {
 public:
  EchoServer();
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;
  unsigned short port() const;
  /// Requests answered so far.
  std::size_t requests() const;
  /// Request target (path and query) of the first request.
  std::string first_target() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace doctown::test::hostile
