// Token buckets for RPM/TPM, tuned from x-ratelimit-* headers.
#include "net/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace doctown::net {

namespace {

RateLimiter::Clock::duration to_duration(double s) {
  return std::chrono::duration_cast<RateLimiter::Clock::duration>(
      std::chrono::duration<double>(std::max(0.0, s)));
}

}  // namespace

double RateLimiter::parse_number(std::string_view s) {
  if (s.empty()) return -1;
  std::string text(s);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(v) || v < 0) return -1;
  return v;
}

void RateLimiter::Bucket::set_limit(double l, Clock::time_point now) {
  if (limit == 0) {
    level = l;  // a new limit starts with a full bucket, as the server's does
    last = now;
  }
  limit = l;
  level = std::min(level, limit);
}

void RateLimiter::Bucket::refill(Clock::time_point now, double window_s) {
  if (limit <= 0) return;
  double dt = std::chrono::duration<double>(now - last).count();
  if (dt > 0) {
    level = std::min(limit, level + dt * rate(window_s));
    last = now;
  }
}

RateLimiter::RateLimiter(double rpm, double tpm, double window_s)
    : window_s_(window_s > 0 ? window_s : 60),
      // How much later than sent a request may reach the server, relative to its neighbours.
      margin_s_(std::max(0.05, 0.01 * window_s_)) {
  auto now = Clock::now();
  if (rpm > 0) requests_.set_limit(rpm, now);
  if (tpm > 0) tokens_.set_limit(tpm, now);
}

RateLimiter::Clock::time_point RateLimiter::ready(Bucket& b, double cost,
                                                  Clock::time_point now) const {
  if (b.limit <= 0) return now;
  b.refill(now, window_s_);
  double rate = b.rate(window_s_);
  // Keep a reserve of `margin` worth of refill; a request bigger than the bucket goes alone
  // into a full bucket.
  double need = std::min(cost + rate * margin_s_, b.limit);
  if (b.level >= need) return now;
  return now + to_duration((need - b.level) / rate);
}

RateLimiter::Clock::time_point RateLimiter::when(std::uint64_t tokens, Clock::time_point now) {
  Clock::time_point t = std::max(now, paused_until_);
  t = std::max(t, ready(requests_, 1, now));
  t = std::max(t, ready(tokens_, static_cast<double>(tokens), now));
  return t;
}

double RateLimiter::tokens_available(Clock::time_point now) {
  if (tokens_.limit <= 0) return 0;
  tokens_.refill(now, window_s_);
  return std::max(0.0, tokens_.level);
}

void RateLimiter::commit(std::uint64_t tokens, Clock::time_point now) {
  requests_.refill(now, window_s_);
  tokens_.refill(now, window_s_);
  if (requests_.limit > 0) requests_.level -= 1;
  if (tokens_.limit > 0) tokens_.level -= static_cast<double>(tokens);
  log_.emplace_back(now, static_cast<double>(tokens));
  while (!log_.empty() && now - log_.front().first > to_duration(window_s_)) log_.pop_front();
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
                                 Clock::time_point sent_at, Clock::time_point now) {
  // The reset times only restate remaining / rate for a bucket; remaining is what we use.
  (void)reset_req;
  (void)reset_tok;
  double lr = parse_number(limit_req), lt = parse_number(limit_tok);
  if (lr > 0 && (requests_.limit == 0 || lr < requests_.limit)) requests_.set_limit(lr, now);
  if (lt > 0 && (tokens_.limit == 0 || lt < tokens_.limit)) tokens_.set_limit(lt, now);
  // When the server has less left than we think (another client on the same key, or it counts
  // tokens differently), believe the server, minus what we sent after this request: the
  // server's figure cannot include those yet.
  double rr = parse_number(remaining_req), rt = parse_number(remaining_tok);
  double later_requests = 0, later_tokens = 0;
  for (const auto& [t, n] : log_)
    if (t > sent_at) {
      later_requests += 1;
      later_tokens += n;
    }
  // The figure is as of when the server took the request (about when we sent it); the bucket
  // has refilled since, for as long as the answer took.
  double since = std::max(0.0, std::chrono::duration<double>(now - sent_at).count());
  requests_.refill(now, window_s_);
  tokens_.refill(now, window_s_);
  if (rr >= 0 && requests_.limit > 0)
    requests_.level = std::min(requests_.level, std::min(requests_.limit, rr + since * requests_.rate(window_s_)) - later_requests);
  if (rt >= 0 && tokens_.limit > 0)
    tokens_.level = std::min(tokens_.level, std::min(tokens_.limit, rt + since * tokens_.rate(window_s_)) - later_tokens);
}

}  // namespace doctown::net
