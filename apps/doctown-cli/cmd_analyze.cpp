// `doctown analyze <source> [--json]`: the analyzer's facts, as a table or as JSON.
#include <fmt/core.h>

#include <iostream>

#include "cli.hpp"

namespace doctown::cli {
namespace {

namespace json = boost::json;

json::object symbol_json(const Symbol& s) {
  json::object o;
  o["id"] = s.id;
  o["kind"] = to_string(s.kind);
  o["name"] = s.name;
  o["qualified_name"] = s.qualified_name;
  o["language"] = s.language;
  o["file"] = s.location.file;
  o["line"] = s.location.line;
  o["end_line"] = s.location.end_line;
  if (s.declaration) {
    o["declaration"] = json::object{{"file", s.declaration->file},
                                    {"line", s.declaration->line},
                                    {"end_line", s.declaration->end_line}};
  }
  o["signature"] = s.signature;
  o["doc_comment"] = s.doc_comment;
  o["brief"] = s.brief;
  o["access"] = to_string(s.access);
  o["public"] = s.is_public_api;
  o["complexity"] = s.complexity;
  o["parent"] = s.parent_id;
  if (is_callable(s.kind)) {
    json::array params;
    for (const auto& p : s.params) {
      json::object po{{"name", p.name}, {"type", p.type}};
      if (!p.default_value.empty()) po["default"] = p.default_value;
      params.push_back(std::move(po));
    }
    o["params"] = std::move(params);
    o["return_type"] = s.return_type;
  }
  if (!s.template_params.empty()) {
    json::array tps;
    for (const auto& p : s.template_params) tps.push_back(json::object{{"name", p.name}, {"type", p.type}});
    o["template_params"] = std::move(tps);
  }
  json::array fl;
  static const std::pair<std::uint32_t, const char*> kFlags[] = {
      {flags::is_static, "static"},       {flags::is_virtual, "virtual"},
      {flags::is_pure, "pure"},           {flags::is_override, "override"},
      {flags::is_const, "const"},         {flags::is_noexcept, "noexcept"},
      {flags::is_constexpr, "constexpr"}, {flags::is_inline, "inline"},
      {flags::is_deleted, "deleted"},     {flags::is_defaulted, "defaulted"},
      {flags::is_deprecated, "deprecated"}, {flags::is_template, "template"}};
  for (const auto& [bit, name] : kFlags)
    if (s.has(bit)) fl.push_back(json::string(name));
  o["flags"] = std::move(fl);
  return o;
}

}  // namespace

/// The analyze --json document (also used by tests through the CLI).
json::object codebase_json(const Codebase& cb) {
  json::array files, symbols, relations, diagnostics;
  for (const auto& f : cb.files) files.push_back(json::string(f.path));
  for (const auto& s : cb.symbols) symbols.push_back(symbol_json(s));
  for (const auto& r : cb.relations)
    relations.push_back(json::object{{"from", r.from}, {"to", r.to}, {"kind", to_string(r.kind)}});
  for (const auto& d : cb.diagnostics)
    diagnostics.push_back(json::object{{"file", d.file},
                                       {"line", d.line},
                                       {"severity", to_string(d.severity)},
                                       {"message", d.message}});
  return json::object{
      {"root", cb.root},
      {"files", std::move(files)},
      {"symbols", std::move(symbols)},
      {"relations", std::move(relations)},
      {"diagnostics", std::move(diagnostics)},
      {"stats", json::object{{"files", cb.stats.files},
                             {"translation_units", cb.stats.translation_units},
                             {"symbols", cb.symbols.size()},
                             {"seconds", cb.stats.seconds}}}};
}

namespace {

struct AnalyzeArgs {
  std::string source;
  bool json = false;
  PipelineFlags flags;
};

int run_analyze(AnalyzeArgs& a, Cli& cli) {
  // analyze needs no LLM and writes no outputs: pick the offline path quietly.
  a.flags.llm = "offline";
  a.flags.config.output.formats.clear();
  if (auto r = finish_config(cli, a.flags, a.source); !r) return cli.report(r.error());
  auto pipeline = Pipeline::create(a.flags.config);
  if (!pipeline) return cli.report(pipeline.error());
  auto cb = pipeline->analyze(a.source, cli.context());
  if (!cb) return cli.report(cb.error());
  if (cli.stop.stop_requested()) return Exit::interrupted;
  if (a.json) {
    print_json(codebase_json(*cb));
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
