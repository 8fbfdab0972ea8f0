// Modes: the closed sets of choices a run offers (which LLM backend, which embedder, which
// output formats, how the chat client sends and asks), as enums with one parser and one
// spelling each. Every caller (the CLI's
// flags, make_writer, a config file) goes through these parsers, so the accepted names cannot
// drift apart.
#pragma once

#include <span>
#include <string_view>

#include "doctown/error.hpp"

namespace doctown {

/// Who writes the docs.
enum class LlmBackend {
  automatic,  ///< "auto": openai when a key or server is given, else offline (resolve_llm_backend)
  offline,    ///< "offline": facts stated plainly, no network
  openai,     ///< "openai": an OpenAI-compatible chat server
};
/// Which embedder places symbols in a vector space.
enum class EmbedderKind {
  local,   ///< "local": code-aware feature hashing, no download
  remote,  ///< "remote": an OpenAI-compatible /v1/embeddings server
};
/// An output a build writes.
enum class OutputFormat {
  docpack,   ///< "docpack": <out>/<name>.docpack
  markdown,  ///< "markdown": <out>/<name>/markdown/
  html,      ///< "html": <out>/<name>/html/
};
/// How the OpenAI-compatible client sends its requests.
enum class LlmMode {
  sync,       ///< "sync": chat completions, answered as they come
  batch_api,  ///< "batch_api": /v1/files + /v1/batches, 50% price, answered within 24 h
};
/// Where the Batch API's failed requests go.
enum class BatchFallback {
  batch,  ///< "batch": into a follow-up batch
  sync,   ///< "sync": to chat completions
};
/// How the client asks for JSON answers.
enum class ResponseFormat {
  automatic,    ///< "auto": json_schema, falling back to json_object when the server refuses it
  json_schema,  ///< "json_schema": structured outputs (strict schema)
  json_object,  ///< "json_object": JSON mode, the schema stated in the prompt
};

/// The name of a mode, as parsed below ("auto", "offline", "local", "markdown", ...).
std::string_view to_string(LlmBackend v) noexcept;
std::string_view to_string(EmbedderKind v) noexcept;
std::string_view to_string(OutputFormat v) noexcept;
std::string_view to_string(LlmMode v) noexcept;
std::string_view to_string(BatchFallback v) noexcept;
std::string_view to_string(ResponseFormat v) noexcept;

/// Every value of the enum, in declaration order (for help texts and loops).
std::span<const LlmBackend> all_llm_backends() noexcept;
std::span<const EmbedderKind> all_embedder_kinds() noexcept;
std::span<const OutputFormat> all_output_formats() noexcept;
std::span<const LlmMode> all_llm_modes() noexcept;
std::span<const BatchFallback> all_batch_fallbacks() noexcept;
std::span<const ResponseFormat> all_response_formats() noexcept;

/// Parse a mode from its name (exactly as to_string spells it). invalid_argument naming the
/// value and listing the accepted names otherwise.
result<LlmBackend> parse_llm_backend(std::string_view name);
result<EmbedderKind> parse_embedder_kind(std::string_view name);
result<OutputFormat> parse_output_format(std::string_view name);
result<LlmMode> parse_llm_mode(std::string_view name);
result<BatchFallback> parse_batch_fallback(std::string_view name);
result<ResponseFormat> parse_response_format(std::string_view name);

}  // namespace doctown
