// BatchPlanner stage: pack selected symbols into LLM requests under exact token limits,
// in dependency waves, with semantic context.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "doctown/embedder.hpp"
#include "doctown/error.hpp"
#include "doctown/graph.hpp"
#include "doctown/models.hpp"
#include "doctown/tokenizer.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// Tokens a chat request adds around its messages: 3 per message (role/start/end markers) plus
/// 1 for each role name (system, user) plus 3 priming the assistant's reply = 11 for the two
/// messages the planner writes (OpenAI's documented counting for o200k/cl100k chat models).
/// Batch::input_tokens = tokens(system) + tokens(user) + this.
inline constexpr std::size_t chat_message_overhead_tokens = 11;

/// One LLM request: the symbols it documents and its rendered prompt.
struct Batch {
  std::size_t index = 0;  ///< position in the plan
  std::size_t wave = 0;   ///< dependency wave
  std::vector<std::string> symbol_ids;  ///< ids the answer must contain
  std::string system_prompt;  ///< identical across requests (prompt caching)
  std::string user_prompt;
  std::string response_schema;  ///< JSON schema (text) of the expected answer
  std::size_t input_tokens = 0;       ///< exact, system + user + message overhead
  std::size_t max_output_tokens = 0;  ///< max_completion_tokens to send
  /// Of input_tokens, tokens reserved (not yet rendered) for summaries of earlier waves that
  /// plan() could not know; 0 for batches from plan_wave().
  std::size_t reserved_tokens = 0;
};

/// Planner options (the seed's flags). The model is not one of them: make_batch_planner takes
/// it as a ModelInfo, and the pipeline passes the one LlmOptions::model names, so the prompts
/// are always planned for the model that answers them.
struct PlannerOptions {
  /// Most symbols per request; 1 = the seed's per-symbol mode.
  std::size_t batch_size = 15;
  /// Most input tokens per request, system prompt and context included.
  std::size_t max_batch_tokens = 25000;
  /// Most output tokens per symbol: max_completion_tokens is what answers of the request's
  /// symbols take by kind and size, with headroom, and never more than this × symbols.
  std::size_t output_tokens_per_symbol = 700;
  /// BCP 47 tag of the prose's language ("fr", "zh-CN"); empty or "en" = English.
  std::string language;
  /// Include neighbours, callers/callees, same-file symbols and includes.
  bool semantic_context = true;
  /// Neighbours per symbol in the context.
  std::size_t semantic_neighbors = 3;
  /// Least cosine similarity for a neighbour to be shown (looser look-alikes are noise).
  double similarity_threshold = 0.5;
  /// Most tokens of code per symbol (long bodies keep signature, head and tail).
  std::size_t max_code_tokens = 1500;
  /// Tokens reserved for an earlier wave's summary not yet known when planning ahead.
  std::size_t reserved_summary_tokens = 40;
  /// Order symbols into dependency waves (callees first); false = one wave.
  bool dependency_waves = true;
  /// Most waves (0 = as many as the dependency depth). Each wave waits for the slowest answer
  /// of the one before, so depth costs wall time: symbols deeper than this share the last wave
  /// and see the summaries of every shallower wave, the signatures of the rest.
  std::size_t max_waves = 3;
  /// Split a wave into at least this many requests, as long as each keeps
  /// `min_batch_symbols` (1 = pack every request full). A wave waits for its slowest answer
  /// and an answer takes longer the more symbols it covers; each extra request repeats the
  /// system prompt and preamble (cached, but counted against the TPM limit).
  std::size_t wave_requests = 3;
  /// Fewest symbols per request when a wave is split for speed.
  std::size_t min_batch_symbols = 6;
};

/// What the planner works from. Pointers must outlive the call; graph/embeddings may be null.
struct PlanInput {
  const Codebase* codebase = nullptr;
  const Graph* graph = nullptr;
  const EmbeddingMatrix* embeddings = nullptr;
  std::vector<std::string> selected;  ///< ids to document
  /// Docs already written (cache or earlier waves): their summaries go into context.
  const std::map<std::string, SymbolDoc>* known_docs = nullptr;
  /// plan_wave spreads the ids over up to PlannerOptions::wave_requests requests; false packs
  /// them as full as the limits allow (a client re-planning a group it sized itself).
  bool spread = true;
};

/// A whole plan (what `doctown plan` prints).
struct Plan {
  std::string model;
  std::vector<std::vector<std::string>> waves;
  std::vector<Batch> batches;
  std::size_t input_tokens = 0;
  std::size_t max_output_tokens = 0;
  std::size_t lower_bound_requests = 0;  ///< ceil(total input tokens / max_batch_tokens)
};

class BatchPlanner {
 public:
  virtual ~BatchPlanner() = default;
  /// Split the selected symbols into dependency waves (callees and bases first).
  virtual std::vector<std::vector<std::string>> waves(const PlanInput& input) const = 0;
  /// Pack `ids` (one wave) into requests, rendering prompts with the docs known now.
  virtual result<std::vector<Batch>> plan_wave(const PlanInput& input,
                                               std::span<const std::string> ids,
                                               std::size_t wave) const = 0;
  /// A stable hash of everything that shapes `id`'s part of a prompt (facts, context, model,
  /// prompt version): the cache key.
  virtual std::string fingerprint(const PlanInput& input, const std::string& id) const = 0;
  /// All waves at once (a dry run): later waves count reserved tokens for unknown summaries.
  /// lower_bound_requests = ceil(input_tokens / batch_token_limit()).
  result<Plan> plan(const PlanInput& input) const;

 protected:
  /// plan_wave() for a dry run: `earlier` holds the ids of earlier waves whose summaries are not
  /// known yet; an implementation counts a reserved budget for each one its prompts show. The
  /// default ignores `earlier`.
  virtual result<std::vector<Batch>> plan_wave_ahead(const PlanInput& input,
                                                     std::span<const std::string> ids,
                                                     std::size_t wave,
                                                     const std::set<std::string>& earlier) const {
    (void)earlier;
    return plan_wave(input, ids, wave);
  }
  /// The input-token limit per request behind the plan's lower bound.
  virtual std::size_t batch_token_limit() const { return PlannerOptions{}.max_batch_tokens; }
  /// The model the prompts are planned for (Plan::model).
  virtual std::string model_name() const { return {}; }
};

/// A planner for `model` (its limits, and its name in fingerprints and Plan::model; look it up
/// in the run's ModelTable). Fails with invalid_argument for a zero batch size, a token limit
/// below the system prompt, or a context window too small for one symbol.
result<std::unique_ptr<BatchPlanner>> make_batch_planner(
    PlannerOptions options, std::shared_ptr<const Tokenizer> tokenizer,
    ModelInfo model = ModelTable::builtin().lookup(default_chat_model));

}  // namespace doctown
