// Analyse a directory with the default analyzer and print its symbols and relations.
// Usage: example_analyze_dir DIR
#include <doctown/analyzer.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  auto analyzer = doctown::make_default_analyzer({.jobs = 2});
  if (!analyzer) {
    std::fprintf(stderr, "%s\n", analyzer.error().what().c_str());
    return 2;
  }
  doctown::RunContext ctx;  // no progress sink, never cancelled
  auto codebase = (*analyzer)->analyze(argv[1], ctx);
  if (!codebase) {
    std::fprintf(stderr, "%s\n", codebase.error().what().c_str());
    return 3;
  }
  for (const auto& s : codebase->symbols)
    std::printf("%-12s %-40s %s:%d\n", std::string(doctown::to_string(s.kind)).c_str(),
                s.qualified_name.c_str(), s.location.file.c_str(), s.location.line);
  std::printf("%zu symbols, %zu relations, %zu diagnostics\n", codebase->symbols.size(),
              codebase->relations.size(), codebase->diagnostics.size());
  for (const auto& d : codebase->diagnostics)
    std::printf("  %s:%d: %s\n", d.file.c_str(), d.line, d.message.c_str());
  return 0;
}
