// Private: what an OpenAI-compatible server's error answer means, and keeping keys out of the
// messages built from it. Every client of such a server (chat completions, the Batch API,
// embeddings) reads error bodies and statuses through these, so a 429 or a 401 means the same
// thing in every stage, and a key the server echoes back never reaches a log.
#pragma once

#include <string>
#include <string_view>

namespace doctown::net {

/// The server's error message from an error body ({"error":{"message"}} or {"error":"..."}),
/// else the body's first 300 characters on one line; at most 500 characters. Anything that
/// looks like an API key is masked (mask_secrets).
std::string server_error_message(std::string_view body, std::string_view api_key);
/// `error.code` of an error body, empty when absent.
std::string server_error_code(std::string_view body);

/// Replace the key (when it has 4 characters or more) and any "sk-..." token in `text` by
/// "sk-***" / "***", so that a key echoed in full or in part is not shown.
std::string mask_secrets(std::string text, std::string_view api_key);

/// What a final HTTP status asks the client to do.
enum class StatusClass {
  ok,            ///< 2xx: read the answer
  unauthorized,  ///< 401/403: the key or the model's access is wrong; retrying cannot help
  no_quota,      ///< 429 with code insufficient_quota: the account is out of credit
  rate_limited,  ///< other 429: wait as long as retry-after asks (or back off), then retry
  transient,     ///< 408, 409, 5xx: back off and retry
  rejected,      ///< any other status: the request itself is wrong
};

/// Classify a status; `body` is read only for a 429 (its error code).
StatusClass classify_status(int status, std::string_view body);

}  // namespace doctown::net
