// Sources: turn a user's <source> argument (directory, archive, git URL, GitHub URL) into a
// local directory tree to analyse.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "doctown/error.hpp"
#include "doctown/progress.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// How sources are fetched and unpacked.
struct SourceOptions {
  /// Folder where archives are extracted and repositories cloned (created when missing).
  std::filesystem::path work_dir = "output/.doctown-work";
  /// Branch, tag or commit for git and GitHub sources; empty = the default branch.
  std::string ref;
  /// Token sent to GitHub as `Authorization: Bearer` when not empty.
  std::string github_token;
  /// Largest total size of an extracted archive, in bytes.
  std::uint64_t max_extracted_bytes = 4ull << 30;
  /// Most entries an archive may have.
  std::uint64_t max_entries = 200000;
  /// Largest ratio of extracted size to archive size (zip-bomb guard).
  double max_compression_ratio = 200.0;
  /// Network timeout for downloads and clones, in seconds.
  double timeout_s = 300.0;
  /// Verify TLS certificates and host names (never turn off outside tests).
  bool verify_tls = true;
  /// Extra CA bundle file (PEM) trusted besides the system store; empty = system only.
  std::string ca_file;
  /// Git executable used for git URLs.
  std::string git_path = "git";
  /// Base URL of the GitHub REST API; tarballs come from `<base>/repos/OWNER/REPO/tarball/REF`
  /// (tests and GitHub Enterprise point it elsewhere).
  std::string github_api_url = "https://api.github.com";
};

/// What kind of source a string names.
enum class SourceKind { directory, archive, git, github };

/// Classify a source argument without touching the network. Errors name the argument.
result<SourceKind> classify_source(std::string_view source);

/// A source made local.
struct ResolvedSource {
  std::filesystem::path root;  ///< directory to analyse
  SourceInfo info;             ///< where it came from
};

/// Resolve `source` to a local directory: a directory is used in place; archives are extracted
/// safely into work_dir (no absolute paths, no `..`, no escaping links, size/entry/ratio limits);
/// git URLs are cloned with `git clone --depth 1` (argument vector, no shell); GitHub URLs are
/// downloaded as tarballs over HTTPS. Errors name the source and say what to do.
result<ResolvedSource> resolve_source(std::string_view source, const SourceOptions& options,
                                      const RunContext& ctx);

}  // namespace doctown
