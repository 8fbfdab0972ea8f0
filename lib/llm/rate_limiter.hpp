// Private: client-side pacing for requests-per-minute and tokens-per-minute limits. A sliding
// window (what was sent in the last window, plus a small margin for network jitter) is the
// strictest reading of "per minute": staying inside it also stays inside a token bucket with
// the same limits. Limits tighten at run time from the server's x-ratelimit-* headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string_view>
#include <utility>

namespace doctown::detail {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// rpm/tpm = 0: no limit until the server's headers give one.
  RateLimiter(double rpm, double tpm, double window_s);

  /// Earliest time a request counting `tokens` may be sent; `now` when it fits already.
  Clock::time_point when(std::uint64_t tokens, Clock::time_point now);
  /// Record a request sent at `now`.
  void commit(std::uint64_t tokens, Clock::time_point now);
  /// Send nothing before `t` (after a 429 with retry-after).
  void pause_until(Clock::time_point t);
  /// Tune from a response's headers (lookup returns "" for absent headers).
  template <class HeaderLookup>
  void observe(HeaderLookup&& header, Clock::time_point now) {
    observe_values(header("x-ratelimit-limit-requests"), header("x-ratelimit-limit-tokens"),
                   header("x-ratelimit-remaining-requests"), header("x-ratelimit-remaining-tokens"),
                   header("x-ratelimit-reset-requests"), header("x-ratelimit-reset-tokens"), now);
  }

  double rpm() const { return rpm_; }
  double tpm() const { return tpm_; }

  /// Parse OpenAI's durations ("20ms", "1s", "6m0s", "1h2m3.5s"); negative when malformed.
  static double parse_duration(std::string_view text);

 private:
  void observe_values(std::string_view limit_req, std::string_view limit_tok,
                      std::string_view remaining_req, std::string_view remaining_tok,
                      std::string_view reset_req, std::string_view reset_tok, Clock::time_point now);
  void prune(Clock::time_point now);

  double rpm_;
  double tpm_;
  Clock::duration window_;
  Clock::time_point paused_until_{};
  std::deque<std::pair<Clock::time_point, std::uint64_t>> sent_;
  std::uint64_t used_ = 0;
};

}  // namespace doctown::detail
