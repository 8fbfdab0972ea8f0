// `doctown inspect <docpack> [--json]`: what a docpack holds — its manifest, counts and
// statistics — after validating every member (a damaged docpack is an error, exit 3).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>

#include "cli.hpp"
#include "terminal_text.hpp"
#include "doctown/docpack.hpp"

namespace doctown::cli {
namespace {

namespace json = boost::json;

const json::object* object_at(const json::object& o, std::string_view key) {
  auto* p = o.if_contains(key);
  return p && p->is_object() ? &p->get_object() : nullptr;
}

std::string text_of(const json::value* v) {
  if (!v) return "";
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_double()) return fmt::format("{:.4g}", v->get_double());
  if (v->is_object()) {
    std::string out;
    for (const auto& kv : v->get_object())
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", std::string(kv.key()),
                         text_of(&kv.value()));
    return out;
  }
  return json::serialize(*v);
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
        boost::system::error_code ec;
        json::value manifest = json::parse(dp->manifest_json(), ec);
        if (ec || !manifest.is_object()) manifest = json::object{};
        const json::object& man = manifest.get_object();

        std::map<std::string, std::size_t> by_kind;
        for (const Symbol& s : dp->symbols()) ++by_kind[std::string(to_string(s.kind))];
        std::map<std::string, std::size_t> by_relation;
        for (const Relation& r : dp->relations()) ++by_relation[std::string(to_string(r.kind))];
        std::vector<std::pair<double, std::string>> central;
        for (const auto& [id, pr] : dp->pagerank()) central.push_back({pr, id});
        std::sort(central.rbegin(), central.rend());
        if (central.size() > 5) central.resize(5);
        std::size_t documented = dp->docs().size();
        double documented_ratio =
            dp->symbols().empty() ? 0.0
                                  : static_cast<double>(documented) / dp->symbols().size();

        if (*as_json) {
          json::object kinds, rels;
          for (const auto& [k, n] : by_kind) kinds[k] = n;
          for (const auto& [k, n] : by_relation) rels[k] = n;
          json::array top;
          for (const auto& [pr, id] : central) top.push_back(json::object{{"id", id}, {"pagerank", pr}});
          json::array members;
          for (const auto& m : dp->members()) members.emplace_back(m);
          print_json(json::object{
              {"docpack", *path},
              {"docpack_version", dp->version()},
              {"manifest", manifest},
              {"members", std::move(members)},
              {"counts", json::object{{"symbols", dp->symbols().size()},
                                      {"documented", documented},
                                      {"relations", dp->relations().size()},
                                      {"graph_nodes", dp->pagerank().size()},
                                      {"embedding_rows", dp->embeddings().rows},
                                      {"embedding_dims", dp->embeddings().dims}}},
              {"statistics", json::object{{"symbols_by_kind", std::move(kinds)},
                                          {"relations_by_kind", std::move(rels)},
                                          {"documented_ratio", documented_ratio},
                                          {"verified_ratio", dp->verified_ratio()},
                                          {"most_central", std::move(top)}}}});
          return static_cast<int>(Exit::ok);
        }

        // The manifest, names and paths come from the docpack (and so from the analysed code):
        // the report is assembled, then printed without terminal control sequences.
        std::ostringstream out;
        out << fmt::format("{}  (docpack {})\n", *path, dp->version());
        if (auto* src = object_at(man, "source"))
          out << fmt::format("  source:     {} {}{}\n", text_of(src->if_contains("type")),
                                   text_of(src->contains("url") ? src->if_contains("url")
                                                                : src->if_contains("path")),
                                   src->contains("commit") && !text_of(src->if_contains("commit")).empty()
                                       ? " @ " + text_of(src->if_contains("commit"))
                                       : std::string());
        out << fmt::format("  generated:  {}\n", text_of(man.if_contains("generated_at")));
        if (auto* gen = object_at(man, "generator"))
          out << fmt::format("  generator:  {} {} (LLM {}, mode {})\n",
                                   text_of(gen->if_contains("name")),
                                   text_of(gen->if_contains("version")),
                                   text_of(gen->if_contains("llm_model")),
                                   text_of(gen->if_contains("mode")));
        out << fmt::format("  embeddings: {} x {} float32 ({})\n", dp->embeddings().rows,
                                 dp->embeddings().dims, dp->embeddings().model);
        out << fmt::format("  symbols:    {} ({} documented, {:.0f}%; verified {:.0f}%)\n",
                                 dp->symbols().size(), documented, documented_ratio * 100,
                                 dp->verified_ratio() * 100);
        std::string kinds;
        for (const auto& [k, n] : by_kind) kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", n, k);
        out << "  by kind:    " << kinds << "\n";
        std::string rels;
        for (const auto& [k, n] : by_relation) rels += fmt::format("{}{} {}", rels.empty() ? "" : ", ", n, k);
        out << fmt::format("  relations:  {} ({})\n", dp->relations().size(), rels);
        if (auto* sc = object_at(man, "doc_scoring")) {
          std::string stats = sc->contains("statistics") ? text_of(sc->if_contains("statistics")) : "";
          out << fmt::format("  doc score:  threshold {} ({})\n", text_of(sc->if_contains("threshold")), stats);
        }
        if (auto* gs = object_at(man, "generation_stats"))
          out << fmt::format("  requests:   {} (cached docs {}, failed {}, cost ${})\n",
                                   text_of(gs->if_contains("requests")),
                                   text_of(gs->if_contains("cached")),
                                   text_of(gs->if_contains("failed")),
                                   text_of(gs->if_contains("cost_usd")));
        std::map<std::string, std::string> names;
        for (const Symbol& s : dp->symbols())
          names[s.id] = s.qualified_name.empty() ? s.name : s.qualified_name;
        out << "  central:   ";
        for (const auto& [pr, id] : central)
          out << " " << (names.count(id) ? names[id] : id);
        out << "\n  members:   ";
        for (const auto& m : dp->members()) out << " " << m;
        out << "\n";
        std::cout << terminal_safe(out.str());
        return static_cast<int>(Exit::ok);
      };
    });
}  // namespace
}  // namespace doctown::cli
