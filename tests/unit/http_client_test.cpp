// The private HTTP client against the loopback server: blocking exchanges, errors as values,
// timeouts, resets, redirects, keep-alive and concurrent workers.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <chrono>

#include "net/http_client.hpp"
#include "support/loopback_openai_server.hpp"

using namespace doctown;
using doctown::test::Fault;
using doctown::test::LoopbackOpenAiServer;
using doctown::test::LoopbackOptions;

namespace {

net::HttpRequest chat_post(const LoopbackOpenAiServer& server, std::string id = "c:@F@one#") {
  net::HttpRequest r;
  r.method = "POST";
  r.url = server.base_url() + "/chat/completions";
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = boost::json::serialize(boost::json::object{
      {"model", "gpt-4o-mini"},
      {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", "id: " + id}}}},
      {"max_completion_tokens", 100}});
  return r;
}

// A port nobody listens on: bind a server, remember its port, let it go.
unsigned short closed_port() {
  LoopbackOpenAiServer s;
  return s.port();
}

}  // namespace

TEST_CASE("http_request gets a status, lower-cased headers and the body", "[http]") {
  LoopbackOpenAiServer server;
  net::HttpRequest get;
  get.url = server.base_url() + "/models";
  auto r = net::http_request(get);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("Content-Type") == "application/json");
  CHECK(r->header("server") == "doctown-loopback");
  CHECK(r->body.find("loopback-model") != std::string::npos);

  auto post = net::http_request(chat_post(server));
  REQUIRE(post);
  CHECK(post->status == 200);
  auto v = boost::json::parse(post->body);
  CHECK(v.at("object").as_string() == "chat.completion");
}

TEST_CASE("an HTTP error status is a response, not an error", "[http]") {
  LoopbackOpenAiServer server;
  net::HttpRequest get;
  get.url = server.base_url() + "/no-such-endpoint";
  auto r = net::http_request(get);
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(r->body.find("Unknown endpoint") != std::string::npos);
}

TEST_CASE("transport failures are error values that name the URL and never the headers", "[http]") {
  net::HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1/models?key=secret-query";
  r.headers.emplace_back("Authorization", "Bearer sk-very-secret-key");
  auto res = net::http_request(r, {.connect_timeout_s = 5, .timeout_s = 5});
  REQUIRE_FALSE(res);
  CHECK(res.error().code == errc::network_error);
  CHECK(res.error().where.find("127.0.0.1") != std::string::npos);
  CHECK(res.error().what().find("sk-very-secret-key") == std::string::npos);
  CHECK(res.error().what().find("secret-query") == std::string::npos);

  auto bad = net::http_request({.method = "GET", .url = "ftp://example.com/x"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_argument);
  auto junk = net::http_request({.method = "GET", .url = "not a url"});
  REQUIRE_FALSE(junk);
  CHECK(junk.error().code == errc::invalid_argument);
}

TEST_CASE("a stalled answer ends in a timeout error", "[http]") {
  LoopbackOpenAiServer server({.stall_s = 3});
  server.script({Fault::stall});
  auto start = std::chrono::steady_clock::now();
  auto r = net::http_request(chat_post(server), {.timeout_s = 0.3});
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::timeout);
  CHECK(took < 2.5);
}

TEST_CASE("a connection reset in the middle of the body is a network error", "[http]") {
  LoopbackOpenAiServer server;
  server.script({Fault::reset_mid_body});
  auto r = net::http_request(chat_post(server));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::network_error);
  CHECK(r.error().message.find("middle of the response") != std::string::npos);
}

TEST_CASE("bodies over the size limit are refused", "[http]") {
  LoopbackOpenAiServer server;
  net::HttpRequest get;
  get.url = server.base_url() + "/models";
  auto r = net::http_request(get, {.max_body_bytes = 10});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::limit_exceeded);
}

TEST_CASE("redirects are followed only when asked", "[http]") {
  LoopbackOpenAiServer server;
  net::HttpRequest get;
  get.url = server.base_url() + "/redirect";
  auto plain = net::http_request(get);
  REQUIRE(plain);
  CHECK(plain->status == 302);
  auto followed = net::http_request(get, {.follow_redirects = true});
  REQUIRE(followed);
  CHECK(followed->status == 200);
  CHECK(followed->body.find("loopback-model") != std::string::npos);
}

TEST_CASE("the pool runs requests concurrently over kept-alive connections", "[http]") {
  LoopbackOpenAiServer server({.latency_s = 0.1});
  auto pool = net::HttpClientPool::create({}, 4);
  REQUIRE(pool);
  for (std::uint64_t i = 0; i < 12; ++i)
    (*pool)->submit(i, chat_post(server, "c:@F@f" + std::to_string(i) + "#"));
  CHECK((*pool)->outstanding() == 12);
  std::vector<std::uint64_t> tags;
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::seconds(10);
  while (tags.size() < 12 && std::chrono::steady_clock::now() < deadline)
    for (auto& c : (*pool)->wait(deadline)) {
      REQUIRE(c.response);
      CHECK(c.response->status == 200);
      tags.push_back(c.tag);
    }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(tags.size() == 12);
  CHECK((*pool)->outstanding() == 0);
  auto counters = server.counters();
  CHECK(counters.max_concurrent == 4);   // four workers, never more
  CHECK(counters.connections == 4);      // one connection each, reused
  CHECK(took < 1.0);                     // 12 × 0.1 s in three rounds, not twelve
}

TEST_CASE("cancel_all completes queued requests as cancelled", "[http]") {
  LoopbackOpenAiServer server({.latency_s = 0.5});
  auto pool = net::HttpClientPool::create({}, 1);
  REQUIRE(pool);
  (*pool)->submit(1, chat_post(server));
  (*pool)->submit(2, chat_post(server));
  (void)(*pool)->wait(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
  (*pool)->cancel_all();
  std::size_t cancelled = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while ((*pool)->outstanding() > 0 && std::chrono::steady_clock::now() < deadline)
    for (auto& c : (*pool)->wait(deadline))
      if (!c.response && c.response.error().code == errc::cancelled) ++cancelled;
  CHECK(cancelled == 2);
}

TEST_CASE("a missing CA file is an invalid argument", "[http]") {
  auto pool = net::HttpClientPool::create({.ca_file = "/nonexistent/ca.pem"}, 1);
  REQUIRE_FALSE(pool);
  CHECK(pool.error().code == errc::invalid_argument);
  CHECK(pool.error().where == "/nonexistent/ca.pem");
}

TEST_CASE("redact_url keeps scheme, host and path only", "[http]") {
  CHECK(net::redact_url("https://user:pw@api.example.com:8443/v1/x?key=1#f") ==
        "https://api.example.com:8443/v1/x");
}

TEST_CASE("https verifies the certificate and the host name by default", "[http][tls]") {
  LoopbackOpenAiServer server({.tls = true});
  net::HttpRequest get;
  get.url = server.base_url() + "/models";
  REQUIRE(get.url.rfind("https://", 0) == 0);

  // Unknown issuer: refused, and not worth retrying.
  auto pool = net::HttpClientPool::create({.timeout_s = 5}, 1);
  REQUIRE(pool);
  (*pool)->submit(1, get);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::vector<net::HttpClientPool::Completion> done;
  while (done.empty() && std::chrono::steady_clock::now() < deadline) done = (*pool)->wait(deadline);
  REQUIRE(done.size() == 1);
  REQUIRE_FALSE(done[0].response);
  CHECK(done[0].response.error().code == errc::network_error);
  CHECK(done[0].response.error().message.find("TLS") != std::string::npos);
  CHECK_FALSE(done[0].transient);

  // Trusted through the extra CA file: works.
  auto ok = net::http_request(get, {.ca_file = server.ca_file()});
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body.find("loopback-model") != std::string::npos);

  // Verification off: works without the CA.
  auto insecure = net::http_request(get, {.verify_tls = false});
  REQUIRE(insecure);
  CHECK(insecure->status == 200);
}

TEST_CASE("a certificate for another host name is refused", "[http][tls]") {
  LoopbackOpenAiServer server({.tls = true, .tls_san = "DNS:api.example.invalid"});
  net::HttpRequest get;
  get.url = server.base_url() + "/models";
  auto r = net::http_request(get, {.ca_file = server.ca_file()});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::network_error);
}

TEST_CASE("https goes through a CONNECT proxy unless no_proxy says otherwise", "[http][tls]") {
  LoopbackOpenAiServer target({.tls = true});
  LoopbackOpenAiServer proxy;  // the plain server doubles as a CONNECT proxy
  std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  net::HttpRequest get;
  get.url = target.base_url() + "/models";
  auto r = net::http_request(get, {.ca_file = target.ca_file(), .https_proxy = proxy_url});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(proxy.counters().proxy_tunnels == 1);
  CHECK(target.counters().http_requests == 1);

  auto direct = net::http_request(
      get, {.ca_file = target.ca_file(), .https_proxy = proxy_url, .no_proxy = {"127.0.0.1"}});
  REQUIRE(direct);
  CHECK(proxy.counters().proxy_tunnels == 1);
  CHECK(target.counters().http_requests == 2);

  auto bad = net::HttpClientPool::create({.https_proxy = "::not a url"}, 1);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_argument);
}
