// Private: one run of the OpenAI-compatible client. Holds what both modes share — symbol
// bookkeeping (every id ends documented or failed with a reason), answer handling and repair
// (follow-ups for missing ids, splitting on truncation), retry decisions and cost — and the two
// drivers: chat completions (openai_client.cpp) and the Batch API (batch_api.cpp).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "doctown/llm_client.hpp"
#include "doctown/models.hpp"
#include "llm/chat_protocol.hpp"
#include "net/rate_limiter.hpp"
#include "net/retry.hpp"
#include "net/server_error.hpp"
#include "net/http_client.hpp"

namespace doctown::detail {

/// One request to make (or remake).
struct Work {
  std::uint64_t id = 0;
  Batch batch;
  unsigned attempts = 0;  ///< times sent
  std::chrono::steady_clock::time_point not_before{};
  std::chrono::steady_clock::time_point sent_at{};  ///< when the last attempt was sent
  std::size_t planned_output = 0;  ///< the planner's max_output_tokens, before right-sizing
  double reserved_usd = 0;         ///< worst-case price of the attempt in flight
  bool sent_max_completion_tokens = false;  ///< how the last attempt was sent
  bool sent_json_schema = false;
};

/// What a client learns in one run() and keeps for the next (the pipeline calls run() once
/// per wave slice): the limits, how long answers take and how many tokens they use, and what
/// was spent against --max-cost.
struct ClientState {
  using Clock = std::chrono::steady_clock;
  explicit ClientState(const LlmOptions& o)
      : limiter(o.server.rpm_limit, o.server.tpm_limit, o.server.rate_window_s) {}

  net::RateLimiter limiter;
  /// An answer (any status) came back: until then one request probes the server, since its
  /// limits arrive with the first answer's headers.
  bool heard_back = false;
  /// The probe (the first request): its id and its cost counted both ways, so that the first
  /// answer's x-ratelimit-* headers tell how the server counts prompts.
  std::uint64_t probe_id = 0;
  std::uint64_t probe_by_chars = 0;
  std::uint64_t probe_exact = 0;
  /// The server was seen to charge ceil(chars/4) for a prompt, not exact BPE (OpenAI's rule):
  /// when exact BPE counts more, the limiter charges what the server does. Until then (and on
  /// servers that send no limits) the limiter takes the higher of the two.
  bool counts_by_chars = false;
  /// Smoothed seconds from send to answer, for Little's law (0 = none seen yet).
  double latency_s = 0;
  /// Multiplier on the in-flight target: halved when the server errs or slows, regrown on
  /// success.
  double pressure = 1;
  /// Learned completion tokens used per planned output token (answers / planner's estimate),
  /// the highest recent ratio; 0 = none seen yet (the planner's figure is used as it is).
  double output_ratio = 0;
  /// Smoothed rate-limit cost (tokens) of a request, for the TPM side of Little's law.
  double avg_cost = 0;
  /// Spent so far (USD), and how much the requests in flight may still cost at most.
  double spent_usd = 0;
  double committed_usd = 0;
};

class OpenAiRun {
 public:
  using Clock = std::chrono::steady_clock;

  OpenAiRun(const LlmOptions& options, const LlmJob& job, const RunContext& ctx,
            ClientState& state);

  /// Chat Completions, N in flight, paced by the rate limiter.
  LlmOutcome run_sync();
  /// Batch API rounds, then (batch_fallback == "sync") the leftovers synchronously.
  LlmOutcome run_batch_api();

 private:
  // --- shared bookkeeping ---
  enum class SymState { pending, documented, failed };
  struct Sym {
    SymState state = SymState::pending;
    unsigned repairs = 0;
  };

  void enqueue(Batch batch);
  void enqueue_rebatch(const std::vector<std::string>& ids, const std::string& why);
  std::vector<std::string> pending_ids(const Batch& batch) const;
  void fail_ids(const std::vector<std::string>& ids, const std::string& reason);
  void fail_work(const Work& w, const std::string& reason) { fail_ids(pending_ids(w.batch), reason); }
  void commit(std::vector<SymbolDoc> docs);
  void diagnostic(const std::string& message);
  LlmOutcome finish();

  // --- answer handling (both modes) ---
  /// Decide what an HTTP answer means for `w`. Requeued work goes to queue_.
  void handle_response(Work w, int status, std::string_view body,
                       const std::function<std::string_view(std::string_view)>& header,
                       bool batch_api);
  void handle_transport_error(Work w, const error& e, bool transient);
  void handle_answer(Work w, std::string_view body, bool batch_api);
  void retry(Work w, double delay_s, const std::string& reason);
  void split_or_fail(Work w, const std::string& reason, bool retry_single);
  double backoff_s(unsigned attempt);
  const boost::json::value& schema_of(const Batch& batch);
  std::uint64_t counted_tokens(const Batch& batch) const;
  /// counted_tokens' two readings of a prompt: ceil(chars/4) and the planner's exact BPE.
  std::uint64_t prompt_tokens_by_chars(const Batch& batch) const;
  /// From the probe's answer headers (limit - remaining = what the server charged it, since
  /// nothing else was sent): whether the server counts prompts by characters.
  void learn_counting(const Work& w, const std::function<std::string_view(std::string_view)>& header);
  /// max_completion_tokens for `w` now: the planner's figure scaled by what answers took.
  std::size_t right_sized_output(const Work& w) const;
  void learn_output(const Work& w, std::uint64_t completion_tokens, bool cut);
  /// Requests to keep in flight now (Little's law on the learned limits and latency).
  std::size_t in_flight_target() const;
  double price_usd(const TokenUsage& u, bool batch_api) const;
  /// Stop before a request that could take the run over --max-cost; true when it must wait.
  bool over_budget(const Work& w, std::uint64_t input_tokens);
  net::HttpRequest chat_request(Work& w);
  net::HttpOptions http_options() const;
  std::string url(std::string_view path) const;
  void auth_headers(net::HttpRequest& r) const;

  // --- Batch API ---
  result<void> batch_round(std::vector<Work>& works, std::size_t round);
  /// Chat Completions until no work of wave <= max_wave is left (or the run stops).
  void drive_sync(std::size_t max_wave);

  const LlmOptions& opt_;
  const LlmJob& job_;
  const RunContext& ctx_;
  ChatSettings settings_;
  std::string base_url_;
  LlmOutcome out_;
  TokenUsage batch_tokens_;  ///< part of out_.tokens billed at the Batch API price
  std::unordered_map<std::string, Sym> syms_;
  std::vector<std::string> order_;  ///< ids in first-seen order, for stable failure lists
  std::size_t finished_ = 0;
  std::deque<Work> queue_;
  std::uint64_t next_work_id_ = 1;
  std::optional<error> fatal_;
  bool batch_submitted_ = false;
  net::Backoff backoff_;
  ClientState& st_;
  net::RateLimiter& limiter_;
  ModelInfo model_;
  std::map<std::string, boost::json::value> schemas_;
};

}  // namespace doctown::detail
