// Private: build an output folder under a temporary name and swap it into place, so a failed
// or interrupted write never leaves a half-written site where a good one was.
#pragma once

#include <filesystem>
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

}  // namespace doctown::detail
