// `doctown search <docpack> "<query>" [-k 10] [--json]`: ranked symbols with file:line and
// summary. Ranking is BM25 over names, summaries and descriptions, blended with embedding
// similarity when the query can be embedded in the docpack's space: locally for the local
// embedder, or by the docpack's remote model when a server is configured (see
// doctown/search.hpp).
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
      auto base_url = std::make_shared<std::string>();
      auto embedding_base_url = std::make_shared<std::string>();
      sub.add_option("docpack", *path, "The .docpack file")->required();
      sub.add_option("query", *query, "Words to search for")->required();
      sub.add_option("-k", *k, "Most results")->capture_default_str()->check(CLI::Range(1, 100000));
      sub.add_flag("--json", *as_json, "Print one JSON object");
      sub.add_option("--base-url", *base_url, "OpenAI-compatible base URL (OPENAI_BASE_URL honoured)");
      sub.add_option("--embedding-base-url", *embedding_base_url,
                     "Server that embeds the query for a docpack built with --embedder remote "
                     "(default: --base-url / OPENAI_BASE_URL)");
      return [path, query, k, as_json, base_url, embedding_base_url](Cli& cli) {
        auto dp = Docpack::open(*path);
        if (!dp) return cli.report(dp.error());
        auto index = SearchIndex::build(*dp);
        SearchOptions options;
        options.k = *k;
        // The strategy is the library's (embed_query); the CLI only says where the server is.
        LlmOptions llm;
        apply_llm_env(cli, *base_url, llm);
        RemoteEmbedderOptions ro;
        bool server = apply_embedding_env(cli, *embedding_base_url, llm, ro);
        QueryEmbedding qe = embed_query(*dp, *query, server ? &ro : nullptr,
                                        RunContext{nullptr, cli.stop.get_token()});
        std::string why = qe.needs_server ? "set OPENAI_API_KEY or --embedding-base-url to embed "
                                            "the query with '" + dp->embeddings().model + "'"
                                          : qe.note;
        if (!why.empty() && !cli.quiet)
          fmt::print(stderr, "[search] ranking by BM25 only: {}\n", why);
        const std::string& ranking = qe.ranking;
        const std::vector<float>& qv = qe.vector;
        auto hits = index.search(*query, options, qv);
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
                                  {"ranking", ranking},
                                  {"hits", std::move(arr)}});
          return static_cast<int>(Exit::ok);
        }
        if (hits->empty()) {
          std::cout << "No symbol matches \"" << terminal_safe(*query) << "\".\n";
          return static_cast<int>(Exit::ok);
        }
        for (const auto& h : *hits) {
          // Names, paths and summaries come from the analysed code: no terminal control.
          std::cout << terminal_safe(fmt::format("{}  {}:{}  ({})\n",
                                                 h.qualified_name.empty() ? h.name : h.qualified_name,
                                                 h.file, h.line, h.kind));
          if (!h.summary.empty()) std::cout << "    " << terminal_safe(h.summary) << "\n";
        }
        return static_cast<int>(Exit::ok);
      };
    });
}  // namespace
}  // namespace doctown::cli
