// Markdown writer: every relative link resolves to an existing file and anchor, pages carry
// what a reader needs (signature, parameters, returns, throws, examples, see-also, location),
// anchors are stable, and the output is deterministic.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "doctown/writer.hpp"
#include "support/output_fixture.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using doctown::test::slurp;
using doctown::test::OutputFixture;

namespace {

fs::path write_markdown(const doctown::DocSet& d, const fs::path& dir) {
  auto w = doctown::make_writer("markdown");
  REQUIRE(w);
  auto path = (*w)->write(d, dir, "geo", {});
  INFO((path ? std::string() : path.error().what()));
  REQUIRE(path);
  return *path;
}

std::set<std::string> anchors_in(const std::string& text) {
  std::set<std::string> out;
  std::regex id_re(R"(<a id="([^"]+)\"></a>)");
  for (std::sregex_iterator it(text.begin(), text.end(), id_re), end; it != end; ++it)
    out.insert((*it)[1]);
  return out;
}

// Markdown links outside code spans and fenced blocks: [text](target).
std::vector<std::string> links_in(const std::string& text) {
  std::vector<std::string> out;
  bool in_fence = false;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("```", 0) == 0) {
      in_fence = !in_fence;
      continue;
    }
    if (in_fence) continue;
    for (std::size_t p = line.find("]("); p != std::string::npos; p = line.find("](", p + 2)) {
      std::size_t close = line.find(')', p + 2);
      if (close == std::string::npos) break;
      out.push_back(line.substr(p + 2, close - p - 2));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("every relative Markdown link resolves to a file and anchor", "[markdown]") {
  OutputFixture fx;
  fs::path dir = write_markdown(fx.docset(), doctown::test::scratch_dir("md-links"));
  std::map<std::string, std::string> pages;
  for (const auto& e : fs::directory_iterator(dir)) pages[e.path().filename().string()] = slurp(e.path());
  REQUIRE(pages.count("index.md") == 1);
  REQUIRE(pages.count("ns-geo.md") == 1);
  REQUIRE(pages.count("file-tools-gen-py.md") == 1);

  std::size_t checked = 0, cross_page = 0;
  for (const auto& [file, text] : pages) {
    for (const std::string& link : links_in(text)) {
      INFO(file << " -> " << link);
      REQUIRE(link.find("://") == std::string::npos);  // everything is local
      std::string target = link.substr(0, link.find('#'));
      std::string anchor = link.find('#') == std::string::npos ? "" : link.substr(link.find('#') + 1);
      std::string target_file = target.empty() ? file : target;
      REQUIRE(pages.count(target_file) == 1);
      if (!anchor.empty()) CHECK(anchors_in(pages[target_file]).count(anchor) == 1);
      ++checked;
      if (!target.empty() && target != file) ++cross_page;
    }
  }
  CHECK(checked > 30);
  CHECK(cross_page > 10);
  // Anchors are unique per page.
  for (const auto& [file, text] : pages) {
    std::regex id_re(R"(<a id="([^"]+)\"></a>)");
    std::size_t n = std::distance(std::sregex_iterator(text.begin(), text.end(), id_re),
                                  std::sregex_iterator());
    CHECK(n == anchors_in(text).size());
  }
}

TEST_CASE("Markdown pages document each symbol fully", "[markdown]") {
  OutputFixture fx;
  fs::path dir = write_markdown(fx.docset(), doctown::test::scratch_dir("md-content"));
  std::string index = slurp(dir / "index.md");
  CHECK(index.find("# geo documentation") == 0);
  for (const char* h : {"## Overview", "## Architecture", "## Namespaces and modules",
                        "## Most central symbols", "## Symbols that could not be documented"})
    CHECK(index.find(h) != std::string::npos);
  // The architecture overview's names link to their sections.
  CHECK(index.find("[`geo::Shape`](class-geo-shape.md#geo-shape)") != std::string::npos);
  CHECK(index.find("[`geo`](ns-geo.md)") != std::string::npos);
  CHECK(index.find("[`tools/gen.py`](file-tools-gen-py.md)") != std::string::npos);

  // Classes have their own pages; anchors are unique across the site, so one text holds them.
  std::string geo = slurp(dir / "ns-geo.md") + slurp(dir / "class-geo-circle.md") +
                    slurp(dir / "class-geo-shape.md");
  auto section = [&](const std::string& anchor) {
    auto b = geo.find("<a id=\"" + anchor + "\"></a>");
    REQUIRE(b != std::string::npos);
    auto e = geo.find("<a id=", b + 10);
    return geo.substr(b, e == std::string::npos ? std::string::npos : e - b);
  };
  std::string total = section("geo-total_area");
  CHECK(total.find("## function `geo::total_area`") != std::string::npos);
  CHECK(total.find("```cpp\ndouble total_area(const std::vector<std::unique_ptr<Shape>> &shapes)\n```") != std::string::npos);
  CHECK(total.find("Sums the areas of all shapes.") != std::string::npos);
  CHECK(total.find("| `shapes` | `const std::vector<std::unique_ptr<Shape>> &` | The shapes to sum; may be empty. |") != std::string::npos);
  CHECK(total.find("**Returns** `double`: The total area") != std::string::npos);
  // Its see-also names what "Calls" and "Called by" already list: each is named once.
  CHECK(total.find("**See also:**") == std::string::npos);
  CHECK(total.find("**Calls:** [`geo::Shape::area`](class-geo-shape.md#geo-shape-area)") != std::string::npos);
  CHECK(total.find("**Called by:** [`geo::summarize`](#geo-summarize)") != std::string::npos);
  CHECK(total.find("*Defined in* `src/algorithms.cpp:10-16`") != std::string::npos);
  // Backticked names in prose become links: `Shape::area` resolves by qualified suffix.
  CHECK(total.find("[`Shape::area`](class-geo-shape.md#geo-shape-area)") != std::string::npos);

  std::string ctor = section("geo-circle-circle");
  CHECK(ctor.find("**Throws:** [`std::invalid_argument`]") == std::string::npos);
  CHECK(ctor.find("**Throws:** `std::invalid_argument` if `radius < 0`.") != std::string::npos);
  CHECK(ctor.find("#### constructor `Circle`") != std::string::npos);  // under Constructors
  // `radius` here is the parameter: not linked to the method radius().
  CHECK(ctor.find("when `radius` is negative") != std::string::npos);
  // Field radius_ and method radius() get distinct anchors without hashes.
  CHECK(geo.find("<a id=\"geo-circle-radius_\"></a>") != std::string::npos);
  CHECK(geo.find("<a id=\"geo-circle-radius\"></a>") != std::string::npos);

  std::string circle = section("geo-circle");
  CHECK(circle.find("**Example**\n\n```cpp\ngeo::Circle c(2.0);") != std::string::npos);
  CHECK(circle.find("**Inherits from:** [`geo::Shape`](class-geo-shape.md#geo-shape)") != std::string::npos);

  // Undocumented symbols still get their facts; prose never leaks raw HTML.
  std::string describe = section("geo-shape-describe");
  CHECK(describe.find("std::string describe() const") != std::string::npos);
  CHECK(geo.find("std::unique_ptr<Shape>`") != std::string::npos);  // inside code spans only
  std::string py = slurp(dir / "file-tools-gen-py.md");
  CHECK(py.find("```python\ndef main(argv)\n```") != std::string::npos);
}

TEST_CASE("Markdown output is deterministic and anchors are stable", "[markdown]") {
  OutputFixture fx;
  fs::path d1 = write_markdown(fx.docset(), doctown::test::scratch_dir("md-det1"));
  fs::path d2 = write_markdown(fx.docset(), doctown::test::scratch_dir("md-det2"));
  std::size_t compared = 0;
  for (const auto& e : fs::directory_iterator(d1)) {
    CHECK(slurp(e.path()) == slurp(d2 / e.path().filename()));
    ++compared;
  }
  CHECK(compared >= 3);  // index.md and the pages

  // Adding an overload gives both overloads distinct anchors; other anchors do not move.
  OutputFixture fx2;
  doctown::Symbol overload = *fx2.codebase.find(fx2.id_of("geo::total_area"));
  overload.id = "c:@N@geo@F@total_area#&1$@N@std@S@span";
  overload.signature = "double total_area(std::span<const Shape *const> shapes)";
  fx2.codebase.symbols.push_back(overload);
  fx2.codebase.normalize();
  fx2.embeddings.rows = fx2.codebase.symbols.size();
  fx2.embeddings.values.resize(fx2.embeddings.rows * fx2.embeddings.dims, 0.1f);
  fx2.scores.resize(fx2.codebase.symbols.size());
  fs::path d3 = write_markdown(fx2.docset(), doctown::test::scratch_dir("md-det3"));
  std::string geo = slurp(d3 / "ns-geo.md");
  CHECK(geo.find("<a id=\"geo-total_area\"></a>") == std::string::npos);
  CHECK(std::count(geo.begin(), geo.end(), '\n') > 0);
  std::regex over(R"(<a id="geo-total_area-[0-9a-f]{8}"></a>)");
  CHECK(std::distance(std::sregex_iterator(geo.begin(), geo.end(), over), std::sregex_iterator()) == 2);
  CHECK(slurp(d3 / "class-geo-shape.md").find("<a id=\"geo-shape\"></a>") != std::string::npos);

  // A rewrite replaces the folder (no stale pages, no staging folders left).
  fs::path out = d1.parent_path();
  for (const auto& e : fs::directory_iterator(out)) CHECK(e.path().filename() == "markdown");
}

TEST_CASE("source locations link to GitHub when the code came from there", "[markdown]") {
  OutputFixture fx;
  fx.codebase.source = {"github", "https://github.com/acme/geo.git", "main",
                        "0123456789abcdef0123456789abcdef01234567"};
  fs::path dir = write_markdown(fx.docset(), doctown::test::scratch_dir("md-github"));
  std::string geo = slurp(dir / "ns-geo.md");
  CHECK(geo.find("*Defined in* [`src/algorithms.cpp:10-16`](https://github.com/acme/geo/blob/"
                 "0123456789abcdef0123456789abcdef01234567/src/algorithms.cpp#L10-L16)") !=
        std::string::npos);
  // A local source has no such links (checked by the link walker above).
}
