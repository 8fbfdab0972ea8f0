// HTTP(S) client over Boost.Beast and Asio C++20 coroutines. Each exchange is one coroutine:
// resolve, connect (through a CONNECT proxy when configured), TLS handshake with SNI and host
// name verification, write, read. Errors stay values (as_tuple), deadlines come from
// beast::tcp_stream. Concurrency is N worker coroutines on one io_context pulling from a queue;
// the io_context runs only inside HttpClientPool::wait, on the caller's thread, so the state
// below needs no locks. This is one of the two TUs that include Beast (the other is the test
// server), to keep rebuilds cheap.
#include "net/http_client.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cctype>
#include <deque>
#include <optional>

namespace doctown::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using Clock = HttpClientPool::Clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Clock::duration seconds_to_duration(double s) {
  if (!(s > 0)) s = 0.001;
  if (s > 1e7) s = 1e7;
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// The parts of a URL the transport needs.
struct Target {
  bool https = false;
  std::string host;  // without brackets for IPv6
  std::string port;
  std::string target;  // path + query
  std::string host_header;
  std::string key() const { return (https ? "https://" : "http://") + host + ":" + port; }
};

result<Target> parse_target(std::string_view url) {
  auto r = boost::urls::parse_absolute_uri(url);
  if (!r)
    return fail(errc::invalid_argument, "malformed URL; expected http(s)://host[:port]/path",
                redact_url(url));
  const boost::urls::url_view& u = *r;
  Target t;
  std::string scheme = lower(u.scheme());
  if (scheme == "https") t.https = true;
  else if (scheme != "http")
    return fail(errc::invalid_argument, "unsupported URL scheme '" + scheme + "'; use http or https",
                redact_url(url));
  if (!u.has_authority() || u.host().empty())
    return fail(errc::invalid_argument, "URL has no host", redact_url(url));
  t.host = u.host_address();
  t.port = u.has_port() ? std::string(u.port()) : (t.https ? "443" : "80");
  std::string path(u.encoded_path());
  if (path.empty()) path = "/";
  t.target = path;
  if (u.has_query()) t.target += "?" + std::string(u.encoded_query());
  bool default_port = !u.has_port() || (t.https ? t.port == "443" : t.port == "80");
  t.host_header = std::string(u.encoded_host());
  if (!default_port) t.host_header += ":" + t.port;
  return t;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

bool bypasses_proxy(const std::string& host, const std::vector<std::string>& no_proxy) {
  std::string h = lower(host);
  for (std::string entry : no_proxy) {
    entry = lower(entry);
    while (!entry.empty() && (entry.front() == '.' || entry.front() == '*')) {
      if (entry == "*") return true;
      entry.erase(0, 1);
    }
    if (entry.empty()) continue;
    if (h == entry) return true;
    if (h.size() > entry.size() && h.compare(h.size() - entry.size(), entry.size(), entry) == 0 &&
        h[h.size() - entry.size() - 1] == '.')
      return true;
  }
  return false;
}

// One kept-alive connection: plain or TLS over a beast::tcp_stream (which owns the deadlines).
struct Conn {
  std::string key;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool open() const { return plain.has_value() || tls.has_value(); }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void close() {
    if (!open()) return;
    boost::system::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }
  void reset() {
    close();
    tls.reset();
    plain.reset();
    key.clear();
    buffer.clear();
  }
};

// A failure of one exchange step, already worded for the user.
struct StepError {
  errc code = errc::network_error;
  std::string message;
  bool transient = true;
};

StepError describe(const boost::system::error_code& ec, std::string_view step, bool cancelled,
                   double timeout_s) {
  if (cancelled || ec == asio::error::operation_aborted)
    return {errc::cancelled, std::string(step) + " cancelled", false};
  if (ec == beast::error::timeout)
    return {errc::timeout, std::string(step) + " timed out (limit " +
                               std::to_string(static_cast<long long>(timeout_s)) + " s)",
            true};
  if (ec == http::error::body_limit)
    return {errc::limit_exceeded, "the response body exceeds the size limit; stopped reading",
            false};
  if (ec.category() == asio::error::get_ssl_category() || ec == ssl::error::stream_truncated) {
    // A certificate problem will not fix itself; a truncated stream might.
    bool transient = ec == ssl::error::stream_truncated;
    return {errc::network_error, std::string(step) + " failed (TLS): " + ec.message(), transient};
  }
  return {errc::network_error, std::string(step) + " failed: " + ec.message(), true};
}

}  // namespace

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < k.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(k[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    if (same) return v;
  }
  return {};
}

class HttpClientPool::Impl {
 public:
  struct Item {
    Tag tag = 0;
    HttpRequest request;
    Clock::time_point queued;
  };

  Impl(HttpOptions options, unsigned workers)
      : options_(std::move(options)), ssl_(ssl::context::tls_client), wake_(io_),
        conns_(workers) {
    wake_.expires_at(Clock::time_point::max());
  }

  result<void> init_tls() {
    boost::system::error_code ec;
    ssl_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1,
                     ec);
    SSL_CTX_set_min_proto_version(ssl_.native_handle(), TLS1_2_VERSION);
    if (options_.verify_tls) {
      ssl_.set_default_verify_paths(ec);
      if (ec)
        return fail(errc::invalid_argument,
                    "cannot load the system CA store: " + ec.message() +
                        "; install ca-certificates or pass a CA file");
      ssl_.set_verify_mode(ssl::verify_peer);
    } else {
      ssl_.set_verify_mode(ssl::verify_none);
    }
    if (!options_.ca_file.empty()) {
      ssl_.load_verify_file(options_.ca_file, ec);
      if (ec)
        return fail(errc::invalid_argument,
                    "cannot load the CA file: " + ec.message() + "; pass a PEM bundle",
                    options_.ca_file);
    }
    return {};
  }

  void start_workers() {
    for (std::size_t i = 0; i < conns_.size(); ++i)
      asio::co_spawn(io_, worker(i), [](std::exception_ptr) {});
  }

  ~Impl() {
    stopping_ = true;
    for (auto& c : conns_) c.close();
    wake_.cancel();
    // Let the workers see `stopping_` and finish their frames before members go away.
    io_.restart();
    io_.run_for(std::chrono::seconds(5));
  }

  void submit(Tag tag, HttpRequest request) {
    queue_.push_back({tag, std::move(request), Clock::now()});
    ++outstanding_;
    wake_.cancel();
  }

  std::vector<Completion> wait(Clock::time_point deadline) {
    while (done_.empty()) {
      if (io_.stopped()) io_.restart();
      std::size_t n = io_.run_one_until(deadline);
      if (n == 0 && (Clock::now() >= deadline || io_.stopped())) break;
    }
    outstanding_ -= done_.size();
    return std::exchange(done_, {});
  }

  void cancel_all() {
    for (auto& item : queue_) {
      Completion c;
      c.tag = item.tag;
      c.response = fail(errc::cancelled, "request cancelled before it was sent",
                        redact_url(item.request.url));
      done_.push_back(std::move(c));
    }
    queue_.clear();
    ++cancel_generation_;
    for (auto& c : conns_) c.close();
  }

  std::size_t outstanding() const { return outstanding_; }

 private:
  awaitable<void> worker(std::size_t index) {
    for (;;) {
      while (queue_.empty() && !stopping_) {
        co_await wake_.async_wait(use_tuple);
      }
      if (stopping_) co_return;
      Item item = std::move(queue_.front());
      queue_.pop_front();
      Completion c;
      c.tag = item.tag;
      auto start = Clock::now();
      try {
        co_await exchange(conns_[index], item.request, c);
      } catch (const std::exception& e) {
        conns_[index].reset();
        c.response = fail(errc::internal, std::string("HTTP exchange failed: ") + e.what(),
                          redact_url(item.request.url));
        c.transient = false;
      }
      c.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      if (stopping_) co_return;
      done_.push_back(std::move(c));
    }
  }

  // Open `conn` to the target (directly or through the proxy), TLS included.
  awaitable<std::optional<StepError>> connect(Conn& conn, const Target& t,
                                              Clock::time_point deadline, std::uint64_t gen) {
    conn.reset();
    auto exec = co_await asio::this_coro::executor;
    std::string host = t.host, port = t.port;
    std::optional<Target> proxy;
    if (t.https && !options_.https_proxy.empty() && !bypasses_proxy(t.host, options_.no_proxy)) {
      auto p = parse_target(options_.https_proxy);
      if (!p) co_return StepError{errc::invalid_argument, "malformed proxy URL", false};
      proxy = *p;
      host = p->host;
      port = p->port;
    }
    auto connect_deadline =
        std::min(deadline, Clock::now() + seconds_to_duration(options_.connect_timeout_s));
    tcp::resolver resolver(exec);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, port, use_tuple);
    if (rec)
      co_return StepError{errc::network_error,
                          "cannot resolve host '" + host + "': " + rec.message(), true};
    if (gen != cancel_generation_) co_return describe({}, "connect", true, 0);
    beast::tcp_stream stream(exec);
    stream.expires_at(connect_deadline);
    auto [cec, ep] = co_await stream.async_connect(endpoints, use_tuple);
    (void)ep;
    if (cec)
      co_return describe(cec, "connect to " + host + ":" + port, gen != cancel_generation_,
                         options_.connect_timeout_s);
    stream.socket().set_option(tcp::no_delay(true));
    if (proxy) {
      // CONNECT host:port: the proxy answers with a header-only response, then tunnels bytes.
      http::request<http::empty_body> creq{http::verb::connect, t.host + ":" + t.port, 11};
      creq.set(http::field::host, t.host + ":" + t.port);
      creq.set(http::field::user_agent, options_.user_agent);
      auto [wec, wn] = co_await http::async_write(stream, creq, use_tuple);
      (void)wn;
      if (wec)
        co_return describe(wec, "CONNECT through the proxy", gen != cancel_generation_,
                           options_.connect_timeout_s);
      beast::flat_buffer pbuf;
      http::response_parser<http::empty_body> pres;
      pres.skip(true);
      auto [pec, pn] = co_await http::async_read_header(stream, pbuf, pres, use_tuple);
      (void)pn;
      if (pec)
        co_return describe(pec, "CONNECT through the proxy", gen != cancel_generation_,
                           options_.connect_timeout_s);
      if (pres.get().result_int() != 200)
        co_return StepError{errc::network_error,
                            "the proxy refused CONNECT with status " +
                                std::to_string(pres.get().result_int()),
                            false};
    }
    if (!t.https) {
      conn.plain.emplace(std::move(stream));
    } else {
      conn.tls.emplace(std::move(stream), ssl_);
      SSL* native = conn.tls->native_handle();
      if (!is_ip_literal(t.host)) SSL_set_tlsext_host_name(native, t.host.c_str());
      if (options_.verify_tls) conn.tls->set_verify_callback(ssl::host_name_verification(t.host));
      auto [hec] = co_await conn.tls->async_handshake(ssl::stream_base::client, use_tuple);
      if (hec) {
        auto err = describe(hec, "TLS handshake with " + t.host, gen != cancel_generation_,
                            options_.connect_timeout_s);
        conn.reset();
        co_return err;
      }
    }
    conn.key = t.key();
    co_return std::nullopt;
  }

  // How one exchange ended at the transport level.
  struct Received {
    boost::system::error_code ec;
    bool got_some = false;       ///< some of the answer arrived
    bool over_budget = false;    ///< stopped: the pool's answers together passed the budget
  };

  // Reads the answer piece by piece rather than with one async_read, so that the bodies being
  // received by all workers together stay under max_total_body_bytes: a hostile server that
  // streams endless chunked answers on every connection costs the budget, not the memory of
  // every connection's per-answer limit.
  template <class Stream>
  awaitable<Received> send_receive(Stream& s, beast::flat_buffer& buf,
                                   http::request<http::string_body>& req,
                                   http::response_parser<http::string_body>& parser) {
    auto [wec, wn] = co_await http::async_write(s, req, use_tuple);
    (void)wn;
    if (wec) co_return Received{wec, false, false};
    Received r;
    std::size_t held = 0;  // this answer's share of body_in_flight_
    while (!parser.is_done()) {
      auto [rec, rn] = co_await http::async_read_some(s, buf, parser, use_tuple);
      (void)rn;
      const std::size_t now = parser.get().body().size();
      body_in_flight_ += now - held;
      held = now;
      if (rec) {
        r.ec = rec;
        break;
      }
      if (body_in_flight_ > options_.max_total_body_bytes) {
        r.over_budget = true;
        break;
      }
    }
    body_in_flight_ -= held;
    r.got_some = parser.got_some();
    co_return r;
  }

  awaitable<void> exchange(Conn& conn, const HttpRequest& request, Completion& out) {
    std::uint64_t gen = cancel_generation_;
    std::string where = redact_url(request.url);
    auto target = parse_target(request.url);
    if (!target) {
      out.response = std::move(target).error();
      co_return;
    }
    auto deadline = Clock::now() + seconds_to_duration(options_.timeout_s);
    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(target->target);
    req.version(11);
    req.set(http::field::host, target->host_header);
    req.set(http::field::user_agent, options_.user_agent);
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.body() = request.body;
    req.keep_alive(true);
    req.prepare_payload();

    // A reused connection may have been closed by the server while idle: retry once on a fresh
    // one when nothing of the answer arrived.
    for (int round = 0; round < 2; ++round) {
      bool reused = conn.open() && conn.key == target->key();
      if (!reused) {
        auto err = co_await connect(conn, *target, deadline, gen);
        if (err) {
          conn.reset();
          out.response = fail(err->code, err->message, where);
          out.transient = err->transient;
          co_return;
        }
      }
      conn.lowest().expires_at(deadline);
      http::response_parser<http::string_body> parser;
      parser.body_limit(options_.max_body_bytes);
      parser.header_limit(64 * 1024);
      Received r;
      if (conn.tls) r = co_await send_receive(*conn.tls, conn.buffer, req, parser);
      else r = co_await send_receive(*conn.plain, conn.buffer, req, parser);
      auto [ec, got_some, over_budget] = r;
      if (over_budget) {
        conn.reset();  // the rest of the answer is never read
        out.response = fail(errc::limit_exceeded,
                            "the answers being received together exceed the total body budget (" +
                                std::to_string(options_.max_total_body_bytes >> 20) +
                                " MiB); stopped reading " + request.method + " " + where,
                            where);
        out.transient = false;
        co_return;
      }
      if (ec) {
        conn.reset();
        bool cancelled = gen != cancel_generation_;
        if (reused && !got_some && !cancelled && ec != beast::error::timeout) continue;
        auto err = describe(ec, request.method + " " + where, cancelled, options_.timeout_s);
        if (got_some && err.code == errc::network_error)
          err.message += " (the connection broke in the middle of the response)";
        out.response = fail(err.code, err.message, where);
        out.transient = err.transient;
        co_return;
      }
      auto msg = parser.release();
      HttpResponse resp;
      resp.status = static_cast<int>(msg.result_int());
      for (const auto& f : msg) resp.headers.emplace_back(lower(f.name_string()), std::string(f.value()));
      resp.body = std::move(msg.body());
      if (!msg.keep_alive()) conn.reset();
      out.response = std::move(resp);
      co_return;
    }
  }

  HttpOptions options_;
  asio::io_context io_{1};
  ssl::context ssl_;
  asio::steady_timer wake_;
  std::vector<Conn> conns_;
  std::deque<Item> queue_;
  std::vector<Completion> done_;
  std::size_t outstanding_ = 0;
  std::size_t body_in_flight_ = 0;  ///< bytes of the bodies being received, all workers
  std::uint64_t cancel_generation_ = 0;
  bool stopping_ = false;
};

result<std::unique_ptr<HttpClientPool>> HttpClientPool::create(HttpOptions options,
                                                               unsigned workers) {
  if (workers == 0) return fail(errc::invalid_argument, "HTTP pool needs at least one worker");
  if (!options.https_proxy.empty()) {
    if (auto p = parse_target(options.https_proxy); !p)
      return fail(errc::invalid_argument, "malformed proxy URL; expected http://host:port",
                  redact_url(options.https_proxy));
  }
  try {
    auto impl = std::make_unique<Impl>(std::move(options), workers);
    if (auto r = impl->init_tls(); !r) return std::move(r).error();
    impl->start_workers();
    return std::unique_ptr<HttpClientPool>(new HttpClientPool(std::move(impl)));
  } catch (const std::exception& e) {
    return fail(errc::internal, std::string("cannot set up the HTTP client: ") + e.what());
  }
}

HttpClientPool::HttpClientPool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClientPool::~HttpClientPool() = default;
void HttpClientPool::submit(Tag tag, HttpRequest request) { impl_->submit(tag, std::move(request)); }
std::vector<HttpClientPool::Completion> HttpClientPool::wait(Clock::time_point deadline) {
  return impl_->wait(deadline);
}
void HttpClientPool::cancel_all() { impl_->cancel_all(); }
std::size_t HttpClientPool::outstanding() const { return impl_->outstanding(); }

HttpOptions http_options(const ServerOptions& server) {
  HttpOptions h;
  h.connect_timeout_s = server.connect_timeout_s;
  h.timeout_s = server.timeout_s;
  h.verify_tls = server.verify_tls;
  h.ca_file = server.ca_file;
  h.https_proxy = server.https_proxy;
  h.no_proxy = server.no_proxy;
  return h;
}

result<HttpResponse> http_request(const HttpRequest& request, const HttpOptions& options) {
  // One exchange at a time: its own limit is the whole budget (a source tarball may be large).
  HttpOptions one = options;
  one.max_total_body_bytes = std::max(one.max_total_body_bytes, one.max_body_bytes);
  auto pool = HttpClientPool::create(one, 1);
  if (!pool) return std::move(pool).error();
  HttpRequest current = request;
  for (int hop = 0;; ++hop) {
    if (auto t = parse_target(current.url); !t) return std::move(t).error();
    (*pool)->submit(0, current);
    // The transport enforces the timeouts; this outer deadline only guards against a bug.
    auto deadline = Clock::now() +
                    seconds_to_duration(options.timeout_s + options.connect_timeout_s + 5);
    std::vector<HttpClientPool::Completion> done;
    while (done.empty() && Clock::now() < deadline) done = (*pool)->wait(deadline);
    if (done.empty())
      return fail(errc::timeout, "request did not finish in time", redact_url(current.url));
    auto resp = std::move(done.front().response);
    if (!resp) return resp;
    int s = resp->status;
    bool redirect = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
    if (!options.follow_redirects || !redirect) return resp;
    if (hop >= options.max_redirects)
      return fail(errc::network_error, "too many redirects", redact_url(request.url));
    std::string location(resp->header("location"));
    if (location.empty()) return resp;
    auto base = boost::urls::parse_uri(current.url);
    auto ref = boost::urls::parse_uri_reference(location);
    if (!base || !ref)
      return fail(errc::network_error, "redirect to a malformed location", redact_url(current.url));
    boost::urls::url next;
    if (auto rr = boost::urls::resolve(*base, *ref, next); !rr)
      return fail(errc::network_error, "redirect to a malformed location", redact_url(current.url));
    auto old_target = parse_target(current.url);
    auto new_target = parse_target(next.buffer());
    if (!new_target) return std::move(new_target).error();
    if (old_target->https && !new_target->https)
      return fail(errc::network_error, "refusing a redirect from https to http",
                  redact_url(current.url));
    if (new_target->host != old_target->host) {
      // Credentials belong to the host they were given for.
      std::erase_if(current.headers, [](const auto& h) {
        return lower(h.first) == "authorization" || lower(h.first) == "cookie";
      });
    }
    if (s == 303 || ((s == 301 || s == 302) && current.method == "POST")) {
      current.method = "GET";
      current.body.clear();
    }
    current.url = std::string(next.buffer());
  }
}

}  // namespace doctown::net
