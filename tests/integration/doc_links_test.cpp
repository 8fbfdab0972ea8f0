// Every link of the Markdown and HTML output resolves: to an existing file, to an anchor that
// file defines, and for overloads to the right overload. Run through the real CLI on the
// sample project, on a project with overloads and tests written here, and on tinyxml2.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "support/skip.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using namespace doctown::test;

namespace {

struct Link {
  fs::path page;
  std::string target;
  std::string text;
};

struct Site {
  std::map<fs::path, std::set<std::string>> anchors;  // page -> ids it defines
  std::vector<Link> links;
  std::size_t largest_page = 0;
};

// Markdown without its fenced code blocks (fences may be indented, as in list items).
std::string without_fences(const std::string& text) {
  std::string out, line;
  bool in_fence = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos + 1);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    std::size_t first = line.find_first_not_of(' ');
    bool fence = first != std::string::npos && line.compare(first, 3, "```") == 0;
    if (fence) in_fence = !in_fence;
    else if (!in_fence) out += line;
  }
  return out;
}

// Anchors and links of every page of a Markdown or HTML folder.
Site read_site(const fs::path& dir, bool html) {
  Site site;
  const std::regex id_re(R"re(id="([^"]+)")re");
  const std::regex md_link(R"re(\[([^\]]*)\]\(([^)\s]+)\))re");
  const std::regex href(R"re(href="([^"]+)"[^>]*>(.*?)</a>)re");
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != (html ? ".html" : ".md")) continue;
    std::string text = slurp(e.path());
    site.largest_page = std::max(site.largest_page, text.size());
    if (!html) text = without_fences(text);  // code (usage snippets) is not Markdown
    auto& ids = site.anchors[fs::canonical(e.path())];
    for (std::sregex_iterator it(text.begin(), text.end(), id_re), end; it != end; ++it)
      ids.insert((*it)[1]);
    const std::regex& re = html ? href : md_link;
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
      site.links.push_back(
          {e.path(), html ? (*it)[1].str() : (*it)[2].str(), html ? (*it)[2].str() : (*it)[1].str()});
  }
  return site;
}

bool external(const std::string& t) {
  return t.rfind("http://", 0) == 0 || t.rfind("https://", 0) == 0 || t.rfind("mailto:", 0) == 0;
}

// Checks every relative link; returns how many were checked.
std::size_t check_links(const fs::path& dir, bool html) {
  Site site = read_site(dir, html);
  REQUIRE(!site.anchors.empty());
  CHECK(site.largest_page < 300 * 1024);
  std::size_t checked = 0;
  for (const Link& l : site.links) {
    if (external(l.target)) continue;
    auto hash = l.target.find('#');
    std::string file = l.target.substr(0, hash);
    std::string anchor = hash == std::string::npos ? "" : l.target.substr(hash + 1);
    if (file.find('?') != std::string::npos) file.resize(file.find('?'));
    fs::path target = file.empty() ? l.page : l.page.parent_path() / file;
    INFO(l.page.filename().string() << ": " << l.target);
    REQUIRE(fs::exists(target));
    if (!anchor.empty()) {
      auto it = site.anchors.find(fs::canonical(target));
      REQUIRE(it != site.anchors.end());
      CHECK(it->second.count(anchor) == 1);
    }
    ++checked;
  }
  return checked;
}

fs::path build(const fs::path& project, const std::string& name,
               const std::vector<std::string>& extra = {}) {
  fs::path out = scratch_dir("links-" + name);
  std::vector<std::string> args{"--quiet", "build", project.string(), "-o", out.string(), "--llm",
                                "offline", "--no-cache", "--formats", "markdown,html", "--name",
                                name};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_cli(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return out / name;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A library with overloads, one name in two namespaces, and a test calling into it.
fs::path overload_project() {
  fs::path root = scratch_dir("links-overloads-src");
  write(root / "include/lib/scale.hpp",
        "#pragma once\nnamespace lib {\n/// Scale an integer.\nint scale(int v);\n"
        "/// Scale a real number.\ndouble scale(double v);\n"
        "/// Uses the double overload only.\ndouble twice(double v);\n}\n"
        "namespace other {\n/// Same name, other namespace.\nint scale(int v);\n}\n");
  write(root / "src/scale.cpp",
        "#include \"lib/scale.hpp\"\nnamespace lib {\nint scale(int v) { return v * 2; }\n"
        "double scale(double v) { return v * 2.0; }\n"
        "double twice(double v) {\n  return scale(v);\n}\n}\n"
        "namespace other {\nint scale(int v) { return v * 3; }\n}\n");
  write(root / "tests/scale_test.cpp",
        "#include \"lib/scale.hpp\"\nint check_twice() {\n  double r = lib::twice(2.0);\n"
        "  return r == 8.0 ? 0 : 1;\n}\n");
  return root;
}

}  // namespace

TEST_CASE("every Markdown and HTML link of the sample project resolves", "[output][links]") {
  fs::path out = build(sample_project(), "sample");
  CHECK(check_links(out / "markdown", false) > 20);
  CHECK(check_links(out / "html", true) > 20);
  // The overview names the project, never the absolute local path of the source.
  std::string index = slurp(out / "markdown" / "index.md");
  CHECK(index.find(sample_project().string()) == std::string::npos);
  CHECK(slurp(out / "html" / "index.html").find(sample_project().string()) == std::string::npos);
}

TEST_CASE("links to overloads go to the right overload and tests are not documented",
          "[output][links]") {
  fs::path out = build(overload_project(), "overloads");
  check_links(out / "markdown", false);
  check_links(out / "html", true);
  std::string md;
  for (const auto& e : fs::directory_iterator(out / "markdown"))
    if (e.path().filename() != "index.md") md += slurp(e.path());
  // twice() calls the double overload: its "Calls" link must land on that overload's anchor.
  std::smatch m;
  auto at = md.find("`lib::twice`");
  REQUIRE(at != std::string::npos);
  std::string after = md.substr(at);
  REQUIRE(std::regex_search(after, m, std::regex(R"re(\*\*Calls:\*\* \[`lib::scale`\]\(([^)#]*)#([^)]+)\))re")));
  std::string anchor = m[2];
  auto def = md.find("<a id=\"" + anchor + "\"></a>");
  REQUIRE(def != std::string::npos);
  std::string section = md.substr(def, md.find("<a id=", def + 10) - def);
  CHECK(section.find("double scale(double v)") != std::string::npos);
  CHECK(section.find("int scale(int v)") == std::string::npos);
  // The test file's function is analysed (its call is a usage example) but not documented.
  CHECK(md.find("`tests/scale_test.cpp:3` (test)") != std::string::npos);
  CHECK(md.find("double r = lib::twice(2.0);") != std::string::npos);
  CHECK(md.find("function `check_twice`") == std::string::npos);
}

TEST_CASE("every link of a real project's pages resolves (tinyxml2)", "[output][links][realcode]") {
  fs::path archive = fs::path(DOCTOWN_TEST_SOURCE_DIR) / "../shared/realcode/tinyxml2.tar.gz";
  if (!fs::exists(archive)) {
    doctown::test::skip_test("the real-code corpus (../shared/realcode) is not available");
  }
  fs::path out = build(archive, "tinyxml2");
  CHECK(check_links(out / "markdown", false) > 100);
  CHECK(check_links(out / "html", true) > 100);
}

TEST_CASE("a relative -o is relative to the caller's working directory", "[cli][paths]") {
  fs::path cwd = scratch_dir("relative-out-cwd");
  auto r = run_cli({"--quiet", "build", sample_project().string(), "-o", "docs-out", "--llm", "offline",
                    "--no-cache", "--formats", "docpack,markdown", "--json"},
                   {}, cwd);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(cwd / "docs-out" / "sample-project.docpack"));
  CHECK(fs::exists(cwd / "docs-out" / "sample-project" / "markdown" / "index.md"));
  CHECK_FALSE(fs::exists(sample_project() / "docs-out"));
  // The JSON names paths that exist from anywhere.
  auto at = r.out.find("\"docpack\":\"");
  REQUIRE(at != std::string::npos);
  std::string path = r.out.substr(at + 11, r.out.find('"', at + 11) - at - 11);
  CHECK(fs::path(path).is_absolute());
  CHECK(fs::exists(path));
}
