// `doctown analyze <source> [--json]`: the analyzer's facts, as a table or as JSON.
#include <fmt/core.h>

#include <iostream>

#include "cli.hpp"

namespace doctown::cli {
namespace {

struct AnalyzeArgs {
  std::string source;
  bool json = false;
  PipelineFlags flags;
};

int run_analyze(AnalyzeArgs& a, Cli& cli) {
  // analyze needs no LLM and writes no outputs: pick the offline path quietly.
  a.flags.llm = LlmBackend::offline;
  a.flags.config.output.formats.clear();
  if (auto r = finish_config(cli, a.flags, a.source); !r) return cli.report(r.error());
  auto pipeline = Pipeline::create(a.flags.config);
  if (!pipeline) return cli.report(pipeline.error());
  auto cb = pipeline->analyze(a.source, cli.context());
  if (!cb) return cli.report(cb.error());
  if (cli.stop.stop_requested()) return Exit::interrupted;
  if (a.json) {
    std::cout << codebase_to_json(*cb) << std::endl;
    return Exit::ok;
  }
  for (const auto& s : cb->symbols)
    fmt::print("{:<12} {:<50} {}:{}\n", to_string(s.kind), s.qualified_name, s.location.file,
               s.location.line);
  fmt::print("{} files, {} symbols, {} relations, {} diagnostics in {:.2f} s\n", cb->files.size(),
             cb->symbols.size(), cb->relations.size(), cb->diagnostics.size(), cb->stats.seconds);
  return Exit::ok;
}

const bool registered = register_command(
    "analyze", "Analyse a source tree and print its symbols and relations",
    [](CLI::App& sub) -> Runner {
      auto a = std::make_shared<AnalyzeArgs>();
      sub.add_option("source", a->source, "Directory, archive (.zip/.tar/.tar.gz), git or GitHub URL")
          ->required();
      sub.add_flag("--json", a->json, "Print one JSON object (files, symbols, relations, diagnostics, stats)");
      add_source_flags(sub, a->flags);
      add_analyzer_flags(sub, a->flags);
      return [a](Cli& cli) { return run_analyze(*a, cli); };
    });

}  // namespace
}  // namespace doctown::cli
