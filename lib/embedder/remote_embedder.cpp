// The OpenAI-compatible /v1/embeddings embedder (OpenAI, Ollama, llama.cpp server, vLLM). Texts
// are the symbols' facts (embedding_text), truncated to the per-input token limit and grouped
// in order into requests that respect both the input count and the per-request token budget.
// Requests run N at a time on the request loop every OpenAI-compatible call shares
// (lib/net/request_loop.hpp: RPM/TPM pacing, 429 honours retry-after, 5xx, resets and
// timeouts back off with full jitter); this file keeps the request builder and the answer
// handlers: 400/401/403/404 end the run with a message naming the server and the model (never
// the key). Answers are checked against
// OpenAI's CreateEmbeddingResponse: rows are placed by `data[i].index`, every index exactly
// once, one dimension for all rows, finite values; then each row is L2-normalised, because the
// k-NN, graph and search stages compute cosine as a dot product. Servers that leave out
// `usage` or `object`, or need no key, are accepted as they are.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <optional>

#include "doctown/embedder.hpp"
#include "net/request_loop.hpp"

namespace doctown {
namespace {

namespace json = boost::json;

// OpenAI's CreateEmbeddingRequest allows at most 2048 inputs per request.
constexpr std::size_t kMaxInputsPerRequest = 2048;
// Without a tokenizer, a text of n bytes counts n + 2 tokens: every token of a byte-level BPE
// or SentencePiece vocabulary covers at least one byte, and local servers add BOS/EOS.
constexpr std::size_t kSpecialTokens = 2;
// Requests in flight when ServerOptions::concurrency is 0 (automatic): embedding servers state
// few limits worth growing toward, and a local one serves a handful at once at best.
constexpr unsigned kDefaultConcurrency = 4;

bool mentions(std::string_view text, std::string_view word) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find(word) != std::string::npos;
}

// Drop a trailing partial UTF-8 sequence, so that a cut never sends invalid text.
void trim_partial_utf8(std::string& s) {
  std::size_t i = s.size();
  std::size_t back = 0;
  while (i > 0 && back < 4 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) {
    --i;
    ++back;
  }
  if (i == 0) return;
  unsigned char lead = static_cast<unsigned char>(s[i - 1]);
  std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (need > 1 && back + 1 < need) s.resize(i - 1);
}

// One request: inputs [begin, end) of the run.
struct Work : net::Attempt {
  std::size_t begin = 0, end = 0;
  std::uint64_t tokens = 0;  ///< counted tokens of its inputs
  bool sent_dims = false;
};

class RemoteEmbedder final : public Embedder {
 public:
  explicit RemoteEmbedder(RemoteEmbedderOptions options)
      : options_(std::move(options)), send_dims_(options_.dims > 0),
        backoff_(options_.server, 0x5EEDE3BEDULL) {
    base_url_ = options_.server.base_url;
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    endpoint_ = url_with_path(base_url_, "/embeddings");  // before any query string
  }

  result<EmbeddingMatrix> embed(const Codebase& codebase, const RunContext& ctx) override {
    std::vector<std::string> texts;
    texts.reserve(codebase.symbols.size());
    for (const auto& s : codebase.symbols) texts.push_back(embedding_text(s));
    return run(std::move(texts), ctx);
  }

  result<EmbeddingMatrix> embed_texts(std::span<const std::string> texts,
                                      const RunContext& ctx) override {
    for (std::size_t i = 0; i < texts.size(); ++i)
      if (texts[i].empty())
        return fail(errc::invalid_argument,
                    "text " + std::to_string(i) + " is empty; embedding servers reject empty input",
                    "embed_texts");
    return run(std::vector<std::string>(texts.begin(), texts.end()), ctx);
  }

 private:
  // --- input preparation ---

  std::uint64_t count_tokens(std::string_view text) const {
    if (options_.tokenizer) return options_.tokenizer->count(text);
    return text.size() + kSpecialTokens;
  }

  // Cut `text` to max_input_tokens (counted as count_tokens does); true when it was cut.
  bool truncate(std::string& text) const {
    std::size_t limit = options_.max_input_tokens;
    if (count_tokens(text) <= limit) return false;
    if (options_.tokenizer) {
      auto ids = options_.tokenizer->encode(text);
      ids.resize(limit);
      text = options_.tokenizer->decode(ids);
      trim_partial_utf8(text);
      // Re-encoding a decoded prefix may merge differently; shave until it fits.
      while (!text.empty() && options_.tokenizer->count(text) > limit) {
        text.resize(text.size() - std::max<std::size_t>(1, text.size() / 50));
        trim_partial_utf8(text);
      }
    } else {
      text.resize(limit - kSpecialTokens);
      trim_partial_utf8(text);
    }
    return true;
  }

  // --- wire format ---

  net::HttpOptions http_options() const { return net::http_options(options_.server); }
  unsigned concurrency() const {
    return options_.server.concurrency ? options_.server.concurrency : kDefaultConcurrency;
  }

  // CreateEmbeddingRequest: model, input (1..2048 strings), encoding_format, dimensions
  // (only when asked for: older models and some local servers reject the field).
  net::HttpRequest request_for(Work& w, const std::vector<std::string>& texts) const {
    json::array input;
    input.reserve(w.end - w.begin);
    for (std::size_t i = w.begin; i < w.end; ++i) input.emplace_back(texts[i]);
    json::object body{{"model", options_.model},
                      {"input", std::move(input)},
                      {"encoding_format", "float"}};
    w.sent_dims = send_dims_;
    if (send_dims_) body["dimensions"] = options_.dims;
    net::HttpRequest r;
    r.method = "POST";
    r.url = endpoint_;
    r.headers.emplace_back("Content-Type", "application/json");
    if (!options_.server.api_key.empty())
      r.headers.emplace_back("Authorization", "Bearer " + options_.server.api_key);
    r.body = json::serialize(body);
    return r;
  }

  std::string server() const {
    return net::redact_url(endpoint_) + " (model " + options_.model + ")";
  }

  // The message names the server and model already, so no separate `where`.
  error fatal(errc code, const std::string& detail, const std::string& advice) const {
    return fail(code, "remote embedding failed at " + server() + ": " + detail + "; " + advice);
  }

  // Read a CreateEmbeddingResponse for the inputs of `w` into rows[w.begin, w.end).
  // Returns the billed prompt tokens (0 when the server reports no usage).
  result<std::uint64_t> read_answer(std::string_view body, const Work& w,
                                    std::vector<std::vector<float>>& rows) {
    auto bad = [&](const std::string& what) {
      return fatal(errc::parse_error, "the answer is not an embedding list: " + what,
                   "check that the base URL points at an OpenAI-compatible /v1 API, or use "
                   "--embedder local");
    };
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return bad("invalid JSON (" + ec.message() + ")");
    if (!v.is_object()) return bad("the top level is not an object");
    const json::object& top = v.get_object();
    if (const auto* o = top.if_contains("object"); o && !(o->is_string() && o->get_string() == "list"))
      return bad("'object' is not \"list\"");
    const auto* data = top.if_contains("data");
    if (!data || !data->is_array()) return bad("'data' is missing or not an array");
    std::size_t n = w.end - w.begin;
    const json::array& items = data->get_array();
    if (items.size() != n)
      return bad(std::to_string(items.size()) + " embeddings for " + std::to_string(n) + " inputs");
    std::vector<bool> seen(n, false);
    for (std::size_t k = 0; k < items.size(); ++k) {
      std::string at = "data[" + std::to_string(k) + "]";
      if (!items[k].is_object()) return bad(at + " is not an object");
      const json::object& item = items[k].get_object();
      const auto* index = item.if_contains("index");
      if (!index || !(index->is_int64() || index->is_uint64()))
        return bad(at + ".index is missing or not an integer");
      long long idx = index->is_int64() ? index->get_int64() : static_cast<long long>(index->get_uint64());
      if (idx < 0 || static_cast<std::size_t>(idx) >= n)
        return bad(at + ".index " + std::to_string(idx) + " is outside 0.." + std::to_string(n - 1));
      if (seen[static_cast<std::size_t>(idx)])
        return bad("index " + std::to_string(idx) + " appears twice");
      seen[static_cast<std::size_t>(idx)] = true;
      const auto* emb = item.if_contains("embedding");
      if (!emb) return bad(at + ".embedding is missing");
      if (emb->is_string())
        return bad(at + ".embedding is a base64 string although encoding_format \"float\" was asked");
      if (!emb->is_array() || emb->get_array().empty())
        return bad(at + ".embedding is not a non-empty array of numbers");
      const json::array& values = emb->get_array();
      if (dims_ == 0) dims_ = values.size();
      if (values.size() != dims_)
        return bad("embeddings of different dimensions (" + std::to_string(values.size()) + " and " +
                   std::to_string(dims_) + ")");
      std::vector<float>& row = rows[w.begin + static_cast<std::size_t>(idx)];
      row.resize(dims_);
      double norm = 0;
      std::vector<double> tmp(dims_);
      for (std::size_t d = 0; d < dims_; ++d) {
        const json::value& x = values[d];
        double f = x.is_double() ? x.get_double()
                   : x.is_int64() ? static_cast<double>(x.get_int64())
                   : x.is_uint64() ? static_cast<double>(x.get_uint64())
                                   : std::nan("");
        if (!std::isfinite(f) || std::abs(f) > 3.4e38)
          return bad(at + ".embedding[" + std::to_string(d) + "] is not a finite number");
        tmp[d] = f;
        norm += f * f;
      }
      // Unit rows: cosine similarity downstream is a dot product. A zero row stays zero.
      double scale = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0;
      for (std::size_t d = 0; d < dims_; ++d) row[d] = static_cast<float>(tmp[d] * scale);
    }
    if (options_.dims > 0 && dims_ != options_.dims)
      return fatal(errc::parse_error,
                   std::to_string(options_.dims) + " dimensions were asked for but the server "
                   "answered with " + std::to_string(dims_) +
                   " (it does not support `dimensions` for this model)",
                   "pass --embedding-dims 0 (or " + std::to_string(dims_) +
                       ") to use the model's own size");
    std::uint64_t billed = 0;
    if (const auto* u = top.if_contains("usage"); u && u->is_object())
      if (const auto* p = u->get_object().if_contains("prompt_tokens"); p && p->is_int64() && p->get_int64() > 0)
        billed = static_cast<std::uint64_t>(p->get_int64());
    return billed;
  }

  // --- the run ---

  using Loop = net::RequestLoop<Work>;

  // Truncate and count the texts, then cut them in order into requests.
  std::deque<Work> plan_requests(std::vector<std::string>& texts, const RunContext& ctx) const {
    const std::size_t n = texts.size();
    std::size_t truncated = 0;
    std::vector<std::uint64_t> tokens(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (truncate(texts[i])) ++truncated;
      tokens[i] = count_tokens(texts[i]);
    }
    if (truncated)
      ctx.diagnostic("embed", Diagnostic::Severity::note,
                     std::to_string(truncated) + " text(s) longer than " +
                         std::to_string(options_.max_input_tokens) +
                         " tokens were truncated before embedding");
    std::deque<Work> queue;
    std::uint64_t next_id = 1;
    for (std::size_t i = 0; i < n;) {
      Work w;
      w.id = next_id++;
      w.begin = i;
      while (i < n && i - w.begin < options_.batch_size &&
             (i == w.begin || w.tokens + tokens[i] <= options_.max_request_tokens)) {
        w.tokens += tokens[i];
        ++i;
      }
      w.end = i;
      queue.push_back(w);
    }
    return queue;
  }

  // What one run counts and fills in.
  struct Tally {
    std::vector<std::vector<float>> rows;
    std::size_t done = 0, requests = 0, retries = 0;
    std::uint64_t billed = 0;
  };

  // The request builder and answer handlers of /embeddings on the shared request loop: every
  // failure that retries cannot fix ends the whole run (an embedding matrix has no holes).
  void set_hooks(Loop& loop, const std::vector<std::string>& texts, Tally& t,
                 const RunContext& ctx) {
    const std::string retry_advice =
        "check that the server is up and serves the model, or use --embedder local (no network)";
    auto& h = loop.hooks();
    h.admit = [](Work& w, std::uint64_t& cost) {
      cost = w.tokens;
      return net::Admit::send;
    };
    h.build = [this, &texts](Work& w) { return request_for(w, texts); };
    h.sent = [&t](Work&, std::uint64_t) { ++t.requests; };
    h.answer = [this, &loop, &t, &ctx](Work w, net::HttpResponse& resp, bool) {
      auto got = read_answer(resp.body, w, t.rows);
      if (!got) return loop.halt(std::move(got).error());
      t.billed += *got;
      t.done += w.end - w.begin;
      ctx.item_done("embed", t.done, t.rows.size());
    };
    h.failed = [this, &loop, retry_advice](Work, errc code, const std::string& why) {
      loop.halt(fatal(code, why, retry_advice));
    };
    h.retrying = [this, &t, &ctx](const Work& w, double delay_s, const std::string& why) {
      ++t.retries;
      // Say why the stage is waiting: a retried request can hold it for a minute.
      char delay[32];
      std::snprintf(delay, sizeof delay, "%.1f", delay_s);
      ctx.diagnostic("embed", Diagnostic::Severity::warning,
                     "request for texts " + std::to_string(w.begin + 1) + "-" +
                         std::to_string(w.end) + " failed (" + why + "); retry " +
                         std::to_string(w.attempts + 1) + " of " +
                         std::to_string(options_.server.max_attempts) + " in " + delay + " s");
    };
    h.refused = [this](const net::Refusal& r) {
      if (r.kind == net::StatusClass::no_quota)
        return fatal(errc::rate_limited, "the account has no quota left (" + r.message + ")",
                     "add credit, or use --embedder local");
      return fatal(errc::unauthorized, "the server refused the credentials (" + r.what + ")",
                   "check the API key (OPENAI_API_KEY) and the model's access, or use "
                   "--embedder local");
    };
    h.rejected = [this, &loop, &ctx](Work w, const net::Refusal& r) {
      if (r.status == 400 && w.sent_dims && mentions(r.message, "dimension")) {
        // Older models (text-embedding-ada-002) and some servers refuse `dimensions`: ask
        // again without it; read_answer then checks the size the model gives.
        if (send_dims_)
          ctx.diagnostic("embed", Diagnostic::Severity::warning,
                         "the server refused `dimensions` (" + r.message + "); asking for the "
                         "model's own size");
        send_dims_ = false;
        --w.attempts;
        loop.queue().push_front(w);
        return;
      }
      std::string advice =
          r.status == 404
              ? "check that the base URL ends in /v1 and the server has the model (e.g. "
                "`ollama pull " + options_.model + "`), or use --embedder local"
              : "check the embedding model and --embedding-dims, or use --embedder local";
      loop.halt(fatal(errc::http_status, r.what, advice));
    };
    h.cancelled = [this] {
      return fail(errc::cancelled, "embedding cancelled at " + server() + "; nothing was kept");
    };
  }

  result<EmbeddingMatrix> run(std::vector<std::string> texts, const RunContext& ctx) {
    const std::size_t n = texts.size();
    dims_ = 0;
    EmbeddingMatrix m;
    m.model = options_.model;
    m.dims = options_.dims;
    if (n == 0) return m;

    const ServerOptions& so = options_.server;
    net::RateLimiter limiter(so.rpm_limit, so.tpm_limit, so.rate_window_s);
    std::optional<error> stop;
    // Nothing is kept of a cancelled run, so the requests in flight are aborted (drain_s 0).
    Loop loop({.http = http_options(), .workers = concurrency(), .max_attempts = so.max_attempts,
               .api_key = so.api_key, .mask_url = endpoint_, .label = "", .drain_s = 0},
              limiter, backoff_, stop);
    loop.queue() = plan_requests(texts, ctx);
    Tally t;
    t.rows.resize(n);
    set_hooks(loop, texts, t, ctx);
    if (auto r = loop.run(ctx); !r)
      return fatal(r.error().code, r.error().message, "check the TLS and proxy settings");
    if (stop) return *stop;

    m.rows = n;
    m.dims = dims_;
    m.values.resize(n * dims_);
    for (std::size_t i = 0; i < n; ++i)
      std::copy(t.rows[i].begin(), t.rows[i].end(),
                m.values.begin() + static_cast<std::ptrdiff_t>(i * dims_));
    ctx.note("embed", std::to_string(n) + " text(s) embedded by " + server() + " in " +
                          std::to_string(t.requests) + " request(s), " +
                          std::to_string(t.retries) + " retried; " +
                          (t.billed ? std::to_string(t.billed) + " tokens billed"
                                    : std::string("the server reported no usage")));
    return m;
  }

  RemoteEmbedderOptions options_;
  std::string base_url_;
  std::string endpoint_;
  bool send_dims_;
  net::Backoff backoff_;
  std::size_t dims_ = 0;  ///< dimension of the rows of the current run, 0 until the first answer
};

}  // namespace

result<std::unique_ptr<Embedder>> make_remote_embedder(RemoteEmbedderOptions options) {
  auto u = boost::urls::parse_absolute_uri(options.server.base_url);
  if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host().empty())
    return fail(errc::invalid_argument,
                "malformed embedding base URL; expected http(s)://host[:port]/v1 (for example "
                "https://api.openai.com/v1 or http://127.0.0.1:11434/v1)",
                "base_url");
  if (options.model.empty())
    return fail(errc::invalid_argument, "the remote embedder needs a model name (--embedding-model)",
                "model");
  if (options.batch_size == 0 || options.batch_size > kMaxInputsPerRequest)
    return fail(errc::invalid_argument,
                "the embedding batch size must be between 1 and 2048 (OpenAI's limit); got " +
                    std::to_string(options.batch_size),
                "batch_size");
  if (options.max_input_tokens < 8 || options.max_request_tokens < options.max_input_tokens)
    return fail(errc::invalid_argument,
                "max_input_tokens must be at least 8 and max_request_tokens at least "
                "max_input_tokens",
                "max_input_tokens");
  if (options.dims > 65536)
    return fail(errc::invalid_argument, "embedding dimensions must be at most 65536", "dims");
  if (options.server.max_attempts == 0)
    return fail(errc::invalid_argument, "the remote embedder's attempts must be at least 1",
                "max_attempts");
  const ServerOptions& s = options.server;
  if (!(s.timeout_s > 0) || !(s.connect_timeout_s > 0) || !std::isfinite(s.timeout_s))
    return fail(errc::invalid_argument, "the remote embedder's timeouts must be positive", "timeout");
  if (s.rpm_limit < 0 || s.tpm_limit < 0 || !(s.rate_window_s > 0) || !(s.backoff_base_s >= 0) ||
      !(s.backoff_max_s >= 0))
    return fail(errc::invalid_argument,
                "rate limits and backoff must be >= 0 and the rate window positive", "rpm_limit");
  return std::unique_ptr<Embedder>(std::make_unique<RemoteEmbedder>(std::move(options)));
}

}  // namespace doctown
