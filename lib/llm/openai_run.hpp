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
#include "llm/chat_protocol.hpp"
#include "llm/rate_limiter.hpp"
#include "net/http_client.hpp"

namespace doctown::detail {

/// One request to make (or remake).
struct Work {
  std::uint64_t id = 0;
  Batch batch;
  unsigned attempts = 0;  ///< times sent
  std::chrono::steady_clock::time_point not_before{};
  std::chrono::steady_clock::time_point sent_at{};  ///< when the last attempt was sent
  bool sent_max_completion_tokens = false;  ///< how the last attempt was sent
  bool sent_json_schema = false;
};

class OpenAiRun {
 public:
  using Clock = std::chrono::steady_clock;

  OpenAiRun(const LlmOptions& options, const LlmJob& job, const RunContext& ctx);

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
  std::mt19937_64 rng_;
  RateLimiter limiter_;
  std::map<std::string, boost::json::value> schemas_;
};

}  // namespace doctown::detail
