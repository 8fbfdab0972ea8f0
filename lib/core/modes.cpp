// The one table of mode names (see doctown/modes.hpp). Each enum has one table pairing its
// values with their names; to_string, all_* and parse_* all read it, so adding a mode is one
// line and a name cannot be accepted by one function and unknown to another.
#include "doctown/modes.hpp"

#include <array>
#include <string>

namespace doctown {

namespace {

template <class E>
struct Named {
  E value;
  std::string_view name;
};

// One enum's names, what the enum is called in errors, and its values in declaration order.
template <class E, std::size_t N>
struct ModeTable {
  std::string_view what;
  std::array<Named<E>, N> names;

  constexpr std::array<E, N> values() const {
    std::array<E, N> v{};
    for (std::size_t i = 0; i < N; ++i) v[i] = names[i].value;
    return v;
  }
  constexpr std::string_view name_of(E v) const {
    for (const auto& n : names)
      if (n.value == v) return n.name;
    return "?";  // only reachable through a cast: every value is in its table
  }
  // The error names the value and lists every accepted name in order ("a, b or c").
  result<E> parse(std::string_view name) const {
    std::string known;
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i].name == name) return names[i].value;
      known += i == 0 ? "" : i + 1 == N ? " or " : ", ";
      known += names[i].name;
    }
    return fail(errc::invalid_argument,
                "unknown " + std::string(what) + " '" + std::string(name) + "'; use " + known,
                std::string(name));
  }
};

template <class E, std::size_t N>
ModeTable(std::string_view, std::array<Named<E>, N>) -> ModeTable<E, N>;

constexpr ModeTable kBackends{"LLM backend",
                              std::array{Named<LlmBackend>{LlmBackend::automatic, "auto"},
                                         Named<LlmBackend>{LlmBackend::offline, "offline"},
                                         Named<LlmBackend>{LlmBackend::openai, "openai"}}};
constexpr ModeTable kEmbedders{"embedder",
                               std::array{Named<EmbedderKind>{EmbedderKind::local, "local"},
                                          Named<EmbedderKind>{EmbedderKind::remote, "remote"}}};
constexpr ModeTable kFormats{"output format",
                             std::array{Named<OutputFormat>{OutputFormat::docpack, "docpack"},
                                        Named<OutputFormat>{OutputFormat::markdown, "markdown"},
                                        Named<OutputFormat>{OutputFormat::html, "html"}}};
constexpr ModeTable kLlmModes{"LLM mode", std::array{Named<LlmMode>{LlmMode::sync, "sync"},
                                                     Named<LlmMode>{LlmMode::batch_api, "batch_api"}}};
constexpr ModeTable kFallbacks{"Batch API fallback",
                               std::array{Named<BatchFallback>{BatchFallback::batch, "batch"},
                                          Named<BatchFallback>{BatchFallback::sync, "sync"}}};
constexpr ModeTable kResponseFormats{
    "response format",
    std::array{Named<ResponseFormat>{ResponseFormat::automatic, "auto"},
               Named<ResponseFormat>{ResponseFormat::json_schema, "json_schema"},
               Named<ResponseFormat>{ResponseFormat::json_object, "json_object"}}};

// The spans all_* return point at these.
constexpr auto kBackendValues = kBackends.values();
constexpr auto kEmbedderValues = kEmbedders.values();
constexpr auto kFormatValues = kFormats.values();
constexpr auto kLlmModeValues = kLlmModes.values();
constexpr auto kFallbackValues = kFallbacks.values();
constexpr auto kResponseFormatValues = kResponseFormats.values();

}  // namespace

std::string_view to_string(LlmBackend v) noexcept { return kBackends.name_of(v); }
std::string_view to_string(EmbedderKind v) noexcept { return kEmbedders.name_of(v); }
std::string_view to_string(OutputFormat v) noexcept { return kFormats.name_of(v); }
std::string_view to_string(LlmMode v) noexcept { return kLlmModes.name_of(v); }
std::string_view to_string(BatchFallback v) noexcept { return kFallbacks.name_of(v); }
std::string_view to_string(ResponseFormat v) noexcept { return kResponseFormats.name_of(v); }

std::span<const LlmBackend> all_llm_backends() noexcept { return kBackendValues; }
std::span<const EmbedderKind> all_embedder_kinds() noexcept { return kEmbedderValues; }
std::span<const OutputFormat> all_output_formats() noexcept { return kFormatValues; }
std::span<const LlmMode> all_llm_modes() noexcept { return kLlmModeValues; }
std::span<const BatchFallback> all_batch_fallbacks() noexcept { return kFallbackValues; }
std::span<const ResponseFormat> all_response_formats() noexcept { return kResponseFormatValues; }

result<LlmBackend> parse_llm_backend(std::string_view name) { return kBackends.parse(name); }
result<EmbedderKind> parse_embedder_kind(std::string_view name) { return kEmbedders.parse(name); }
result<OutputFormat> parse_output_format(std::string_view name) { return kFormats.parse(name); }
result<LlmMode> parse_llm_mode(std::string_view name) { return kLlmModes.parse(name); }
result<BatchFallback> parse_batch_fallback(std::string_view name) {
  return kFallbacks.parse(name);
}
result<ResponseFormat> parse_response_format(std::string_view name) {
  return kResponseFormats.parse(name);
}

}  // namespace doctown
