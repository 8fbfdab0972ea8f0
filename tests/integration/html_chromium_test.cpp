// The HTML site in a real browser (headless Chromium, file:// URLs): the search index loads,
// searching a symbol's name lists it with a working link, and cross-links land on their
// target. A ctest skip when Chromium is not installed.
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "doctown/writer.hpp"
#include "support/output_fixture.hpp"
#include "support/skip.hpp"
#include "support/test_paths.hpp"

extern char** environ;

namespace fs = std::filesystem;
using doctown::test::slurp;

namespace {

fs::path chromium_path() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (fs::exists(p)) return p;
  return {};
}

// Load a URL and return the DOM after the page's scripts ran (--dump-dom).
std::string dump_dom(const fs::path& chromium, const std::string& url, const fs::path& work) {
  static int n = 0;
  fs::path profile = work / ("profile-" + std::to_string(n));
  fs::path out = work / ("dom-" + std::to_string(n++) + ".html");
  std::vector<std::string> args{chromium.string(), "--headless", "--no-sandbox", "--disable-gpu",
                                "--disable-background-networking", "--disable-component-update",
                                "--disable-sync", "--no-first-run",
                                "--user-data-dir=" + profile.string(), "--dump-dom", url};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, chromium.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  REQUIRE(rc == 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  int status = 0;
  for (;;) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);  // chromium's own process group only
      waitpid(pid, &status, 0);
      FAIL("chromium did not finish within 90 s for " << url);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return slurp(out);
}

}  // namespace

TEST_CASE("the HTML site works in headless Chromium from file://", "[html][chromium]") {
  fs::path chromium = chromium_path();
  if (chromium.empty())
    doctown::test::skip_test("chromium is not installed (apt-get install chromium)");
  doctown::test::OutputFixture fx;
  fs::path work = doctown::test::scratch_dir("chromium");
  auto w = doctown::make_html_writer();
  REQUIRE(w);
  auto site = (*w)->write(fx.docset(), work, "geo", {});
  REQUIRE(site);
  std::string base = "file://" + fs::absolute(*site).string() + "/";

  // The index page loads and its scripts read the generated search index.
  std::string index = dump_dom(chromium, base + "index.html", work);
  INFO(index.substr(0, 2000));
  std::regex count_re(R"(<span id="index-count">(\d+) symbols in the search index</span>)");
  std::smatch m;
  REQUIRE(std::regex_search(index, m, count_re));
  CHECK(std::stoi(m[1]) >= static_cast<int>(fx.docs.size()));

  // Searching a symbol's name shows it, linked to its section.
  std::string results = dump_dom(chromium, base + "search.html#q=total_area", work);
  INFO(results.substr(0, 3000));
  CHECK(results.find("<a href=\"ns-geo.html#geo-total_area\" class=\"result\"><code>geo::total_area</code></a>") !=
        std::string::npos);
  CHECK(results.find("Sums the areas of all shapes.") != std::string::npos);
  CHECK(results.find("geo::parse_shape</code>") == std::string::npos);  // not a match
  // Words from a summary find symbols too.
  std::string by_summary = dump_dom(chromium, base + "search.html#q=radius%20circle", work);
  CHECK(by_summary.find("geo::Circle::radius</code>") != std::string::npos);

  // A cross-link from the index resolves: the target section exists and is highlighted.
  std::regex link_re(R"re(<a href="(class-geo-shape\.html#geo-shape)"><code>geo::Shape</code></a>)re");
  REQUIRE(std::regex_search(index, m, link_re));
  std::string target = dump_dom(chromium, base + std::string(m[1]), work);
  CHECK(target.find("data-target=\"found\"") != std::string::npos);
  CHECK(target.find("<section class=\"entry targeted\" id=\"geo-shape\">") != std::string::npos);
  // ...and a broken one would be noticed.
  std::string broken = dump_dom(chromium, base + "ns-geo.html#no-such-symbol", work);
  CHECK(broken.find("data-target=\"missing\"") != std::string::npos);
}
