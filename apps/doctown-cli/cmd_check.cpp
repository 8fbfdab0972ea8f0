// `doctown check <source> [--json]`: the project's own docs against its code, offline, for CI
// and pre-commit. One compiler-style line per finding so editors and CI annotate them.
#include <fmt/core.h>

#include "cli.hpp"
#include "doctown/check.hpp"

namespace doctown::cli {
namespace {

namespace json = boost::json;

struct CheckArgs {
  std::string source;
  bool json = false;
  bool no_undocumented = false;
  bool no_contradictions = false;
  PipelineFlags flags;
};

// File names come from the analysed repository: a newline in one must not forge a line.
std::string one_line(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return s;
}

json::object report_json(const CheckReport& r) {
  json::array findings;
  for (const CheckFinding& f : r.findings)
    findings.push_back(json::object{{"kind", to_string(f.kind)},
                                    {"file", f.file},
                                    {"line", f.line},
                                    {"column", f.column},
                                    {"symbol", f.symbol_id},
                                    {"qualified_name", f.qualified_name},
                                    {"subject", f.subject},
                                    {"message", f.message}});
  return json::object{{"ok", r.ok()},
                      {"public_symbols", r.public_symbols},
                      {"documented", r.documented},
                      {"comments_checked", r.comments_checked},
                      {"findings", std::move(findings)}};
}

int run_check(CheckArgs& a, Cli& cli) {
  a.flags.llm = LlmBackend::offline;  // analysis only: no LLM, no embeddings, no outputs
  a.flags.config.output.formats.clear();
  if (auto r = finish_config(cli, a.flags); !r) return cli.report(r.error());
  auto pipeline = Pipeline::create(a.flags.config);
  if (!pipeline) return cli.report(pipeline.error());
  auto cb = pipeline->analyze(a.source, cli.context());
  if (!cb) return cli.report(cb.error());
  if (cli.stop.stop_requested()) return Exit::interrupted;
  CheckReport report = check_codebase(
      *cb, {.undocumented = !a.no_undocumented, .contradictions = !a.no_contradictions});
  if (a.json) {
    print_json(report_json(report));
  } else {
    for (const CheckFinding& f : report.findings)
      fmt::print("{}:{}:{}: warning: {} [doctown-check-{}]\n", one_line(f.file), f.line, f.column,
                 f.message, to_string(f.kind));
    if (!cli.quiet)
      fmt::print(stderr, "doctown check: {} finding(s); {} of {} public symbols documented, {} "
                 "doc comments checked\n", report.findings.size(), report.documented,
                 report.public_symbols, report.comments_checked);
  }
  return report.ok() ? Exit::ok : Exit::item_failures;
}

const bool registered = register_command(
    "check",
    "Check the project's own docs offline: undocumented public API and doc comments that "
    "contradict the code (exit 1 when anything is found)",
    [](CLI::App& sub) -> Runner {
      auto a = std::make_shared<CheckArgs>();
      sub.add_option("source", a->source, "Directory, archive (.zip/.tar/.tar.gz), git or GitHub URL")
          ->required();
      sub.add_flag("--json", a->json, "Print one JSON object with every finding");
      sub.add_flag("--no-undocumented", a->no_undocumented,
                   "Do not report public API without documentation");
      sub.add_flag("--no-contradictions", a->no_contradictions,
                   "Do not report doc comments that contradict the code");
      add_source_flags(sub, a->flags);
      add_analyzer_flags(sub, a->flags);
      return [a](Cli& cli) { return run_check(*a, cli); };
    });

}  // namespace
}  // namespace doctown::cli
