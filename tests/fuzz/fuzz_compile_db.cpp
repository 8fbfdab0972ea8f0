// Fuzz entry: the compile_commands.json reader. The input is the database's text, read by
// plan_translation_units for a small project (a C++ source, a C source, a header); the same
// text also goes through the shell-style command splitter and the argument filter.
#include <algorithm>
#include <set>

#include "analyzer/compile_db.hpp"
#include "fuzz_entries.hpp"

namespace doctown::fuzz {

namespace fs = std::filesystem;

int fuzz_compile_db(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);
  static const fs::path root = [] {
    fs::path r = scratch() / "compile_db" / "project";
    std::error_code ec;
    fs::create_directories(r / "src", ec);
    fs::create_directories(r / "include" / "p", ec);
    for (const char* f : {"src/a.cpp", "src/b.c", "include/p/a.hpp"}) write_bytes(r / f, "");
    return fs::canonical(r, ec);
  }();
  const fs::path db = root / "compile_commands.json";
  write_bytes(db, text);

  detail::AnalysisInput in{root, {{"include/p/a.hpp", "c++", 0, ""},
                                  {"src/a.cpp", "c++", 0, ""},
                                  {"src/b.c", "c", 0, ""}}};
  AnalyzerOptions options;
  options.compile_commands = db;
  detail::TuPlan plan = detail::plan_translation_units(in, options, "");

  // Exactly the two sources become translation units, whatever the database says.
  DOCTOWN_FUZZ_CHECK(plan.jobs.size() == 2, "a translation unit per C/C++ source");
  std::set<std::string> rels;
  for (const auto& job : plan.jobs) {
    rels.insert(job.rel);
    DOCTOWN_FUZZ_CHECK(job.abs == root / job.rel, "absolute path is inside the root");
    DOCTOWN_FUZZ_CHECK(job.language == (job.rel == "src/b.c" ? "c" : "c++"),
                       "language follows the extension");
  }
  DOCTOWN_FUZZ_CHECK(rels.count("src/a.cpp") && rels.count("src/b.c"), "the sources are planned");
  DOCTOWN_FUZZ_CHECK(!plan.header_args.empty(), "headers get arguments");

  // The splitter on arbitrary text, then the filter on what it gives.
  auto argv = detail::split_command_line(text);
  for (const auto& a : argv) DOCTOWN_FUZZ_CHECK(!a.empty() || size > 0, "tokens from text");
  auto filtered = detail::filter_compile_args(argv, "src/a.cpp");
  DOCTOWN_FUZZ_CHECK(filtered.size() <= (argv.empty() ? 0 : argv.size() - 1),
                     "the filter only drops arguments");
  DOCTOWN_FUZZ_CHECK(std::find(filtered.begin(), filtered.end(), "-c") == filtered.end(),
                     "-c is dropped");
  return plan.database.empty() ? 0 : 1;
}

}  // namespace doctown::fuzz
