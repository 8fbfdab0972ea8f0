// Output-stage benchmark: time to write the docpack, Markdown and HTML site, reopen the
// docpack, verify every doc and search it, on synthetic codebases of growing size.
// Usage: bench_output [--json PATH] [--max-symbols N]
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "doctown/docpack.hpp"
#include "doctown/search.hpp"
#include "doctown/verify.hpp"
#include "doctown/writer.hpp"

namespace fs = std::filesystem;
using namespace doctown;

namespace {

struct Synthetic {
  Codebase cb;
  EmbeddingMatrix emb;
  Graph graph;
  std::vector<DocScore> scores;
  std::map<std::string, SymbolDoc> docs;
  std::vector<SymbolFailure> failures;
};

// n symbols: namespaces of 10 classes with 8 methods each, calls between neighbours.
Synthetic make(std::size_t n) {
  Synthetic s;
  s.cb.name = "synthetic";
  s.cb.root = "/synthetic";
  std::size_t per_ns = 90;
  for (std::size_t i = 0; s.cb.symbols.size() < n; ++i) {
    std::string ns = fmt::format("ns{}", i / per_ns);
    std::string file = fmt::format("src/{}/file{}.cpp", ns, i / 9);
    if (i % per_ns == 0) {
      Symbol x{.id = "c:@N@" + ns, .kind = SymbolKind::namespace_, .name = ns, .qualified_name = ns,
               .language = "c++", .location = {file, 1, 1}};
      s.cb.symbols.push_back(x);
    }
    if (i % 9 == 0) {
      s.cb.files.push_back({file, "c++", 1000, "00"});
      std::string cls = fmt::format("Widget{}", i / 9);
      Symbol c{.id = fmt::format("c:@N@{}@S@{}", ns, cls), .kind = SymbolKind::class_, .name = cls,
               .qualified_name = ns + "::" + cls, .language = "c++",
               .location = {file, 10, 200}, .signature = "class " + cls};
      s.cb.symbols.push_back(c);
      if (i >= 9)
        s.cb.relations.push_back({c.id, fmt::format("c:@N@{}@S@Widget{}", fmt::format("ns{}", (i - 9) / per_ns), i / 9 - 1),
                                  RelationKind::inherits, 1});
      continue;
    }
    std::string cls = fmt::format("Widget{}", i / 9);
    std::string m = fmt::format("compute_{}", i % 9);
    Symbol f{.id = fmt::format("c:@N@{}@S@{}@F@{}#", ns, cls, m), .kind = SymbolKind::method,
             .name = m, .qualified_name = ns + "::" + cls + "::" + m, .language = "c++",
             .location = {file, static_cast<int>(20 + i % 9 * 10), static_cast<int>(28 + i % 9 * 10)},
             .signature = "int " + m + "(int value, const std::string &label)",
             .return_type = "int", .params = {{"value", "int", ""}, {"label", "const std::string &", ""}},
             .source_text = "int " + m + "(int value, const std::string& label) { return value + label.size(); }"};
    s.cb.symbols.push_back(f);
  }
  s.cb.normalize();
  for (std::size_t i = 1; i < s.cb.symbols.size(); ++i)
    if (is_callable(s.cb.symbols[i].kind) && is_callable(s.cb.symbols[i - 1].kind))
      s.cb.relations.push_back({s.cb.symbols[i].id, s.cb.symbols[i - 1].id, RelationKind::calls, 1});
  s.cb.normalize();
  s.emb.model = "bench";
  s.emb.dims = 64;
  s.emb.rows = s.cb.symbols.size();
  s.emb.values.resize(s.emb.rows * s.emb.dims);
  for (std::size_t i = 0; i < s.emb.values.size(); ++i) s.emb.values[i] = static_cast<float>(std::sin(i * 0.37));
  for (const Symbol& x : s.cb.symbols) {
    s.graph.nodes.push_back({x.id, false, 1.0 / static_cast<double>(s.cb.symbols.size()), 0});
    s.scores.push_back({x.id, 0.7, 0.5, 0.5, 0.5, true, "bench"});
    if (x.kind == SymbolKind::namespace_) continue;
    SymbolDoc d;
    d.id = x.id;
    d.summary = "Computes the " + x.name + " of a widget.";
    d.description = "Uses `" + x.name + "` and `std::string`; see `" + x.qualified_name + "`.";
    if (is_callable(x.kind)) {
      d.params = {{"value", "The input value."}, {"label", "A label."}};
      d.returns = "The computed value.";
    }
    d.see_also = {x.qualified_name};
    s.docs[x.id] = d;
  }
  s.graph.edges = s.cb.relations;
  return s;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path;
  std::size_t max_symbols = 20000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--json") json_path = argv[++i];
    else if (std::string(argv[i]) == "--max-symbols") max_symbols = std::stoul(argv[++i]);
  }
  fs::path dir = fs::temp_directory_path() / fmt::format("doctown-bench-output-{}", ::getpid());
  boost::json::array rows;
  fmt::print("{:>8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}\n", "symbols", "docpack_s",
             "open_s", "markdown_s", "html_s", "verify_s", "search_ms", "docpack_MB");
  for (std::size_t n = 1000; n <= max_symbols; n *= 2) {
    Synthetic s = make(n);
    DocSet d;
    d.codebase = &s.cb;
    d.embeddings = &s.emb;
    d.graph = &s.graph;
    d.scores = &s.scores;
    d.docs = &s.docs;
    d.failures = &s.failures;
    d.llm_model = "bench";
    d.llm_mode = "offline";
    d.generated_at = "2026-11-27T00:00:00Z";
    // Verification is its own pipeline step (writers only publish it), timed on its own.
    auto t = std::chrono::steady_clock::now();
    auto results = verify_docs(s.docs, s.cb);
    double t_verify = seconds_since(t);
    d.verification = &results;
    t = std::chrono::steady_clock::now();
    auto dp_path = (*make_docpack_writer())->write(d, dir, "bench", {});
    double t_dp = seconds_since(t);
    if (!dp_path) { fmt::print(stderr, "{}\n", dp_path.error().what()); return 3; }
    t = std::chrono::steady_clock::now();
    auto dp = Docpack::open(*dp_path);
    double t_open = seconds_since(t);
    if (!dp) { fmt::print(stderr, "{}\n", dp.error().what()); return 3; }
    t = std::chrono::steady_clock::now();
    auto md = (*make_markdown_writer())->write(d, dir, "bench", {});
    double t_md = seconds_since(t);
    HtmlOptions ho;
    ho.diagrams = false;  // dot's time is Graphviz's, not ours
    t = std::chrono::steady_clock::now();
    auto html = (*make_html_writer(ho))->write(d, dir, "bench", {});
    double t_html = seconds_since(t);
    if (!md || !html) return 3;
    auto index = SearchIndex::build(*dp);
    t = std::chrono::steady_clock::now();
    for (int q = 0; q < 10; ++q) (void)index.search("compute widget value", SearchOptions{});
    double t_search = seconds_since(t) * 1000 / 10;
    double mb = static_cast<double>(fs::file_size(*dp_path)) / 1e6;
    fmt::print("{:>8} {:>10.3f} {:>10.3f} {:>10.3f} {:>10.3f} {:>10.3f} {:>10.2f} {:>12.2f}\n",
               s.cb.symbols.size(), t_dp, t_open, t_md, t_html, t_verify, t_search, mb);
    rows.push_back(boost::json::object{{"symbols", s.cb.symbols.size()}, {"docpack_s", t_dp},
                                       {"open_s", t_open}, {"markdown_s", t_md}, {"html_s", t_html},
                                       {"verify_s", t_verify}, {"search_ms", t_search},
                                       {"docpack_mb", mb},
                                       {"verified_ratio", verified_ratio(results)}});
  }
  fs::remove_all(dir);
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << boost::json::serialize(boost::json::object{{"bench", "output"}, {"rows", rows}}) << "\n";
  }
  return 0;
}
