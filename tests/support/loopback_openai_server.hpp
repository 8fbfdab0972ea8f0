// An OpenAI-compatible server on 127.0.0.1 (ephemeral port), in process, for tests and the LLM
// benchmark: chat completions answering in the agreed symbols JSON, embeddings (hashed bag of
// words, so texts sharing words are close), a token-bucket RPM/TPM
// limiter with OpenAI's 429 body and x-ratelimit-* headers, scriptable faults, and the Batch API
// (files, batches moving through their statuses, output and error files). Optionally HTTPS
// with a throwaway certificate; the plain server also tunnels CONNECT like a proxy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/types.hpp"

namespace doctown::test {

/// What the server does to one chat request.
enum class Fault {
  none,
  status_400,        ///< invalid_request_error with a message
  status_401,        ///< invalid_api_key
  status_403,        ///< permission denied
  status_404,        ///< model not found
  status_429,        ///< rate_limit_exceeded with retry-after-ms
  status_500,
  status_502,
  status_503,
  reset_mid_body,    ///< status line + part of the body, then a TCP reset
  stall,             ///< hold the answer for `stall_s` (past the client's timeout)
  invalid_json_body, ///< HTTP 200 whose body is not JSON
  non_json_content,  ///< valid envelope, message content is prose
  drop_first_id,     ///< the answer leaves out the request's first id
  extra_id,          ///< the answer adds an id nobody asked for
  duplicate_id,      ///< the answer repeats the first id
  length,            ///< finish_reason "length" with a truncated content
  refusal,           ///< message.refusal set, content null
  invalid_entry,     ///< the first entry misses required fields
  // Embeddings only (a chat request treats them as none):
  embedding_wrong_dims,       ///< the last row of the answer is one value short
  embedding_duplicate_index,  ///< the last entry repeats the first entry's index
  embedding_base64,           ///< the first embedding comes as a base64 string
};

/// Behaviour of the server.
struct LoopbackOptions {
  /// Requests per window (token-bucket capacity, refilled continuously); 0 = unlimited.
  double rpm = 0;
  /// Tokens per window, counted as prompt tokens + max_completion_tokens; 0 = unlimited.
  double tpm = 0;
  /// Length of the rate window in seconds (60 = a real minute; tests scale it down).
  double window_s = 60;
  /// Reject requests over the limits with 429 (false: only count, to check a client's pacing).
  bool enforce = true;
  /// Send x-ratelimit-* headers on chat answers.
  bool rate_headers = true;
  /// Seconds before each chat answer.
  double latency_s = 0;
  /// Completion tokens generated per second (answer time = tokens / rate); 0 = instant.
  double output_tokens_per_s = 0;
  /// How long a `stall` fault holds the answer.
  double stall_s = 5;
  /// Bearer key required when non-empty.
  std::string api_key;
  /// Answer 400 to requests with max_completion_tokens (older servers).
  bool reject_max_completion_tokens = false;
  /// Answer 400 to response_format json_schema (servers without structured outputs).
  bool reject_json_schema = false;
  /// Seconds a Batch API batch spends in each status (validating, in_progress, finalizing).
  double batch_step_s = 0.05;
  /// Answers make false claims: a parameter that does not exist and an unknown identifier in
  /// backticks (what the verifier must catch).
  bool plant_false_claims = false;
  /// Words of padding per description (makes answers, hence output tokens, bigger).
  std::size_t description_words = 12;
  /// Prompt caching as OpenAI does it: the longest prompt prefix (system, then user) seen in an
  /// earlier request counts as cached, in 128-token steps from 1,024 tokens on.
  bool prompt_cache = true;
  /// Serve HTTPS with a fresh self-signed certificate (see ca_file()).
  bool tls = false;
  /// subjectAltName of that certificate.
  std::string tls_san = "IP:127.0.0.1,DNS:localhost";
  /// Dimensions of an embedding when the request has no `dimensions`.
  std::size_t embedding_dims = 64;
  /// Honour `dimensions` (false: ignore it, as some local servers do).
  bool honour_dimensions = true;
  /// Answer 400 to requests with `dimensions` (models without it, e.g. text-embedding-ada-002).
  bool reject_dimensions = false;
  /// Return `data` in a shuffled order (clients must place rows by `index`).
  bool shuffle_embeddings = false;
  /// Include `usage` in embedding answers (Ollama and some servers leave it out).
  bool embedding_usage = true;
  /// Per-input and per-request token limits of /embeddings (tokens = estimate_tokens); over
  /// them the answer is OpenAI's 400.
  std::size_t embedding_max_input_tokens = 8192;
  std::size_t embedding_max_request_tokens = 300000;
};

/// One chat request as the server saw it, for timelines in benchmarks.
struct LoopbackChatEvent {
  double at_s = 0;            ///< arrival, seconds since the first chat request
  double answer_s = 0;        ///< how long the answer was held (latency + generation)
  int status = 0;             ///< 200, 429, ...
  std::size_t ids = 0;        ///< symbols asked for
  std::uint64_t counted = 0;  ///< prompt + max_completion_tokens
  std::uint64_t completion = 0;  ///< completion tokens generated (200 only)
};

/// What the server saw. Snapshot taken under the server's lock.
struct LoopbackCounters {
  std::size_t http_requests = 0;   ///< every request, any endpoint
  std::size_t chat_requests = 0;   ///< POST /chat/completions
  std::size_t chat_ok = 0;         ///< answered 200 (any content)
  std::size_t rate_limited = 0;    ///< 429 answers
  std::size_t failed = 0;          ///< other non-200 answers and injected transport faults
  std::size_t connections = 0;     ///< TCP connections accepted
  std::size_t max_concurrent = 0;  ///< most chat requests in progress at once
  std::size_t max_window_requests = 0;    ///< most accepted requests inside one sliding window
  std::uint64_t max_window_tokens = 0;    ///< most counted tokens inside one sliding window
  std::size_t limit_violations = 0;  ///< requests that found a bucket short (enforce = false)
  double min_token_level = 1e300;    ///< lowest token-bucket level after a request
  double min_request_level = 1e300;  ///< lowest request-bucket level after a request
  std::uint64_t counted_tokens = 0;  ///< sum of prompt + max_completion_tokens accepted
  std::uint64_t reserved_output_tokens = 0;  ///< sum of max_completion_tokens accepted
  std::uint64_t max_completion_tokens = 0;   ///< longest single answer generated
  TokenUsage usage;                ///< sum of the usage fields of every answer sent
  std::map<std::string, std::size_t> answered;  ///< id → times it appeared in a 200 answer
  std::size_t files_uploaded = 0;
  std::size_t batches_created = 0;
  std::size_t batch_polls = 0;
  std::size_t batch_requests = 0;  ///< lines processed by batches
  std::size_t proxy_tunnels = 0;   ///< CONNECT tunnels opened (plain server only)
  std::size_t tls_handshake_failures = 0;
  std::size_t embedding_requests = 0;  ///< POST /embeddings (any answer)
  std::size_t embedding_inputs = 0;    ///< inputs of the embedding requests answered 200
  std::vector<LoopbackChatEvent> timeline;  ///< every chat request, in arrival order
};

/// Tokens the server charges for text: ceil(bytes / 4), OpenAI's rule of thumb.
std::size_t estimate_tokens(std::string_view text);
/// Prompt tokens the server reports for a [system, user] chat request.
std::size_t chat_prompt_tokens(std::string_view system, std::string_view user);

/// The server. Starts listening in the constructor; stops in the destructor.
class LoopbackOpenAiServer {
 public:
  explicit LoopbackOpenAiServer(LoopbackOptions options = {});
  ~LoopbackOpenAiServer();
  LoopbackOpenAiServer(const LoopbackOpenAiServer&) = delete;
  LoopbackOpenAiServer& operator=(const LoopbackOpenAiServer&) = delete;

  /// "http://127.0.0.1:<port>/v1" ("https://..." with tls). A plain server also acts as an
  /// HTTP CONNECT proxy: "http://127.0.0.1:<port>" as https_proxy.
  std::string base_url() const;
  /// PEM file of the TLS certificate (its own CA), empty without tls. Removed with the server.
  std::string ca_file() const;
  unsigned short port() const;
  /// Faults for the next chat requests (and Batch API lines), in arrival order.
  void script(std::vector<Fault> faults);
  /// Fault chosen per request from its arrival number (0-based) and the ids it asks for;
  /// consulted when the script is empty.
  void set_fault_fn(std::function<Fault(std::size_t n, const std::vector<std::string>& ids)> fn);
  /// Ids the server looks for in user prompts (whole-token matches). Without them it takes
  /// the ids from lines "id: <id>" of the user prompt.
  void set_known_ids(std::vector<std::string> ids);
  /// Change the limits while running.
  void set_limits(double rpm, double tpm);
  LoopbackCounters counters() const;
  /// Bodies of the chat requests received (most recent last, at most 64).
  std::vector<std::string> chat_bodies() const;
  /// Faults for the next embedding requests, in arrival order (chat has its own script).
  void script_embeddings(std::vector<Fault> faults);
  /// Bodies of the embedding requests received (most recent last, at most 64).
  std::vector<std::string> embedding_bodies() const;
  /// The embedding the server gives `text` at `dims` dimensions (not normalised): a signed
  /// hashed bag of its lower-cased words, so texts that share words are close.
  static std::vector<float> embedding_of(std::string_view text, std::size_t dims);
  /// Headers of the most recent request (names lower-cased).
  std::map<std::string, std::string> last_headers() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace doctown::test
