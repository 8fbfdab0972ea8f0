// Loopback OpenAI-compatible server: one thread running an io_context, one coroutine per
// connection (keep-alive), shared state under one mutex (never held across a co_await). The
// rate limiter is a pair of token buckets (capacity = the per-window limit, continuous refill),
// the model OpenAI documents; with enforce = false it only counts the requests that would
// have been refused, so a test can check a client's own pacing.
#include "support/loopback_openai_server.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <tuple>
#include <type_traits>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

namespace doctown::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::size_t estimate_tokens(std::string_view text) { return (text.size() + 3) / 4; }
std::size_t chat_prompt_tokens(std::string_view system, std::string_view user) {
  return estimate_tokens(system) + estimate_tokens(user) + 7;
}

// Named (not anonymous): the benchmark compiles this file into its own TU, where types of an
// anonymous namespace inside Impl would trip -Wsubobject-linkage.
namespace loopback_detail {

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
  bool reset_mid_body = false;
  double delay_s = 0;
};

std::string duration_text(double s) {
  // OpenAI writes reset times like "1s", "6m0s", "20ms".
  if (s < 1) return std::to_string(static_cast<long long>(std::ceil(s * 1000))) + "ms";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", s);
  return buf;
}

Reply error_reply(int status, std::string message, std::string type, json::value code,
                  json::value param = nullptr) {
  Reply r;
  r.status = status;
  json::object err{{"message", std::move(message)}, {"type", std::move(type)},
                   {"param", std::move(param)}, {"code", std::move(code)}};
  r.body = json::serialize(json::object{{"error", std::move(err)}});
  return r;
}

struct StoredFile {
  std::string id;
  std::string purpose;
  std::string filename;
  std::string content;
};

struct StoredBatch {
  std::string id;
  std::string input_file_id;
  std::string endpoint;
  Clock::time_point created;
  bool processed = false;
  std::string output_file_id;
  std::string error_file_id;
  std::size_t total = 0, completed = 0, failed = 0;
};

}  // namespace loopback_detail

using namespace loopback_detail;

struct LoopbackOpenAiServer::Impl {
  LoopbackOptions options;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  unsigned short port = 0;

  mutable std::mutex mu;
  LoopbackCounters counters;
  std::deque<Fault> script;
  std::function<Fault(std::size_t, const std::vector<std::string>&)> fault_fn;
  std::vector<std::string> known_ids;
  std::deque<std::pair<Clock::time_point, std::uint64_t>> window;  // accepted (time, tokens)
  bool buckets_started = false;
  double request_level = 0, token_level = 0;
  Clock::time_point last_refill{};
  Clock::time_point timeline_start{};
  std::size_t in_progress = 0;
  std::set<std::size_t> seen_prefixes;  // hashes of prompt prefixes at 128-token boundaries
  std::deque<std::string> bodies;
  std::deque<Fault> embedding_script;
  std::deque<std::string> embedding_bodies;
  std::map<std::string, std::string> last_headers;
  std::map<std::string, StoredFile> files;
  std::map<std::string, StoredBatch> batches;
  std::size_t next_id = 1;
  std::optional<ssl::context> tls;
  std::string cert_pem;
  std::filesystem::path ca_path;

  std::string new_id(std::string_view prefix) { return std::string(prefix) + std::to_string(next_id++); }
  // OpenAI's prompt caching: the longest prefix seen before, in 128-token steps from 1,024
  // tokens on (tokens as the server counts them, 4 bytes each). Records this prompt's prefixes.
  std::size_t cached_prefix_tokens(std::string_view prompt) {
    constexpr std::size_t step = 128 * 4, first = 1024 * 4;
    std::size_t cached = 0;
    for (std::size_t len = first; len <= prompt.size(); len += step) {
      std::size_t h = std::hash<std::string_view>{}(prompt.substr(0, len));
      if (!seen_prefixes.insert(h).second) cached = len / 4;
    }
    return cached;
  }

  // Ids asked for in a user prompt.
  std::vector<std::string> ids_in(const std::string& user) {
    std::vector<std::string> ids;
    if (!known_ids.empty()) {
      auto is_id_char = [](char c) {
        return !(std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '`' ||
                 c == ',' || c == ')' || c == ']' || c == '\'');
      };
      for (const auto& id : known_ids) {
        for (std::size_t pos = user.find(id); pos != std::string::npos;
             pos = user.find(id, pos + 1)) {
          bool left = pos == 0 || !is_id_char(user[pos - 1]);
          std::size_t end = pos + id.size();
          bool right = end == user.size() || !is_id_char(user[end]);
          if (left && right) {
            ids.push_back(id);
            break;
          }
        }
      }
      return ids;
    }
    static const std::regex line(R"((?:^|\n)[ \t]*(?:[-*][ \t]*)?id:[ \t]*`?([^\s`]+)`?)");
    for (std::sregex_iterator it(user.begin(), user.end(), line), end; it != end; ++it) {
      std::string id = (*it)[1].str();
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
    return ids;
  }

  Fault next_fault(std::size_t n, const std::vector<std::string>& ids) {
    if (!script.empty()) {
      Fault f = script.front();
      script.pop_front();
      return f;
    }
    if (fault_fn) return fault_fn(n, ids);
    return Fault::none;
  }

  json::object symbol_entry(const std::string& id) const {
    std::string desc = "Documents " + id + ".";
    for (std::size_t i = 0; i < options.description_words; ++i) desc += " detail";
    json::array params;
    if (options.plant_false_claims) {
      desc += " It delegates to `frobnicate_widget_registry` for the work.";
      params.push_back(json::object{{"name", "no_such_parameter"},
                                    {"description", "A parameter the code does not have."}});
    }
    return json::object{{"id", id},
                        {"summary", "Summary of " + id + "."},
                        {"description", desc},
                        {"params", std::move(params)},
                        {"returns", ""},
                        {"throws", ""},
                        {"notes", ""},
                        {"examples", json::array{}},
                        {"see_also", json::array{}}};
  }

  // Token buckets as OpenAI describes them: capacity = the per-window limit, refilled
  // continuously at limit / window (lock held).
  void refill(Clock::time_point now) {
    if (!buckets_started) {
      request_level = options.rpm;
      token_level = options.tpm;
      last_refill = now;
      buckets_started = true;
    }
    double dt = std::chrono::duration<double>(now - last_refill).count();
    last_refill = now;
    request_level = std::min(options.rpm, request_level + dt * options.rpm / options.window_s);
    token_level = std::min(options.tpm, token_level + dt * options.tpm / options.window_s);
  }

  // Rate-limit headers from the buckets as they stand (lock held).
  void add_rate_headers(Reply& r) {
    if (!options.rate_headers) return;
    if (options.rpm > 0) {
      double reset = (options.rpm - request_level) / (options.rpm / options.window_s);
      r.headers.emplace_back("x-ratelimit-limit-requests", std::to_string(static_cast<long long>(options.rpm)));
      r.headers.emplace_back("x-ratelimit-remaining-requests",
                             std::to_string(std::max(0LL, static_cast<long long>(request_level))));
      r.headers.emplace_back("x-ratelimit-reset-requests", duration_text(std::max(0.0, reset)));
    }
    if (options.tpm > 0) {
      double reset = (options.tpm - token_level) / (options.tpm / options.window_s);
      r.headers.emplace_back("x-ratelimit-limit-tokens", std::to_string(static_cast<long long>(options.tpm)));
      r.headers.emplace_back("x-ratelimit-remaining-tokens",
                             std::to_string(std::max(0LL, static_cast<long long>(token_level))));
      r.headers.emplace_back("x-ratelimit-reset-tokens", duration_text(std::max(0.0, reset)));
    }
  }

  // The chat answer for a parsed request (lock held). `batch` skips rate limits and delays.
  Reply chat(const json::object& req, const std::map<std::string, std::string>& headers,
             bool batch, std::size_t* counted_tokens = nullptr) {
    auto now = Clock::now();
    if (!options.api_key.empty()) {
      auto it = headers.find("authorization");
      if (it == headers.end() || it->second != "Bearer " + options.api_key)
        return error_reply(401,
                           "Incorrect API key provided. You can find your API key at "
                           "https://platform.openai.com/account/api-keys.",
                           "invalid_request_error", "invalid_api_key");
    }
    std::string system, user;
    if (auto* m = req.if_contains("messages"); m && m->is_array()) {
      for (const auto& msg : m->get_array()) {
        if (!msg.is_object()) continue;
        const auto& o = msg.get_object();
        auto* role = o.if_contains("role");
        auto* content = o.if_contains("content");
        if (!role || !role->is_string() || !content || !content->is_string()) continue;
        if (role->get_string() == "system") system += content->get_string();
        if (role->get_string() == "user") user += content->get_string();
      }
    }
    if (!req.contains("model") || user.empty())
      return error_reply(400, "Missing required parameter: 'model' or a user message.",
                         "invalid_request_error", nullptr, "messages");
    if (options.reject_max_completion_tokens && req.contains("max_completion_tokens"))
      return error_reply(400, "Unrecognized request argument supplied: max_completion_tokens",
                         "invalid_request_error", nullptr);
    if (options.reject_json_schema) {
      if (auto* rf = req.if_contains("response_format"); rf && rf->is_object()) {
        auto* type = rf->get_object().if_contains("type");
        if (type && type->is_string() && type->get_string() == "json_schema")
          return error_reply(400,
                             "Invalid parameter: 'response_format' of type 'json_schema' is not "
                             "supported with this model.",
                             "invalid_request_error", nullptr, "response_format");
      }
    }
    std::int64_t max_out = 4096;
    for (const char* key : {"max_completion_tokens", "max_tokens"})
      if (auto* v = req.if_contains(key); v && v->is_int64()) max_out = v->get_int64();
    std::size_t prompt = chat_prompt_tokens(system, user);
    std::uint64_t cost = prompt + static_cast<std::uint64_t>(std::max<std::int64_t>(0, max_out));
    if (counted_tokens) *counted_tokens = cost;

    std::size_t n = counters.chat_requests + counters.batch_requests;
    if (batch) ++counters.batch_requests;
    else ++counters.chat_requests;
    auto ids = ids_in(user);
    Fault fault = next_fault(n, ids);
    if (!batch) {
      if (counters.timeline.empty()) timeline_start = now;
      LoopbackChatEvent ev;
      ev.at_s = std::chrono::duration<double>(now - timeline_start).count();
      ev.ids = ids.size();
      ev.counted = cost;
      counters.timeline.push_back(ev);
    }

    if (!batch) {
      refill(now);
      // A request bigger than the whole bucket is let through when the bucket is full.
      double need_tokens = std::min<double>(static_cast<double>(cost), options.tpm);
      bool over_requests = options.rpm > 0 && request_level < 1;
      bool over_tokens = options.tpm > 0 && token_level < need_tokens;
      if (options.enforce && (over_requests || over_tokens || fault == Fault::status_429)) {
        double wait_s = options.window_s / 20;
        if (over_requests)
          wait_s = std::max(wait_s, (1 - request_level) / (options.rpm / options.window_s));
        if (over_tokens)
          wait_s = std::max(wait_s, (need_tokens - token_level) / (options.tpm / options.window_s));
        ++counters.rate_limited;
        counters.timeline.back().status = 429;
        std::string what = over_requests ? "requests per min (RPM)" : "tokens per min (TPM)";
        std::string limit = over_requests ? std::to_string(static_cast<long long>(options.rpm))
                                          : std::to_string(static_cast<long long>(options.tpm));
        std::string used_s =
            over_requests ? std::to_string(static_cast<long long>(options.rpm - request_level))
                          : std::to_string(static_cast<long long>(options.tpm - token_level));
        Reply r = error_reply(429,
                              "Rate limit reached for " + json::value_to<std::string>(req.at("model")) +
                                  " in organization org-loopback on " + what + ": Limit " + limit +
                                  ", Used " + used_s + ", Requested " + std::to_string(cost) +
                                  ". Please try again in " + duration_text(wait_s) + ".",
                              over_requests ? "requests" : "tokens", "rate_limit_exceeded");
        add_rate_headers(r);
        r.headers.emplace_back("retry-after-ms",
                               std::to_string(static_cast<long long>(std::ceil(wait_s * 1000))));
        return r;
      }
      if (over_requests || over_tokens) ++counters.limit_violations;
      if (options.rpm > 0) request_level -= 1;
      if (options.tpm > 0) token_level -= static_cast<double>(cost);
      counters.min_token_level = std::min(counters.min_token_level, token_level);
      counters.min_request_level = std::min(counters.min_request_level, request_level);
      // Also what a sliding window would see, for reports.
      auto horizon = now - std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options.window_s));
      while (!window.empty() && window.front().first <= horizon) window.pop_front();
      window.emplace_back(now, cost);
      std::uint64_t used = 0;
      for (auto& [t, tok] : window) used += tok;
      counters.max_window_requests = std::max(counters.max_window_requests, window.size());
      counters.max_window_tokens = std::max(counters.max_window_tokens, used);
      counters.counted_tokens += cost;
      counters.reserved_output_tokens += static_cast<std::uint64_t>(std::max<std::int64_t>(0, max_out));
    }

    switch (fault) {
      case Fault::status_400:
        return error_reply(400, "Invalid 'messages[1].content': the request could not be processed.",
                           "invalid_request_error", nullptr, "messages");
      case Fault::status_401:
        return error_reply(401, "Incorrect API key provided.", "invalid_request_error",
                           "invalid_api_key");
      case Fault::status_403:
        return error_reply(403, "You are not allowed to sample from this model.",
                           "invalid_request_error", "model_not_allowed");
      case Fault::status_404:
        return error_reply(404, "The model 'missing-model' does not exist or you do not have access to it.",
                           "invalid_request_error", "model_not_found");
      case Fault::status_500:
        return error_reply(500, "The server had an error while processing your request.",
                           "server_error", nullptr);
      case Fault::status_502: {
        Reply r;
        r.status = 502;
        r.content_type = "text/html";
        r.body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
        return r;
      }
      case Fault::status_503:
        return error_reply(503, "The engine is currently overloaded, please try again later.",
                           "server_error", nullptr);
      default:
        break;
    }

    json::array entries;
    for (const auto& id : ids) entries.push_back(symbol_entry(id));
    if (fault == Fault::drop_first_id && !entries.empty()) entries.erase(entries.begin());
    if (fault == Fault::extra_id) entries.push_back(symbol_entry("c:@N@nowhere@F@invented#"));
    if (fault == Fault::duplicate_id && !entries.empty()) entries.push_back(entries.front());
    if (fault == Fault::invalid_entry && !entries.empty())
      entries.front().get_object().erase("summary");
    std::string content = json::serialize(json::object{{"symbols", std::move(entries)}});
    std::string finish = "stop";
    if (fault == Fault::length) {
      content.resize(content.size() / 2);
      finish = "length";
    }
    if (fault == Fault::non_json_content)
      content = "Here is the documentation you asked for: the functions compute areas.";
    json::value content_value = json::string(content);
    json::value refusal = nullptr;
    if (fault == Fault::refusal) {
      content_value = nullptr;
      refusal = "I'm sorry, I cannot help with that request.";
      finish = "stop";
    }
    std::size_t completion = fault == Fault::refusal ? 12 : estimate_tokens(content);
    if (max_out > 0 && completion > static_cast<std::size_t>(max_out)) {
      // Like a real model: the answer stops at the reservation, mid-JSON.
      completion = static_cast<std::size_t>(max_out);
      content.resize(std::min(content.size(), completion * 4));
      content_value = json::string(content);
      finish = "length";
      fault = Fault::length;
    }
    counters.max_completion_tokens = std::max<std::uint64_t>(counters.max_completion_tokens, completion);
    std::size_t cached = options.prompt_cache ? cached_prefix_tokens(system + "\n" + user) : 0;
    json::object usage{{"prompt_tokens", prompt},
                       {"completion_tokens", completion},
                       {"total_tokens", prompt + completion},
                       {"prompt_tokens_details", json::object{{"cached_tokens", cached}}},
                       {"completion_tokens_details", json::object{{"reasoning_tokens", 0}}}};
    counters.usage.input += prompt;
    counters.usage.cached += cached;
    counters.usage.output += completion;
    json::object message{{"role", "assistant"}, {"content", content_value}, {"refusal", refusal}};
    json::object choice{{"index", 0}, {"message", std::move(message)}, {"logprobs", nullptr},
                        {"finish_reason", finish}};
    json::object answer{{"id", new_id("chatcmpl-")},
                        {"object", "chat.completion"},
                        {"created", 1764250000},
                        {"model", req.at("model")},
                        {"choices", json::array{std::move(choice)}},
                        {"usage", std::move(usage)},
                        {"system_fingerprint", "fp_loopback"}};
    Reply r;
    r.body = json::serialize(answer);
    if (fault == Fault::invalid_json_body) r.body = "{\"id\": \"chatcmpl-broken\", \"choices\": [";
    if (fault != Fault::invalid_json_body && fault != Fault::length &&
        fault != Fault::non_json_content && fault != Fault::refusal) {
      auto parsed = json::parse(content).as_object();
      for (const auto& e : parsed["symbols"].as_array())
        ++counters.answered[json::value_to<std::string>(e.as_object().at("id"))];
    }
    ++counters.chat_ok;
    if (!batch) add_rate_headers(r);
    if (fault == Fault::reset_mid_body) {
      r.reset_mid_body = true;
      ++counters.failed;
    }
    if (!batch) {
      r.delay_s = options.latency_s;
      if (options.output_tokens_per_s > 0)
        r.delay_s += static_cast<double>(completion) / options.output_tokens_per_s;
      if (fault == Fault::stall) r.delay_s = options.stall_s;
      counters.timeline.back().status = 200;
      counters.timeline.back().answer_s = r.delay_s;
      counters.timeline.back().completion = completion;
    }
    return r;
  }

  // POST /embeddings (lock held): CreateEmbeddingRequest in, CreateEmbeddingResponse out.
  Reply embeddings(const json::object& req) {
    ++counters.embedding_requests;
    // The request is checked as OpenAI's schema says (additionalProperties: false).
    for (const auto& kv : req) {
      std::string_view k = kv.key();
      if (k != "model" && k != "input" && k != "encoding_format" && k != "dimensions" && k != "user")
        return error_reply(400, "Unrecognized request argument supplied: " + std::string(k),
                           "invalid_request_error", nullptr);
    }
    auto* model = req.if_contains("model");
    if (!model || !model->is_string())
      return error_reply(400, "you must provide a model parameter", "invalid_request_error", nullptr);
    std::vector<std::string> inputs;
    if (auto* in = req.if_contains("input"); in && in->is_string()) {
      inputs.emplace_back(in->get_string());
    } else if (in && in->is_array() && !in->get_array().empty() && in->get_array().size() <= 2048) {
      for (const auto& x : in->get_array()) {
        if (!x.is_string())
          return error_reply(400, "'input' must be a string or an array of strings.",
                             "invalid_request_error", nullptr, "input");
        inputs.emplace_back(x.get_string());
      }
    } else {
      return error_reply(400, "'input' must be a string or an array of 1 to 2048 strings.",
                         "invalid_request_error", nullptr, "input");
    }
    if (auto* f = req.if_contains("encoding_format");
        f && !(f->is_string() && (f->get_string() == "float" || f->get_string() == "base64")))
      return error_reply(400, "'encoding_format' must be 'float' or 'base64'.",
                         "invalid_request_error", nullptr, "encoding_format");
    std::size_t dims = options.embedding_dims;
    if (auto* d = req.if_contains("dimensions")) {
      if (!d->is_int64() || d->get_int64() < 1)
        return error_reply(400, "'dimensions' must be an integer >= 1.", "invalid_request_error",
                           nullptr, "dimensions");
      if (options.reject_dimensions)
        return error_reply(400, "This model does not support specifying dimensions.",
                           "invalid_request_error", nullptr, "dimensions");
      if (options.honour_dimensions) dims = static_cast<std::size_t>(d->get_int64());
    }
    std::size_t total = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      std::size_t t = estimate_tokens(inputs[i]);
      if (inputs[i].empty() || t > options.embedding_max_input_tokens)
        return error_reply(400,
                           "Invalid 'input[" + std::to_string(i) + "]': " +
                               (inputs[i].empty() ? std::string("empty string")
                                                  : "maximum context length is " +
                                                        std::to_string(options.embedding_max_input_tokens) +
                                                        " tokens, got " + std::to_string(t)),
                           "invalid_request_error", nullptr, "input");
      total += t;
    }
    if (total > options.embedding_max_request_tokens)
      return error_reply(400,
                         "Requested " + std::to_string(total) + " tokens, max " +
                             std::to_string(options.embedding_max_request_tokens) +
                             " tokens per request",
                         "invalid_request_error", "max_tokens_per_request", "input");
    Fault fault = Fault::none;
    if (!embedding_script.empty()) {
      fault = embedding_script.front();
      embedding_script.pop_front();
    }
    switch (fault) {
      case Fault::status_400:
        return error_reply(400, "Invalid 'input': the request could not be processed.",
                           "invalid_request_error", nullptr, "input");
      case Fault::status_401:
        return error_reply(401, "Incorrect API key provided.", "invalid_request_error",
                           "invalid_api_key");
      case Fault::status_403:
        return error_reply(403, "You are not allowed to use this model.", "invalid_request_error",
                           "model_not_allowed");
      case Fault::status_404:
        return error_reply(404, "The model '" + std::string(model->get_string()) +
                                    "' does not exist or you do not have access to it.",
                           "invalid_request_error", "model_not_found");
      case Fault::status_429: {
        ++counters.rate_limited;
        Reply r = error_reply(429, "Rate limit reached for " + std::string(model->get_string()) +
                                       " on requests per min (RPM). Please try again in 20ms.",
                              "requests", "rate_limit_exceeded");
        r.headers.emplace_back("retry-after-ms", "20");
        return r;
      }
      case Fault::status_500:
        return error_reply(500, "The server had an error while processing your request.",
                           "server_error", nullptr);
      case Fault::status_502: {
        Reply r;
        r.status = 502;
        r.content_type = "text/html";
        r.body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
        return r;
      }
      case Fault::status_503:
        return error_reply(503, "The engine is currently overloaded, please try again later.",
                           "server_error", nullptr);
      default:
        break;
    }
    json::array data;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      auto v = LoopbackOpenAiServer::embedding_of(inputs[i], dims);
      if (fault == Fault::embedding_wrong_dims && i + 1 == inputs.size()) v.pop_back();
      json::array values;
      values.reserve(v.size());
      for (float x : v) values.emplace_back(static_cast<double>(x));
      json::value emb = std::move(values);
      if (fault == Fault::embedding_base64 && i == 0) emb = "AAAAAAAAgD8=";
      data.push_back(json::object{{"object", "embedding"}, {"index", i}, {"embedding", std::move(emb)}});
    }
    if (fault == Fault::embedding_duplicate_index && data.size() > 1)
      data.back().as_object()["index"] = 0;
    if (options.shuffle_embeddings) {
      // A fixed permutation that moves every entry when there are at least two.
      std::rotate(data.begin(), data.begin() + 1, data.end());
      std::reverse(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(data.size() / 2));
    }
    json::object answer{{"object", "list"}, {"data", std::move(data)}, {"model", model->get_string()}};
    if (options.embedding_usage)
      answer["usage"] = json::object{{"prompt_tokens", total}, {"total_tokens", total}};
    counters.embedding_inputs += inputs.size();
    Reply r;
    r.body = json::serialize(answer);
    if (fault == Fault::invalid_json_body) r.body = "{\"object\": \"list\", \"data\": [";
    r.delay_s = options.latency_s;
    if (fault == Fault::reset_mid_body) {
      r.reset_mid_body = true;
      ++counters.failed;
    }
    if (fault == Fault::stall) r.delay_s = options.stall_s;
    return r;
  }

  static std::string batch_status(const StoredBatch& b, Clock::time_point now, double step) {
    double age = std::chrono::duration<double>(now - b.created).count();
    if (age < step) return "validating";
    if (age < 2 * step) return "in_progress";
    if (age < 3 * step) return "finalizing";
    return "completed";
  }

  json::object batch_json(StoredBatch& b, Clock::time_point now) {
    std::string status = batch_status(b, now, options.batch_step_s);
    if (status == "completed" && !b.processed) process_batch(b);
    json::object o{{"id", b.id},
                   {"object", "batch"},
                   {"endpoint", b.endpoint},
                   {"errors", nullptr},
                   {"input_file_id", b.input_file_id},
                   {"completion_window", "24h"},
                   {"status", status},
                   {"output_file_id", b.output_file_id.empty() ? json::value(nullptr) : json::value(b.output_file_id)},
                   {"error_file_id", b.error_file_id.empty() ? json::value(nullptr) : json::value(b.error_file_id)},
                   {"created_at", 1764250000},
                   {"request_counts", json::object{{"total", b.total},
                                                   {"completed", status == "completed" ? b.completed : 0},
                                                   {"failed", status == "completed" ? b.failed : 0}}}};
    return o;
  }

  void process_batch(StoredBatch& b) {
    b.processed = true;
    const std::string& input = files[b.input_file_id].content;
    std::string out, err;
    std::size_t pos = 0;
    while (pos < input.size()) {
      std::size_t nl = input.find('\n', pos);
      std::string line = input.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? input.size() : nl + 1;
      if (line.empty()) continue;
      ++b.total;
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      std::string custom_id;
      if (!ec && v.is_object()) {
        if (auto* c = v.as_object().if_contains("custom_id"); c && c->is_string())
          custom_id = std::string(c->get_string());
      }
      if (ec || !v.is_object() || !v.as_object().contains("body")) {
        ++b.failed;
        err += json::serialize(json::object{
                   {"id", new_id("batch_req_")}, {"custom_id", custom_id}, {"response", nullptr},
                   {"error", json::object{{"code", "invalid_request"}, {"message", "bad input line"}}}}) +
               "\n";
        continue;
      }
      std::map<std::string, std::string> headers;
      if (!options.api_key.empty()) headers["authorization"] = "Bearer " + options.api_key;
      Reply r = chat(v.as_object().at("body").as_object(), headers, true);
      boost::system::error_code pec;
      json::value body = json::parse(r.body, pec);
      json::object line_out{{"id", new_id("batch_req_")},
                            {"custom_id", custom_id},
                            {"response", json::object{{"status_code", r.status},
                                                      {"request_id", new_id("req_")},
                                                      {"body", pec ? json::value(r.body) : body}}},
                            {"error", nullptr}};
      if (r.status == 200) {
        ++b.completed;
        out += json::serialize(line_out) + "\n";
      } else {
        ++b.failed;
        err += json::serialize(line_out) + "\n";
      }
    }
    if (!out.empty()) {
      std::string id = new_id("file-out-");
      files[id] = {id, "batch_output", "output.jsonl", out};
      b.output_file_id = id;
    }
    if (!err.empty()) {
      std::string id = new_id("file-err-");
      files[id] = {id, "batch_output", "errors.jsonl", err};
      b.error_file_id = id;
    }
  }

  // Minimal multipart/form-data reader: the "purpose" field and the "file" part.
  static bool parse_multipart(const std::string& content_type, const std::string& body,
                              std::string& purpose, std::string& filename, std::string& file) {
    auto bpos = content_type.find("boundary=");
    if (bpos == std::string::npos) return false;
    std::string boundary = "--" + content_type.substr(bpos + 9);
    if (!boundary.empty() && boundary.back() == '"') boundary.pop_back();
    if (boundary.size() > 2 && boundary[2] == '"') boundary.erase(2, 1);
    std::size_t pos = body.find(boundary);
    bool got_file = false;
    while (pos != std::string::npos) {
      pos += boundary.size();
      if (body.compare(pos, 2, "--") == 0) break;
      pos += 2;  // CRLF
      std::size_t header_end = body.find("\r\n\r\n", pos);
      if (header_end == std::string::npos) return false;
      std::string part_headers = body.substr(pos, header_end - pos);
      std::size_t data_start = header_end + 4;
      std::size_t next = body.find("\r\n" + boundary, data_start);
      if (next == std::string::npos) return false;
      std::string data = body.substr(data_start, next - data_start);
      if (part_headers.find("name=\"purpose\"") != std::string::npos) purpose = data;
      if (part_headers.find("name=\"file\"") != std::string::npos) {
        file = data;
        got_file = true;
        auto fpos = part_headers.find("filename=\"");
        if (fpos != std::string::npos) {
          auto fend = part_headers.find('"', fpos + 10);
          filename = part_headers.substr(fpos + 10, fend - fpos - 10);
        }
      }
      pos = next + 2;
    }
    return got_file;
  }

  Reply route(const http::request<http::string_body>& req, bool& is_chat) {
    std::lock_guard lock(mu);
    ++counters.http_requests;
    last_headers.clear();
    std::map<std::string, std::string> headers;
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      headers[name] = std::string(f.value());
    }
    last_headers = headers;
    std::string target(req.target());
    if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
    if (target.rfind("/v1", 0) == 0) target.erase(0, 3);
    auto now = Clock::now();
    if (!options.api_key.empty() && target != "/chat/completions") {
      auto it = headers.find("authorization");
      if (it == headers.end() || it->second != "Bearer " + options.api_key)
        return error_reply(401, "Incorrect API key provided.", "invalid_request_error",
                           "invalid_api_key");
    }
    if (req.method() == http::verb::post && target == "/chat/completions") {
      is_chat = true;
      if (bodies.size() >= 64) bodies.pop_front();
      bodies.push_back(req.body());
      boost::system::error_code ec;
      json::value v = json::parse(req.body(), ec);
      if (ec || !v.is_object())
        return error_reply(400, "We could not parse the JSON body of your request.",
                           "invalid_request_error", nullptr);
      return chat(v.as_object(), headers, false);
    }
    if (req.method() == http::verb::post && target == "/embeddings") {
      is_chat = true;  // counted like chat requests (in progress, failures)
      if (embedding_bodies.size() >= 64) embedding_bodies.pop_front();
      embedding_bodies.push_back(req.body());
      boost::system::error_code ec;
      json::value v = json::parse(req.body(), ec);
      if (ec || !v.is_object())
        return error_reply(400, "We could not parse the JSON body of your request.",
                           "invalid_request_error", nullptr);
      return embeddings(v.as_object());
    }
    if (req.method() == http::verb::post && target == "/files") {
      std::string purpose, filename, content;
      if (!parse_multipart(headers["content-type"], req.body(), purpose, filename, content))
        return error_reply(400, "Expected multipart/form-data with a 'file' part.",
                           "invalid_request_error", nullptr, "file");
      if (purpose != "batch")
        return error_reply(400, "Invalid purpose '" + purpose + "'.", "invalid_request_error",
                           nullptr, "purpose");
      ++counters.files_uploaded;
      std::string id = new_id("file-in-");
      files[id] = {id, purpose, filename, content};
      Reply r;
      r.body = json::serialize(json::object{{"id", id}, {"object", "file"},
                                            {"bytes", content.size()}, {"created_at", 1764250000},
                                            {"filename", filename}, {"purpose", purpose},
                                            {"status", "processed"}});
      return r;
    }
    if (req.method() == http::verb::post && target == "/batches") {
      boost::system::error_code ec;
      json::value v = json::parse(req.body(), ec);
      if (ec || !v.is_object())
        return error_reply(400, "Invalid JSON body.", "invalid_request_error", nullptr);
      auto& o = v.as_object();
      std::string input = o.contains("input_file_id") && o["input_file_id"].is_string()
                              ? std::string(o["input_file_id"].get_string()) : "";
      std::string endpoint = o.contains("endpoint") && o["endpoint"].is_string()
                                 ? std::string(o["endpoint"].get_string()) : "";
      std::string window_s = o.contains("completion_window") && o["completion_window"].is_string()
                                 ? std::string(o["completion_window"].get_string()) : "";
      if (!files.count(input))
        return error_reply(404, "No such File object: " + input, "invalid_request_error", nullptr,
                           "input_file_id");
      if (endpoint != "/v1/chat/completions" || window_s != "24h")
        return error_reply(400, "Invalid endpoint or completion_window.", "invalid_request_error",
                           nullptr);
      ++counters.batches_created;
      StoredBatch b;
      b.id = new_id("batch_");
      b.input_file_id = input;
      b.endpoint = endpoint;
      b.created = now;
      auto& stored = batches[b.id] = b;
      Reply r;
      r.body = json::serialize(batch_json(stored, now));
      return r;
    }
    if (req.method() == http::verb::get && target.rfind("/batches/", 0) == 0) {
      std::string id = target.substr(9);
      auto it = batches.find(id);
      if (it == batches.end())
        return error_reply(404, "No batch found with id '" + id + "'.", "invalid_request_error",
                           nullptr);
      ++counters.batch_polls;
      Reply r;
      r.body = json::serialize(batch_json(it->second, now));
      return r;
    }
    if (req.method() == http::verb::get && target.rfind("/files/", 0) == 0 &&
        target.size() > 15 && target.compare(target.size() - 8, 8, "/content") == 0) {
      std::string id = target.substr(7, target.size() - 15);
      auto it = files.find(id);
      if (it == files.end())
        return error_reply(404, "No such File object: " + id, "invalid_request_error", nullptr);
      Reply r;
      r.content_type = "application/octet-stream";
      r.body = it->second.content;
      return r;
    }
    if (req.method() == http::verb::get && target == "/models") {
      Reply r;
      r.body = R"({"object":"list","data":[{"id":"loopback-model","object":"model","owned_by":"doctown"}]})";
      return r;
    }
    if (target == "/redirect") {
      // For the HTTP client's redirect tests: a relative Location on the same host.
      Reply r;
      r.status = 302;
      r.headers.emplace_back("location", "/v1/models");
      r.body = "{}";
      return r;
    }
    return error_reply(404, "Unknown endpoint " + target, "invalid_request_error", nullptr);
  }

  // Pipe bytes one way until either side closes (for CONNECT tunnels).
  static asio::awaitable<void> pipe(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
    std::array<char, 16384> buf;
    for (;;) {
      auto [ec, n] = co_await from->async_read_some(asio::buffer(buf), use_tuple);
      if (ec) break;
      auto [wec, wn] = co_await asio::async_write(*to, asio::buffer(buf.data(), n), use_tuple);
      (void)wn;
      if (wec) break;
    }
    boost::system::error_code ignored;
    to->shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Act as an HTTP proxy for one CONNECT request: connect upstream, answer 200, tunnel.
  asio::awaitable<void> tunnel(beast::tcp_stream& stream, const std::string& target) {
    auto colon = target.rfind(':');
    auto upstream = std::make_shared<tcp::socket>(stream.get_executor());
    tcp::resolver resolver(stream.get_executor());
    auto [rec, eps] = co_await resolver.async_resolve(target.substr(0, colon),
                                                      target.substr(colon + 1), use_tuple);
    boost::system::error_code cec = rec;
    if (!rec) std::tie(cec, std::ignore) = co_await asio::async_connect(*upstream, eps, use_tuple);
    std::string answer = cec ? "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"
                             : "HTTP/1.1 200 Connection established\r\n\r\n";
    co_await asio::async_write(stream.socket(), asio::buffer(answer), use_tuple);
    if (cec) co_return;
    {
      std::lock_guard lock(mu);
      ++counters.proxy_tunnels;
    }
    auto client = std::make_shared<tcp::socket>(stream.release_socket());
    asio::co_spawn(io, pipe(upstream, client), [](std::exception_ptr) {});
    co_await pipe(client, upstream);
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, bool may_tunnel) {
    beast::flat_buffer buffer;
    auto& lowest = beast::get_lowest_layer(stream);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(std::size_t{512} << 20);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
      (void)n;
      if (ec) break;
      auto req = parser.release();
      if (req.method() == http::verb::connect) {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
          if (may_tunnel) co_await tunnel(stream, std::string(req.target()));
        }
        co_return;
      }
      bool is_chat = false;
      Reply reply = route(req, is_chat);
      if (is_chat) {
        std::lock_guard lock(mu);
        ++in_progress;
        counters.max_concurrent = std::max(counters.max_concurrent, in_progress);
      }
      if (reply.delay_s > 0) {
        asio::steady_timer timer(stream.get_executor());
        timer.expires_after(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(reply.delay_s)));
        co_await timer.async_wait(use_tuple);
      }
      if (is_chat) {
        std::lock_guard lock(mu);
        --in_progress;
        if (reply.status != 200 && reply.status != 429) ++counters.failed;
      }
      if (reply.reset_mid_body) {
        std::string partial = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(reply.body.size()) + "\r\n\r\n" +
                              reply.body.substr(0, reply.body.size() / 3);
        co_await asio::async_write(stream, asio::buffer(partial), use_tuple);
        boost::system::error_code ignored;
        lowest.socket().set_option(asio::socket_base::linger(true, 0), ignored);
        lowest.socket().close(ignored);
        co_return;
      }
      http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
      res.set(http::field::content_type, reply.content_type);
      res.set(http::field::server, "doctown-loopback");
      for (const auto& [k, v] : reply.headers) res.set(k, v);
      res.body() = std::move(reply.body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
      (void)wn;
      if (wec || !res.keep_alive()) break;
    }
    boost::system::error_code ignored;
    lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  asio::awaitable<void> session(std::shared_ptr<tcp::socket> socket) {
    beast::tcp_stream plain(std::move(*socket));
    if (!tls) {
      co_await serve(plain, true);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(plain), *tls);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (hec) {
      std::lock_guard lock(mu);
      ++counters.tls_handshake_failures;
      co_return;
    }
    co_await serve(stream, false);
  }

  // A throwaway self-signed certificate (P-256) for 127.0.0.1/localhost, or for `san`.
  void make_tls(const std::string& san) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("doctown loopback"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
      X509_add_ext(cert, ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(cert, key, EVP_sha256());
    auto pem = [](auto write) {
      BIO* bio = BIO_new(BIO_s_mem());
      write(bio);
      char* data = nullptr;
      long len = BIO_get_mem_data(bio, &data);
      std::string out(data, static_cast<std::size_t>(len));
      BIO_free(bio);
      return out;
    };
    cert_pem = pem([&](BIO* b) { PEM_write_bio_X509(b, cert); });
    std::string key_pem =
        pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
    X509_free(cert);
    EVP_PKEY_free(key);
    tls.emplace(ssl::context::tls_server);
    tls->use_certificate_chain(asio::buffer(cert_pem));
    tls->use_private_key(asio::buffer(key_pem), ssl::context::pem);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(io);
      auto [ec] = co_await acceptor.async_accept(*socket, use_tuple);
      if (ec) co_return;
      {
        std::lock_guard lock(mu);
        ++counters.connections;
      }
      asio::co_spawn(io, session(socket), [](std::exception_ptr) {});
    }
  }
};

LoopbackOpenAiServer::LoopbackOpenAiServer(LoopbackOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  if (impl_->options.tls) {
    impl_->make_tls(impl_->options.tls_san);
    impl_->ca_path = std::filesystem::temp_directory_path() /
                     ("doctown-loopback-ca-" + std::to_string(::getpid()) + "-" +
                      std::to_string(impl_->port) + ".pem");
    std::ofstream(impl_->ca_path) << impl_->cert_pem;
  }
  asio::co_spawn(impl_->io, impl_->accept_loop(), [](std::exception_ptr) {});
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

LoopbackOpenAiServer::~LoopbackOpenAiServer() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  if (!impl_->ca_path.empty()) {
    std::error_code ec;
    std::filesystem::remove(impl_->ca_path, ec);
  }
}

std::string LoopbackOpenAiServer::base_url() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" +
         std::to_string(impl_->port) + "/v1";
}
std::string LoopbackOpenAiServer::ca_file() const { return impl_->ca_path.string(); }
unsigned short LoopbackOpenAiServer::port() const { return impl_->port; }

void LoopbackOpenAiServer::script(std::vector<Fault> faults) {
  std::lock_guard lock(impl_->mu);
  impl_->script.assign(faults.begin(), faults.end());
}

void LoopbackOpenAiServer::set_fault_fn(
    std::function<Fault(std::size_t, const std::vector<std::string>&)> fn) {
  std::lock_guard lock(impl_->mu);
  impl_->fault_fn = std::move(fn);
}

void LoopbackOpenAiServer::set_known_ids(std::vector<std::string> ids) {
  std::lock_guard lock(impl_->mu);
  // Longest first, so that an id that prefixes another never steals its match.
  std::sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  impl_->known_ids = std::move(ids);
}

void LoopbackOpenAiServer::set_limits(double rpm, double tpm) {
  std::lock_guard lock(impl_->mu);
  impl_->options.rpm = rpm;
  impl_->options.tpm = tpm;
}

LoopbackCounters LoopbackOpenAiServer::counters() const {
  std::lock_guard lock(impl_->mu);
  return impl_->counters;
}

std::vector<std::string> LoopbackOpenAiServer::chat_bodies() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->bodies.begin(), impl_->bodies.end()};
}

void LoopbackOpenAiServer::script_embeddings(std::vector<Fault> faults) {
  std::lock_guard lock(impl_->mu);
  impl_->embedding_script.assign(faults.begin(), faults.end());
}

std::vector<std::string> LoopbackOpenAiServer::embedding_bodies() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->embedding_bodies.begin(), impl_->embedding_bodies.end()};
}

std::vector<float> LoopbackOpenAiServer::embedding_of(std::string_view text, std::size_t dims) {
  std::vector<float> v(dims, 0.0f);
  if (dims == 0) return v;
  auto add_word = [&](const std::string& w) {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (unsigned char c : w) h = (h ^ c) * 1099511628211ULL;
    v[h % dims] += (h >> 63) ? -1.0f : 1.0f;
  };
  std::string word;
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '_') {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      add_word(word);
      word.clear();
    }
  }
  if (!word.empty()) add_word(word);
  // A constant component keeps every vector non-zero, and a scale that is not 1 lets tests
  // see that clients normalise.
  v[0] += 0.5f;
  for (float& x : v) x *= 3.0f;
  return v;
}

std::map<std::string, std::string> LoopbackOpenAiServer::last_headers() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_headers;
}

}  // namespace doctown::test
