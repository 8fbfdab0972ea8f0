// Private: one run of the OpenAI-compatible client. Holds what both modes share — symbol
// bookkeeping (every id ends documented or failed with a reason), answer handling and repair
// (follow-ups for missing ids, splitting on truncation), retry decisions and cost — and the two
// drivers: chat completions (openai_client.cpp) and the Batch API (batch_api.cpp).
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
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
#include "llm/output_model.hpp"
#include "llm/wave_shape.hpp"
#include "net/request_loop.hpp"

namespace doctown::detail {

/// One request to make (or remake); the request loop tracks its attempts and timing.
struct Work : net::Attempt {
  Batch batch;
  std::size_t planned_output = 0;  ///< the planner's max_output_tokens, before right-sizing
  double reserved_usd = 0;         ///< worst-case price of the attempt in flight
  bool sent_max_completion_tokens = false;  ///< how the last attempt was sent
  bool sent_json_schema = false;
  bool unsplit = false;  ///< the re-planner could not halve it: spread_wave leaves it whole
  bool balanced = false;  ///< balance_wave has seen its wave (it moves symbols once per wave)
};

/// One call to the Batch API's files/batches endpoints.
struct Call : net::Attempt {
  net::HttpRequest request;
};

/// What a client learns in one run() and keeps for the next (the pipeline calls run() once
/// per wave slice): the limits, how long answers take and how many tokens they use, and what
/// was spent against --max-cost.
struct ClientState {
  using Clock = std::chrono::steady_clock;
  explicit ClientState(const LlmOptions& o)
      : limiter(o.server.rpm_limit, o.server.tpm_limit, o.server.rate_window_s),
        output_ratio(seed_ratio(o.learned_output_ratio)) {
    output_model.seed(o.learned_output);
  }

  /// An earlier run's ratio, as far as it can be trusted: not a number or not positive = none;
  /// above 1 = 1, since more than the planner's ceiling is never reserved.
  static double seed_ratio(double r) { return std::isfinite(r) && r > 0 ? std::min(r, 1.0) : 0; }

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
  /// Completion tokens per symbol, learned per kind from the answers' entries: once it has
  /// seen enough, it sizes reservations in place of output_ratio.
  OutputModel output_model;
  /// Smoothed seconds from send to answer per symbol asked for (0 = none seen yet).
  double s_per_symbol = 0;
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

  /// Requests waiting to be sent (the request loop's queue; push_front to go first).
  std::deque<Work>& queue() { return loop_.queue(); }
  void enqueue(Batch batch);
  /// Put a short request first: it probes the server before anything else is sent.
  void pick_probe();
  /// Halve the wave's largest queued requests while the limits admit more at once than are
  /// queued (and the TPM bucket can spare the repeated prefixes).
  void spread_wave();
  /// At a wave's start, re-cut its requests: to even sizes when the TPM bucket takes them all
  /// now; otherwise so that the ones that wait for tokens are small (tail_sizes).
  void balance_wave();
  /// Sizes for a wave of `sizes` costing `total` tokens that the bucket (`room` now, `rate` a
  /// second) cannot take at once: the cut that ends it soonest, with up to two requests more
  /// when each pays for itself; empty = keep the plan.
  std::vector<std::size_t> tail_sizes(const std::vector<std::size_t>& sizes, double total,
                                      double room, double rate, const Batch& sample) const;
  /// Re-plan the wave's requests (`wave`, holding `groups`) into groups of `sizes`, in order.
  void regroup_wave(const std::vector<std::deque<Work>::iterator>& wave,
                    const std::vector<std::vector<std::string>>& groups,
                    std::vector<std::size_t> sizes);
  /// Seconds per symbol of an answer, for balance_wave.
  void learn_pace(const Work& w);
  /// Re-plan each group of ids into requests; none when the planner cannot cover them exactly.
  std::optional<std::deque<Work>> replan(const std::vector<std::vector<std::string>>& groups);
  void enqueue_rebatch(const std::vector<std::string>& ids, const std::string& why);
  std::vector<std::string> pending_ids(const Batch& batch) const;
  void fail_ids(const std::vector<std::string>& ids, const std::string& reason);
  void fail_work(const Work& w, const std::string& reason) { fail_ids(pending_ids(w.batch), reason); }
  void commit(std::vector<SymbolDoc> docs);
  void diagnostic(const std::string& message);
  LlmOutcome finish();

  // --- the chat client's hooks on the request loop (answers of both modes pass through it) ---
  void set_loop_hooks();
  net::LoopOptions loop_options() const;
  /// Whether `w` goes out now: drop (nothing left to ask), hold (over --max-cost), or send
  /// with its rate-limit cost.
  net::Admit admit(Work& w, std::uint64_t& cost);
  void on_sent(Work& w, std::uint64_t cost);
  void on_heard(const Work& w);
  /// Errors halve the in-flight target, good answers regrow it.
  void on_status(int status, net::StatusClass kind, bool live);
  /// 400 and other statuses no retry fixes (some 400s only mean "send it another way").
  void on_rejected(Work w, const net::Refusal& r);
  error refused_error(const net::Refusal& r) const;
  /// The lowest wave queued or in flight: waves run in order.
  std::size_t current_wave() const;

  // --- answer handling (both modes) ---
  void handle_answer(Work w, std::string_view body, bool batch_api);
  void add_usage(const TokenUsage& u, bool batch_api);
  void take_docs(const Work& w, ParsedDocs& parsed);
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
  /// counted_tokens of `w` as it would be sent now (right-sized).
  std::uint64_t expected_cost(const Work& w) const;
  void learn_output(const Work& w, std::uint64_t completion_tokens, bool cut);
  /// Teach the output model what each symbol of a whole answer took (its share of the
  /// completion tokens by the size of its entry).
  void learn_symbol_outputs(const Work& w, const ParsedDocs& parsed, std::uint64_t completion_tokens);
  /// What the output model reserves for `w`'s symbols; nullopt when it has not learned
  /// enough (or a symbol is unknown).
  std::optional<double> learned_reserve(const Work& w) const;
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
  /// One round's requests and which of them the output and error files answered.
  struct BatchRun {
    std::vector<Work>& works;
    std::map<std::string, std::size_t> by_custom_id;
    std::vector<bool> answered;
  };
  result<void> batch_round(std::vector<Work>& works, std::size_t round);
  result<net::HttpResponse> call(net::HttpRequest req, std::string_view what);
  result<std::string> submit_batch(const std::string& jsonl, const std::string& key,
                                   std::size_t count);
  result<boost::json::object> poll_batch(const std::string& batch_id);
  result<void> map_batch_file(const std::string& file_id, BatchRun& run);
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
  std::uint64_t next_work_id_ = 1;
  std::optional<error> fatal_;
  bool batch_submitted_ = false;
  net::Backoff backoff_;
  ClientState& st_;
  net::RateLimiter& limiter_;
  ModelInfo model_;
  std::map<std::string, boost::json::value> schemas_;
  std::size_t max_wave_ = SIZE_MAX;  ///< drive_sync's last wave
  std::size_t min_wave_ = 0;         ///< the wave running now
  /// Queue, pacing, status handling and cancel-and-drain of the chat requests.
  net::RequestLoop<Work> loop_;
};

}  // namespace doctown::detail
