// Staged output folders: written beside the destination, then renamed over it.
#include "output/dir_util.hpp"

#include <fstream>
#include <random>
#include <system_error>

namespace doctown::detail {

namespace fs = std::filesystem;

result<fs::path> make_staging_dir(const fs::path& final_dir) {
  std::error_code ec;
  fs::create_directories(final_dir.parent_path(), ec);
  if (ec)
    return fail(errc::io_error, "cannot create the output folder: " + ec.message(),
                final_dir.parent_path().string());
  std::random_device rd;
  fs::path staging = final_dir;
  staging += ".tmp" + std::to_string(rd());
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
    old = final_dir;
    old += ".old" + std::to_string(std::random_device{}());
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

}  // namespace doctown::detail
