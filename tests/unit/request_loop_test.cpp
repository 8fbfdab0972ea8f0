// The request loop every OpenAI-compatible call runs on (lib/net/request_loop.hpp), driven
// directly against the loopback server: what a user notices is that a 429 is waited out and
// then answered, that pacing keeps a run under the server's limits, and that a cancelled run
// keeps what was already on its way and sends nothing new.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "net/request_loop.hpp"
#include "support/loopback_openai_server.hpp"

using namespace doctown;
using doctown::test::Fault;
using doctown::test::LoopbackOpenAiServer;
using Clock = std::chrono::steady_clock;

namespace {

struct Item : net::Attempt {
  std::string symbol;
};

// One loop against `server`, recording what its hooks saw.
struct Harness {
  explicit Harness(const LoopbackOpenAiServer& server, double rpm = 0, double window_s = 60,
                   double drain_s = 5)
      : url(server.base_url() + "/chat/completions"),
        limiter(rpm, 0, window_s),
        backoff(ServerOptions{}, 42),
        loop({.http = {}, .workers = 4, .max_attempts = 3, .api_key = "sk-test-key",
              .mask_url = server.base_url(), .label = " from the loopback", .drain_s = drain_s},
             limiter, backoff, halt) {
    auto& h = loop.hooks();
    h.build = [this](Item& i) {
      net::HttpRequest r;
      r.method = "POST";
      r.url = url;
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = boost::json::serialize(boost::json::object{
          {"model", "loopback-model"},
          {"max_completion_tokens", 200},
          {"messages", boost::json::array{
                           boost::json::object{{"role", "system"}, {"content", "Document it."}},
                           boost::json::object{{"role", "user"}, {"content", "id: " + i.symbol}}}}});
      return r;
    };
    h.admit = [](Item&, std::uint64_t& cost) {
      cost = 300;
      return net::Admit::send;
    };
    h.answer = [this](Item i, net::HttpResponse& r, bool live) {
      CHECK(live);
      CHECK(r.status == 200);
      answered.push_back(i.symbol);
      attempts.push_back(i.attempts);
      if (on_answer) on_answer();
    };
    h.rejected = [this](Item i, const net::Refusal& r) { failed.push_back(i.symbol + ": " + r.what); };
    h.failed = [this](Item i, errc, const std::string& why) { failed.push_back(i.symbol + ": " + why); };
    h.retrying = [this](const Item&, double delay_s, const std::string&) { delays.push_back(delay_s); };
    h.refused = [](const net::Refusal& r) { return fail(errc::unauthorized, r.what); };
    h.cancelled = [] { return fail(errc::cancelled, "cancelled by the test"); };
  }

  void add(std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) {
      Item i;
      i.id = next_id++;
      i.symbol = "sym" + std::to_string(i.id);
      loop.queue().push_back(std::move(i));
    }
  }

  double run(const RunContext& ctx = {}) {
    auto start = Clock::now();
    auto r = loop.run(ctx);
    REQUIRE(r);
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  std::string url;
  net::RateLimiter limiter;
  net::Backoff backoff;
  std::optional<error> halt;
  net::RequestLoop<Item> loop;
  std::uint64_t next_id = 1;
  std::vector<std::string> answered, failed;
  std::vector<unsigned> attempts;
  std::vector<double> delays;
  std::function<void()> on_answer;
};

}  // namespace

TEST_CASE("the request loop waits out a 429's retry-after-ms and then gets the answer", "[net]") {
  // The scripted 429 asks for window / 20 = 1 s; the default backoff would wait 0.5 s at most.
  LoopbackOpenAiServer server({.window_s = 20});
  server.script({Fault::status_429});
  Harness t(server);
  t.add(1);
  double took = t.run();
  CHECK_FALSE(t.halt);
  REQUIRE(t.answered.size() == 1);
  CHECK(t.attempts.at(0) == 2);
  REQUIRE(t.delays.size() == 1);
  CHECK(t.delays[0] >= 1.0);
  CHECK(took >= 1.0);
  CHECK(took < 3.0);
  CHECK(server.counters().rate_limited == 1);
  CHECK(server.counters().chat_requests == 2);
  CHECK(t.failed.empty());
}

TEST_CASE("the request loop paces a run under the server's RPM limit without a 429", "[net]") {
  // 6 requests per 2 s window: the first 6 go at once, the other 4 wait for the bucket
  // to refill (1 every 1/3 s), so the run takes at least ~1.3 s and the server rejects none.
  LoopbackOpenAiServer server({.rpm = 6, .window_s = 2});
  Harness t(server, 6, 2);
  t.add(10);
  double took = t.run();
  CHECK_FALSE(t.halt);
  CHECK(t.answered.size() == 10);
  CHECK(server.counters().rate_limited == 0);
  CHECK(server.counters().chat_requests == 10);
  CHECK(took >= 1.2);
}

TEST_CASE("a cancelled request loop keeps the answers on their way and sends nothing new",
          "[net]") {
  LoopbackOpenAiServer server({.latency_s = 0.2});
  Harness t(server);
  t.loop.hooks().target = [] { return std::size_t{2}; };
  std::stop_source stop;
  t.on_answer = [&] { stop.request_stop(); };
  t.add(6);
  t.run({nullptr, stop.get_token()});
  REQUIRE(t.halt);
  CHECK(t.halt->code == errc::cancelled);
  // Both requests in flight when the stop came finished; the other four stay queued.
  CHECK(t.answered.size() == 2);
  CHECK(t.loop.queue().size() == 4);
  CHECK(t.loop.in_flight().empty());
  CHECK(server.counters().chat_requests == 2);
  CHECK(t.failed.empty());
}

TEST_CASE("a cancelled request loop without drain time aborts what is in flight at once",
          "[net]") {
  LoopbackOpenAiServer server({.latency_s = 3});
  Harness t(server, 0, 60, /*drain_s=*/0);
  std::stop_source stop;
  t.loop.hooks().sent = [&](Item&, std::uint64_t) {
    if (t.loop.in_flight().size() + 1 >= 2) stop.request_stop();
  };
  t.add(4);
  double took = t.run({nullptr, stop.get_token()});
  REQUIRE(t.halt);
  CHECK(t.halt->code == errc::cancelled);
  CHECK(t.answered.empty());
  CHECK(t.failed.empty());
  CHECK(took < 2.5);  // the 3 s answers were not waited for
}

TEST_CASE("the request loop halts on a 401 with the server's message, never the key", "[net]") {
  LoopbackOpenAiServer server({.api_key = "sk-the-right-key"});
  Harness t(server);
  t.loop.hooks().build = [&, build = t.loop.hooks().build](Item& i) {
    auto r = build(i);
    r.headers.emplace_back("Authorization", "Bearer sk-test-key");
    return r;
  };
  t.add(3);
  t.run();
  REQUIRE(t.halt);
  CHECK(t.halt->code == errc::unauthorized);
  CHECK(t.halt->message.find("HTTP 401 from the loopback") != std::string::npos);
  CHECK(t.halt->message.find("sk-test-key") == std::string::npos);
  CHECK(t.answered.empty());
  // Nothing is retried after a refusal.
  CHECK(t.delays.empty());
}
