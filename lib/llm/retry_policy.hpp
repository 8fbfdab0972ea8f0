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

#include "llm/rate_limiter.hpp"

namespace doctown::detail {

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

}  // namespace doctown::detail
