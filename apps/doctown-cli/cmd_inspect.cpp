// `doctown inspect <docpack> [--json]`: what a docpack holds — its manifest, counts and
// statistics — after validating every member (a damaged docpack is an error, exit 3). The
// manifest is read through the typed Manifest (lib/format), never picked apart here.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>

#include "cli.hpp"
#include "doctown/docpack.hpp"
#include "doctown/format.hpp"

namespace doctown::cli {
namespace {

namespace json = boost::json;

struct Summary {
  std::map<std::string, std::size_t> by_kind, by_relation;
  std::vector<std::pair<double, std::string>> central;  ///< top 5 by PageRank
  std::size_t documented = 0;
  double documented_ratio = 0;
};

Summary summarise(const Docpack& dp) {
  Summary s;
  for (const Symbol& sym : dp.symbols()) ++s.by_kind[std::string(to_string(sym.kind))];
  for (const Relation& r : dp.relations()) ++s.by_relation[std::string(to_string(r.kind))];
  for (const auto& [id, pr] : dp.pagerank()) s.central.push_back({pr, id});
  std::sort(s.central.rbegin(), s.central.rend());
  if (s.central.size() > 5) s.central.resize(5);
  s.documented = dp.docs().size();
  s.documented_ratio =
      dp.symbols().empty() ? 0.0 : static_cast<double>(s.documented) / dp.symbols().size();
  return s;
}

void print_inspect_json(const std::string& path, const Docpack& dp, const Summary& s) {
  json::object kinds, rels;
  for (const auto& [k, n] : s.by_kind) kinds[k] = n;
  for (const auto& [k, n] : s.by_relation) rels[k] = n;
  json::array top;
  for (const auto& [pr, id] : s.central) top.push_back(json::object{{"id", id}, {"pagerank", pr}});
  json::array members;
  for (const auto& m : dp.members()) members.emplace_back(m);
  print_json(json::object{
      {"docpack", path},
      {"docpack_version", dp.version()},
      {"manifest", json::parse(manifest_to_json(dp.manifest()))},
      {"members", std::move(members)},
      {"counts", json::object{{"symbols", dp.symbols().size()},
                              {"documented", s.documented},
                              {"relations", dp.relations().size()},
                              {"graph_nodes", dp.pagerank().size()},
                              {"embedding_rows", dp.embeddings().rows},
                              {"embedding_dims", dp.embeddings().dims},
                              {"files", dp.files().size()}}},
      {"statistics", json::object{{"symbols_by_kind", std::move(kinds)},
                                  {"relations_by_kind", std::move(rels)},
                                  {"documented_ratio", s.documented_ratio},
                                  {"verified_ratio", dp.verified_ratio()},
                                  {"most_central", std::move(top)}}}});
}

std::string counts_line(const std::map<std::string, std::size_t>& m, bool count_first) {
  std::string out;
  for (const auto& [k, n] : m)
    out += count_first ? fmt::format("{}{} {}", out.empty() ? "" : ", ", n, k)
                       : fmt::format("{}{} {}", out.empty() ? "" : ", ", k, n);
  return out;
}

void print_inspect_text(const std::string& path, const Docpack& dp, const Summary& s) {
  // Names, paths and the manifest come from the docpack (so from the analysed code): the report
  // is assembled, then printed without terminal control sequences.
  std::ostringstream out;
  const Manifest& m = dp.manifest();
  out << fmt::format("{}  (docpack {})\n", path, dp.version());
  out << fmt::format("  source:     {} {}{}\n", m.source.type, m.source.url_or_path,
                           m.source.commit.empty() ? "" : " @ " + m.source.commit);
  out << fmt::format("  generated:  {}\n", m.generated_at);
  out << fmt::format("  generator:  {} {} (LLM {}, mode {})\n", m.generator.name,
                           m.generator.version, m.generator.llm_model, m.generator.mode);
  out << fmt::format("  embeddings: {} x {} float32 ({})\n", dp.embeddings().rows,
                           dp.embeddings().dims, dp.embeddings().model);
  out << fmt::format("  symbols:    {} ({} documented, {:.0f}%; verified {:.0f}%)\n",
                           dp.symbols().size(), s.documented, s.documented_ratio * 100,
                           dp.verified_ratio() * 100);
  out << "  by kind:    " << counts_line(s.by_kind, true) << "\n";
  out << fmt::format("  relations:  {} ({})\n", dp.relations().size(),
                           counts_line(s.by_relation, true));
  const Manifest::DocScoring& sc = m.doc_scoring;
  std::string stats = fmt::format("scored {}, selected {}", sc.scored, sc.selected);
  for (auto [name, v] : {std::pair{"min", sc.min}, {"max", sc.max}, {"mean", sc.mean},
                         {"median", sc.median}})
    if (v) stats += fmt::format(", {} {:.4g}", name, *v);
  out << fmt::format("  doc score:  threshold {:.4g} ({})\n", sc.threshold, stats);
  const RunStats& gs = m.generation_stats;
  out << fmt::format("  requests:   {} (cached docs {}, failed {}, cost ${:.4g})\n",
                           gs.requests, gs.cached, gs.failed, gs.cost_usd);
  out << fmt::format("  files:      {} ({} stored)\n", dp.files().size(),
                           std::count_if(dp.files().begin(), dp.files().end(),
                                         [](const DocpackFile& f) { return f.has_text; }));
  std::map<std::string, std::string> names;
  for (const Symbol& sym : dp.symbols())
    names[sym.id] = sym.qualified_name.empty() ? sym.name : sym.qualified_name;
  out << "  central:   ";
  for (const auto& [pr, id] : s.central) out << " " << (names.count(id) ? names[id] : id);
  out << "\n  members:   ";
  for (const auto& member : dp.members()) out << " " << member;
  out << "\n";
  std::cout << terminal_safe(out.str());
}

const bool registered = register_command(
    "inspect", "Show the manifest, counts and statistics of a .docpack", [](CLI::App& sub) -> Runner {
      auto path = std::make_shared<std::string>();
      auto as_json = std::make_shared<bool>(false);
      sub.add_option("docpack", *path, "The .docpack file")->required();
      sub.add_flag("--json", *as_json, "Print one JSON object");
      return [path, as_json](Cli& cli) {
        auto dp = Docpack::open(*path);
        if (!dp) return cli.report(dp.error());
        Summary s = summarise(*dp);
        if (*as_json)
          print_inspect_json(*path, *dp, s);
        else
          print_inspect_text(*path, *dp, s);
        return static_cast<int>(Exit::ok);
      };
    });
}  // namespace
}  // namespace doctown::cli
