// Sources: a user's <source> argument made into a local folder. Directories are used in
// place; archives are extracted with libarchive into a fresh folder under work_dir after every
// entry is checked (no absolute paths, no `..`, no links leaving the tree, entry/size/ratio
// limits), and libarchive's own secure-extraction flags are set as a second line of defence;
// git URLs are cloned shallowly by running git from an argument vector. A refused archive
// leaves nothing behind: its partial folder is removed.
#include "doctown/source.hpp"
#include "core/strings.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>
#include <system_error>

#include "core/file_util.hpp"
#include "source/process.hpp"

// The GitHub download rides on the shared HTTP client; a build without it reports GitHub URLs
// as unsupported (and points at the git URL, which works everywhere).
#if __has_include("net/http_client.hpp")
#include "net/http_client.hpp"
#define DOCTOWN_HAVE_HTTP_CLIENT 1
#endif

namespace doctown {

namespace fs = std::filesystem;

namespace {

using detail::lower;

bool is_archive_name(std::string_view s) {
  auto l = lower(s);
  for (std::string_view e : {".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tbz2",
                             ".txz"})
    if (l.ends_with(e)) return true;
  return false;
}

bool is_url(std::string_view s) { return s.find("://") != std::string_view::npos; }

// github.com/OWNER/REPO[/tree/REF] → owner, repo, ref.
struct GithubRef {
  std::string owner, repo, ref;
};
std::optional<GithubRef> parse_github(std::string_view s) {
  std::string_view rest;
  for (std::string_view p : {"https://github.com/", "http://github.com/", "https://www.github.com/"})
    if (s.starts_with(p)) rest = s.substr(p.size());
  if (rest.empty()) return std::nullopt;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= rest.size()) {
    auto end = rest.find('/', start);
    if (end == std::string_view::npos) end = rest.size();
    if (end > start) parts.emplace_back(rest.substr(start, end - start));
    start = end + 1;
  }
  if (parts.size() < 2) return std::nullopt;
  GithubRef g{parts[0], parts[1], {}};
  if (g.repo.ends_with(".git")) g.repo.resize(g.repo.size() - 4);
  if (parts.size() >= 4 && parts[2] == "tree") {
    for (std::size_t i = 3; i < parts.size(); ++i) g.ref += (i > 3 ? "/" : "") + parts[i];
  }
  return g;
}

// Folder name under work_dir: readable stem plus a hash of the full source, so two sources
// never share a folder and the same source always gets the same one.
fs::path work_folder(const SourceOptions& o, std::string_view prefix, std::string_view source) {
  std::string stem;
  auto slash = source.find_last_of("/\\:");
  std::string_view base = slash == std::string_view::npos ? source : source.substr(slash + 1);
  for (char c : base) stem += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  if (stem.size() > 40) stem.resize(40);
  std::string key(source);
  key += "\n" + o.ref;
  return o.work_dir / (std::string(prefix) + "-" + stem + "-" + detail::sha256_hex(key).substr(0, 12));
}

// An entry path is safe when relative and free of `..` (after dropping "." segments).
std::optional<std::string> safe_relative(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.find('\\') != std::string_view::npos) return std::nullopt;
  if (p.size() >= 2 && p[1] == ':') return std::nullopt;  // "C:..." drive paths
  std::string out;
  std::size_t start = 0;
  while (start <= p.size()) {
    auto end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    auto seg = p.substr(start, end - start);
    if (seg == "..") return std::nullopt;
    if (!seg.empty() && seg != ".") {
      if (!out.empty()) out += '/';
      out += seg;
    }
    start = end + 1;
  }
  if (out.empty()) return std::string{};  // "./" itself
  return out;
}

// Does a link at `entry` (relative) pointing to `target` stay inside the tree?
bool link_stays_inside(const std::string& entry, std::string_view target) {
  if (target.empty() || target.front() == '/') return false;
  fs::path resolved = (fs::path(entry).parent_path() / std::string(target)).lexically_normal();
  auto s = resolved.generic_string();
  return !(s == ".." || s.starts_with("../") || s.front() == '/');
}

// libarchive's message for the last error; it has none for some failures (a null pointer).
std::string archive_message(archive* a) {
  const char* m = archive_error_string(a);
  return m ? m : "unknown libarchive error";
}

struct ArchiveReader {
  archive* a = archive_read_new();
  ~ArchiveReader() { archive_read_free(a); }
};
struct ArchiveWriter {
  archive* a = archive_write_disk_new();
  ~ArchiveWriter() { archive_write_free(a); }
};

// What an extraction has seen so far: counted against the limits as entries arrive.
struct ExtractState {
  const fs::path& dest;     // the extraction folder (canonical)
  const std::string& src;   // the archive, as errors name it
  std::uint64_t size = 0;   // of the archive file, for the compression-ratio guard
  std::uint64_t entries = 0, total = 0;
  std::set<std::string> top_names;  // first path segments
  bool file_at_top = false;
};

// A fresh, empty extraction folder for `file` under work_dir.
result<fs::path> fresh_extraction_folder(const fs::path& file, const SourceOptions& o) {
  std::error_code ec;
  fs::path dest = work_folder(o, "archive", fs::absolute(file, ec).string());
  fs::remove_all(dest, ec);
  fs::create_directories(dest, ec);
  if (ec)
    return fail(errc::io_error, "cannot create the extraction folder: " + ec.message(),
                dest.string());
  // Entries are written to dest/<checked relative path>, an absolute path, so libarchive's
  // no-absolute-paths guard cannot be used; the links in dest's own path are resolved here
  // so its symlink guard only ever sees links the archive created.
  return fs::canonical(dest, ec);
}

// Refuses links that leave the archive (a hard link is re-pointed into the extraction
// folder). False for entries that are skipped: devices and fifos.
result<bool> accept_entry_type(archive_entry* entry, const std::string& name,
                               const std::string& rel, const ExtractState& st) {
  if (const char* hl = archive_entry_hardlink(entry)) {
    auto hrel = safe_relative(hl);
    if (!hrel || hrel->empty())
      return fail(errc::invalid_argument,
                  "archive entry '" + name + "' is a hard link to '" + hl +
                      "' outside the archive; refused",
                  st.src);
    archive_entry_set_hardlink(entry, (st.dest / *hrel).string().c_str());
  }
  auto type = archive_entry_filetype(entry);
  if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && !archive_entry_hardlink(entry))
    return false;
  if (type == AE_IFLNK) {
    const char* target = archive_entry_symlink(entry);
    if (!target || !link_stays_inside(rel, target))
      return fail(errc::invalid_argument,
                  "archive entry '" + name + "' is a link to '" + (target ? target : "") +
                      "', which leaves the archive; refused",
                  st.src);
  }
  return true;
}

// Copies a regular file's data, checking the size and compression-ratio limits as the bytes
// arrive (declared sizes can lie).
result<void> copy_entry_data(archive* in, archive* out, const std::string& name,
                             const SourceOptions& o, ExtractState& st) {
  const void* buf = nullptr;
  size_t len = 0;
  la_int64_t offset = 0;
  while (true) {
    int rr = archive_read_data_block(in, &buf, &len, &offset);
    if (rr == ARCHIVE_EOF) return {};
    if (rr != ARCHIVE_OK)
      return fail(errc::parse_error,
                  "corrupt archive data in '" + name + "': " + archive_message(in), st.src);
    st.total += len;
    if (st.total > o.max_extracted_bytes)
      return fail(errc::limit_exceeded,
                  "archive expands beyond " + std::to_string(o.max_extracted_bytes) +
                      " bytes; refused",
                  st.src);
    // The ratio guard starts after 1 MiB so small, very compressible files still pass.
    if (st.total > (1u << 20) &&
        static_cast<double>(st.total) >
            o.max_compression_ratio * static_cast<double>(std::max<std::uint64_t>(st.size, 1)))
      return fail(errc::limit_exceeded,
                  "archive expands more than " +
                      std::to_string(static_cast<int>(o.max_compression_ratio)) +
                      "x its size (a zip bomb?); refused",
                  st.src);
    if (archive_write_data_block(out, buf, len, offset) != ARCHIVE_OK)
      return fail(errc::io_error, "cannot write '" + name + "': " + archive_message(out),
                  st.src);
  }
}

// Checks one entry (its path, links, type and declared size) and writes it under the
// extraction folder.
result<void> extract_entry(archive* in, archive* out, archive_entry* entry,
                           const SourceOptions& o, ExtractState& st) {
  const char* raw = archive_entry_pathname(entry);
  std::string name = raw ? raw : "";
  auto rel = safe_relative(name);
  if (!rel)
    return fail(errc::invalid_argument,
                "archive entry '" + name +
                    "' has an absolute path or '..'; refusing to extract an archive that "
                    "writes outside its folder",
                st.src);
  if (rel->empty()) return {};
  auto accepted = accept_entry_type(entry, name, *rel, st);
  if (!accepted) return std::move(accepted).error();
  if (!*accepted) return {};
  auto type = archive_entry_filetype(entry);
  std::int64_t declared = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
  if (declared > 0 && st.total + static_cast<std::uint64_t>(declared) > o.max_extracted_bytes)
    return fail(errc::limit_exceeded,
                "archive expands beyond " + std::to_string(o.max_extracted_bytes) +
                    " bytes; refused",
                st.src);
  st.top_names.insert(rel->substr(0, rel->find('/')));
  if (rel->find('/') == std::string::npos && type != AE_IFDIR) st.file_at_top = true;
  std::string out_path = (st.dest / *rel).string();
  archive_entry_set_pathname(entry, out_path.c_str());
  archive_entry_set_perm(entry, type == AE_IFDIR ? 0755 : 0644);
  if (archive_write_header(out, entry) != ARCHIVE_OK)
    return fail(errc::io_error, "cannot extract '" + name + "': " + archive_message(out),
                st.src);
  if (type == AE_IFREG)
    if (auto ok = copy_entry_data(in, out, name, o, st); !ok) return ok;
  archive_write_finish_entry(out);
  return {};
}

result<ResolvedSource> extract_archive(const fs::path& file, const SourceOptions& o,
                                       const RunContext& ctx) {
  std::error_code ec;
  const std::string src = file.string();
  auto size = fs::file_size(file, ec);
  if (ec) return fail(errc::io_error, "cannot read the archive: " + ec.message(), src);
  auto made = fresh_extraction_folder(file, o);
  if (!made) return std::move(made).error();
  const fs::path dest = *made;
  // Whatever goes wrong, the partial extraction is removed.
  struct Cleanup {
    fs::path p;
    bool keep = false;
    ~Cleanup() {
      if (!keep) {
        std::error_code e;
        fs::remove_all(p, e);
      }
    }
  } cleanup{dest};

  ArchiveReader in;
  archive_read_support_filter_all(in.a);
  archive_read_support_format_tar(in.a);
  archive_read_support_format_gnutar(in.a);
  archive_read_support_format_zip(in.a);
  if (archive_read_open_filename(in.a, src.c_str(), 64 * 1024) != ARCHIVE_OK)
    return fail(errc::parse_error,
                std::string("not a readable .zip/.tar/.tar.gz archive: ") +
                    archive_message(in.a),
                src);
  ArchiveWriter out;
  archive_write_disk_set_options(
      out.a, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                 ARCHIVE_EXTRACT_NO_OVERWRITE);

  ExtractState st{dest, src, size};
  archive_entry* entry = nullptr;
  while (true) {
    int r = archive_read_next_header(in.a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return fail(errc::parse_error,
                  std::string("corrupt archive: ") + archive_message(in.a), src);
    if (ctx.stop_requested()) return fail(errc::cancelled, "extraction cancelled", src);
    if (++st.entries > o.max_entries)
      return fail(errc::limit_exceeded,
                  "archive has more than " + std::to_string(o.max_entries) +
                      " entries; refused (raise the entry limit if it is genuine)",
                  src);
    if (auto ok = extract_entry(in.a, out.a, entry, o, st); !ok) return ok.error();
  }
  if (st.entries == 0) return fail(errc::parse_error, "the archive is empty", src);
  // GitHub-style archives hold one top folder: analyse inside it.
  fs::path root = dest;
  if (st.top_names.size() == 1 && !st.file_at_top &&
      fs::is_directory(dest / *st.top_names.begin(), ec))
    root = dest / *st.top_names.begin();
  cleanup.keep = true;
  std::string type = lower(src).ends_with(".zip") ? "zip" : "tar";
  return ResolvedSource{root, SourceInfo{type, src, {}, {}}};
}

result<ResolvedSource> clone_git(std::string_view url, const SourceOptions& o,
                                 const RunContext& ctx) {
  std::string u(url);
  fs::path dest = work_folder(o, "git", u);
  std::error_code ec;
  fs::remove_all(dest, ec);
  fs::create_directories(dest.parent_path(), ec);
  // No credential prompts (a private repository without credentials fails instead of hanging)
  // and no program chosen by a config file: the cloned content is hostile, and so would be a
  // filter or hook a system or global config attaches to it.
  detail::ProcessOptions po =
      detail::git_process_options({.timeout_s = o.timeout_s, .stop = ctx.stop});
  auto describe = [&](const detail::ProcessOutput& p) {
    std::string err = p.err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    if (err.size() > 400) err = err.substr(err.size() - 400);
    return err;
  };
  std::vector<std::string> argv =
      detail::git_argv(o.git_path, {"clone", "--depth", "1", "--quiet", "--no-recurse-submodules"});
  if (!o.ref.empty()) {
    argv.push_back("--branch");
    argv.push_back(o.ref);
  }
  argv.push_back("--");
  argv.push_back(u);
  argv.push_back(dest.string());
  // Process errors (timeout, cancellation) name the URL, not the git command line.
  auto about_url = [&](error e) {
    if (e.code == errc::timeout)
      e.message = "git did not finish within " + std::to_string(static_cast<int>(o.timeout_s)) +
                  " s; check the network (or raise the timeout)";
    e.where = u;
    return e;
  };
  auto run = detail::run_process(argv, po);
  if (!run) return about_url(std::move(run).error());
  if (run->exit_code != 0 && !o.ref.empty()) {
    // --branch takes branches and tags only; a commit needs init + fetch + checkout.
    fs::remove_all(dest, ec);
    fs::create_directories(dest, ec);
    po.cwd = dest;
    std::string last_err;
    for (std::vector<std::string> step :
         {detail::git_argv(o.git_path, {"init", "--quiet"}),
          detail::git_argv(o.git_path, {"fetch", "--depth", "1", "--quiet", "--", u, o.ref}),
          detail::git_argv(o.git_path, {"checkout", "--quiet", "FETCH_HEAD"})}) {
      auto r = detail::run_process(step, po);
      if (!r) return about_url(std::move(r).error());
      if (r->exit_code != 0) {
        fs::remove_all(dest, ec);
        return fail(errc::not_found,
                    "cannot fetch ref '" + o.ref + "' of the git repository: " + describe(*r) +
                        "; check the URL and --ref",
                    u);
      }
    }
  } else if (run->exit_code != 0) {
    fs::remove_all(dest, ec);
    return fail(errc::network_error,
                "git clone failed: " + describe(*run) +
                    "; check the URL, the network and your access to the repository",
                u);
  }
  SourceInfo info{"git", u, o.ref, {}};
  auto head = detail::run_process(detail::git_argv(o.git_path, {"rev-parse", "HEAD"}),
                                  detail::git_process_options({.cwd = dest, .timeout_s = 60}));
  if (head && head->exit_code == 0) {
    info.commit = head->out;
    while (!info.commit.empty() && std::isspace(static_cast<unsigned char>(info.commit.back())))
      info.commit.pop_back();
  }
  return ResolvedSource{dest, info};
}

#ifdef DOCTOWN_HAVE_HTTP_CLIENT
// GitHub: the REST API's tarball endpoint redirects to codeload; the client follows it and
// drops the token when the host changes. The tarball is saved under work_dir and extracted
// with every archive guard.
result<ResolvedSource> download_github(std::string_view url, const SourceOptions& o,
                                       const RunContext& ctx) {
  auto gh = parse_github(url);
  if (!gh)
    return fail(errc::invalid_argument,
                "a GitHub URL needs an owner and a repository: "
                "https://github.com/OWNER/REPO[/tree/REF]",
                std::string(url));
  std::string ref = !o.ref.empty() ? o.ref : gh->ref;
  std::string base = o.github_api_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  net::HttpRequest req;
  req.url = base + "/repos/" + gh->owner + "/" + gh->repo + "/tarball" + (ref.empty() ? "" : "/" + ref);
  req.headers.push_back({"Accept", "application/vnd.github+json"});
  if (!o.github_token.empty()) req.headers.push_back({"Authorization", "Bearer " + o.github_token});
  net::HttpOptions ho;
  ho.timeout_s = o.timeout_s;
  ho.verify_tls = o.verify_tls;
  ho.ca_file = o.ca_file;
  ho.follow_redirects = true;
  ho.max_body_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(o.max_extracted_bytes, 4ull << 30));
  if (ctx.stop_requested()) return fail(errc::cancelled, "download cancelled", std::string(url));
  auto resp = net::http_request(req, ho);
  if (!resp) {
    auto e = std::move(resp).error();
    e.message = "downloading the GitHub tarball failed: " + e.message +
                "; check the network (or use the git URL)";
    e.where = std::string(url);
    return e;
  }
  if (resp->status == 401 || resp->status == 403)
    return fail(errc::unauthorized,
                "GitHub refused the download (HTTP " + std::to_string(resp->status) +
                    "); set GITHUB_TOKEN to a token that can read the repository",
                std::string(url));
  if (resp->status == 404)
    return fail(errc::not_found,
                "GitHub has no repository or ref here (HTTP 404); check OWNER/REPO and the ref"
                " (private repositories need GITHUB_TOKEN)",
                std::string(url));
  if (resp->status != 200)
    return fail(errc::http_status,
                "GitHub answered HTTP " + std::to_string(resp->status) + " to the tarball request",
                std::string(url));
  std::error_code ec;
  fs::create_directories(o.work_dir, ec);
  fs::path tarball = work_folder(o, "github", url);
  tarball += ".tar.gz";
  if (auto w = detail::write_file_atomic(tarball, resp->body); !w) return std::move(w).error();
  resp->body.clear();
  auto extracted = extract_archive(tarball, o, ctx);
  fs::remove(tarball, ec);
  if (!extracted) {
    auto e = std::move(extracted).error();
    e.where = std::string(url);
    return e;
  }
  // GitHub names the top folder OWNER-REPO-<short sha>.
  std::string top = extracted->root.filename().string();
  std::string commit;
  if (auto dash = top.rfind('-'); dash != std::string::npos) commit = top.substr(dash + 1);
  extracted->info = SourceInfo{"github", std::string(url), ref, commit};
  return extracted;
}
#endif

}  // namespace

result<SourceKind> classify_source(std::string_view source) {
  if (source.empty())
    return fail(errc::invalid_argument, "no source given; pass a folder, an archive or a URL", {});
  std::string s(source);
  if (s.starts_with("https://github.com/") || s.starts_with("http://github.com/") ||
      s.starts_with("https://www.github.com/")) {
    if (!parse_github(s))
      return fail(errc::invalid_argument,
                  "a GitHub URL needs an owner and a repository: "
                  "https://github.com/OWNER/REPO[/tree/REF]",
                  s);
    // A .git URL on github.com is an ordinary git remote.
    if (s.ends_with(".git")) return SourceKind::git;
    return SourceKind::github;
  }
  if (is_url(s)) {
    for (std::string_view scheme : {"https://", "http://", "git://", "ssh://", "file://"})
      if (s.starts_with(scheme)) {
        if (is_archive_name(s) && (s.starts_with("http")))
          return fail(errc::unsupported,
                      "archives are read from local files; download it first", s);
        return SourceKind::git;
      }
    return fail(errc::unsupported,
                "unsupported URL scheme; use https://, http://, git://, ssh:// or file://", s);
  }
  // scp-like git remotes: user@host:path.
  if (auto at = s.find('@'), colon = s.find(':');
      at != std::string::npos && colon != std::string::npos && at < colon &&
      s.find('/') > colon && !fs::exists(s))
    return SourceKind::git;
  std::error_code ec;
  if (fs::is_directory(s, ec)) return SourceKind::directory;
  if (is_archive_name(s)) return SourceKind::archive;
  if (fs::exists(s, ec))
    return fail(errc::unsupported,
                "not a folder or a .zip/.tar/.tar.gz archive; pass the project folder", s);
  return SourceKind::directory;  // resolve_source reports that it does not exist
}

result<ResolvedSource> resolve_source(std::string_view source, const SourceOptions& options,
                                      const RunContext& ctx) {
  try {
    auto kind = classify_source(source);
    if (!kind) return std::move(kind).error();
    std::string s(source);
    std::error_code ec;
    switch (*kind) {
      case SourceKind::directory: {
        if (!fs::exists(s, ec))
          return fail(errc::not_found, "the source folder does not exist; check the path", s);
        fs::path root = fs::canonical(s, ec);
        if (ec) return fail(errc::io_error, "cannot open the folder: " + ec.message(), s);
        return ResolvedSource{root, SourceInfo{"local", root.string(), {}, {}}};
      }
      case SourceKind::archive:
        if (!fs::exists(s, ec))
          return fail(errc::not_found, "the archive does not exist; check the path", s);
        return extract_archive(s, options, ctx);
      case SourceKind::git:
        return clone_git(s, options, ctx);
      case SourceKind::github:
#ifdef DOCTOWN_HAVE_HTTP_CLIENT
        return download_github(s, options, ctx);
#else
      {
        auto gh = parse_github(s);
        std::string git_url = "https://github.com/" + gh->owner + "/" + gh->repo + ".git";
        return fail(errc::unsupported,
                    "GitHub tarball download is not available in this build; use the git URL "
                    "instead: " + git_url + (gh->ref.empty() ? "" : " --ref " + gh->ref),
                    s);
      }
#endif
    }
    return fail(errc::internal, "unknown source kind", s);
  } catch (const std::exception& e) {
    return fail(errc::internal, std::string("resolving the source failed: ") + e.what(),
                std::string(source));
  }
}

}  // namespace doctown
