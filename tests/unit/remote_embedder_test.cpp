// Remote embedder against the loopback OpenAI-compatible server over real HTTP: rows in symbol
// order whatever the answer's order, unit vectors, batching by count and by token budget,
// truncation, `dimensions` only when asked (and the fallback when refused), retries on 429,
// 5xx and resets, final 401/404 without the key, answers of the wrong shape, cancellation.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <stop_token>
#include <thread>

#include "doctown/embedder.hpp"
#include "doctown/tokenizer.hpp"
#include "support/loopback_openai_server.hpp"

using namespace doctown;
using doctown::test::Fault;
using doctown::test::LoopbackOpenAiServer;
using doctown::test::LoopbackOptions;
namespace json = boost::json;

namespace {

const std::string kKey = "sk-test-embed-leakcheck-0a1b2c3d4e5f";

Symbol sym(std::string qualified, SymbolKind kind, std::string signature, std::string doc,
           std::string body) {
  Symbol s;
  s.qualified_name = std::move(qualified);
  auto pos = s.qualified_name.rfind("::");
  s.name = pos == std::string::npos ? s.qualified_name : s.qualified_name.substr(pos + 2);
  s.id = "c++:x:" + s.qualified_name + ":" + std::string(to_string(kind));
  s.kind = kind;
  s.language = "c++";
  s.signature = std::move(signature);
  s.doc_comment = std::move(doc);
  s.source_text = std::move(body);
  return s;
}

Codebase sample() {
  Codebase cb;
  cb.symbols = {
      sym("geo::Circle::area", SymbolKind::method, "double area() const",
          "Area of the circle in square units.", "{ return pi * r_ * r_; }"),
      sym("geo::Circle::perimeter", SymbolKind::method, "double perimeter() const",
          "Length of the outline of the circle.", "{ return 2 * pi * r_; }"),
      sym("geo::Rectangle::area", SymbolKind::method, "double area() const",
          "Area of the rectangle in square units.", "{ return w_ * h_; }"),
      sym("net::HttpClient::send_request", SymbolKind::method,
          "Response send_request(const Request & request)", "Sends one HTTP request.",
          "{ return pool_.acquire().write(request); }"),
      sym("db::open_database", SymbolKind::function, "Database open_database(const Path & file)",
          "Opens the SQLite database at a path.", "{ return Database(sqlite_open(file)); }"),
      sym("parse::tokenize_json", SymbolKind::function,
          "std::vector<Token> tokenize_json(std::string_view text)", "Splits JSON text into tokens.",
          "{ Lexer lexer(text); return lexer.all(); }"),
      sym("geo::ShapeKind", SymbolKind::enum_, "enum class ShapeKind", "Kinds of shapes.", ""),
  };
  cb.normalize();
  return cb;
}

RemoteEmbedderOptions options_for(const LoopbackOpenAiServer& server) {
  return RemoteEmbedderOptions{.server = {.base_url = server.base_url(),
                                          .timeout_s = 120,
                                          .backoff_base_s = 0.01,
                                          .backoff_max_s = 0.05},
                               .model = "loopback-embed"};
}

std::unique_ptr<Embedder> make(RemoteEmbedderOptions o) {
  auto e = make_remote_embedder(std::move(o));
  if (!e) FAIL(e.error().what());
  return std::move(*e);
}

std::vector<float> unit(std::vector<float> v) {
  double n = 0;
  for (float x : v) n += double(x) * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(n));
  return v;
}

std::vector<std::vector<std::string>> request_inputs(const LoopbackOpenAiServer& server) {
  std::vector<std::vector<std::string>> out;
  for (const auto& body : server.embedding_bodies()) {
    auto v = json::parse(body).as_object();
    std::vector<std::string> texts;
    for (const auto& t : v.at("input").as_array()) texts.emplace_back(t.as_string());
    out.push_back(std::move(texts));
  }
  return out;
}

struct Recorder : ProgressSink {
  std::vector<ProgressEvent> events;
  void on_event(const ProgressEvent& e) override { events.push_back(e); }
};

}  // namespace

TEST_CASE("remote rows follow the symbols even when the server shuffles its answer",
          "[embedder]") {
  LoopbackOpenAiServer server({.embedding_dims = 32, .shuffle_embeddings = true});
  auto o = options_for(server);
  o.batch_size = 3;
  auto embedder = make(o);
  Codebase cb = sample();
  Recorder rec;
  auto m = embedder->embed(cb, RunContext{&rec, {}});
  REQUIRE(m);
  REQUIRE(m->rows == cb.symbols.size());
  REQUIRE(m->dims == 32);
  CHECK(m->model == "loopback-embed");
  for (std::size_t i = 0; i < m->rows; ++i) {
    auto want = unit(LoopbackOpenAiServer::embedding_of(embedding_text(cb.symbols[i]), 32));
    auto row = m->row(i);
    double norm = 0;
    for (std::size_t d = 0; d < 32; ++d) {
      CHECK(row[d] == Approx(want[d]).margin(1e-6));
      norm += double(row[d]) * row[d];
    }
    CHECK(norm == Approx(1.0).epsilon(1e-5));
  }
  // 7 inputs at 3 per request: ceil(7/3) = 3 requests, the texts in symbol order.
  auto c = server.counters();
  CHECK(c.embedding_requests == 3);
  CHECK(c.embedding_inputs == 7);
  // Requests run concurrently and may arrive in any order; each holds consecutive symbols.
  std::vector<std::vector<std::string>> want;
  for (std::size_t i = 0; i < cb.symbols.size(); ++i) {
    if (i % 3 == 0) want.emplace_back();
    want.back().push_back(embedding_text(cb.symbols[i]));
  }
  auto sent = request_inputs(server);
  std::sort(want.begin(), want.end());
  std::sort(sent.begin(), sent.end());
  CHECK(sent == want);
  // No key given: no Authorization header.
  CHECK(server.last_headers().count("authorization") == 0);
  // Progress: items up to the total, then a note naming the server.
  std::size_t last_done = 0;
  bool noted = false;
  for (const auto& e : rec.events) {
    if (e.type == ProgressEvent::Type::item_done) last_done = e.done;
    if (e.type == ProgressEvent::Type::note && e.message.find("3 request(s)") != std::string::npos)
      noted = true;
  }
  CHECK(last_done == cb.symbols.size());
  CHECK(noted);
}

TEST_CASE("remote queries land next to the symbols that share their words", "[embedder]") {
  LoopbackOpenAiServer server({.api_key = kKey, .embedding_usage = false});
  auto o = options_for(server);
  o.server.api_key = kKey;
  auto embedder = make(o);
  Codebase cb = sample();
  auto m = embedder->embed(cb, {});
  REQUIRE(m);
  CHECK(server.last_headers().at("authorization") == "Bearer " + kKey);
  std::vector<std::string> queries{"open the sqlite database file"};
  auto q = embedder->embed_texts(queries, {});
  REQUIRE(q);
  REQUIRE(q->rows == 1);
  REQUIRE(q->dims == m->dims);
  std::size_t best = 0;
  double best_score = -2;
  for (std::size_t i = 0; i < m->rows; ++i) {
    double s = 0;
    for (std::size_t d = 0; d < m->dims; ++d) s += double(m->row(i)[d]) * q->row(0)[d];
    if (s > best_score) {
      best_score = s;
      best = i;
    }
  }
  CHECK(cb.symbols[best].name == "open_database");
  std::vector<std::string> empty{""};
  auto bad = embedder->embed_texts(empty, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_argument);
}

TEST_CASE("remote batches respect the per-request token budget and truncate long inputs",
          "[embedder]") {
  LoopbackOpenAiServer server;
  auto o = options_for(server);
  o.batch_size = 100;
  // Without a tokenizer a text counts bytes + 2: ten 100-byte texts are 102 each, so a
  // 350-token budget holds three per request.
  o.max_request_tokens = 350;
  o.max_input_tokens = 301;
  auto embedder = make(o);
  std::vector<std::string> texts;
  for (int i = 0; i < 10; ++i) texts.push_back(std::string(96, 'a' + i) + " w" + std::to_string(i) + "x");
  for (const auto& t : texts) REQUIRE(t.size() == 100);
  auto m = embedder->embed_texts(texts, {});
  REQUIRE(m);
  CHECK(m->rows == 10);
  auto inputs = request_inputs(server);
  CHECK(inputs.size() == 4);
  for (const auto& r : inputs) {
    std::size_t tokens = 0;
    for (const auto& t : r) tokens += t.size() + 2;
    CHECK(tokens <= 350);
  }

  // An over-long input is cut (at a character boundary), not refused. Each cut text counts
  // 301 tokens, so the two go in separate requests.
  std::string accented;
  for (int i = 0; i < 400; ++i) accented += "\xC3\xA9";  // "é" x 400 = 800 bytes
  std::vector<std::string> long_texts{std::string(5000, 'z'), accented};
  auto l = embedder->embed_texts(long_texts, {});
  REQUIRE(l);
  auto all = request_inputs(server);
  REQUIRE(all.size() == 6);
  std::vector<std::vector<std::string>> cut(all.begin() + 4, all.end());  // in either order
  if (cut[0][0][0] == 'z') std::swap(cut[0], cut[1]);
  REQUIRE(cut[0].size() == 1);
  CHECK(cut[0][0].size() == 298);  // 299 bytes would end in half an "é"
  CHECK(accented.compare(0, 298, cut[0][0]) == 0);
  CHECK(cut[1] == std::vector<std::string>{std::string(299, 'z')});
  auto want = unit(LoopbackOpenAiServer::embedding_of(std::string(299, 'z'), l->dims));
  for (std::size_t d = 0; d < l->dims; ++d) CHECK(l->row(0)[d] == Approx(want[d]).margin(1e-6));
}

TEST_CASE("remote inputs are counted and cut with an exact tokenizer when one is given",
          "[embedder]") {
  auto tok = load_tokenizer(TokenizerOptions{.encoding = "cl100k_base"});
  if (!tok) FAIL(tok.error().what());
  LoopbackOpenAiServer server;
  auto o = options_for(server);
  o.tokenizer = *tok;
  o.max_input_tokens = 20;
  o.max_request_tokens = 20;
  auto embedder = make(o);
  std::string text =
      "Returns the area of the circle, computed from its radius; throws when the radius is "
      "negative or not finite, and rounds nothing.";
  REQUIRE((*tok)->count(text) > 20);
  std::vector<std::string> texts{text, "circle area"};
  auto m = embedder->embed_texts(texts, {});
  REQUIRE(m);
  auto inputs = request_inputs(server);
  // Each text alone fills the budget: one request per text (arriving in either order).
  REQUIRE(inputs.size() == 2);
  if (inputs[0] == std::vector<std::string>{"circle area"}) std::swap(inputs[0], inputs[1]);
  REQUIRE(inputs[0].size() == 1);
  CHECK((*tok)->count(inputs[0][0]) <= 20);
  CHECK((*tok)->count(inputs[0][0]) >= 15);
  CHECK(text.compare(0, inputs[0][0].size(), inputs[0][0]) == 0);
  CHECK(inputs[1] == std::vector<std::string>{"circle area"});
}

TEST_CASE("remote dimensions are sent only when asked for", "[embedder]") {
  LoopbackOpenAiServer server({.embedding_dims = 48});
  auto o = options_for(server);
  auto native = make(o)->embed_texts(std::vector<std::string>{"circle area"}, {});
  REQUIRE(native);
  CHECK(native->dims == 48);
  auto body = json::parse(server.embedding_bodies().back()).as_object();
  CHECK_FALSE(body.contains("dimensions"));
  CHECK(body.at("encoding_format").as_string() == "float");
  CHECK(body.at("model").as_string() == "loopback-embed");

  o.dims = 16;
  auto small = make(o)->embed_texts(std::vector<std::string>{"circle area"}, {});
  REQUIRE(small);
  CHECK(small->dims == 16);
  body = json::parse(server.embedding_bodies().back()).as_object();
  CHECK(body.at("dimensions").as_int64() == 16);
}

TEST_CASE("remote dimensions refused or ignored by the server end in a clear error",
          "[embedder]") {
  SECTION("refused with a 400: asked again without, then the size is checked") {
    LoopbackOpenAiServer server({.embedding_dims = 64, .reject_dimensions = true});
    auto o = options_for(server);
    o.dims = 16;
    Recorder rec;
    auto r = make(o)->embed_texts(std::vector<std::string>{"circle area"}, RunContext{&rec, {}});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::parse_error);
    CHECK_THAT(r.error().message, Catch::Contains("16 dimensions") && Catch::Contains("64") &&
                                      Catch::Contains("--embedding-dims"));
    CHECK(server.counters().embedding_requests == 2);
    auto second = json::parse(server.embedding_bodies().back()).as_object();
    CHECK_FALSE(second.contains("dimensions"));
    bool warned = false;
    for (const auto& e : rec.events) warned |= e.message.find("refused `dimensions`") != std::string::npos;
    CHECK(warned);
  }
  SECTION("ignored") {
    LoopbackOpenAiServer server({.embedding_dims = 64, .honour_dimensions = false});
    auto o = options_for(server);
    o.dims = 16;
    auto r = make(o)->embed_texts(std::vector<std::string>{"circle area"}, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::parse_error);
    CHECK_THAT(r.error().message, Catch::Contains(server.base_url() + "/embeddings"));
  }
}

TEST_CASE("remote embedder retries 429, 5xx and resets, and gives up after max_attempts",
          "[embedder]") {
  LoopbackOpenAiServer server;
  auto o = options_for(server);
  o.server.max_attempts = 3;
  auto embedder = make(o);
  std::vector<std::string> texts{"circle area", "rectangle area"};

  server.script_embeddings({Fault::status_429, Fault::reset_mid_body, Fault::status_503});
  auto ok = embedder->embed_texts(texts, {});
  // Three retryable failures spend a budget of three attempts.
  REQUIRE_FALSE(ok);
  CHECK(ok.error().code == errc::http_status);
  CHECK_THAT(ok.error().message, Catch::Contains("gave up after 3 attempts"));

  server.script_embeddings({Fault::status_429, Fault::reset_mid_body});
  auto before = server.counters();
  Recorder rec;
  auto ok2 = embedder->embed_texts(texts, RunContext{&rec, {}});
  REQUIRE(ok2);
  std::vector<std::string> warnings;
  for (const auto& e : rec.events)
    if (e.type == ProgressEvent::Type::diagnostic) warnings.push_back(e.message);
  REQUIRE(warnings.size() == 2);
  CHECK_THAT(warnings[0], Catch::Contains("HTTP 429") && Catch::Contains("retry 2 of 3"));
  CHECK_THAT(warnings[1], Catch::Contains("retry 3 of 3"));
  auto after = server.counters();
  CHECK(after.embedding_requests - before.embedding_requests == 3);
  CHECK(after.rate_limited - before.rate_limited == 1);

  server.script_embeddings({Fault::status_500, Fault::status_500, Fault::status_500});
  before = server.counters();
  auto failed = embedder->embed_texts(texts, {});
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == errc::http_status);
  CHECK_THAT(failed.error().message,
             Catch::Contains("HTTP 500") && Catch::Contains("gave up after 3 attempts") &&
                 Catch::Contains("loopback-embed") && Catch::Contains("--embedder local"));
  CHECK(server.counters().embedding_requests - before.embedding_requests == 3);
}

TEST_CASE("remote 401 and 404 are final and name the server, never the key", "[embedder]") {
  LoopbackOpenAiServer server({.api_key = kKey});
  auto o = options_for(server);
  o.server.api_key = "sk-wrong-key-9f8e7d6c5b4a3210";
  auto r = make(o)->embed_texts(std::vector<std::string>{"circle area"}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::unauthorized);
  CHECK_THAT(r.error().what(), Catch::Contains(server.base_url() + "/embeddings") &&
                                   Catch::Contains("loopback-embed") &&
                                   Catch::Contains("OPENAI_API_KEY"));
  CHECK(r.error().what().find(o.server.api_key) == std::string::npos);
  CHECK(r.error().what().find(kKey) == std::string::npos);
  CHECK(server.counters().http_requests == 1);

  o.server.api_key = kKey;
  server.script_embeddings({Fault::status_404});
  auto nf = make(o)->embed_texts(std::vector<std::string>{"circle area"}, {});
  REQUIRE_FALSE(nf);
  CHECK(nf.error().code == errc::http_status);
  CHECK_THAT(nf.error().message, Catch::Contains("HTTP 404") && Catch::Contains("/v1"));
  CHECK(nf.error().what().find(kKey) == std::string::npos);
  CHECK(server.counters().embedding_requests == 1);
}

TEST_CASE("remote answers of the wrong shape are parse errors naming the server", "[embedder]") {
  LoopbackOpenAiServer server;
  auto o = options_for(server);
  auto embedder = make(o);
  std::vector<std::string> texts{"circle area", "rectangle area", "square side"};
  for (auto [fault, words] : {std::pair{Fault::embedding_wrong_dims, "different dimensions"},
                              std::pair{Fault::embedding_duplicate_index, "appears twice"},
                              std::pair{Fault::embedding_base64, "base64"},
                              std::pair{Fault::invalid_json_body, "invalid JSON"}}) {
    INFO(words);
    server.script_embeddings({fault});
    auto r = embedder->embed_texts(texts, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::parse_error);
    CHECK_THAT(r.error().message,
               Catch::Contains(words) && Catch::Contains(server.base_url() + "/embeddings"));
  }
  // The embedder is still usable afterwards.
  CHECK(embedder->embed_texts(texts, {}));
}

TEST_CASE("remote embedding stops on cancellation", "[embedder]") {
  LoopbackOpenAiServer server({.stall_s = 10});
  auto o = options_for(server);
  o.batch_size = 1;
  auto embedder = make(o);
  std::vector<std::string> texts{"circle area", "rectangle area", "square side"};

  std::stop_source before;
  before.request_stop();
  auto r0 = embedder->embed_texts(texts, RunContext{nullptr, before.get_token()});
  REQUIRE_FALSE(r0);
  CHECK(r0.error().code == errc::cancelled);
  CHECK(server.counters().embedding_requests == 0);

  server.script_embeddings({Fault::stall, Fault::stall, Fault::stall});
  std::stop_source stop;
  auto start = std::chrono::steady_clock::now();
  std::jthread canceller([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.request_stop();
  });
  auto r = embedder->embed_texts(texts, RunContext{nullptr, stop.get_token()});
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::cancelled);
  CHECK(took < 5);
}

// ServerOptions::concurrency 0 means "automatic" for both clients; the embedder then keeps 4
// requests in flight (an options struct written as `.server = {.base_url = ...}` has 0).
TEST_CASE("remote requests run several at a time", "[embedder]") {
  auto [concurrency, most] = GENERATE(table<unsigned, std::size_t>({{3, 3}, {0, 4}}));
  CAPTURE(concurrency);
  LoopbackOpenAiServer server({.latency_s = 0.05});
  auto o = options_for(server);
  o.batch_size = 1;
  o.server.concurrency = concurrency;
  std::vector<std::string> texts;
  for (int i = 0; i < 12; ++i) texts.push_back("text number " + std::to_string(i));
  auto r = make(o)->embed_texts(texts, {});
  REQUIRE(r);
  CHECK(r->rows == 12);
  auto c = server.counters();
  CHECK(c.embedding_requests == 12);
  CHECK(c.max_concurrent > 1);
  CHECK(c.max_concurrent <= most);
}

TEST_CASE("remote embedder options are checked", "[embedder]") {
  auto bad = [](RemoteEmbedderOptions o) {
    auto e = make_remote_embedder(std::move(o));
    REQUIRE_FALSE(e);
    CHECK(e.error().code == errc::invalid_argument);
  };
  bad({.server = {.base_url = "not a url"}});
  bad({.model = ""});
  bad({.batch_size = 0});
  bad({.batch_size = 4096});
  bad({.max_input_tokens = 9000, .max_request_tokens = 8192});
  bad({.server = {.max_attempts = 0}});
  bad({.server = {.timeout_s = 0}});
  CHECK(make_remote_embedder(
      {.server = {.base_url = "http://127.0.0.1:11434/v1"}, .model = "nomic-embed-text"}));
}
