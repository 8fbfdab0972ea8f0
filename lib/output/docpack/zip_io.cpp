// Zip archives through libarchive. Writing goes to a temporary name and is renamed only after
// libarchive closed the archive cleanly, so an interrupted write never leaves a docpack that
// looks complete. Reading is bounded (member size, total size, member count).
#include "output/docpack/zip_io.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <random>
#include <system_error>

#include "output/staging/dir_util.hpp"

namespace doctown::detail {

namespace fs = std::filesystem;

namespace {

struct WriteDeleter {
  void operator()(archive* a) const noexcept { archive_write_free(a); }
};
struct ReadDeleter {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};

std::string archive_message(archive* a) {
  const char* m = archive_error_string(a);
  return m ? m : "unknown libarchive error";
}

// True when the file ends with a zip end-of-central-directory record. A zip cut short loses
// it first, even when every local member before the cut still reads cleanly.
bool has_end_record(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return false;
  std::streamoff size = in.tellg();
  std::streamoff tail = std::min<std::streamoff>(size, 22 + 65535);
  std::string buf(static_cast<std::size_t>(tail), '\0');
  in.seekg(size - tail);
  in.read(buf.data(), tail);
  if (!in) return false;
  for (std::size_t i = buf.size() >= 22 ? buf.size() - 22 + 1 : 0; i-- > 0;)
    if (buf.compare(i, 4, "PK\x05\x06") == 0) {
      // The comment length must account exactly for the bytes that follow.
      std::size_t comment = static_cast<unsigned char>(buf[i + 20]) |
                            (static_cast<std::size_t>(static_cast<unsigned char>(buf[i + 21])) << 8);
      if (i + 22 + comment == buf.size()) return true;
    }
  return false;
}

}  // namespace

result<void> write_zip_atomic(const fs::path& path, std::span<const ZipMember> members,
                              std::time_t mtime) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec)
    return fail(errc::io_error, "cannot create the output folder: " + ec.message(),
                path.parent_path().string());
  remove_stale_staging(path);  // left by a writer that was killed (kill -9, crash)
  fs::path tmp = staging_name(path);
  auto cleanup = [&] {
    std::error_code ignored;
    fs::remove(tmp, ignored);
  };

  std::unique_ptr<archive, WriteDeleter> a(archive_write_new());
  if (!a) return fail(errc::internal, "libarchive could not allocate a writer", path.string());
  if (archive_write_set_format_zip(a.get()) != ARCHIVE_OK ||
      archive_write_zip_set_compression_deflate(a.get()) != ARCHIVE_OK)
    return fail(errc::unsupported, "libarchive lacks zip/deflate support: " +
                                       archive_message(a.get()), path.string());
  if (archive_write_open_filename(a.get(), tmp.c_str()) != ARCHIVE_OK) {
    std::string msg = archive_message(a.get());
    cleanup();
    return fail(errc::io_error, "cannot create the archive: " + msg +
                                    "; check that the folder is writable", tmp.string());
  }
  for (const ZipMember& m : members) {
    std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), m.name.c_str());
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(m.data.size()));
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_mtime(e.get(), mtime, 0);
    bool ok = archive_write_header(a.get(), e.get()) == ARCHIVE_OK;
    std::size_t off = 0;
    while (ok && off < m.data.size()) {
      la_ssize_t n = archive_write_data(a.get(), m.data.data() + off, m.data.size() - off);
      if (n <= 0) ok = false;
      else off += static_cast<std::size_t>(n);
    }
    if (ok) ok = archive_write_finish_entry(a.get()) == ARCHIVE_OK;
    if (!ok) {
      std::string msg = archive_message(a.get());
      a.reset();
      cleanup();
      return fail(errc::io_error, "writing member " + m.name + " failed: " + msg +
                                      " (disk full?)", path.string());
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    std::string msg = archive_message(a.get());
    a.reset();
    cleanup();
    return fail(errc::io_error, "finishing the archive failed: " + msg, path.string());
  }
  a.reset();
  fs::rename(tmp, path, ec);
  if (ec) {
    cleanup();
    return fail(errc::io_error, "cannot move the archive into place: " + ec.message(),
                path.string());
  }
  return {};
}

result<std::vector<ZipMember>> read_zip(const fs::path& path, const ZipReadLimits& limits) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    return fail(errc::not_found, "docpack does not exist; check the path", path.string());
  if (fs::is_directory(path, ec))
    return fail(errc::invalid_argument, "expected a .docpack file but found a folder",
                path.string());
  std::unique_ptr<archive, ReadDeleter> a(archive_read_new());
  if (!a) return fail(errc::internal, "libarchive could not allocate a reader", path.string());
  archive_read_support_format_zip(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    return fail(errc::parse_error,
                "not a readable zip archive (" + archive_message(a.get()) +
                    "); is this a .docpack written by doctown?",
                path.string());
  std::vector<ZipMember> out;
  std::uint64_t total = 0;
  for (;;) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      std::string after = out.empty() ? "at the start" : "after member " + out.back().name;
      return fail(errc::parse_error,
                  "malformed or truncated docpack " + after + ": " + archive_message(a.get()) +
                      "; rebuild it with `doctown build`",
                  path.string());
    }
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    if (out.size() >= limits.max_members)
      return fail(errc::limit_exceeded, "docpack has too many members", path.string());
    ZipMember m;
    const char* name = archive_entry_pathname(e);
    m.name = name ? name : "";
    std::string buf(1 << 16, '\0');
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
      if (n == 0) break;
      if (n < 0)
        return fail(errc::parse_error,
                    "member " + m.name + " is truncated or corrupt (" +
                        archive_message(a.get()) + "); rebuild the docpack",
                    path.string());
      m.data.append(buf.data(), static_cast<std::size_t>(n));
      total += static_cast<std::uint64_t>(n);
      if (m.data.size() > limits.max_member_bytes || total > limits.max_total_bytes)
        return fail(errc::limit_exceeded, "member " + m.name + " is larger than the limit",
                    path.string());
    }
    out.push_back(std::move(m));
  }
  if (!has_end_record(path))
    return fail(errc::parse_error,
                "truncated docpack: the zip's central directory is missing" +
                    (out.empty() ? std::string()
                                 : " (the last intact member is " + out.back().name + ")") +
                    "; the file was cut short, rebuild it with `doctown build`",
                path.string());
  return out;
}

}  // namespace doctown::detail
