// HTML site structure (without a browser): every local href resolves to a file and id, the
// search index is a script with every documented symbol, nothing loads from the network, and
// diagrams are SVG when Graphviz is installed or a note when it is not.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "doctown/writer.hpp"
#include "support/output_fixture.hpp"
#include "support/skip.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using doctown::test::slurp;
using doctown::test::OutputFixture;

namespace {

fs::path write_html(const doctown::DocSet& d, const fs::path& dir, doctown::HtmlOptions o = {}) {
  auto w = doctown::make_html_writer(o);
  REQUIRE(w);
  auto path = (*w)->write(d, dir, "geo", {});
  INFO((path ? std::string() : path.error().what()));
  REQUIRE(path);
  return *path;
}

bool dot_installed() { return fs::exists("/usr/bin/dot") || fs::exists("/usr/local/bin/dot"); }

}  // namespace

TEST_CASE("HTML links and ids all resolve, nothing comes from the network", "[html]") {
  OutputFixture fx;
  fs::path dir = write_html(fx.docset(), doctown::test::scratch_dir("html"));
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files[e.path().filename().string()] = slurp(e.path());
  for (const char* f : {"index.html", "search.html", "diagrams.html", "ns-geo.html",
                        "file-tools-gen-py.html", "style.css", "site.js", "search-index.js"})
    CHECK(files.count(f) == 1);

  std::regex href_re(R"((?:href|src)="([^"]*)\")");
  std::regex id_re(R"(\bid="([^"]+)\")");
  std::size_t checked = 0;
  for (const auto& [file, text] : files) {
    if (!file.ends_with(".html")) continue;
    // No external resources: no scheme other than local files, no CDN.
    CHECK(text.find("src=\"http") == std::string::npos);
    CHECK(text.find("href=\"http") == std::string::npos);
    CHECK(text.find("fetch(") == std::string::npos);
    for (std::sregex_iterator it(text.begin(), text.end(), href_re), end; it != end; ++it) {
      std::string link = (*it)[1];
      INFO(file << " -> " << link);
      if (link.empty()) continue;
      std::string target = link.substr(0, link.find('#'));
      std::string anchor = link.find('#') == std::string::npos ? "" : link.substr(link.find('#') + 1);
      std::string tf = target.empty() ? file : target;
      REQUIRE(files.count(tf) == 1);
      if (!anchor.empty()) {
        std::set<std::string> ids;
        const std::string& t = files[tf];
        for (std::sregex_iterator j(t.begin(), t.end(), id_re), e2; j != e2; ++j) ids.insert((*j)[1]);
        CHECK(ids.count(anchor) == 1);
      }
      ++checked;
    }
  }
  CHECK(checked > 50);
  CHECK(files["site.js"].find("fetch(") == std::string::npos);

  // Page content mirrors the Markdown.
  const std::string& geo = files["ns-geo.html"];
  CHECK(geo.find("<section class=\"entry\" id=\"geo-total_area\">") != std::string::npos);
  CHECK(geo.find("<pre class=\"signature\"><code>double total_area(const std::vector&lt;std::unique_ptr&lt;Shape&gt;&gt; &amp;shapes)</code></pre>") != std::string::npos);
  CHECK(geo.find("Defined in <code>src/algorithms.cpp:10-16</code>") != std::string::npos);
  // Classes have their own pages: Circle::area's see-also points at Shape's page.
  CHECK(files["class-geo-circle.html"].find("href=\"class-geo-shape.html#geo-shape-area\"") != std::string::npos);
  CHECK(files["index.html"].find("<a href=\"class-geo-shape.html#geo-shape\"><code>geo::Shape</code></a>") != std::string::npos);
}

TEST_CASE("the search index is a script listing symbols with summaries and links", "[html]") {
  OutputFixture fx;
  fs::path dir = write_html(fx.docset(), doctown::test::scratch_dir("html-index"));
  std::string js = slurp(dir / "search-index.js");
  const std::string prefix = "window.DOCTOWN_SEARCH_INDEX = ";
  REQUIRE(js.rfind(prefix, 0) == 0);
  REQUIRE(js.size() > prefix.size() + 2);
  auto v = boost::json::parse(js.substr(prefix.size(), js.size() - prefix.size() - 2));
  bool found = false;
  for (const auto& e : v.as_array()) {
    const auto& o = e.as_object();
    if (o.at("q") == "geo::total_area") {
      found = true;
      CHECK(o.at("u") == "ns-geo.html#geo-total_area");
      CHECK(o.at("s") == "Sums the areas of all shapes.");
      CHECK(o.at("l") == "src/algorithms.cpp:10");
    }
  }
  CHECK(found);
  CHECK(v.as_array().size() >= fx.docs.size());
}

TEST_CASE("diagrams: SVG when Graphviz dot is installed", "[html][dot]") {
  if (!dot_installed())
    doctown::test::skip_test("Graphviz dot is not installed (apt-get install graphviz)");
  OutputFixture fx;
  fs::path dir = write_html(fx.docset(), doctown::test::scratch_dir("html-dot"));
  std::string d = slurp(dir / "diagrams.html");
  auto svg1 = d.find("<svg");
  REQUIRE(svg1 != std::string::npos);
  CHECK(d.find("<svg", svg1 + 4) != std::string::npos);  // both diagrams
  CHECK(d.find("<?xml") == std::string::npos);
  CHECK(d.find("geo::Circle") != std::string::npos);
  CHECK(d.find("class-geo-circle.html#geo-circle") != std::string::npos);  // nodes link to their docs
}

TEST_CASE("diagrams: a note without dot and validated options", "[html]") {
  OutputFixture fx;
  SECTION("dot missing") {
    doctown::HtmlOptions o;
    o.dot_path = "/nonexistent/bin/dot";
    fs::path dir = write_html(fx.docset(), doctown::test::scratch_dir("html-nodot"), o);
    std::string d = slurp(dir / "diagrams.html");
    CHECK(d.find("Graphviz <code>dot</code> is not installed") != std::string::npos);
    CHECK(d.find("<svg") == std::string::npos);
    // The relations are still there as a list.
    CHECK(d.find("inherits from <a href=\"class-geo-shape.html#geo-shape\">") != std::string::npos);
    CHECK(d.find("<code>src/circle.cpp</code> includes <code>include/geo/circle.hpp</code>") != std::string::npos);
    // No temporary diagram files leak into the site.
    for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().filename().string().rfind("diagram-", 0) != 0);
  }
  SECTION("options are validated") {
    doctown::HtmlOptions o;
    o.dot_timeout_s = 0;
    CHECK(!doctown::make_html_writer(o));
    o = {};
    o.max_diagram_nodes = 0;
    CHECK(!doctown::make_html_writer(o));
  }
}
