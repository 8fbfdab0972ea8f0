// Private: build an output folder under a temporary name and swap it into place, so a failed
// or interrupted write never leaves a half-written site where a good one was.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "doctown/error.hpp"

namespace doctown::detail {

/// A staging folder next to `final_dir` (created empty). Errors name the folder.
result<std::filesystem::path> make_staging_dir(const std::filesystem::path& final_dir);
/// Write a file inside a staging folder (plain write; the folder swap is the atomic step).
result<void> write_text(const std::filesystem::path& path, std::string_view content);
/// Replace `final_dir` by `staging` (the old folder is removed only after the swap).
result<void> commit_staging_dir(const std::filesystem::path& staging,
                                const std::filesystem::path& final_dir);
/// Remove a staging folder after a failure (best effort).
void discard_staging_dir(const std::filesystem::path& staging) noexcept;
/// Builds the folder `final_dir` whole: `fill` writes into a fresh staging folder, which then
/// replaces `final_dir`. After an error or an exception from `fill` (internal error "<what>
/// failed: ..." naming `final_dir`) the staging folder is removed and `final_dir` is untouched.
result<void> write_dir_staged(
    const std::filesystem::path& final_dir, std::string_view what,
    const std::function<result<void>(const std::filesystem::path& staging)>& fill);

/// Staging names carry the writing process's id ("<name>.tmp<pid>-<n>", and "<name>.old<pid>-<n>"
/// for the folder being replaced). Removes the ones beside `final_path` whose process is gone
/// (left by a kill -9 or a crash); a live process's folders are left alone. Best effort.
void remove_stale_staging(const std::filesystem::path& final_path) noexcept;
/// The temporary name for `final_path` ("<final>.tmp<pid>-<random>").
std::filesystem::path staging_name(const std::filesystem::path& final_path, std::string_view tag = "tmp");

/// invalid_argument naming `name` unless it is a plain file name (not empty, no '/', not "."
/// or ".."): a writer's output name must not reach outside its output folder.
result<void> check_output_name(std::string_view name);

/// Most bytes of a file name made from analysed names (slugs, project names). Linux and macOS
/// refuse names over 255 bytes; 200 leaves room for suffixes (".docpack.tmp<pid>-<n>", "-2.html").
inline constexpr std::size_t kMaxNameBytes = 200;
/// `name` itself when it fits in `max_bytes`, else its start and a hash of the whole name
/// ("<start>-<16 hex>"): stable across runs, distinct for distinct names, never cut inside a
/// UTF-8 sequence.
std::string shorten_name(std::string_view name, std::size_t max_bytes = kMaxNameBytes);

/// An exclusive lock on an output folder (flock on "<dir>/.doctown.lock"), held while alive.
class OutputLock {
 public:
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  explicit OutputLock(int fd) : fd_(fd) {}

 private:
  int fd_;
};
/// Takes the lock of `dir` (created when missing). When another process holds it, calls
/// `on_wait` once and waits, checking `stop_requested` every 100 ms (cancelled when it turns
/// true). io_error naming the folder when the lock file cannot be created.
result<std::unique_ptr<OutputLock>> lock_output_dir(const std::filesystem::path& dir,
                                                    const std::function<void()>& on_wait,
                                                    const std::function<bool()>& stop_requested);

}  // namespace doctown::detail
