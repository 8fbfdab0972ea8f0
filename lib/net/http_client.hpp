// Private HTTP(S) client shared by the stages that talk to servers (LLM client, GitHub download,
// remote embeddings). Two entry points: `http_request` for one blocking exchange, and
// `HttpClientPool` for many concurrent exchanges driven from the caller's thread. No Asio type
// appears here, so only lib/net/http_client.cpp pays for Beast/Asio headers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "doctown/error.hpp"
#include "doctown/net.hpp"
#include "doctown/url.hpp"

namespace doctown::net {

/// One HTTP request. `url` is absolute: http://host[:port]/path?query or https://...
struct HttpRequest {
  std::string method = "GET";
  std::string url;
  /// Extra headers (Host, Content-Length and User-Agent are set by the client).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// A received response. Header names are lower-cased.
struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Value of the first header with this (case-insensitive) name, empty when absent.
  std::string_view header(std::string_view name) const;
};

/// Transport options.
struct HttpOptions {
  /// Seconds to resolve, connect (and CONNECT through a proxy) and finish the TLS handshake.
  double connect_timeout_s = 30;
  /// Seconds for the whole exchange, connection included.
  double timeout_s = 300;
  /// Verify the server certificate against the system CA store and check the host name.
  bool verify_tls = true;
  /// Extra CA bundle (PEM) trusted besides the system store; empty = none.
  std::string ca_file;
  /// Proxy for https URLs ("http://proxy:3128"), tunnelled with CONNECT; empty = direct.
  std::string https_proxy;
  /// Hosts that bypass the proxy: exact or domain-suffix match, "*" = all.
  std::vector<std::string> no_proxy;
  /// Follow 301/302/303/307/308 (http_request only). Authorization is dropped across hosts.
  bool follow_redirects = false;
  /// Most redirects followed.
  int max_redirects = 5;
  /// Largest response body accepted; bigger answers fail with limit_exceeded (an LLM answer is
  /// kilobytes, a batch of 256 embeddings of 3072 dimensions ~20 MB).
  std::size_t max_body_bytes = std::size_t{64} << 20;
  /// Most bytes of response bodies an HttpClientPool receives at once, all workers together;
  /// the answer whose read passes it fails with limit_exceeded.
  std::size_t max_total_body_bytes = std::size_t{256} << 20;
  /// User-Agent header value.
  std::string user_agent = "doctown/0.1";
};

/// The transport part of a server's settings (timeouts, TLS, proxy); the other fields of
/// HttpOptions keep their defaults.
HttpOptions http_options(const ServerOptions& server);

/// One blocking exchange. Errors: invalid_argument (bad URL, unreadable CA file), network_error
/// (resolve, connect, TLS, reset), timeout, limit_exceeded (body too big). An HTTP error status
/// is NOT an error here: the caller reads `status`. Messages name the URL without its query
/// and never contain header values (keys stay out of logs).
result<HttpResponse> http_request(const HttpRequest& request, const HttpOptions& options = {});

/// Many exchanges at once: N worker coroutines on one io_context pull requests from a queue,
/// each keeping its connection alive per host. All I/O runs inside `wait`, on the calling
/// thread, so callers need no locks. Not thread-safe: use from one thread.
class HttpClientPool {
 public:
  using Clock = std::chrono::steady_clock;
  using Tag = std::uint64_t;

  /// A finished exchange.
  struct Completion {
    Tag tag = 0;
    result<HttpResponse> response = HttpResponse{};
    /// True when the failure may go away on retry (reset, timeout, refused connection).
    bool transient = false;
    /// Seconds from the start of the exchange to its end.
    double seconds = 0;
  };

  /// Fails with invalid_argument when the CA file cannot be loaded or `workers` is 0.
  static result<std::unique_ptr<HttpClientPool>> create(HttpOptions options, unsigned workers);
  ~HttpClientPool();
  HttpClientPool(const HttpClientPool&) = delete;
  HttpClientPool& operator=(const HttpClientPool&) = delete;

  /// Queue a request; it starts when a worker is free (inside a later `wait`).
  void submit(Tag tag, HttpRequest request);
  /// Run I/O until at least one exchange finished or `deadline` passed; returns what finished.
  std::vector<Completion> wait(Clock::time_point deadline);
  /// Abort queued and in-flight exchanges; they complete with errc::cancelled.
  void cancel_all();
  /// Requests submitted and not yet returned by `wait`.
  std::size_t outstanding() const;

  class Impl;

 private:
  explicit HttpClientPool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// "scheme://host[:port]/path" of a URL without query, fragment or user info (for messages);
/// the library's one redaction routine (doctown/url.hpp).
using doctown::redact_url;

}  // namespace doctown::net
