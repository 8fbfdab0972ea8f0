// Private file helpers: whole-file reads, atomic writes (temp + rename), hashing.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "doctown/error.hpp"

namespace doctown::detail {

/// Read a whole file; errors name the path.
result<std::string> read_file(const std::filesystem::path& path);
/// Write via a temporary sibling and rename, so readers never see a partial file.
result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content);
/// SHA-256 of bytes, lowercase hex.
std::string sha256_hex(std::string_view bytes);
/// UTC time now as ISO-8601 ("2026-11-27T13:47:00Z").
std::string utc_now_iso8601();

}  // namespace doctown::detail
