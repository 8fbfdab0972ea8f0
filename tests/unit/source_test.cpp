// Source tests: classification, directories, real archives built with libarchive (including
// malicious ones that must be refused without writing outside the work folder), git clones
// from a local bare repository over file://, and the errors bad sources get.
#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>

#include <fstream>

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

TEST_CASE("a directory is used in place; a missing one is a clear error", "[source]") {
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

TEST_CASE("GitHub URLs without the HTTP client are reported as unsupported", "[source]") {
  auto r = resolve_source("https://github.com/owner/repo", {.work_dir = test::scratch_dir("gh")}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::unsupported);
  CHECK(r.error().message.find("https://github.com/owner/repo.git") != std::string::npos);
}

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
  write("node_modules/m/index.js", "x\n");
  write("tools/run.py", "def f(): pass\n");
  write("docs/guide.md", "# Guide\n");
  write("data/blob.cpp", std::string("\0\1\2", 3));
  write("big.cpp", std::string(2000, 'x'));
  write("notes.txt", "text\n");
  write(".gitignore", "src/gen.cpp\n");

  detail::FileSelectOptions opts{.max_file_size = 1000};
  auto walk = detail::select_files(dir, opts, {});
  REQUIRE(walk);
  std::vector<std::string> paths;
  for (const auto& f : walk->files) paths.push_back(f.path);
  // A plain folder: .gitignore is not git's business here; everything else filters.
  CHECK(paths == std::vector<std::string>{"docs/guide.md", "include/a.hpp", "src/a.cpp",
                                          "src/gen.cpp", "tools/run.py"});
  CHECK(walk->files[2].language == "c++");
  CHECK(walk->files[4].language == "python");
  CHECK(walk->files[0].sha256.size() == 64);
  CHECK(std::any_of(walk->diagnostics.begin(), walk->diagnostics.end(),
                    [](const Diagnostic& d) { return d.file == "big.cpp"; }));

  run_ok({"git", "init", "--quiet"}, dir);
  auto git = detail::select_files(dir, opts, {});
  REQUIRE(git);
  CHECK(git->from_git);
  paths.clear();
  for (const auto& f : git->files) paths.push_back(f.path);
  CHECK(paths == std::vector<std::string>{"docs/guide.md", "include/a.hpp", "src/a.cpp",
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
