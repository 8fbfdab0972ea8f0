// llms.txt and llms-full.txt beside the HTML site: the llmstxt.org layout (title, summary
// blockquote, sections of `- [name](url): note`), every link resolving inside the site, the full
// file holding every Markdown page, the index linking it, and hostile names kept inert.
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>

#include "doctown/writer.hpp"
#include "support/output_fixture.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using doctown::test::OutputFixture;
using doctown::test::slurp;

namespace {

fs::path write_site(const doctown::DocSet& d, const fs::path& dir, const std::string& format) {
  doctown::HtmlOptions o;
  o.diagrams = false;  // no Graphviz needed
  auto w = format == "html" ? doctown::make_html_writer(o) : doctown::make_writer(format);
  REQUIRE(w);
  auto path = (*w)->write(d, dir, "geo", {});
  INFO((path ? std::string() : path.error().what()));
  REQUIRE(path);
  return *path;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("llms.txt follows llmstxt.org and every link resolves in the site", "[html][llms]") {
  OutputFixture fx;
  fs::path dir = write_site(fx.docset(), doctown::test::scratch_dir("llms"), "html");
  std::string llms = slurp(dir / "llms.txt");
  auto lines = lines_of(llms);
  REQUIRE(lines.size() > 6);
  CHECK(lines[0] == "# geo");
  CHECK(lines[1].empty());
  CHECK(lines[2].rfind("> ", 0) == 0);
  CHECK(lines[2].size() > 10);

  std::regex item(R"(^- \[([^\]]+)\]\(([^)]+)\): (.+)$)");
  std::size_t items = 0, sections = 0;
  for (const std::string& l : lines) {
    if (l.rfind("## ", 0) == 0) ++sections;
    if (l.rfind("- ", 0) != 0) continue;
    std::smatch m;
    INFO(l);
    REQUIRE(std::regex_match(l, m, item));
    ++items;
    CHECK(fs::exists(dir / m[2].str()));  // relative links into the site
    CHECK(!m[3].str().empty());
  }
  CHECK(sections >= 3);  // Docs, Namespaces and/or Files, Optional
  // Overview, every page, the full text and search.
  CHECK(items >= 3 + 1);
  CHECK(llms.find("- [geo](ns-geo.html): ") != std::string::npos);
  CHECK(llms.find("- [Full text](llms-full.txt): ") != std::string::npos);
  // The index links it (the brief's "linked from the site's index").
  CHECK(slurp(dir / "index.html").find("href=\"llms.txt\"") != std::string::npos);
}

TEST_CASE("llms-full.txt concatenates every Markdown page", "[html][llms]") {
  OutputFixture fx;
  fs::path site = write_site(fx.docset(), doctown::test::scratch_dir("llms-full"), "html");
  fs::path md = write_site(fx.docset(), doctown::test::scratch_dir("llms-md"), "markdown");
  std::string full = slurp(site / "llms-full.txt");
  CHECK(full.rfind("# geo\n\n> ", 0) == 0);
  std::size_t pages = 0;
  for (const auto& e : fs::directory_iterator(md)) {
    if (e.path().extension() != ".md") continue;
    ++pages;
    std::string text = slurp(e.path());
    INFO(e.path());
    CHECK(full.find(text) != std::string::npos);  // each page whole, as the writer wrote it
  }
  CHECK(pages >= 3);  // index.md and the fixture's pages
  for (const auto& [id, doc] : fx.docs) {
    INFO(id);
    CHECK(full.find(doc.summary) != std::string::npos);
  }
}

TEST_CASE("hostile names cannot forge links or sections in llms.txt", "[html][llms]") {
  OutputFixture fx;
  const std::string evil = "tools/a](http://evil.example)\n## Evil\n- [x](y).py";
  bool renamed = false;
  for (auto& f : fx.codebase.files)
    if (f.path == "tools/gen.py") {
      f.path = evil;
      renamed = true;
    }
  REQUIRE(renamed);
  for (auto& s : fx.codebase.symbols)
    if (s.location.file == "tools/gen.py") s.location.file = evil;
  fs::path dir = write_site(fx.docset(), doctown::test::scratch_dir("llms-hostile"), "html");
  auto lines = lines_of(slurp(dir / "llms.txt"));
  std::size_t checked = 0;
  for (const std::string& l : lines) {
    INFO(l);
    CHECK(l != "## Evil");
    CHECK(l.rfind("- [x](y)", 0) != 0);
    if (l.find("evil.example") != std::string::npos) {
      ++checked;
      CHECK(l.find("\\]") != std::string::npos);  // the bracket is escaped, no link forms
    }
  }
  CHECK(checked == 1);  // the file's page is listed, once, on one line
}
