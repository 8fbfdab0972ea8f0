// Private: the one request loop every OpenAI-compatible call of the library runs on (chat
// completions, the Batch API's file and batch calls, /embeddings). It owns what those clients
// share, so that a 429 or a cancellation means the same thing in every stage:
// - the queue of pending requests and the requests in flight, up to a target the caller sets
//   (the chat client's Little's-law target stays with the chat client);
// - pacing: a request leaves only when the RateLimiter has room for its cost, and the limiter
//   learns from each answer's x-ratelimit-* headers;
// - status handling: 401/403 and an exhausted quota halt the run, 429 waits what
//   retry-after-ms / retry-after ask (and pauses everybody), 408/409/5xx and transient
//   transport failures back off with full jitter, all up to max_attempts;
// - stop_token cancellation: nothing new is sent, and the requests already sent either finish
//   (drain_s > 0: their tokens are paid for) or are aborted.
// What a request is and what an answer means stay with the caller, through small hooks. All
// work runs on the calling thread inside run(), so hooks need no locks.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "doctown/error.hpp"
#include "doctown/progress.hpp"
#include "net/http_client.hpp"
#include "net/rate_limiter.hpp"
#include "net/retry.hpp"
#include "net/server_error.hpp"

namespace doctown::net {

/// What the loop tracks of each request; the caller's request type derives from it.
struct Attempt {
  std::uint64_t id = 0;  ///< unique among the requests queued or in flight
  unsigned attempts = 0;  ///< times sent
  std::chrono::steady_clock::time_point not_before{};  ///< not (re)sent before this
  std::chrono::steady_clock::time_point sent_at{};     ///< when the last attempt was sent
};

/// Settings of one loop.
struct LoopOptions {
  /// Transport settings of the HTTP pool.
  HttpOptions http;
  /// Connections of the HTTP pool (most requests that can be in flight at once).
  unsigned workers = 4;
  /// Sends of one request at most, retries included.
  unsigned max_attempts = 5;
  /// Masked out of every message built from an answer.
  std::string api_key;
  /// The server's URL: its query and user info are masked out of those messages too.
  std::string mask_url;
  /// Put after "HTTP <status>" in messages, e.g. " from https://host/v1/chat/completions".
  std::string label;
  /// On cancellation, seconds the requests already sent may take to finish (0: abort them).
  double drain_s = 0;
};

/// How a queued request may go now (Hooks::admit).
enum class Admit {
  send,  ///< send it (after the limiter has room for its cost)
  drop,  ///< nothing left to ask: forget it
  hold,  ///< send nothing more in this round (it stays queued)
};

/// An answer with an error status, read once for the hooks that need it.
struct Refusal {
  int status = 0;
  StatusClass kind = StatusClass::rejected;
  std::string message;  ///< the server's error message, keys and URL secrets masked
  std::string what;     ///< "HTTP <status><label>: <message>"
};

/// Seconds as the steady clock's duration (negative counts as 0).
std::chrono::steady_clock::duration seconds_of(double s);

/// The part of the loop that does not depend on the request type.
class LoopCore {
 public:
  using Clock = std::chrono::steady_clock;

  /// `limiter`, `backoff` and `halt` outlive the loop; `halt` is the caller's run-stopping
  /// error, shared so that the caller's own stops (a budget, a fatal answer) end the loop too.
  LoopCore(LoopOptions options, RateLimiter& limiter, Backoff& backoff,
           std::optional<error>& halt);
  ~LoopCore();
  LoopCore(const LoopCore&) = delete;
  LoopCore& operator=(const LoopCore&) = delete;

  /// Stop the run with `e`, unless it is stopped already (the first reason is the one shown).
  void halt(error e);
  bool halted() const { return halt_.has_value(); }
  Backoff& backoff() { return backoff_; }
  RateLimiter& limiter() { return limiter_; }
  const LoopOptions& options() const { return options_; }

 protected:
  /// The HTTP pool, created on first use and kept across runs.
  result<HttpClientPool*> pool();
  Refusal refusal(const HttpResponse& r, StatusClass kind) const;
  /// After a run: abort what is still in flight and let the pool settle (at most 2 s).
  void abort_outstanding();

  LoopOptions options_;
  RateLimiter& limiter_;
  Backoff& backoff_;
  std::optional<error>& halt_;
  std::unique_ptr<HttpClientPool> pool_;
};

/// The loop for requests of type `Item` (derived from Attempt). Not thread-safe: one thread.
template <class Item>
class RequestLoop : public LoopCore {
 public:
  /// What the caller decides. The ones marked "required" must be set.
  struct Hooks {
    /// Requests to keep in flight now (default: options().workers).
    std::function<std::size_t()> target;
    /// Called at the start of each round, before anything is sent (e.g. to pick a wave).
    std::function<void()> round;
    /// Does `item` belong to this run? The run ends when nothing is in flight and no queued
    /// request belongs to it (default: all do).
    std::function<bool(const Item&)> in_scope;
    /// May `item` start in this round (e.g. waves in order)? (default: yes)
    std::function<bool(const Item&)> in_order;
    /// Last word before sending; sets the request's rate-limit cost (default: send, cost 0).
    std::function<Admit(Item&, std::uint64_t& cost)> admit;
    /// The HTTP request for this attempt (required).
    std::function<HttpRequest(Item&)> build;
    /// The limiter took `cost` and the request is going out (bookkeeping).
    std::function<void(Item&, std::uint64_t cost)> sent;
    /// A sent request completed (answer or transport failure), before anything else.
    std::function<void(Item&)> heard;
    /// Every answer's status before it is acted on; `live` is false for answers that came
    /// another way (Batch API output lines), which carry no headers and pace nothing.
    std::function<void(const Item&, int status, StatusClass kind, bool live)> status;
    /// A 2xx answer (required).
    std::function<void(Item, HttpResponse&, bool live)> answer;
    /// A status no retry fixes (400, 404, ...): requeue, fail or halt (required).
    std::function<void(Item, const Refusal&)> rejected;
    /// The request will not succeed: a transport failure that is not transient, or a
    /// retryable failure at max_attempts (`why` says so) (required).
    std::function<void(Item, errc, const std::string& why)> failed;
    /// A retry was queued, `delay_s` from now.
    std::function<void(const Item&, double delay_s, const std::string& why)> retrying;
    /// The error a 401/403 or an exhausted quota halts the run with (required).
    std::function<error(const Refusal&)> refused;
    /// The error a cancellation halts the run with (required).
    std::function<error()> cancelled;
  };

  RequestLoop(LoopOptions options, RateLimiter& limiter, Backoff& backoff,
              std::optional<error>& halt, Hooks hooks = {})
      : LoopCore(std::move(options), limiter, backoff, halt), hooks_(std::move(hooks)) {}

  Hooks& hooks() { return hooks_; }
  /// Pending requests, in the order they are tried (push_front to go first).
  std::deque<Item>& queue() { return queue_; }
  const std::deque<Item>& queue() const { return queue_; }
  const std::map<std::uint64_t, Item>& in_flight() const { return in_flight_; }

  /// Send the queued requests until none belongs to the run, or it halts (a hook's halt(), a
  /// refusal, cancellation). Fails only when the HTTP pool cannot be set up.
  result<void> run(const RunContext& ctx) {
    auto pool = this->pool();
    if (!pool) return std::move(pool).error();
    while (true) {
      auto now = Clock::now();
      if (!halted() && ctx.stop_requested()) halt(hooks_.cancelled());
      if (halted()) break;
      Clock::time_point wake = now + std::chrono::milliseconds(100);
      if (hooks_.round) hooks_.round();
      while (in_flight_.size() < target() && send_next(**pool, now, wake)) {
      }
      if (in_flight_.empty() &&
          std::none_of(queue_.begin(), queue_.end(), [&](const Item& i) { return in_scope(i); }))
        break;
      for (auto& c : (*pool)->wait(wake)) complete(c);
    }
    if (halt_ && halt_->code == errc::cancelled && options_.drain_s > 0) {
      // Cancellation finishes the requests already sent but starts nothing new: retries and
      // follow-ups stay queued.
      auto deadline = Clock::now() + seconds_of(options_.drain_s);
      while (!in_flight_.empty() && Clock::now() < deadline)
        for (auto& c : (*pool)->wait(deadline)) complete(c);
    }
    if (!in_flight_.empty()) abort_outstanding();
    in_flight_.clear();
    return {};
  }

  /// Queue `item` again `delay_s` from now, or report it failed at max_attempts.
  void retry(Item item, double delay_s, errc code, const std::string& why) {
    if (item.attempts >= options_.max_attempts) {
      std::string gave_up = why + " (gave up after " + std::to_string(item.attempts) + " attempts)";
      hooks_.failed(std::move(item), code, gave_up);
      return;
    }
    if (hooks_.retrying) hooks_.retrying(item, delay_s, why);
    item.not_before = Clock::now() + seconds_of(delay_s);
    queue_.push_back(std::move(item));
  }

  /// Act on an answer to `item`: through the loop (`live`), or one that came another way.
  void deliver(Item item, HttpResponse& resp, bool live) {
    auto header = [&resp](std::string_view name) { return resp.header(name); };
    auto now = Clock::now();
    if (live) limiter_.observe(header, item.sent_at, now);
    const StatusClass kind = classify_status(resp.status, resp.body);
    if (hooks_.status) hooks_.status(item, resp.status, kind, live);
    if (kind == StatusClass::ok) {
      hooks_.answer(std::move(item), resp, live);
      return;
    }
    Refusal r = refusal(resp, kind);
    switch (kind) {
      case StatusClass::unauthorized:
      case StatusClass::no_quota:
        halt(hooks_.refused(r));
        return;
      case StatusClass::rate_limited: {
        double delay = backoff_.after_rate_limit(header, item.attempts);
        // Everybody waits: more requests now would only collect more 429s.
        if (live) limiter_.pause_until(now + seconds_of(delay));
        retry(std::move(item), delay, errc::rate_limited, r.what);
        return;
      }
      case StatusClass::transient: {
        double delay = backoff_.after_failure(item.attempts);
        retry(std::move(item), delay, errc::http_status, r.what);
        return;
      }
      default:
        hooks_.rejected(std::move(item), r);
    }
  }

 private:
  std::size_t target() const { return hooks_.target ? hooks_.target() : options_.workers; }
  bool in_scope(const Item& i) const { return !hooks_.in_scope || hooks_.in_scope(i); }

  // Send the first queued request that may go now; false when none can (`wake` says when
  // to look again).
  bool send_next(HttpClientPool& pool, Clock::time_point now, Clock::time_point& wake) {
    auto it = std::find_if(queue_.begin(), queue_.end(), [&](const Item& i) {
      if (!in_scope(i) || (hooks_.in_order && !hooks_.in_order(i))) return false;
      if (i.not_before <= now) return true;
      wake = std::min(wake, i.not_before);
      return false;
    });
    if (it == queue_.end()) return false;
    std::uint64_t cost = 0;
    switch (hooks_.admit ? hooks_.admit(*it, cost) : Admit::send) {
      case Admit::drop:
        queue_.erase(it);
        return true;
      case Admit::hold:
        return false;
      case Admit::send:
        break;
    }
    auto t = limiter_.when(cost, now);
    if (t > now) {
      wake = std::min(wake, t);
      return false;
    }
    limiter_.commit(cost, now);
    Item item = std::move(*it);
    queue_.erase(it);
    ++item.attempts;
    item.sent_at = now;
    if (hooks_.sent) hooks_.sent(item, cost);
    pool.submit(item.id, hooks_.build(item));
    std::uint64_t id = item.id;
    in_flight_.emplace(id, std::move(item));
    return true;
  }

  void complete(HttpClientPool::Completion& c) {
    auto node = in_flight_.extract(c.tag);
    if (node.empty()) return;
    Item item = std::move(node.mapped());
    if (hooks_.heard) hooks_.heard(item);
    if (!c.response) {
      const error& e = c.response.error();
      if (e.code == errc::cancelled) return;  // only while stopping: it stays unfinished
      if (!c.transient) {
        hooks_.failed(std::move(item), e.code, e.message);
        return;
      }
      double delay = backoff_.after_failure(item.attempts);
      retry(std::move(item), delay, e.code, e.message);
      return;
    }
    deliver(std::move(item), *c.response, true);
  }

  Hooks hooks_;
  std::deque<Item> queue_;
  std::map<std::uint64_t, Item> in_flight_;
};

}  // namespace doctown::net
