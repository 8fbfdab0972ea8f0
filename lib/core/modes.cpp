// The one table of mode names (see doctown/modes.hpp).
#include "doctown/modes.hpp"

#include <array>
#include <string>

namespace doctown {

namespace {

constexpr std::array kBackends{LlmBackend::automatic, LlmBackend::offline, LlmBackend::openai};
constexpr std::array kEmbedders{EmbedderKind::local, EmbedderKind::remote};
constexpr std::array kFormats{OutputFormat::docpack, OutputFormat::markdown, OutputFormat::html};

// Looks `name` up among `values`; the error lists them in order ("a, b or c").
template <class E, std::size_t N>
result<E> parse(std::string_view name, const std::array<E, N>& values, std::string_view what) {
  std::string known;
  for (std::size_t i = 0; i < N; ++i) {
    if (to_string(values[i]) == name) return values[i];
    known += i == 0 ? "" : i + 1 == N ? " or " : ", ";
    known += to_string(values[i]);
  }
  return fail(errc::invalid_argument,
              "unknown " + std::string(what) + " '" + std::string(name) + "'; use " + known,
              std::string(name));
}

}  // namespace

std::string_view to_string(LlmBackend v) noexcept {
  switch (v) {
    case LlmBackend::automatic: return "auto";
    case LlmBackend::offline: return "offline";
    case LlmBackend::openai: return "openai";
  }
  return "offline";
}

std::string_view to_string(EmbedderKind v) noexcept {
  switch (v) {
    case EmbedderKind::local: return "local";
    case EmbedderKind::remote: return "remote";
  }
  return "local";
}

std::string_view to_string(OutputFormat v) noexcept {
  switch (v) {
    case OutputFormat::docpack: return "docpack";
    case OutputFormat::markdown: return "markdown";
    case OutputFormat::html: return "html";
  }
  return "docpack";
}

std::span<const LlmBackend> all_llm_backends() noexcept { return kBackends; }
std::span<const EmbedderKind> all_embedder_kinds() noexcept { return kEmbedders; }
std::span<const OutputFormat> all_output_formats() noexcept { return kFormats; }

result<LlmBackend> parse_llm_backend(std::string_view name) {
  return parse(name, kBackends, "LLM backend");
}
result<EmbedderKind> parse_embedder_kind(std::string_view name) {
  return parse(name, kEmbedders, "embedder");
}
result<OutputFormat> parse_output_format(std::string_view name) {
  return parse(name, kFormats, "output format");
}

}  // namespace doctown
