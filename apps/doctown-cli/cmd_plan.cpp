// `doctown plan <source>`: a dry run with no network — requests per wave, exact input tokens,
// the cost upper bound, and per-symbol mode beside it.
#include <fmt/core.h>

#include <cmath>

#include "cli.hpp"

namespace doctown::cli {
namespace {

namespace json = boost::json;

struct PlanArgs {
  std::string source;
  bool json = false;
  PipelineFlags flags;
};

// Per file role: how many symbols were selected and, for the others, which rule left them out.
json::array roles_json(const std::vector<RoleSelection>& roles) {
  json::array out;
  for (const RoleSelection& r : roles) {
    json::object why;
    for (const auto& [rule, n] : r.not_selected) why[rule] = n;
    out.push_back(json::object{{"role", to_string(r.role)},
                               {"documented", r.documented},
                               {"files", r.files},
                               {"symbols", r.symbols},
                               {"selected", r.selected},
                               {"not_selected", std::move(why)}});
  }
  return out;
}

int run_plan(PlanArgs& a, Cli& cli) {
  a.flags.llm = LlmBackend::offline;  // a dry run never talks to a server
  a.flags.config.output.formats.clear();
  if (auto r = finish_config(cli, a.flags, a.source); !r) return cli.report(r.error());
  auto pipeline = Pipeline::create(a.flags.config);
  if (!pipeline) return cli.report(pipeline.error());
  auto rep = pipeline->plan(a.source, cli.context());
  if (!rep) return cli.report(rep.error());
  const Plan& p = rep->plan;
  if (a.json) {
    json::array batches;
    for (const auto& b : p.batches) {
      json::array ids;
      for (const auto& id : b.symbol_ids) ids.push_back(json::string(id));
      batches.push_back(json::object{{"wave", b.wave},
                                     {"symbols", std::move(ids)},
                                     {"input_tokens", b.input_tokens},
                                     {"max_output_tokens", b.max_output_tokens}});
    }
    print_json(json::object{
        {"model", rep->model.name},
        {"model_known", rep->model.known},
        {"symbols", rep->symbols},
        {"selected", rep->selected},
        {"roles", roles_json(rep->roles)},
        {"requests", p.batches.size()},
        {"lower_bound_requests", p.lower_bound_requests},
        {"waves", p.waves.size()},
        {"input_tokens", p.input_tokens},
        {"max_output_tokens", p.max_output_tokens},
        {"estimated_cost_usd", rep->estimated_cost_usd},
        {"estimated_batch_api_cost_usd", rep->estimated_batch_api_cost_usd},
        {"per_symbol", json::object{{"requests", rep->per_symbol.batches.size()},
                                    {"input_tokens", rep->per_symbol.input_tokens},
                                    {"estimated_cost_usd", rep->per_symbol_cost_usd}}},
        {"batches", std::move(batches)}});
    return Exit::ok;
  }
  fmt::print("Model {}{}: {} of {} symbols selected, {} waves\n", rep->model.name,
             rep->model.known ? "" : " (unknown: conservative limits)", rep->selected,
             rep->symbols, p.waves.size());
  for (const RoleSelection& r : rep->roles) {
    std::string why;
    for (const auto& [rule, n] : r.not_selected) why += fmt::format("{}{} {}", why.empty() ? "" : ", ", n, rule);
    fmt::print("  {:<14} {:>4} files, {:>6} symbols, {:>5} selected{}{}\n", to_string(r.role), r.files,
               r.symbols, r.selected, r.documented ? "" : " (not documented by default)",
               why.empty() ? "" : "; not selected: " + why);
  }
  std::vector<std::size_t> per_wave(p.waves.size(), 0);
  for (const auto& b : p.batches)
    if (b.wave < per_wave.size()) ++per_wave[b.wave];
  for (std::size_t w = 0; w < p.waves.size(); ++w)
    fmt::print("  wave {:>3}: {:>5} symbols, {:>4} requests\n", w, p.waves[w].size(), per_wave[w]);
  fmt::print("Requests: {} (lower bound {}), input tokens {}, max output tokens {}\n",
             p.batches.size(), p.lower_bound_requests, p.input_tokens, p.max_output_tokens);
  fmt::print("Cost at most: ${:.4f} synchronous, ${:.4f} with the Batch API\n",
             rep->estimated_cost_usd, rep->estimated_batch_api_cost_usd);
  fmt::print("Per-symbol mode: {} requests, {} input tokens, at most ${:.4f}\n",
             rep->per_symbol.batches.size(), rep->per_symbol.input_tokens,
             rep->per_symbol_cost_usd);
  return Exit::ok;
}

const bool registered = register_command(
    "plan", "Dry run: show the requests, tokens and cost a build would need (no network)",
    [](CLI::App& sub) -> Runner {
      auto a = std::make_shared<PlanArgs>();
      sub.add_option("source", a->source, "Directory, archive (.zip/.tar/.tar.gz), git or GitHub URL")
          ->required();
      sub.add_flag("--json", a->json, "Print the plan as JSON");
      sub.add_option("--model", a->flags.model, "Model to plan for (default gpt-4o-mini)");
      add_source_flags(sub, a->flags);
      add_analyzer_flags(sub, a->flags);
      add_embedder_flags(sub, a->flags);
      add_scoring_flags(sub, a->flags);
      add_planner_flags(sub, a->flags);
      return [a](Cli& cli) { return run_plan(*a, cli); };
    });

}  // namespace
}  // namespace doctown::cli
