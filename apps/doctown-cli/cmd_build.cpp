// `doctown build <source>`: the whole pipeline; a summary on stdout (text or --json).
#include <fmt/core.h>

#include "cli.hpp"

namespace doctown::cli {
namespace {

namespace json = boost::json;

struct BuildArgs {
  std::string source;
  bool json = false;
  PipelineFlags flags;
};

int run_build(BuildArgs& a, Cli& cli) {
  if (auto r = finish_config(cli, a.flags, a.source); !r) return cli.report(r.error());
  auto pipeline = Pipeline::create(a.flags.config);
  if (!pipeline) return cli.report(pipeline.error());
  auto res = pipeline->build(a.source, cli.context());
  if (!res) return cli.report(res.error());
  const RunStats& st = res->stats;
  if (a.json) {
    print_json(json::object{
        {"docpack", res->docpack.string()},
        {"markdown_dir", res->markdown_dir.string()},
        {"html_dir", res->html_dir.string()},
        {"llm", pipeline->config().llm == LlmBackend::offline ? std::string("offline")
                                                     : pipeline->config().llm_options.model},
        {"symbols", st.symbols},
        {"selected", st.selected},
        {"documented", st.documented},
        {"cached", st.cached},
        {"failed", st.failed},
        {"not_started", st.not_started},
        {"requests", st.requests},
        {"retries", st.retries},
        {"rate_limited", st.rate_limited},
        {"tokens", json::object{{"input", st.tokens.input},
                                {"cached", st.tokens.cached},
                                {"output", st.tokens.output}}},
        {"cost_usd", st.cost_usd},
        {"verified_ratio", res->verified_ratio},
        {"cancelled", res->cancelled},
        {"wall_s", st.wall_s}});
  } else {
    fmt::print("Documented {} of {} selected symbols ({} analysed, {} from the cache, {} failed) "
               "in {:.1f} s.\n",
               st.documented, st.selected, st.symbols, st.cached, st.failed, st.wall_s);
    if (st.requests)
      fmt::print("{} requests ({} retries, {} rate-limited), tokens in/cached/out {}/{}/{}, "
                 "cost ${:.4f}\n",
                 st.requests, st.retries, st.rate_limited, st.tokens.input, st.tokens.cached,
                 st.tokens.output, st.cost_usd);
    if (!res->docpack.empty()) fmt::print("docpack:  {}\n", res->docpack.string());
    if (!res->markdown_dir.empty()) fmt::print("markdown: {}\n", (res->markdown_dir / "index.md").string());
    if (!res->html_dir.empty()) fmt::print("html:     {}\n", (res->html_dir / "index.html").string());
  }
  for (const auto& f : res->failures)
    fmt::print(stderr, "doctown: failed to document {}: {}\n", terminal_safe(f.id),
               terminal_safe(f.reason));
  if (res->fatal && res->fatal->where == "--max-cost") {
    // The budget held: what was documented is written and cached; a rerun with more budget
    // takes the rest from where this one stopped.
    fmt::print(stderr, "doctown: {} ({} symbols not started)\n", res->fatal->message,
               st.not_started);
    return Exit::item_failures;
  }
  if (res->fatal) return cli.report(*res->fatal);
  if (res->cancelled) {
    fmt::print(stderr, "doctown: interrupted; the {} finished docs were written and cached, {} "
                       "symbols were not started — run the same command again to finish.\n",
               st.documented, st.not_started);
    return Exit::interrupted;
  }
  return st.failed ? Exit::item_failures : Exit::ok;
}

const bool registered = register_command(
    "build", "Document a source tree: analyse, select, batch, write docs (docpack, Markdown, HTML)",
    [](CLI::App& sub) -> Runner {
      auto a = std::make_shared<BuildArgs>();
      sub.add_option("source", a->source, "Directory, archive (.zip/.tar/.tar.gz), git or GitHub URL")
          ->required();
      sub.add_flag("--json", a->json,
                   "Print a JSON summary (docpack, markdown_dir, html_dir, symbols, documented, "
                   "cached, failed, requests, tokens, cost_usd, wall_s, ...)");
      add_source_flags(sub, a->flags);
      add_analyzer_flags(sub, a->flags);
      add_embedder_flags(sub, a->flags);
      add_scoring_flags(sub, a->flags);
      add_planner_flags(sub, a->flags);
      add_llm_flags(sub, a->flags);
      add_output_flags(sub, a->flags);
      return [a](Cli& cli) { return run_build(*a, cli); };
    });

}  // namespace
}  // namespace doctown::cli
