// Bounded response bodies (issue 13, item 9): a hostile server that answers with an endless
// chunked body used to cost 618 MB per request (2.5 GB for 8 at once). A real loopback TCP
// server streams such answers; the client must stop reading at its limits with a clear error,
// long before its timeout, and close the connection (the server then sees its writes fail).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.hpp"

using namespace doctown;
using Clock = std::chrono::steady_clock;

namespace {

// Accepts connections and answers every request with "200, chunked" and chunks of 16 KiB
// forever, until the client goes away. Counts connections that ended because the peer closed.
class EndlessChunkServer {
 public:
  EndlessChunkServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~EndlessChunkServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    for (auto& t : streams_) t.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/chat"; }
  int closed_by_client() const { return closed_by_client_; }

 private:
  void accept_loop() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      streams_.emplace_back([this, c] { stream(c); });
    }
  }
  void stream(int c) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        ::close(c);
        return;
      }
      req.append(buf, static_cast<std::size_t>(n));
    }
    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";
    bool ok = ::send(c, head.data(), head.size(), MSG_NOSIGNAL) > 0;
    while (ok && !stop_) ok = ::send(c, chunk.data(), chunk.size(), MSG_NOSIGNAL) > 0;
    if (!ok) ++closed_by_client_;
    ::close(c);
  }

  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> closed_by_client_{0};
  std::thread acceptor_;
  std::vector<std::thread> streams_;  // only touched by the acceptor thread, then joined
};

net::HttpRequest post(const std::string& url) {
  net::HttpRequest r;
  r.method = "POST";
  r.url = url;
  r.body = "{}";
  return r;
}

}  // namespace

TEST_CASE("an endless chunked answer stops at the per-answer limit", "[http][limits]") {
  EndlessChunkServer server;
  net::HttpOptions o;
  o.timeout_s = 60;
  o.max_body_bytes = 2 << 20;
  auto t0 = Clock::now();
  auto r = net::http_request(post(server.url()), o);
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::limit_exceeded);
  CHECK(std::string(r.error().what()).find("size limit") != std::string::npos);
  CHECK(seconds < 30);  // stopped by the limit, not by the timeout
  // The client closed the connection: the server's next writes fail.
  for (int i = 0; i < 100 && server.closed_by_client() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(server.closed_by_client() == 1);
}

TEST_CASE("eight endless answers at once stay under the pool's total budget", "[http][limits]") {
  EndlessChunkServer server;
  net::HttpOptions o;
  o.timeout_s = 60;
  o.max_body_bytes = 8 << 20;        // each answer alone could reach 8 MiB...
  o.max_total_body_bytes = 4 << 20;  // ...but all of them together only 4 MiB
  auto pool = net::HttpClientPool::create(o, 8);
  REQUIRE(pool);
  for (net::HttpClientPool::Tag t = 0; t < 8; ++t) (*pool)->submit(t, post(server.url()));
  std::vector<net::HttpClientPool::Completion> done;
  auto deadline = Clock::now() + std::chrono::seconds(40);
  while (done.size() < 8 && Clock::now() < deadline)
    for (auto& c : (*pool)->wait(deadline)) done.push_back(std::move(c));
  REQUIRE(done.size() == 8);
  std::size_t over_budget = 0;
  for (const auto& c : done) {
    REQUIRE_FALSE(c.response);
    CHECK(c.response.error().code == errc::limit_exceeded);
    CHECK_FALSE(c.transient);  // a retry would only pay again
    over_budget += std::string(c.response.error().what()).find("total body budget") !=
                   std::string::npos;
  }
  // With 8 x 8 MiB allowed per answer, only the shared budget can have stopped them.
  CHECK(over_budget == 8);
  for (int i = 0; i < 100 && server.closed_by_client() < 8; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(server.closed_by_client() == 8);
}
