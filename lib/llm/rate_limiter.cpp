// Sliding-window pacing for RPM/TPM, tuned from x-ratelimit-* headers. The window is widened
// by a small margin: the server stamps a request when it arrives, later than we sent it, and
// two requests a window apart must not land inside one window on the server's clock.
#include "llm/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace doctown::detail {

namespace {

RateLimiter::Clock::duration to_duration(double s) {
  return std::chrono::duration_cast<RateLimiter::Clock::duration>(std::chrono::duration<double>(s));
}

double parse_number(std::string_view s) {
  if (s.empty()) return -1;
  std::string text(s);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(v) || v < 0) return -1;
  return v;
}

}  // namespace

RateLimiter::RateLimiter(double rpm, double tpm, double window_s)
    : rpm_(rpm > 0 ? rpm : 0), tpm_(tpm > 0 ? tpm : 0),
      window_(to_duration(window_s + std::max(0.02 * window_s, 0.05))) {}

void RateLimiter::prune(Clock::time_point now) {
  while (!sent_.empty() && sent_.front().first + window_ <= now) {
    used_ -= sent_.front().second;
    sent_.pop_front();
  }
}

RateLimiter::Clock::time_point RateLimiter::when(std::uint64_t tokens, Clock::time_point now) {
  prune(now);
  Clock::time_point t = std::max(now, paused_until_);
  if (rpm_ > 0) {
    auto limit = static_cast<std::size_t>(std::max(1.0, std::floor(rpm_)));
    if (sent_.size() + 1 > limit) {
      // The request fits once enough of the oldest have left the window.
      std::size_t must_expire = sent_.size() + 1 - limit;
      t = std::max(t, sent_[must_expire - 1].first + window_);
    }
  }
  if (tpm_ > 0) {
    auto limit = static_cast<std::uint64_t>(tpm_);
    if (used_ + tokens > limit) {
      if (tokens >= limit) {
        // Bigger than a whole window: send it alone, into an empty window.
        if (!sent_.empty()) t = std::max(t, sent_.back().first + window_);
      } else {
        std::uint64_t freed = 0;
        for (const auto& [at, n] : sent_) {
          freed += n;
          if (used_ - freed + tokens <= limit) {
            t = std::max(t, at + window_);
            break;
          }
        }
      }
    }
  }
  return t;
}

void RateLimiter::commit(std::uint64_t tokens, Clock::time_point now) {
  sent_.emplace_back(now, tokens);
  used_ += tokens;
}

void RateLimiter::pause_until(Clock::time_point t) { paused_until_ = std::max(paused_until_, t); }

double RateLimiter::parse_duration(std::string_view text) {
  if (text.empty()) return -1;
  double total = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) return -1;
    double v = parse_number(text.substr(start, i - start));
    if (v < 0) return -1;
    std::size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(ustart, i - ustart);
    if (unit == "ms") total += v / 1000;
    else if (unit == "s" || unit.empty()) total += v;
    else if (unit == "m") total += v * 60;
    else if (unit == "h") total += v * 3600;
    else return -1;
    any = true;
  }
  return any ? total : -1;
}

void RateLimiter::observe_values(std::string_view limit_req, std::string_view limit_tok,
                                 std::string_view remaining_req, std::string_view remaining_tok,
                                 std::string_view reset_req, std::string_view reset_tok,
                                 Clock::time_point now) {
  (void)reset_req;
  (void)reset_tok;
  double lr = parse_number(limit_req), lt = parse_number(limit_tok);
  if (lr > 0 && (rpm_ == 0 || lr < rpm_)) rpm_ = lr;
  if (lt > 0 && (tpm_ == 0 || lt < tpm_)) tpm_ = lt;
  prune(now);
  // When the server thinks less is left than we do (another client on the same key, or it
  // counts tokens differently), book the difference as if sent now: it ages out with the window.
  double rr = parse_number(remaining_req), rt = parse_number(remaining_tok);
  if (rt >= 0 && tpm_ > 0) {
    double ours = tpm_ - static_cast<double>(used_);
    if (rt + 1 < ours) commit(static_cast<std::uint64_t>(ours - rt), now);
  }
  if (rr >= 0 && rpm_ > 0) {
    double ours = rpm_ - static_cast<double>(sent_.size());
    for (double k = rr + 1; k < ours; k += 1) commit(0, now);
  }
}

}  // namespace doctown::detail
