// `doctown search <docpack> "<query>" [-k 10] [--json]`: ranked symbols with file:line and
// summary. Ranking is BM25 over names, summaries and descriptions (see doctown/search.hpp).
#include <fmt/format.h>

#include <iostream>

#include "cli.hpp"
#include "doctown/search.hpp"

namespace doctown::cli {
namespace {

namespace json = boost::json;

const bool registered = register_command(
    "search", "Search the symbols of a .docpack by name and description", [](CLI::App& sub) -> Runner {
      auto path = std::make_shared<std::string>();
      auto query = std::make_shared<std::string>();
      auto k = std::make_shared<std::size_t>(10);
      auto as_json = std::make_shared<bool>(false);
      sub.add_option("docpack", *path, "The .docpack file")->required();
      sub.add_option("query", *query, "Words to search for")->required();
      sub.add_option("-k", *k, "Most results")->capture_default_str()->check(CLI::Range(1, 100000));
      sub.add_flag("--json", *as_json, "Print one JSON object");
      return [path, query, k, as_json](Cli& cli) {
        auto dp = Docpack::open(*path);
        if (!dp) return cli.report(dp.error());
        auto index = SearchIndex::build(*dp);
        SearchOptions options;
        options.k = *k;
        // Query embedding: only lexical ranking until a local embedder can embed queries in
        // the docpack's space; the library already blends a query vector when given one.
        auto hits = index.search(*query, options);
        if (!hits) return cli.report(hits.error());
        if (*as_json) {
          json::array arr;
          for (const auto& h : *hits)
            arr.push_back(json::object{{"id", h.id},
                                       {"name", h.name},
                                       {"qualified_name", h.qualified_name},
                                       {"kind", h.kind},
                                       {"file", h.file},
                                       {"line", h.line},
                                       {"summary", h.summary},
                                       {"score", h.score}});
          print_json(json::object{{"query", *query},
                                  {"docpack", *path},
                                  {"ranking", "bm25"},
                                  {"hits", std::move(arr)}});
          return static_cast<int>(Exit::ok);
        }
        if (hits->empty()) {
          std::cout << "No symbol matches \"" << *query << "\".\n";
          return static_cast<int>(Exit::ok);
        }
        for (const auto& h : *hits) {
          std::cout << fmt::format("{}  {}:{}  ({})\n", h.qualified_name.empty() ? h.name : h.qualified_name,
                                   h.file, h.line, h.kind);
          if (!h.summary.empty()) std::cout << "    " << h.summary << "\n";
        }
        return static_cast<int>(Exit::ok);
      };
    });
}  // namespace
}  // namespace doctown::cli
