// The API key must never reach stderr, stdout or an output file, even when the server echoes it
// back. The loopback OpenAI server never echoes the key, so the key-leak checks elsewhere could
// not fail; this server answers every request with an error whose body and headers carry the
// key in full and in the partly masked form OpenAI uses ("sk-abc***...wxyz").
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using doctown::test::run_cli;
using doctown::test::slurp;

namespace {

const std::string kKey = "sk-echo-Zq8Xw2Lp9Rt4Vn6Ym3Kb7Hd";
// OpenAI's "Incorrect API key provided: sk-echo-**********************7Hd" form.
std::string partial_key() { return kKey.substr(0, 8) + std::string(20, '*') + kKey.substr(kKey.size() - 4); }

// A one-thread HTTP/1.1 server on 127.0.0.1 answering every request with `status` and a body
// and headers that repeat the Authorization key it was sent, whole and in part.
class EchoServer {
 public:
  explicit EchoServer(int status) : status_(status) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~EchoServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::size_t requests() const { return requests_; }
  std::size_t keys_seen() const { return keys_seen_; }

 private:
  void serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }

  void handle(int c) {
    std::string req;
    char buf[8192];
    std::size_t header_end = std::string::npos, need = 0;
    for (;;) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      req.append(buf, static_cast<std::size_t>(n));
      if (header_end == std::string::npos && (header_end = req.find("\r\n\r\n")) != std::string::npos) {
        auto cl = req.find("ontent-Length: ");
        if (cl == std::string::npos) cl = req.find("ontent-length: ");
        need = header_end + 4 + (cl < header_end ? std::stoul(req.substr(cl + 15)) : 0);
      }
      if (header_end != std::string::npos && req.size() >= need) break;
    }
    ++requests_;
    std::string key;
    if (auto a = req.find("Bearer "); a != std::string::npos)
      key = req.substr(a + 7, req.find("\r\n", a) - a - 7);
    if (key == kKey) ++keys_seen_;
    std::string body = "{\"error\":{\"message\":\"Incorrect API key provided: " + key +
                       ". You can find your API key at https://platform.openai.com/account/api-keys"
                       " (you sent " + partial_key() + ")\",\"type\":\"invalid_request_error\","
                       "\"param\":\"" + key + "\",\"code\":\"invalid_api_key\"}}";
    std::string reply = "HTTP/1.1 " + std::to_string(status_) + " Echo\r\nContent-Type: "
                        "application/json\r\nX-Echo-Key: " + key + "\r\nWWW-Authenticate: Bearer " +
                        partial_key() + "\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\nConnection: close\r\n\r\n" + body;
    ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
  }

  int status_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> requests_{0}, keys_seen_{0};
  std::thread thread_;
};

// Every place the key could surface: stdout, stderr and every file the run left.
void check_no_key(const doctown::test::ProcessResult& r, const fs::path& out) {
  std::vector<std::pair<std::string, std::string>> texts = {{"stdout", r.out}, {"stderr", r.err}};
  if (fs::exists(out))
    for (const auto& e : fs::recursive_directory_iterator(out))
      if (e.is_regular_file()) texts.emplace_back(e.path().string(), slurp(e.path()));
  for (const auto& [where, text] : texts) {
    INFO(where << ":\n" << text.substr(0, 4000));
    CHECK(text.find(kKey) == std::string::npos);
    CHECK(text.find(partial_key()) == std::string::npos);
    // Any 10 consecutive characters of the key's secret part.
    for (std::size_t i = 8; i + 10 <= kKey.size(); ++i) CHECK(text.find(kKey.substr(i, 10)) == std::string::npos);
    CHECK(text.find("*" + kKey.substr(kKey.size() - 4)) == std::string::npos);  // the masked tail
  }
}

}  // namespace

TEST_CASE("a key echoed in 400 error bodies and headers never reaches stderr or outputs",
          "[e2e][llm][secrets]") {
  EchoServer server(400);
  fs::path out = doctown::test::scratch_dir("echo-400");
  auto r = run_cli({"build", doctown::test::sample_project().string(), "-o", out.string(),
                    "--llm", "openai", "--base-url", server.base_url(), "--concurrency", "2"},
                   {"OPENAI_API_KEY=" + kKey});
  INFO(r.err);
  CHECK(r.exit_code == 1);  // every symbol failed with the server's message
  CHECK(server.requests() > 0);
  CHECK(server.keys_seen() == server.requests());  // the server did get (and echo) the key
  CHECK(r.err.find("Incorrect API key provided") != std::string::npos);  // the message is shown
  check_no_key(r, out);
}

TEST_CASE("a key echoed by a 401 answer never reaches stderr or outputs", "[e2e][llm][secrets]") {
  EchoServer server(401);
  fs::path out = doctown::test::scratch_dir("echo-401");
  auto r = run_cli({"build", doctown::test::sample_project().string(), "-o", out.string(),
                    "--llm", "openai", "--base-url", server.base_url(), "--json"},
                   {"OPENAI_API_KEY=" + kKey});
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK(server.requests() > 0);
  CHECK(server.keys_seen() > 0);
  check_no_key(r, out);
}
