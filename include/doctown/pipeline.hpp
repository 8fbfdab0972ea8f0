// Pipeline: source → analyze → embed → graph → score → plan → LLM → write, from one Config.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/analyzer.hpp"
#include "doctown/batch_planner.hpp"
#include "doctown/cache.hpp"
#include "doctown/doc_scorer.hpp"
#include "doctown/embedder.hpp"
#include "doctown/error.hpp"
#include "doctown/graph.hpp"
#include "doctown/llm_client.hpp"
#include "doctown/modes.hpp"
#include "doctown/models.hpp"
#include "doctown/progress.hpp"
#include "doctown/roles.hpp"
#include "doctown/source.hpp"
#include "doctown/tokenizer.hpp"
#include "doctown/types.hpp"
#include "doctown/writer.hpp"

namespace doctown {

/// Output options.
struct OutputOptions {
  /// Output folder.
  std::filesystem::path out_dir = "output";
  /// Base name of the outputs; empty = the codebase's name.
  std::string name;
  /// Formats to write.
  std::vector<OutputFormat> formats = {OutputFormat::docpack, OutputFormat::markdown,
                                       OutputFormat::html};
  /// Cache folder; empty = <out_dir>/.doctown-cache.
  std::filesystem::path cache_dir;
  /// Use the cache.
  bool use_cache = true;
  /// Ignore cached docs (but still store new ones).
  bool refresh = false;
  /// Turn verification issues into failures.
  bool strict = false;
};

/// Every stage's options in one aggregate.
struct Config {
  SourceOptions source;
  AnalyzerOptions analyzer;
  /// Local (default, no download) or remote (/v1/embeddings).
  EmbedderKind embedder = EmbedderKind::local;
  LocalEmbedderOptions local_embedder;
  RemoteEmbedderOptions remote_embedder;
  GraphOptions graph;
  DocScoreOptions doc_score;
  /// Which file roles are documented (library and public headers by default).
  RoleOptions roles;
  TokenizerOptions tokenizer;
  /// Model-table JSON file added to llm_options.models; empty = that table as it is.
  std::filesystem::path models_file;
  /// Batching and prompts; they are planned for llm_options.model.
  PlannerOptions planner;
  /// Offline, openai, or automatic (openai when llm_options has a key or a non-default base
  /// URL; see resolve_llm_backend).
  LlmBackend llm = LlmBackend::offline;
  /// The client's options. Its `model` is the run's one model name and its `models` the one
  /// table that prices the plan and the run, whichever backend writes the docs.
  LlmOptions llm_options;
  OutputOptions output;
};

/// The folders a run keeps beside its outputs. Each is the Config's own setting when it has
/// one, else a folder inside OutputOptions::out_dir, so one output folder holds one project's
/// whole state (and the analyzer never reads it back as source).
struct RunFolders {
  /// Doc cache: OutputOptions::cache_dir, else <out_dir>/.doctown-cache.
  std::filesystem::path cache;
  /// Batch API state (for resuming): LlmOptions::state_dir, else <out_dir>/.doctown-state.
  std::filesystem::path state;
  /// Extracted archives and clones: SourceOptions::work_dir when changed from its default,
  /// else <out_dir>/.doctown-work.
  std::filesystem::path work;
};
/// Where a run of `config` keeps its cache, Batch API state and work files. Pipeline::create
/// applies these; callers use it to find an earlier run's state (e.g. before resuming).
RunFolders run_folders(const Config& config);

/// The backend `requested` means: automatic is openai when an API key or a server URL was
/// given (the caller knows whether its URL came from the user or is the default), else
/// offline; offline and openai are returned as they are. invalid_argument for openai with
/// neither a key nor a server URL.
result<LlmBackend> resolve_llm_backend(LlmBackend requested, bool has_api_key,
                                       bool has_server_url);

/// What a build produced.
struct BuildResult {
  std::filesystem::path docpack;       ///< empty when not written
  std::filesystem::path markdown_dir;  ///< empty when not written
  std::filesystem::path html_dir;      ///< empty when not written
  RunStats stats;
  std::vector<SymbolFailure> failures;
  std::map<std::string, SymbolDoc> docs;  ///< every doc of the run by symbol id
  double verified_ratio = 1.0;  ///< share of docs that passed verification
  bool cancelled = false;  ///< stopped early by the stop token; finished docs were written
  /// Set when the LLM stage stopped the run (e.g. 401): outputs hold what was finished.
  std::optional<error> fatal;
};

/// A dry run's plan with its cost, beside the seed's per-symbol mode for comparison.
struct PlanReport {
  Plan plan;                ///< the configured batching
  Plan per_symbol;          ///< the same symbols, one per request
  ModelInfo model;          ///< limits and prices used (known = false: defaults)
  std::size_t symbols = 0;  ///< analysed
  std::size_t selected = 0; ///< chosen by DocScore
  /// Per file role: files, symbols, selected, and why the others were not selected.
  std::vector<RoleSelection> roles;
  /// Upper bound: input at the uncached price + every request's max output at the output price.
  double estimated_cost_usd = 0;
  double estimated_batch_api_cost_usd = 0;  ///< the same through the Batch API (50%)
  double per_symbol_cost_usd = 0;           ///< per-symbol mode's upper bound
};

/// The whole pipeline. Stages are created from the Config and can be replaced before a run.
class Pipeline {
 public:
  /// Validate the config, resolve its defaults (RunFolders, `llm = "auto"`, a remote
  /// embedding model's tokenizer) and create the default stages. Errors name the bad option.
  static result<Pipeline> create(Config config);

  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;
  ~Pipeline();

  void set_analyzer(std::unique_ptr<Analyzer> stage);
  void set_embedder(std::unique_ptr<Embedder> stage);
  void set_graph_builder(std::unique_ptr<GraphBuilder> stage);
  void set_doc_scorer(std::unique_ptr<DocScorer> stage);
  void set_batch_planner(std::unique_ptr<BatchPlanner> stage);
  void set_llm_client(std::unique_ptr<LlmClient> stage);
  void add_writer(std::unique_ptr<Writer> stage);  ///< in addition to the configured formats

  const Config& config() const;

  /// Resolve the source and analyse it.
  result<Codebase> analyze(std::string_view source, const RunContext& ctx);
  /// Analyse, embed, build the graph, score, and plan without any network (a dry run).
  result<PlanReport> plan(std::string_view source, const RunContext& ctx);
  /// The whole run. Item failures are in the result; an error only for fatal problems.
  /// On cancellation, finished docs are written and `cancelled` is set.
  result<BuildResult> build(std::string_view source, const RunContext& ctx);

 private:
  struct Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace doctown
