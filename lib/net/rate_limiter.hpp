// Private: client-side pacing for requests-per-minute and tokens-per-minute limits with two
// token buckets, the model OpenAI documents (capacity = one window's limit, refilled
// continuously). A request takes its tokens (prompt + max_completion_tokens) when sent. A
// small reserve stays in each bucket so that arrival jitter never makes the server's bucket,
// which sees requests a little later than we send them, go below zero. Limits tighten at run
// time from the server's x-ratelimit-* headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <utility>
#include <string_view>

namespace doctown::net {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// rpm/tpm = 0: no limit until the server's headers give one.
  RateLimiter(double rpm, double tpm, double window_s);

  /// Earliest time a request counting `tokens` may be sent; `now` when it fits already.
  Clock::time_point when(std::uint64_t tokens, Clock::time_point now);
  /// Tokens the TPM bucket holds at `now` (0 while no TPM limit is known).
  double tokens_available(Clock::time_point now);
  /// Record a request sent at `now`.
  void commit(std::uint64_t tokens, Clock::time_point now);
  /// Send nothing before `t` (after a 429 with retry-after).
  void pause_until(Clock::time_point t);
  /// Tune from the headers of the answer to a request sent at `sent_at` (lookup returns ""
  /// for absent headers).
  template <class HeaderLookup>
  void observe(HeaderLookup&& header, Clock::time_point sent_at, Clock::time_point now) {
    observe_values(header("x-ratelimit-limit-requests"), header("x-ratelimit-limit-tokens"),
                   header("x-ratelimit-remaining-requests"), header("x-ratelimit-remaining-tokens"),
                   header("x-ratelimit-reset-requests"), header("x-ratelimit-reset-tokens"),
                   sent_at, now);
  }

  double rpm() const { return requests_.limit; }
  double tpm() const { return tokens_.limit; }

  /// Parse a header's number (a finite value >= 0); negative when absent or malformed.
  static double parse_number(std::string_view text);
  /// Parse OpenAI's durations ("20ms", "1s", "6m0s", "1h2m3.5s"); negative when malformed.
  static double parse_duration(std::string_view text);

 private:
  void observe_values(std::string_view limit_req, std::string_view limit_tok,
                      std::string_view remaining_req, std::string_view remaining_tok,
                      std::string_view reset_req, std::string_view reset_tok,
                      Clock::time_point sent_at, Clock::time_point now);

  struct Bucket {
    double limit = 0;  ///< per window; 0 = off
    double level = 0;
    Clock::time_point last{};
    void set_limit(double l, Clock::time_point now);
    void refill(Clock::time_point now, double window_s);
    double rate(double window_s) const { return limit / window_s; }
  };
  Clock::time_point ready(Bucket& b, double cost, Clock::time_point now) const;

  double window_s_;
  double margin_s_;
  Bucket requests_;
  Bucket tokens_;
  Clock::time_point paused_until_{};
  /// Recent sends (time, tokens), to discount those a server's figure cannot include yet.
  std::deque<std::pair<Clock::time_point, double>> log_;
};

}  // namespace doctown::net
