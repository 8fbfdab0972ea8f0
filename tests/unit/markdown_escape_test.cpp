// Markdown that cannot be hijacked (issue 13, item 6): the escaper's rules one by one, then the
// attacks of the issue rebuilt as a DocSet, written by the real Markdown writer and rendered by
// cmark-gfm (GitHub's renderer, tables on, its own HTML filter off so that nothing hides what
// our Markdown would let through). Without cmark-gfm the rendering tests are ctest skips.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <regex>

#include "doctown/writer.hpp"
#include "output/markdown/markdown_escape.hpp"
#include "source/process.hpp"
#include "support/skip.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
namespace md = doctown::detail::md;
using namespace doctown;

namespace {

constexpr const char* kImg = "<img src=x onerror=alert(1)>";

// The HTML cmark-gfm makes of `markdown`, or exits as a skip when cmark-gfm is missing.
std::string render(const std::string& markdown) {
  auto r = detail::run_process({"cmark-gfm", "--unsafe", "-e", "table", "-e", "autolink",
                                "-e", "strikethrough"},
                               {.timeout_s = 30, .stdin_data = markdown});
  if (!r && r.error().code == errc::not_found) {
    test::skip_test("cmark-gfm is not installed (apt-get install cmark-gfm)");
  }
  REQUIRE(r);
  REQUIRE(r->exit_code == 0);
  return r->out;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// Every <tr> of every table has as many cells as its header row.
void check_tables(const std::string& html) {
  std::regex table_re(R"(<table>([\s\S]*?)</table>)");
  std::size_t tables = 0;
  for (std::sregex_iterator t(html.begin(), html.end(), table_re), end; t != end; ++t) {
    ++tables;
    std::string body = (*t)[1];
    std::string head_row = body.substr(0, body.find("</tr>"));
    std::size_t header = count(head_row, "<th>") + count(head_row, "<th ");
    std::regex row_re(R"(<tr>([\s\S]*?)</tr>)");
    for (std::sregex_iterator r(body.begin(), body.end(), row_re); r != end; ++r) {
      std::string row = (*r)[1];
      if (row.find("<th>") != std::string::npos || row.find("<th ") != std::string::npos) continue;
      INFO(row);
      CHECK(count(row, "<td") == header);
    }
  }
  CHECK(tables > 0);
}

void check_no_injection(const std::string& html) {
  INFO(html);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("href=\"javascript:") == std::string::npos);
  CHECK(html.find("href=\"data:") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
}

// A small codebase carrying the attacks of issue 13: a hostile project name (the H1), a file
// name that is a javascript: link plus an <img> (the navigation line and the page list), a C++
// `operator|` and a `|` in a type (tables), doc comments with unbalanced backtick runs, raw
// HTML and an odd number of ``` fences.
struct Hostile {
  Codebase cb;
  EmbeddingMatrix emb;
  Graph graph;
  std::vector<DocScore> scores;
  std::map<std::string, SymbolDoc> docs;
  std::vector<SymbolFailure> failures;
  std::string evil_file = std::string("tools/[x](javascript:alert(1))") + kImg + ".py";

  Hostile() {
    cb.root = "/src/evil";
    cb.name = "evil";
    cb.source = {"local", "/src/evil", "", ""};
    cb.files = {{evil_file, "python", 10, "00"}, {"tools/ok.py", "python", 10, "00"},
                {"ops.hpp", "c++", 10, "00"}};
    auto add = [&](std::string id, SymbolKind k, std::string name, std::string file,
                   std::string lang) -> Symbol& {
      Symbol s;
      s.id = std::move(id);
      s.kind = k;
      s.name = name;
      s.qualified_name = std::move(name);
      s.language = std::move(lang);
      s.location = {std::move(file), 1, 3};
      cb.symbols.push_back(std::move(s));
      return cb.symbols.back();
    };
    Symbol& ns = add("c:@N@ops", SymbolKind::namespace_, "ops", "ops.hpp", "c++");
    ns.brief = std::string("Operators ``x` ") + kImg + " `.";
    Symbol& op = add("c:@N@ops@F@operator|", SymbolKind::function, "ops::operator|", "ops.hpp",
                     "c++");
    op.parent_id = "c:@N@ops";
    op.signature = "Flags operator|(Flags a, Flags b) // ```` ~~~~";
    op.params = {{"a", "Flags", ""}, {"b", "std::function<int(int|long)>", ""}};
    op.return_type = "Flags";
    add("python:evil:main", SymbolKind::function, "main", evil_file, "python").brief =
        "Entry point.";
    add("python:ok:run", SymbolKind::function, "run", "tools/ok.py", "python").brief =
        "Runs | everything.";
    cb.normalize();

    SymbolDoc& d = docs["c:@N@ops@F@operator|"];
    d.id = "c:@N@ops@F@operator|";
    d.source = "llm";
    d.summary = std::string("Combines ``a` and b ") + kImg + " | with a pipe.";
    d.description = std::string("Before.\n```\nint x;\n```\nAfter one block.\n```cpp\n") +
                    "unclosed " + kImg + "\n\n## Not a heading of ours";
    d.params = {{"a", "left | operand ``"}, {"b", std::string("right\noperand ") + kImg}};
    d.returns = "[click](javascript:alert(1)) or <javascript:alert(1)>";
    d.examples = {"auto f = a | b; // ``` and ~~~ inside"};
    d.see_also = {"[x](javascript:alert(1))"};
    failures.push_back({"python:ok:run", std::string("timeout ") + kImg + "\n# injected"});
  }

  mutable std::vector<VerifyResult> verification;

  DocSet docset() const {
    DocSet s;
    // Writers publish verification, they never run it: the hostile docs are verified first.
    verification = verify_docs(docs, cb);
    s.verification = &verification;
    s.codebase = &cb;
    s.embeddings = &emb;
    s.graph = &graph;
    s.scores = &scores;
    s.docs = &docs;
    s.failures = &failures;
    s.llm_model = "offline";
    return s;
  }
};

fs::path write_hostile(const Hostile& h, const std::string& name, const std::string& dir) {
  auto w = make_writer("markdown");
  REQUIRE(w);
  auto path = (*w)->write(h.docset(), test::scratch_dir(dir), name, {});
  INFO((path ? std::string() : path.error().what()));
  REQUIRE(path);
  return *path;
}

}  // namespace

TEST_CASE("escape_text turns HTML into entities and escapes link and code markup",
          "[markdown-escape]") {
  std::string t = md::escape_text(std::string("a ") + kImg + " [x](javascript:y) `b` | ~~s~~ \\");
  CHECK(t.find('<') == std::string::npos);
  CHECK(t.find("&lt;img") != std::string::npos);
  CHECK(t.find("\\[x\\](javascript:y)") != std::string::npos);
  CHECK(t.find("\\`b\\`") != std::string::npos);
  CHECK(t.find("\\|") != std::string::npos);
  CHECK(t.ends_with("\\\\"));
  CHECK(md::escape_text("bell\a esc\x1b[31m") == "bell esc\\[31m");
  CHECK(md::inline_text("two\nlines") == "two lines");
}

TEST_CASE("code spans are delimited by one more backtick than the longest run inside",
          "[markdown-escape]") {
  CHECK(md::code_span("x") == "`x`");
  CHECK(md::code_span("a``b") == "```a``b```");
  CHECK(md::code_span("`tick") == "`` `tick ``");
  CHECK(md::code_span("multi\nline") == "`multi line`");
  CHECK(md::fence_for("````\n~~~~~") == "``````");
  std::string block = md::code_block("x\n````\n", "c++ `evil`");
  CHECK(block == "`````c++\nx\n````\n`````\n");
}

TEST_CASE("link destinations keep http(s) and relative URLs and drop every other scheme",
          "[markdown-escape]") {
  CHECK(md::link_url("https://github.com/o/r/blob/abc/a b(1).cpp#L3") ==
        "https://github.com/o/r/blob/abc/a%20b%281%29.cpp#L3");
  CHECK(md::link_url("ns-geo.md#anchor") == "ns-geo.md#anchor");
  CHECK(md::link_url("javascript:alert(1)").empty());
  CHECK(md::link_url("JavaScript:alert(1)").empty());
  CHECK(md::link_url("data:text/html,x").empty());
  CHECK(md::link_url("//evil.example/x").empty());
  CHECK(md::link("`x`", "vbscript:x") == "`x`");
  // Found by fuzz_markdown: a colon in the first segment is put behind "./" (RFC 3986, 4.2),
  // so no parser can take what precedes it for a scheme.
  CHECK(md::link_url(":t:http://x") == "./:t:http://x");
  CHECK(md::link_url("docs/a:b.md") == "docs/a:b.md");
}

TEST_CASE("table cells escape bare pipes and keep escaped ones", "[markdown-escape]") {
  CHECK(md::table_cell(md::code_span("operator|")) == "`operator\\|`");
  CHECK(md::table_cell(md::escape_text("a|b")) == "a\\|b");
  CHECK(md::table_cell("x\\\\|y\nz") == "x\\\\\\|y z");
  std::string html = render("| a | b |\n|---|---|\n| " + md::table_cell(md::code_span("x|y")) +
                            " | " + md::table_cell(md::escape_text("p\\|q")) + " |\n");
  CHECK(html.find("<code>x|y</code>") != std::string::npos);
  CHECK(html.find("p\\|q") != std::string::npos);
  check_tables(html);
}

TEST_CASE("an odd number of fences in prose closes at the end of the prose", "[markdown-escape]") {
  std::string p = md::prose("a\n```\nb\n```\nc\n```\nd <x>", [](std::string_view t) {
    return md::escape_text(t);
  });
  std::string html = render(p + "\n\n## After\n");
  CHECK(html.find("<h2>After</h2>") != std::string::npos);
  CHECK(count(html, "<pre>") == 2);
  CHECK(html.find("d &lt;x&gt;") != std::string::npos);
}

TEST_CASE("the issue 13 Markdown attacks render as text in every page", "[markdown-escape]") {
  Hostile h;
  // The project name reaches the H1 of index.md (a '/' is refused as a name; '<' is not).
  fs::path dir = write_hostile(h, std::string("evil ") + kImg, "markdown-escape-attacks");
  std::size_t pages = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    ++pages;
    std::string text = test::slurp(f.path());
    std::string html = render(text);
    INFO(f.path().filename().string());
    check_no_injection(html);
    check_tables(html);
    if (f.path().filename() == "index.md") {
      CHECK(html.find("<h1>evil &lt;img src=x onerror=alert(1)&gt; documentation</h1>") !=
            std::string::npos);
      // The failure reason's "# injected" stays in its list item.
      CHECK(html.find("<h1>injected") == std::string::npos);
    }
    if (text.find("# Namespace") == 0) {
      // The unclosed fence of the description ends with the description: what follows (the
      // location line) is still Markdown, not code.
      CHECK(html.find("<em>Defined in</em>") != std::string::npos);
      CHECK(html.find("<h2>Not a heading of ours</h2>") == std::string::npos);
      CHECK(html.find("<code>ops::operator|</code>") != std::string::npos);
    }
    // The hostile file name is shown as text in the navigation line, never as a link.
    if (text.find("tools/ok.py") != std::string::npos && text.find("# File") == 0)
      CHECK(html.find("tools/[x](javascript:alert(1))&lt;img") != std::string::npos);
  }
  CHECK(pages >= 4);
}
