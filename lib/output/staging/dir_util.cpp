// Staged output folders: written beside the destination, then renamed over it.
#include "output/staging/dir_util.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <system_error>
#include <thread>

#include "core/file_util.hpp"

namespace doctown::detail {

namespace fs = std::filesystem;

result<fs::path> make_staging_dir(const fs::path& final_dir) {
  std::error_code ec;
  fs::create_directories(final_dir.parent_path(), ec);
  if (ec)
    return fail(errc::io_error, "cannot create the output folder: " + ec.message(),
                final_dir.parent_path().string());
  remove_stale_staging(final_dir);
  fs::path staging = staging_name(final_dir);
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec)
    return fail(errc::io_error, "cannot create a staging folder: " + ec.message(),
                staging.string());
  return staging;
}

result<void> write_text(const fs::path& path, std::string_view content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(errc::io_error, "cannot create file", path.string());
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.flush();
  if (!out) return fail(errc::io_error, "write failed (disk full?)", path.string());
  return {};
}

result<void> commit_staging_dir(const fs::path& staging, const fs::path& final_dir) {
  std::error_code ec;
  fs::path old;
  if (fs::exists(final_dir, ec)) {
    old = staging_name(final_dir, "old");
    fs::rename(final_dir, old, ec);
    if (ec)
      return fail(errc::io_error, "cannot move the previous output aside: " + ec.message(),
                  final_dir.string());
  }
  fs::rename(staging, final_dir, ec);
  if (ec) {
    std::error_code ec2;
    if (!old.empty()) fs::rename(old, final_dir, ec2);
    return fail(errc::io_error, "cannot move the new output into place: " + ec.message(),
                final_dir.string());
  }
  if (!old.empty()) fs::remove_all(old, ec);
  return {};
}

void discard_staging_dir(const fs::path& staging) noexcept {
  std::error_code ec;
  fs::remove_all(staging, ec);
}

result<void> check_output_name(std::string_view name) {
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..")
    return fail(errc::invalid_argument, "output name must be a plain file name",
                std::string(name));
  return {};
}

result<void> write_dir_staged(const fs::path& final_dir, std::string_view what,
                              const std::function<result<void>(const fs::path&)>& fill) {
  auto staging = make_staging_dir(final_dir);
  if (!staging) return std::move(staging).error();
  auto filled = [&]() -> result<void> {
    // Rendering runs over hostile input: a throw must not leave a half-written folder behind.
    try {
      return fill(*staging);
    } catch (const std::exception& e) {
      return fail(errc::internal, std::string(what) + " failed: " + e.what(), final_dir.string());
    }
  }();
  if (filled) filled = commit_staging_dir(*staging, final_dir);
  if (!filled) discard_staging_dir(*staging);
  return filled;
}

fs::path staging_name(const fs::path& final_path, std::string_view tag) {
  fs::path p = final_path;
  p += "." + std::string(tag) + std::to_string(::getpid()) + "-" +
       std::to_string(std::random_device{}());
  return p;
}

namespace {

// The writer's process id in a staging name's suffix ("tmp<pid>-<n>", "old<pid>-<n>"; older
// versions wrote "tmp<random>"), or 0 when the suffix is not one of ours.
long staging_pid(std::string_view suffix) {
  for (std::string_view tag : {"tmp", "old"}) {
    if (suffix.substr(0, tag.size()) != tag) continue;
    std::string_view digits = suffix.substr(tag.size());
    std::size_t dash = digits.find('-');
    std::string_view pid = digits.substr(0, dash);
    if (pid.empty() || pid.size() > 12 || pid.find_first_not_of("0123456789") != std::string_view::npos)
      return 0;
    if (dash != std::string_view::npos &&
        digits.substr(dash + 1).find_first_not_of("0123456789") != std::string_view::npos)
      return 0;
    return std::stol(std::string(pid));
  }
  return 0;
}

bool process_alive(long pid) {
  if (pid <= 0 || pid > 0x3fffffff) return false;  // beyond any pid_max: an old random suffix
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

void remove_stale_staging(const fs::path& final_path) noexcept {
  std::error_code ec;
  const std::string base = final_path.filename().string() + ".";
  fs::path parent = final_path.parent_path();
  if (parent.empty()) parent = ".";
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() <= base.size() || name.compare(0, base.size(), base) != 0) continue;
    long pid = staging_pid(std::string_view(name).substr(base.size()));
    if (pid == 0 || process_alive(pid)) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
  }
}

std::string shorten_name(std::string_view name, std::size_t max_bytes) {
  if (name.size() <= max_bytes) return std::string(name);
  const std::size_t hash_len = 16;
  std::size_t keep = max_bytes > hash_len + 1 ? max_bytes - hash_len - 1 : 0;
  // Do not cut a UTF-8 sequence: back up to the start of the character at the cut.
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
  return std::string(name.substr(0, keep)) + "-" + sha256_hex(name).substr(0, hash_len);
}

OutputLock::~OutputLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

result<std::unique_ptr<OutputLock>> lock_output_dir(const fs::path& dir,
                                                    const std::function<void()>& on_wait,
                                                    const std::function<bool()>& stop_requested) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec))
    return fail(errc::io_error,
                "cannot create the output folder" + (ec ? ": " + ec.message() : std::string()) +
                    "; check that -o names a folder you can write",
                dir.string());
  fs::path file = dir / ".doctown.lock";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return fail(errc::io_error,
                std::string("cannot create the output lock file: ") + std::strerror(errno),
                file.string());
  auto lock = std::make_unique<OutputLock>(fd);
  bool waited = false;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR)
      return fail(errc::io_error, std::string("cannot lock the output folder: ") + std::strerror(errno),
                  file.string());
    if (!waited && on_wait) on_wait();
    waited = true;
    if (stop_requested && stop_requested())
      return fail(errc::cancelled, "cancelled while waiting for the output folder", dir.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return lock;
}

}  // namespace doctown::detail
