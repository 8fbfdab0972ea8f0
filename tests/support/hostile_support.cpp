// Hostile corpus helpers: plain POSIX sockets for the echo server (one thread, one request per
// connection, `Connection: close`), libarchive for archives and for reading docpacks back.
#include "support/hostile_support.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <mutex>
#include <thread>

#include "source/process.hpp"
#include "support/test_paths.hpp"

namespace doctown::test::hostile {

namespace fs = std::filesystem;

void write(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void write_executable(const fs::path& p, std::string_view text) {
  write(p, text);
  fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
}

void git(const fs::path& repo, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = detail::run_process(
      argv, {.cwd = repo,
             .timeout_s = 60,
             .extra_env = {"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@e", "GIT_COMMITTER_NAME=t",
                           "GIT_COMMITTER_EMAIL=t@e", "GIT_CONFIG_NOSYSTEM=1",
                           "GIT_CONFIG_GLOBAL=/dev/null"}});
  REQUIRE(r);
  INFO(r->err);
  REQUIRE(r->exit_code == 0);
}

bool plain_git_runs_fsmonitor(const fs::path& repo, const fs::path& marker) {
  auto r = detail::run_process({"git", "ls-files", "--others", "--exclude-standard"},
                               {.cwd = repo, .timeout_s = 60});
  bool ran = r && fs::exists(marker);
  std::error_code ec;
  fs::remove(marker, ec);
  return ran;
}

void make_tar_gz(const fs::path& dir, const fs::path& tgz) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  REQUIRE(archive_write_open_filename(a, tgz.c_str()) == ARCHIVE_OK);
  const std::string top = dir.filename().string();
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path& p = it->path();
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, (top + "/" + p.lexically_relative(dir).generic_string()).c_str());
    if (it->is_directory()) {
      archive_entry_set_filetype(e, AE_IFDIR);
      archive_entry_set_perm(e, 0755);
      archive_write_header(a, e);
    } else if (it->is_regular_file()) {
      std::string data = slurp(p);
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0755);
      archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
      archive_write_header(a, e);
      archive_write_data(a, data.data(), data.size());
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

void make_foreign_sqlite(const fs::path& file) {
  fs::create_directories(file.parent_path());
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "CREATE TABLE docs(name TEXT, body BLOB);", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

namespace {

std::string zip_members_text(const fs::path& zip) {
  std::string all;
  archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_filename(a, zip.c_str(), 65536) == ARCHIVE_OK) {
    archive_entry* e = nullptr;
    char buf[65536];
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
      la_ssize_t n = 0;
      while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
        all.append(buf, static_cast<std::size_t>(n));
    }
  }
  archive_read_free(a);
  return all;
}

}  // namespace

std::string all_output_text(const fs::path& out) {
  std::string all;
  std::error_code ec;
  if (!fs::exists(out, ec)) return all;
  for (const auto& e : fs::recursive_directory_iterator(out, ec)) {
    if (!e.is_regular_file()) continue;
    all += slurp(e.path());
    if (e.path().extension() == ".docpack") all += zip_members_text(e.path());
  }
  return all;
}

struct EchoServer::Impl {
  int listen_fd = -1;
  unsigned short port = 0;
  std::atomic<bool> stop{false};
  mutable std::mutex mu;
  std::size_t requests = 0;
  std::string first_target;
  std::thread thread;

  void serve_one(int fd) {
    std::string req;
    char buf[8192];
    // Headers, then Content-Length bytes of body.
    std::size_t body_len = 0, header_end = std::string::npos;
    while (true) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) break;
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      req.append(buf, static_cast<std::size_t>(n));
      if (header_end == std::string::npos && (header_end = req.find("\r\n\r\n")) != std::string::npos) {
        std::string lower = req.substr(0, header_end);
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (auto cl = lower.find("content-length:"); cl != std::string::npos)
          body_len = std::stoul(lower.substr(cl + 15));
      }
      if (header_end != std::string::npos && req.size() >= header_end + 4 + body_len) break;
    }
    std::string target, auth;
    if (auto sp = req.find(' '); sp != std::string::npos)
      target = req.substr(sp + 1, req.find(' ', sp + 1) - sp - 1);
    std::string lower = req.substr(0, header_end == std::string::npos ? req.size() : header_end);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto at = lower.find("\r\nauthorization:"); at != std::string::npos) {
      auto start = at + 16;
      auth = req.substr(start, req.find("\r\n", start) - start);
    }
    {
      std::lock_guard lock(mu);
      if (requests++ == 0) first_target = target;
    }
    std::string body = "{\"error\":{\"message\":\"rejected: you sent authorization '" + auth +
                       "' to " + target + "\",\"type\":\"invalid_request_error\",\"code\":null}}";
    std::string resp = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                       "Connection: close\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body;
    std::size_t off = 0;
    while (off < resp.size()) {
      ssize_t w = ::write(fd, resp.data() + off, resp.size() - off);
      if (w <= 0) break;
      off += static_cast<std::size_t>(w);
    }
    ::close(fd);
  }
};

EchoServer::EchoServer() : impl_(std::make_unique<Impl>()) {
  impl_->listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(impl_->listen_fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(impl_->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(impl_->listen_fd, 64) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(impl_->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  impl_->port = ntohs(addr.sin_port);
  impl_->thread = std::thread([impl = impl_.get()] {
    while (!impl->stop) {
      pollfd p{impl->listen_fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int fd = ::accept4(impl->listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) impl->serve_one(fd);
    }
  });
}

EchoServer::~EchoServer() {
  impl_->stop = true;
  impl_->thread.join();
  ::close(impl_->listen_fd);
}

unsigned short EchoServer::port() const { return impl_->port; }

std::size_t EchoServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

std::string EchoServer::first_target() const {
  std::lock_guard lock(impl_->mu);
  return impl_->first_target;
}

}  // namespace doctown::test::hostile
