// Source tests: classification, directories, real archives built with libarchive (including
// malicious ones that must be refused without writing outside the work folder), git clones
// from a local bare repository over file://, and the errors bad sources get.
#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "doctown/source.hpp"
#include "source/file_select.hpp"
#include "source/process.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
namespace fs = std::filesystem;

namespace {

struct Entry {
  std::string name;
  std::string content;
  enum Type { file, dir, symlink, hardlink } type = file;
  std::string target;  // for links
};

// Write a real archive (tar.gz or zip) with libarchive.
void write_archive(const fs::path& path, const std::vector<Entry>& entries, bool zip = false) {
  archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
  }
  REQUIRE(archive_write_open_filename(a, path.string().c_str()) == ARCHIVE_OK);
  for (const auto& e : entries) {
    archive_entry* en = archive_entry_new();
    archive_entry_set_pathname(en, e.name.c_str());
    switch (e.type) {
      case Entry::file:
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_size(en, static_cast<la_int64_t>(e.content.size()));
        break;
      case Entry::dir: archive_entry_set_filetype(en, AE_IFDIR); break;
      case Entry::symlink:
        archive_entry_set_filetype(en, AE_IFLNK);
        archive_entry_set_symlink(en, e.target.c_str());
        break;
      case Entry::hardlink:
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_hardlink(en, e.target.c_str());
        break;
    }
    archive_entry_set_perm(en, 0644);
    REQUIRE(archive_write_header(a, en) == ARCHIVE_OK);
    if (e.type == Entry::file && !e.content.empty())
      archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(en);
  }
  archive_write_close(a);
  archive_write_free(a);
}

// Every regular file below `dir`, as relative paths.
std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file() || it->is_symlink()) out.push_back(it->path().lexically_relative(dir).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

void run_ok(const std::vector<std::string>& argv, const fs::path& cwd) {
  auto r = detail::run_process(argv, {.cwd = cwd, .timeout_s = 60,
                                      .extra_env = {"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@e",
                                                    "GIT_COMMITTER_NAME=t",
                                                    "GIT_COMMITTER_EMAIL=t@e"}});
  REQUIRE(r);
  INFO(r->err);
  REQUIRE(r->exit_code == 0);
}

}  // namespace

TEST_CASE("classify sources", "[source]") {
  CHECK(*classify_source(test::sample_project().string()) == SourceKind::directory);
  CHECK(*classify_source("project.tar.gz") == SourceKind::archive);
  CHECK(*classify_source("project.zip") == SourceKind::archive);
  CHECK(*classify_source("https://github.com/owner/repo") == SourceKind::github);
  CHECK(*classify_source("https://github.com/owner/repo/tree/v1.2") == SourceKind::github);
  CHECK(*classify_source("https://github.com/owner/repo.git") == SourceKind::git);
  CHECK(*classify_source("https://gitlab.com/owner/repo.git") == SourceKind::git);
  CHECK(*classify_source("file:///srv/repo.git") == SourceKind::git);
  CHECK(*classify_source("git@example.com:owner/repo.git") == SourceKind::git);

  auto no_repo = classify_source("https://github.com/owner");
  REQUIRE_FALSE(no_repo);
  CHECK(no_repo.error().code == errc::invalid_argument);
  auto ftp = classify_source("ftp://example.com/x");
  REQUIRE_FALSE(ftp);
  CHECK(ftp.error().code == errc::unsupported);
  CHECK(ftp.error().where == "ftp://example.com/x");
  CHECK_FALSE(classify_source(""));
}

TEST_CASE("a directory is used in place, a missing one is a clear error", "[source]") {
  auto r = resolve_source(test::sample_project().string(), {}, {});
  REQUIRE(r);
  CHECK(r->root == fs::canonical(test::sample_project()));
  CHECK(r->info.type == "local");

  auto missing = resolve_source("/nonexistent/doctown-src", {}, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::not_found);
  CHECK(missing.error().where == "/nonexistent/doctown-src");
}

TEST_CASE("archives are extracted into the work folder", "[source]") {
  auto dir = test::scratch_dir("archive-ok");
  SourceOptions opts{.work_dir = dir / "work"};
  for (bool zip : {false, true}) {
    fs::path arch = dir / (zip ? "proj.zip" : "proj.tar.gz");
    write_archive(arch, {{"proj-1.0/", "", Entry::dir},
                         {"proj-1.0/src/a.cpp", "int a() { return 1; }\n"},
                         {"proj-1.0/include/a.hpp", "int a();\n"},
                         {"proj-1.0/link.hpp", "", Entry::symlink, "include/a.hpp"}},
                  zip);
    auto r = resolve_source(arch.string(), opts, {});
    if (!r) FAIL(r.error().what());
    // One top folder, as GitHub tarballs have: the root is inside it.
    CHECK(r->root.filename() == "proj-1.0");
    CHECK(r->info.type == (zip ? "zip" : "tar"));
    std::ifstream in(r->root / "src/a.cpp");
    std::string line;
    std::getline(in, line);
    CHECK(line == "int a() { return 1; }");
    CHECK(fs::is_symlink(r->root / "link.hpp"));
    CHECK(r->root.string().rfind((dir / "work").string(), 0) == 0);
  }
}

TEST_CASE("malicious archives are refused and write nothing outside the work folder",
          "[source]") {
  auto dir = test::scratch_dir("archive-evil");
  fs::path work = dir / "work";
  SourceOptions opts{.work_dir = work};
  auto outside_before = files_under(dir);

  struct Case {
    const char* what;
    std::vector<Entry> entries;
  };
  std::vector<Case> cases{
      {"dot-dot", {{"ok.txt", "fine"}, {"../escaped.txt", "evil"}}},
      {"nested dot-dot", {{"a/b/../../../escaped2.txt", "evil"}}},
      {"absolute", {{(dir / "absolute.txt").string(), "evil"}}},
      {"escaping symlink", {{"link", "", Entry::symlink, "../../.."}}},
      {"absolute symlink", {{"etc", "", Entry::symlink, "/etc"}}},
      {"escaping hard link", {{"hl", "", Entry::hardlink, "../../outside"}}},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      fs::path arch = dir / "evil.tar.gz";
      write_archive(arch, c.entries);
      auto r = resolve_source(arch.string(), opts, {});
      REQUIRE_FALSE(r);
      CHECK(r.error().code == errc::invalid_argument);
      CHECK(r.error().where == arch.string());
      CHECK(r.error().message.find("refus") != std::string::npos);
      CHECK_FALSE(fs::exists(dir / "escaped.txt"));
      CHECK_FALSE(fs::exists(dir / "escaped2.txt"));
      CHECK_FALSE(fs::exists(dir / "absolute.txt"));
      // The partial extraction is gone too.
      CHECK(files_under(work).empty());
    }
  }
  (void)outside_before;
}

TEST_CASE("archive limits: entries, size, compression ratio", "[source]") {
  auto dir = test::scratch_dir("archive-limits");
  fs::path arch = dir / "many.tar.gz";
  write_archive(arch, {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}});
  auto many = resolve_source(arch.string(), {.work_dir = dir / "w", .max_entries = 3}, {});
  REQUIRE_FALSE(many);
  CHECK(many.error().code == errc::limit_exceeded);

  fs::path bomb = dir / "bomb.tar.gz";
  write_archive(bomb, {{"zeros.bin", std::string(8u << 20, '\0')}});
  auto r = resolve_source(bomb.string(), {.work_dir = dir / "w"}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::limit_exceeded);
  CHECK(r.error().message.find("zip bomb") != std::string::npos);

  auto big = resolve_source(bomb.string(),
                            {.work_dir = dir / "w", .max_extracted_bytes = 1000,
                             .max_compression_ratio = 1e9},
                            {});
  REQUIRE_FALSE(big);
  CHECK(big.error().code == errc::limit_exceeded);
  CHECK(files_under(dir / "w").empty());
}

TEST_CASE("a corrupt archive is a clear error", "[source]") {
  auto dir = test::scratch_dir("archive-corrupt");
  fs::path arch = dir / "broken.tar.gz";
  {
    std::ofstream out(arch, std::ios::binary);
    out << "\x1f\x8b this is not really gzip data at all, just bytes";
  }
  auto r = resolve_source(arch.string(), {.work_dir = dir / "w"}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::parse_error);
  CHECK(r.error().where == arch.string());
  auto missing = resolve_source((dir / "nope.zip").string(), {.work_dir = dir / "w"}, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::not_found);
}

TEST_CASE("git URLs are cloned shallowly, --ref picks a tag", "[source]") {
  auto dir = test::scratch_dir("git");
  fs::path src = dir / "src", bare = dir / "bare.git";
  fs::create_directories(src);
  run_ok({"git", "init", "--quiet", "-b", "main"}, src);
  {
    std::ofstream(src / "lib.cpp") << "int version() { return 1; }\n";
  }
  run_ok({"git", "add", "lib.cpp"}, src);
  run_ok({"git", "commit", "--quiet", "-m", "v1"}, src);
  run_ok({"git", "tag", "v1"}, src);
  {
    std::ofstream(src / "lib.cpp") << "int version() { return 2; }\n";
  }
  run_ok({"git", "commit", "--quiet", "-am", "v2"}, src);
  run_ok({"git", "clone", "--quiet", "--bare", src.string(), bare.string()}, dir);

  std::string url = "file://" + bare.string();
  auto head = resolve_source(url, {.work_dir = dir / "work"}, {});
  REQUIRE(head);
  CHECK(head->info.type == "git");
  CHECK(head->info.commit.size() == 40);
  std::ifstream in(head->root / "lib.cpp");
  std::string line;
  std::getline(in, line);
  CHECK(line == "int version() { return 2; }");

  auto tagged = resolve_source(url, {.work_dir = dir / "work", .ref = "v1"}, {});
  REQUIRE(tagged);
  std::ifstream in1(tagged->root / "lib.cpp");
  std::getline(in1, line);
  CHECK(line == "int version() { return 1; }");
  CHECK(tagged->info.ref == "v1");

  auto unreachable = resolve_source("file://" + (dir / "missing.git").string(),
                                    {.work_dir = dir / "work"}, {});
  REQUIRE_FALSE(unreachable);
  CHECK(unreachable.error().where == "file://" + (dir / "missing.git").string());
  CHECK(unreachable.error().message.find("git clone failed") != std::string::npos);
}

#if __has_include("net/http_client.hpp")
namespace {

// A loopback HTTP/1.1 server for the GitHub download: answers one connection per reply, in
// order, and records each request's head.
class TinyHttpServer {
 public:
  struct Reply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
  };
  explicit TinyHttpServer(std::vector<Reply> replies) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, replies = std::move(replies)] {
      for (const auto& r : replies) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::string head;
        char buf[4096];
        while (head.find("\r\n\r\n") == std::string::npos) {
          ssize_t n = ::read(c, buf, sizeof buf);
          if (n <= 0) break;
          head.append(buf, static_cast<std::size_t>(n));
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(head);
        }
        std::string out = "HTTP/1.1 " + std::to_string(r.status) + " X\r\nContent-Length: " +
                          std::to_string(r.body.size()) + "\r\nConnection: close\r\n";
        for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
        out += "\r\n" + r.body;
        std::size_t off = 0;
        while (off < out.size()) {
          ssize_t n = ::write(c, out.data() + off, out.size() - off);
          if (n <= 0) break;
          off += static_cast<std::size_t>(n);
        }
        ::close(c);
      }
    });
  }
  ~TinyHttpServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("GitHub URLs are downloaded as tarballs, redirects followed, token sent", "[source]") {
  auto dir = test::scratch_dir("github");
  write_archive(dir / "repo.tar.gz", {{"owner-repo-abc1234/", "", Entry::dir},
                                      {"owner-repo-abc1234/src/main.cpp", "int main() {}\n"}});
  std::string tarball = slurp(dir / "repo.tar.gz");
  // The API answers with a redirect to the download host, as GitHub does.
  TinyHttpServer server({{302, {{"Location", "/codeload/owner/repo/tar.gz/v2"}}, ""},
                         {200, {{"Content-Type", "application/x-gzip"}}, tarball}});
  SourceOptions opts{.work_dir = dir / "work", .github_token = "tok-123",
                     .github_api_url = server.base()};
  auto r = resolve_source("https://github.com/owner/repo/tree/v2", opts, {});
  if (!r) FAIL(r.error().what());
  CHECK(r->info.type == "github");
  CHECK(r->info.ref == "v2");
  CHECK(r->info.commit == "abc1234");
  CHECK(r->root.filename() == "owner-repo-abc1234");
  CHECK(fs::is_regular_file(r->root / "src/main.cpp"));
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].rfind("GET /repos/owner/repo/tarball/v2 HTTP/1.1", 0) == 0);
  CHECK(reqs[0].find("Authorization: Bearer tok-123") != std::string::npos);
  CHECK(reqs[1].rfind("GET /codeload/owner/repo/tar.gz/v2", 0) == 0);
}

TEST_CASE("GitHub errors: missing repository, refused token, malicious tarball", "[source]") {
  auto dir = test::scratch_dir("github-bad");
  write_archive(dir / "evil.tar.gz", {{"../../evil.txt", "x"}});
  std::string evil = slurp(dir / "evil.tar.gz");
  TinyHttpServer server({{404, {}, "{}"}, {403, {}, "{}"}, {200, {}, evil}});
  SourceOptions opts{.work_dir = dir / "work", .github_api_url = server.base()};
  const std::string url = "https://github.com/owner/missing";
  auto missing = resolve_source(url, opts, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::not_found);
  CHECK(missing.error().where == url);
  auto refused = resolve_source(url, opts, {});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::unauthorized);
  CHECK(refused.error().message.find("GITHUB_TOKEN") != std::string::npos);
  auto bad = resolve_source(url, opts, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_argument);
  CHECK_FALSE(fs::exists(dir / "evil.txt"));
  CHECK(files_under(dir / "work").empty());
}

TEST_CASE("an unreachable GitHub API is a network error naming the URL", "[source]") {
  // A port nothing listens on: bind, read the port, close.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  SourceOptions opts{.work_dir = test::scratch_dir("github-down"), .timeout_s = 10,
                     .github_api_url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port))};
  auto r = resolve_source("https://github.com/owner/repo", opts, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::network_error);
  CHECK(r.error().where == "https://github.com/owner/repo");
}

namespace {
// A loopback port that accepts connections (the kernel completes the handshake from the
// backlog) and never answers: what a hung server or a black-holing proxy looks like.
struct SilentServer {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  unsigned short port = 0;
  SilentServer() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd); }
};
}  // namespace

TEST_CASE("a server that never answers times out with a clear error, for GitHub and git URLs",
          "[source]") {
  SilentServer silent;
  const std::string base = "http://127.0.0.1:" + std::to_string(silent.port);
  auto t0 = std::chrono::steady_clock::now();
  auto gh = resolve_source("https://github.com/owner/repo",
                           {.work_dir = test::scratch_dir("gh-silent"), .timeout_s = 1,
                            .github_api_url = base},
                           {});
  REQUIRE_FALSE(gh);
  CHECK(gh.error().code == errc::timeout);
  CHECK(gh.error().where == "https://github.com/owner/repo");
  CHECK(gh.error().message.find("check the network") != std::string::npos);

  auto git = resolve_source(base + "/owner/repo.git",
                            {.work_dir = test::scratch_dir("git-silent"), .timeout_s = 1}, {});
  REQUIRE_FALSE(git);
  CHECK(git.error().code == errc::timeout);
  CHECK(git.error().where.find("/owner/repo.git") != std::string::npos);
  CHECK(git.error().message.find("check the network") != std::string::npos);
  // Both gave up near their 1-second limit, not at some library default.
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
}
#else
TEST_CASE("GitHub URLs without the HTTP client are reported as unsupported", "[source]") {
  auto r = resolve_source("https://github.com/owner/repo", {.work_dir = test::scratch_dir("gh")}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::unsupported);
  CHECK(r.error().message.find("https://github.com/owner/repo.git") != std::string::npos);
  auto tree = resolve_source("https://github.com/owner/repo/tree/v2",
                             {.work_dir = test::scratch_dir("gh")}, {});
  REQUIRE_FALSE(tree);
  CHECK(tree.error().message.find("https://github.com/owner/repo.git --ref v2") !=
        std::string::npos);
}
#endif

TEST_CASE("file selection honours .gitignore, default excludes, globs and size", "[source]") {
  auto dir = test::scratch_dir("select");
  auto write = [&](const std::string& rel, const std::string& text) {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel, std::ios::binary) << text;
  };
  write("src/a.cpp", "int a;\n");
  write("src/gen.cpp", "int g;\n");
  write("include/a.hpp", "int b;\n");
  write("third_party/x/lib.cpp", "int v;\n");
  write("build/gen/out.cpp", "int o;\n");
  write("build/CMakeCache.txt", "CMAKE_BUILD_TYPE:STRING=\n");  // a real build tree
  write("builder/x.cpp", "int x;\n");                          // not one: a source folder
  write("..dots.cpp", "int d;\n");                              // a name, not a parent
  write("node_modules/m/index.js", "x\n");
  write("tools/run.py", "def f(): pass\n");
  write("docs/guide.md", "# Guide\n");
  write("data/blob.cpp", std::string("\0\1\2", 3));
  write("big.cpp", std::string(2000, 'x'));
  write("notes.txt", "text\n");
  write(".gitignore", "src/gen.cpp\n");
  // A link leaving the tree is skipped; a link inside it is a file like any other.
  write("../outside-secret.py", "SECRET = 1\n");
  fs::create_symlink("../../outside-secret.py", dir / "tools/leak.py");
  fs::create_symlink("run.py", dir / "tools/alias.py");

  detail::FileSelectOptions opts{.max_file_size = 1000};
  auto walk = detail::select_files(dir, opts, {});
  REQUIRE(walk);
  std::vector<std::string> paths;
  for (const auto& f : walk->files) paths.push_back(f.path);
  // A plain folder: .gitignore is not git's business here; everything else filters.
  CHECK(paths == std::vector<std::string>{"..dots.cpp", "builder/x.cpp", "docs/guide.md",
                                          "include/a.hpp", "src/a.cpp", "src/gen.cpp",
                                          "tools/alias.py", "tools/run.py"});
  CHECK(walk->files[4].language == "c++");
  CHECK(walk->files[7].language == "python");
  CHECK(std::any_of(walk->diagnostics.begin(), walk->diagnostics.end(), [](const Diagnostic& d) {
    return d.file == "build/" && d.message.find("CMakeCache.txt") != std::string::npos;
  }));
  CHECK(walk->files[0].sha256.size() == 64);
  CHECK(std::any_of(walk->diagnostics.begin(), walk->diagnostics.end(),
                    [](const Diagnostic& d) { return d.file == "big.cpp"; }));

  run_ok({"git", "init", "--quiet"}, dir);
  auto git = detail::select_files(dir, opts, {});
  REQUIRE(git);
  CHECK(git->from_git);
  paths.clear();
  for (const auto& f : git->files) paths.push_back(f.path);
  CHECK(paths == std::vector<std::string>{"..dots.cpp", "builder/x.cpp", "docs/guide.md",
                                          "include/a.hpp", "src/a.cpp", "tools/alias.py",
                                          "tools/run.py"});

  opts.include_globs = {"src/**", "*.md"};
  opts.exclude_globs = {"docs/"};
  auto globbed = detail::select_files(dir, opts, {});
  REQUIRE(globbed);
  paths.clear();
  for (const auto& f : globbed->files) paths.push_back(f.path);
  CHECK(paths == std::vector<std::string>{"src/a.cpp"});

  CHECK(detail::glob_match("**/*.cpp", "a/b/c.cpp"));
  CHECK(detail::glob_match("**/*.cpp", "c.cpp"));
  CHECK(detail::glob_match("*.cpp", "deep/dir/c.cpp"));
  CHECK_FALSE(detail::glob_match("src/*.cpp", "src/x/c.cpp"));
  CHECK(detail::glob_match("src/?.cpp", "src/c.cpp"));
}

TEST_CASE("doctown's own output folders are never selected", "[source]") {
  auto dir = test::scratch_dir("select-own");
  auto write = [&](const std::string& rel, const std::string& text) {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel, std::ios::binary) << text;
  };
  write("src/a.cpp", "int a;\n");
  write("output/markdown/a.md", "# a\n");            // this run's -o
  write("old-run/.doctown-cache/docs.sqlite", "");    // an earlier run's output
  write("old-run/markdown/index.md", "# old\n");
  write("dist/x.py", "x = 1\n");
  write(".gitignore", "/dist/\n");                   // without git: plain names honoured
  detail::FileSelectOptions opts{.skip_dirs = {dir / "output"}};
  auto sel = detail::select_files(dir, opts, {});
  REQUIRE(sel);
  std::vector<std::string> paths;
  for (const auto& f : sel->files) paths.push_back(f.path);
  CHECK(paths == std::vector<std::string>{"src/a.cpp"});
  std::size_t notes = 0;
  for (const auto& d : sel->diagnostics) notes += d.message.rfind("skipped folder", 0) == 0;
  CHECK(notes == 3);
}

TEST_CASE("git runs with a sanitised config: the repository's fsmonitor does not run",
          "[source]") {
  auto dir = test::scratch_dir("select-fsmonitor");
  std::ofstream(dir / "a.cpp") << "int a;\n";
  run_ok({"git", "init", "--quiet"}, dir);
  const fs::path marker = dir.parent_path() / (dir.filename().string() + "-PWNED");
  run_ok({"git", "config", "core.fsmonitor", "touch '" + marker.string() + "'; echo"}, dir);
  // Control: git left to itself runs it.
  run_ok({"git", "ls-files", "--others"}, dir);
  REQUIRE(fs::exists(marker));
  fs::remove(marker);
  auto sel = detail::select_files(dir, {}, {});
  REQUIRE(sel);
  CHECK(sel->from_git);
  CHECK(sel->files.size() == 1);
  CHECK_FALSE(fs::exists(marker));
}
