// LlmClient stage: turn planned requests into SymbolDocs. The offline writer states the facts;
// the OpenAI-compatible client asks a model.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "doctown/batch_planner.hpp"
#include "doctown/error.hpp"
#include "doctown/graph.hpp"
#include "doctown/modes.hpp"
#include "doctown/models.hpp"
#include "doctown/net.hpp"
#include "doctown/progress.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// Options of the OpenAI-compatible client.
/// What answers of one kind of symbol took, as the OpenAI client learned it (per symbol, the
/// answer's completion tokens over the planner's estimate). A later run that starts from it
/// (LlmOptions::learned_output) reserves right-sized tokens from its first request.
struct LearnedOutput {
  std::string kind;         ///< a SymbolKind name (to_string), or "*" for all kinds together
  std::size_t answers = 0;  ///< symbols' answers it was learned from
  double mean = 0;          ///< completion tokens per token of the planner's estimate
  double spread = 0;        ///< standard deviation of that ratio between answers
};

struct LlmOptions {
  /// The server: address, key, concurrency, rate limits, timeouts, retries, TLS, proxy.
  ServerOptions server;
  /// Chat model. In a pipeline this is the run's one model name: the planner plans for it and
  /// the plan and the run are priced for it, from `models`.
  std::string model = std::string(default_chat_model);
  /// Sampling temperature.
  double temperature = 0.2;
  /// Seed sent for reproducibility; negative = not sent.
  long long seed = 42;
  /// JSON answers by json_schema, falling back to json_object on a 400 (automatic), or one of them.
  ResponseFormat response_format = ResponseFormat::automatic;
  /// Chat completions (sync) or the Batch API (/v1/files + /v1/batches, 50% price).
  LlmMode mode = LlmMode::sync;
  /// Folder where Batch API ids are saved for --resume.
  std::string state_dir;
  /// Seconds between Batch API status polls (grows with backoff up to 60 s).
  double batch_poll_s = 5;
  /// Where Batch API failures go: a follow-up batch or sync requests.
  BatchFallback batch_fallback = BatchFallback::batch;
  /// Follow-up requests per symbol the model left out before it is marked failed.
  unsigned max_repairs = 3;
  /// Most USD the run may spend (0 = no limit): no request is sent that could take the spend
  /// over it at its worst case (whole prompt uncached + max_completion_tokens); the run then
  /// stops with limit_exceeded, keeping what is done.
  double max_cost_usd = 0;
  /// Prices and limits (the built-in table plus --models): what the run's cost is computed
  /// from, the same table the planner's estimate uses.
  ModelTable models = ModelTable::builtin();
  /// Completion tokens per planned output token that an earlier run learned (the pipeline
  /// keeps it in the cache): requests are right-sized from the first one; 0 = learn it during
  /// this run. Above 1 counts as 1 (the planner's figure is already a ceiling).
  double learned_output_ratio = 0;
  /// Per symbol kind, what an earlier run learned answers take (the pipeline keeps it in the
  /// cache): counts as at most 30 answers of each kind, so this run's answers can move it;
  /// entries that make no sense are skipped. Empty = learn it during this run.
  std::vector<LearnedOutput> learned_output;
};

/// Work for the client: requests plus what it needs to repair partial answers.
struct LlmJob {
  std::span<const Batch> batches;
  const Codebase* codebase = nullptr;
  const Graph* graph = nullptr;  ///< may be null
  /// Re-plan a subset of ids (missing ids, split halves) into new requests.
  std::function<result<std::vector<Batch>>(std::span<const std::string> ids)> rebatch;
  /// Most symbols rebatch puts in one request (the planner's batch size): the client re-cuts
  /// a wave within it; 0 = unknown (no re-cut request grows past the largest given).
  std::size_t max_batch_symbols = 0;
  /// Symbols that later jobs of the same run will ask for (later waves): while some follow, a
  /// request added to end this job sooner must also pay for the tokens it takes from them.
  std::size_t symbols_after = 0;
  /// Called on the calling thread as soon as a request's docs are final (to commit them).
  std::function<void(std::span<const SymbolDoc>)> on_docs;
};

/// What a run produced. Every symbol of the job ends in docs or failures.
struct LlmOutcome {
  std::vector<SymbolDoc> docs;
  std::vector<SymbolFailure> failures;
  /// Ids never answered because the run was cancelled: not failures, a rerun documents them.
  std::vector<std::string> not_started;
  std::size_t requests = 0;
  std::size_t retries = 0;
  std::size_t rate_limited = 0;
  TokenUsage tokens;
  double cost_usd = 0;
  /// Completion tokens per planned output token the client now holds (learned from answers,
  /// or learned_output_ratio when none taught it more), for LlmOptions::learned_output_ratio
  /// of a later run; 0 = nothing learned.
  double output_ratio = 0;
  /// Per symbol kind, what answers took (learned, or learned_output when none came), for
  /// LlmOptions::learned_output of a later run.
  std::vector<LearnedOutput> learned_output;
  /// Set when the run stopped early (401/403, cancellation): the docs above are still valid.
  std::optional<error> fatal;
};

class LlmClient {
 public:
  virtual ~LlmClient() = default;
  /// Document every symbol of the job's batches. Blocks; per-symbol outcomes.
  virtual LlmOutcome run(const LlmJob& job, const RunContext& ctx) = 0;
  /// "offline" or the model name.
  virtual std::string name() const = 0;
};

/// The offline writer: documents each symbol from its facts in plain sentences, no network.
result<std::unique_ptr<LlmClient>> make_offline_writer();
/// The OpenAI-compatible client. Fails with invalid_argument for a malformed base URL.
result<std::unique_ptr<LlmClient>> make_openai_client(LlmOptions options);

}  // namespace doctown
