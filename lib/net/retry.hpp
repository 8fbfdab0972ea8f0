// Private: the retry timing every OpenAI-compatible client of this library shares (chat
// completions, Batch API polls, embeddings), so that they back off alike: full-jitter
// exponential backoff (spreads clients that failed together, as AWS's "Exponential Backoff and
// Jitter" analysis recommends) and the wait a 429 asks for in retry-after-ms / retry-after.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <string_view>

#include "doctown/net.hpp"
#include "net/rate_limiter.hpp"

namespace doctown::net {

/// Seconds before retry number `attempt` (1 = the first retry): uniform in
/// [0, min(max_s, base_s * 2^(attempt-1))].
inline double full_jitter_backoff_s(unsigned attempt, double base_s, double max_s,
                                    std::mt19937_64& rng) {
  double cap = std::min(max_s, base_s * std::pow(2.0, static_cast<double>(attempt) - 1.0));
  std::uniform_real_distribution<double> dist(0.0, std::max(cap, 0.0));
  return dist(rng);
}

/// Seconds a rate-limited answer asks to wait: retry-after-ms (OpenAI's precise header), else
/// retry-after (seconds or a duration such as "1s", "20ms"); negative when neither is usable.
/// `header(name)` returns the header's value or "" when absent.
template <class HeaderLookup>
double retry_after_s(HeaderLookup&& header) {
  double delay = -1;
  if (auto ms = header("retry-after-ms"); !ms.empty())
    delay = RateLimiter::parse_duration(std::string(ms) + "ms");
  if (delay < 0) {
    if (auto s = header("retry-after"); !s.empty()) delay = RateLimiter::parse_duration(s);
  }
  return delay;
}

/// One client's retry timing, from its ServerOptions: the wait before a retry after a failure
/// (full jitter) and after a 429 (what the server asks, plus up to 10% so that clients told
/// the same wait do not all come back at once). Not thread-safe: one per run.
class Backoff {
 public:
  Backoff(const ServerOptions& server, std::uint64_t seed)
      : base_s_(server.backoff_base_s), max_s_(server.backoff_max_s), rng_(seed) {}

  /// Seconds before retry number `attempt` (1 = the first retry) of a failed request.
  double after_failure(unsigned attempt) {
    return full_jitter_backoff_s(attempt, base_s_, max_s_, rng_);
  }

  /// Seconds before retrying a rate-limited request (`header(name)` as for retry_after_s):
  /// the server's retry-after when it gives one, else after_failure(attempt).
  template <class HeaderLookup>
  double after_rate_limit(HeaderLookup&& header, unsigned attempt) {
    double delay = retry_after_s(header);
    if (delay < 0) return after_failure(attempt);
    return delay * (1.0 + std::uniform_real_distribution<double>(0, 0.1)(rng_));
  }

 private:
  double base_s_;
  double max_s_;
  std::mt19937_64 rng_;
};

}  // namespace doctown::net
