// Private: the Chat Completions wire format as the OpenAI-compatible client speaks it. Builds
// request bodies, reads completion envelopes, and turns the model's content into SymbolDocs,
// validating each entry against the request's JSON schema. Pure functions, no I/O.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/batch_planner.hpp"
#include "doctown/error.hpp"
#include "doctown/types.hpp"

namespace doctown::detail {

/// How the answer format is requested.
enum class ResponseFormat { json_schema, json_object };

/// Settings that shape every request body; the fallbacks flip them at run time.
struct ChatSettings {
  std::string model;
  double temperature = 0.2;
  long long seed = -1;           ///< < 0: not sent
  bool use_max_tokens = false;   ///< send max_tokens instead of max_completion_tokens
  ResponseFormat format = ResponseFormat::json_schema;
};

/// The agreed answer schema ({"symbols":[{id, summary, ...}]}) as JSON text.
const std::string& default_response_schema();

/// JSON body of POST /chat/completions for one batch.
std::string build_chat_body(const Batch& batch, const ChatSettings& settings);
/// The same body as a JSON value (for Batch API lines).
boost::json::object build_chat_object(const Batch& batch, const ChatSettings& settings);

/// What a completion envelope says.
struct ChatAnswer {
  std::string finish_reason;
  std::optional<std::string> content;  ///< nullopt when null/absent
  std::string refusal;                 ///< non-empty when the model refused
  TokenUsage usage;
};

/// Read a chat.completion body. Fails with parse_error when it is not JSON or has no choices.
result<ChatAnswer> parse_chat_completion(std::string_view body);
/// Usage of a completion body even when the rest is unusable (0s when absent).
TokenUsage parse_usage(const boost::json::value& body);

/// Docs read from the model's content.
struct ParsedDocs {
  std::vector<SymbolDoc> docs;  ///< valid entries, in answer order (duplicates kept)
  /// Entries that failed validation: (id or "" when unknown, what was wrong).
  std::vector<std::pair<std::string, std::string>> invalid;
  /// Every entry with an id, valid or not: (id, characters of the entry as serialized), for
  /// sharing the answer's completion tokens out among its symbols.
  std::vector<std::pair<std::string, std::size_t>> entry_chars;
};

/// Parse content as {"symbols":[...]} and validate each entry against `schema` (the request's
/// schema, null = the agreed one). Fails with parse_error when the content is not JSON or the
/// top level does not match.
result<ParsedDocs> parse_symbol_docs(std::string_view content, const boost::json::value& schema);

/// One line of a Batch API output or error file.
struct BatchResultLine {
  std::string custom_id;
  bool has_response = false;  ///< a response object is present (else the request itself failed)
  int status_code = 0;        ///< response.status_code, 0 when absent
  std::string body;           ///< response.body as text (an object body is serialized)
  std::string error_message;  ///< error.message when there is no response
};

/// Read one line of a Batch API result file; nullopt when it is not a JSON object.
std::optional<BatchResultLine> parse_batch_result_line(std::string_view line);

/// Check `v` against a JSON schema subset (type, properties, required, additionalProperties,
/// items, enum, minItems). Returns the first problem as "path: what", or empty when valid.
std::string validate_json(const boost::json::value& v, const boost::json::value& schema,
                          const std::string& path = "$");

}  // namespace doctown::detail
