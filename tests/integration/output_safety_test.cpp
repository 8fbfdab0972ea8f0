// Output folders that survive hostile names, kills and concurrency (issue 13, item 7): page
// names over 255 bytes are shortened with a hash, staging folders left by a killed writer are
// removed on the next run, children (dot, git, ctags) die with us, and two builds into one -o
// are serialised by a lock with a clear message instead of failing with "Directory not empty".
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "doctown/writer.hpp"
#include "output/staging/dir_util.hpp"
#include "source/process.hpp"
#include "support/output_fixture.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using namespace doctown;
using doctown::test::run_cli;

namespace {

// A deep path like a Java project's: 300+ bytes, each component under 255.
std::string deep_python_path() {
  std::string p;
  for (int i = 0; i < 12; ++i) p += "very_long_package_name_number_" + std::to_string(i) + "/";
  return p + "module.py";
}

bool alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close == std::string::npos || line.size() < close + 3 || line[close + 2] != 'Z';
}

}  // namespace

TEST_CASE("page names over the file name limit are shortened with a stable hash",
          "[output][safety]") {
  test::OutputFixture fx;
  const std::string path = deep_python_path();
  REQUIRE(path.size() > 300);
  for (auto& f : fx.codebase.files)
    if (f.path == "tools/gen.py") f.path = path;
  for (auto& s : fx.codebase.symbols)
    if (s.location.file == "tools/gen.py") s.location.file = path;
  fs::path out = test::scratch_dir("long-names");
  std::set<std::string> first;
  for (int run = 0; run < 2; ++run) {
    for (const char* format : {"markdown", "html"}) {
      auto w = make_writer(format);
      REQUIRE(w);
      auto dir = (*w)->write(fx.docset(), out, "geo", {});
      INFO((dir ? std::string() : dir.error().what()));
      REQUIRE(dir);
      bool found = false;
      for (const auto& e : fs::directory_iterator(*dir)) {
        std::string name = e.path().filename().string();
        CHECK(name.size() <= 255);
        if (name.rfind("file-very_long_package", 0) == 0) {
          found = true;
          CHECK(name.size() <= detail::kMaxNameBytes + 8);
          if (run == 0) first.insert(name);
          else CHECK(first.count(name) == 1);  // the same name on every run
        }
      }
      CHECK(found);
    }
  }
  CHECK(detail::shorten_name(std::string(300, 'a')) != detail::shorten_name(std::string(301, 'a')));
  CHECK(detail::shorten_name("short") == "short");
}

TEST_CASE("staging folders of a killed writer are removed on the next run", "[output][safety]") {
  test::OutputFixture fx;
  fs::path out = test::scratch_dir("stale-staging");
  fs::path final_dir = out / "geo" / "markdown";
  // A writer process that dies (as under kill -9) after creating its staging folder.
  pid_t child = ::fork();
  if (child == 0) {
    auto s = detail::make_staging_dir(final_dir);
    if (s) std::ofstream(*s / "index.md") << "half written";
    ::_exit(s ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  // An older version's name (random suffix), a live writer's folder (ours) and a user's file.
  fs::create_directories(out / "geo" / "markdown.tmp3735928559");
  fs::path live = detail::staging_name(final_dir);
  fs::create_directories(live);
  std::ofstream(out / "geo" / "markdown.tmp-notes.txt") << "mine";
  std::ofstream(out / "geo.docpack.tmp999999999-7") << "half a zip";

  auto staged = [&] {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(out / "geo"))
      n += e.path().filename().string().rfind("markdown.tmp", 0) == 0 &&
           e.path().filename() != "markdown.tmp-notes.txt";
    return n;
  };
  REQUIRE(staged() == 3);
  for (const char* format : {"markdown", "docpack"}) {
    auto w = make_writer(format);
    REQUIRE(w);
    REQUIRE((*w)->write(fx.docset(), out, "geo", {}));
  }
  CHECK(staged() == 1);  // only the live one
  CHECK(fs::exists(live));
  CHECK(fs::exists(out / "geo" / "markdown.tmp-notes.txt"));
  CHECK_FALSE(fs::exists(out / "geo.docpack.tmp999999999-7"));
  CHECK(fs::exists(final_dir / "index.md"));
  fs::remove_all(live);
}

TEST_CASE("a child process dies when doctown is killed", "[output][safety]") {
  fs::path dir = test::scratch_dir("child-death");
  fs::path pid_file = dir / "child.pid";
  // A doctown-like process runs a long child through run_process (as for dot, git, ctags),
  // then is killed with SIGKILL: it gets no chance to clean up.
  pid_t parent = ::fork();
  if (parent == 0) {
    auto r = detail::run_process(
        {"sh", "-c", "echo $$ > '" + pid_file.string() + "'; exec sleep 60"});
    ::_exit(r ? 0 : 1);
  }
  pid_t grandchild = 0;
  for (int i = 0; i < 200 && grandchild == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::ifstream in(pid_file);
    in >> grandchild;
  }
  REQUIRE(grandchild > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(alive(grandchild));
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !alive(grandchild);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  CHECK(gone);
  if (!gone) ::kill(grandchild, SIGKILL);
}

TEST_CASE("a build waits for another build writing to the same output folder",
          "[output][safety][cli]") {
  fs::path out = test::scratch_dir("output-lock");
  auto lock = detail::lock_output_dir(out, {}, {});
  REQUIRE(lock);
  // Holds the lock until another process has the lock file open (the CLI waiting for it),
  // then a little longer so that it has said so, then releases it.
  std::atomic<bool> released{false}, saw_waiter{false};
  std::thread holder([&] {
    const fs::path lock_file = fs::canonical(out / ".doctown.lock");
    for (int i = 0; i < 1200 && !saw_waiter; ++i) {
      std::error_code ec;
      for (const auto& proc : fs::directory_iterator("/proc", ec)) {
        std::string pid = proc.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos ||
            pid == std::to_string(::getpid()))
          continue;
        // Only the CLI itself counts: a child forked by this test still holds our descriptors
        // until it execs, and would be taken for the waiter.
        std::ifstream comm(proc.path() / "comm");
        std::string name;
        if (!std::getline(comm, name) || name != "doctown") continue;
        std::error_code fd_ec;
        for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
          std::error_code link_ec;
          if (fs::read_symlink(fd.path(), link_ec) == lock_file) saw_waiter = true;
        }
      }
      if (!saw_waiter) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    released = true;
    lock->reset();
  });
  auto r = run_cli({"build", test::sample_project().string(), "-o", out.string(), "--json"});
  bool finished_after_release = released;
  holder.join();
  INFO(r.err);
  CHECK(saw_waiter);
  CHECK(r.exit_code == 0);
  CHECK(finished_after_release);
  // The progress printer wraps long lines: look for the start of the note.
  CHECK(r.err.find("waiting for another doctown build writing to") != std::string::npos);
}

TEST_CASE("two builds into one output folder both succeed", "[output][safety][cli]") {
  fs::path out = test::scratch_dir("output-concurrent");
  test::ProcessResult a, b;
  std::thread other([&] {
    b = run_cli({"build", test::sample_project().string(), "-o", out.string(), "--json"});
  });
  a = run_cli({"build", test::sample_project().string(), "-o", out.string(), "--json"});
  other.join();
  INFO(a.err + "\n----\n" + b.err);
  CHECK(a.exit_code == 0);
  CHECK(b.exit_code == 0);
  CHECK((a.err + b.err).find("Directory not empty") == std::string::npos);
  CHECK(fs::exists(out / "sample-project" / "markdown" / "index.md"));
}
