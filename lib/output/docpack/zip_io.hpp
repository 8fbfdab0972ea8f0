// Private zip helpers over libarchive: write a whole archive atomically, read one back with
// size limits. The docpack writer and reader are the only users.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "doctown/error.hpp"

namespace doctown::detail {

/// One file inside a zip archive.
struct ZipMember {
  std::string name;
  std::string data;
};

/// Write `members` (deflated) to a temporary sibling of `path`, then rename it into place.
result<void> write_zip_atomic(const std::filesystem::path& path,
                              std::span<const ZipMember> members, std::time_t mtime);

/// Limits that keep a hostile archive from exhausting memory.
struct ZipReadLimits {
  std::uint64_t max_member_bytes = 4ull << 30;
  std::uint64_t max_total_bytes = 8ull << 30;
  std::uint64_t max_members = 10000;
};

/// Read every regular member of a zip archive. Errors name the archive and the member.
result<std::vector<ZipMember>> read_zip(const std::filesystem::path& path,
                                        const ZipReadLimits& limits = {});

}  // namespace doctown::detail
