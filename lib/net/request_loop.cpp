// The request loop's parts that do not depend on the request type (see request_loop.hpp).
#include "net/request_loop.hpp"

#include "doctown/url.hpp"

namespace doctown::net {

std::chrono::steady_clock::duration seconds_of(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::max(0.0, s)));
}

LoopCore::LoopCore(LoopOptions options, RateLimiter& limiter, Backoff& backoff,
                   std::optional<error>& halt)
    : options_(std::move(options)), limiter_(limiter), backoff_(backoff), halt_(halt) {}

LoopCore::~LoopCore() = default;

void LoopCore::halt(error e) {
  if (!halt_) halt_ = std::move(e);
}

result<HttpClientPool*> LoopCore::pool() {
  if (!pool_) {
    auto p = HttpClientPool::create(options_.http, std::max(1u, options_.workers));
    if (!p) return std::move(p).error();
    pool_ = std::move(*p);
  }
  return pool_.get();
}

Refusal LoopCore::refusal(const HttpResponse& r, StatusClass kind) const {
  Refusal out;
  out.status = r.status;
  out.kind = kind;
  // The server may quote the request URL back: its query and user info are credentials too.
  out.message = mask_url_secrets(server_error_message(r.body, options_.api_key), options_.mask_url);
  out.what = "HTTP " + std::to_string(r.status) + options_.label + ": " + out.message;
  return out;
}

void LoopCore::abort_outstanding() {
  if (!pool_) return;
  pool_->cancel_all();
  auto deadline = Clock::now() + std::chrono::seconds(2);
  while (pool_->outstanding() > 0 && Clock::now() < deadline) (void)pool_->wait(deadline);
  // Whatever did not settle in time belongs to this pool only: the next run starts afresh.
  if (pool_->outstanding() > 0) pool_.reset();
}

}  // namespace doctown::net
