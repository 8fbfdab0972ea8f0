// Model table: built-in limits and prices of OpenAI's chat models (USD per million tokens, as
// published on OpenAI's pricing page in 2025), extensible from JSON for other servers, and the
// cost formula shared by planning and accounting.
#include <algorithm>

#include "core/file_util.hpp"
#include "core/json_util.hpp"
#include "doctown/models.hpp"

namespace doctown {

ModelTable ModelTable::builtin() {
  ModelTable t;
  auto add = [&](std::string name, std::size_t ctx, std::size_t out, double in, double cached,
                 double output) {
    ModelInfo m;
    m.name = name;
    m.encoding = "o200k_base";
    m.context_window = ctx;
    m.max_output_tokens = out;
    m.input_per_mtok = in;
    m.cached_input_per_mtok = cached;
    m.output_per_mtok = output;
    t.models_[name] = m;
  };
  add("gpt-4o", 128000, 16384, 2.50, 1.25, 10.00);
  add("gpt-4o-mini", 128000, 16384, 0.15, 0.075, 0.60);
  add("gpt-4.1", 1047576, 32768, 2.00, 0.50, 8.00);
  add("gpt-4.1-mini", 1047576, 32768, 0.40, 0.10, 1.60);
  add("gpt-4.1-nano", 1047576, 32768, 0.10, 0.025, 0.40);
  add("gpt-5", 400000, 128000, 1.25, 0.125, 10.00);
  add("gpt-5-mini", 400000, 128000, 0.25, 0.025, 2.00);
  add("gpt-5-nano", 400000, 128000, 0.05, 0.005, 0.40);
  add("o3", 200000, 100000, 2.00, 0.50, 8.00);
  add("o4-mini", 200000, 100000, 1.10, 0.275, 4.40);
  return t;
}

result<void> ModelTable::load_json(std::string_view text, std::string_view origin) {
  auto parsed = detail::parse_json(text, origin);
  if (!parsed) return std::move(parsed).error();
  const boost::json::array* list = nullptr;
  if (parsed->is_array()) {
    list = &parsed->get_array();
  } else if (parsed->is_object()) {
    if (auto* m = parsed->get_object().if_contains("models"); m && m->is_array())
      list = &m->get_array();
  }
  if (!list)
    return fail(errc::parse_error,
                "model table must be a JSON array of models or {\"models\": [...]}",
                std::string(origin));
  std::map<std::string, ModelInfo> added;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& v = (*list)[i];
    std::string where = std::string(origin) + ": models[" + std::to_string(i) + "]";
    if (!v.is_object()) return fail(errc::parse_error, "each model must be an object", where);
    const auto& o = v.get_object();
    ModelInfo m;
    m.name = detail::json_string(o, "name");
    if (m.name.empty()) return fail(errc::parse_error, "a model needs a \"name\"", where);
    m.encoding = detail::json_string(o, "encoding", "o200k_base");
    if (m.encoding != "o200k_base" && m.encoding != "cl100k_base")
      return fail(errc::parse_error,
                  "\"encoding\" must be o200k_base or cl100k_base, not \"" + m.encoding + "\"",
                  where);
    long long ctx = detail::json_int(o, "context_window", 8192);
    long long out = detail::json_int(o, "max_output_tokens", 4096);
    if (ctx <= 0 || out <= 0 || out > ctx)
      return fail(errc::parse_error,
                  "context_window and max_output_tokens must be positive, output ≤ context",
                  where);
    m.context_window = static_cast<std::size_t>(ctx);
    m.max_output_tokens = static_cast<std::size_t>(out);
    m.input_per_mtok = detail::json_double(o, "input_per_mtok", 0);
    m.cached_input_per_mtok = detail::json_double(o, "cached_input_per_mtok", m.input_per_mtok);
    m.output_per_mtok = detail::json_double(o, "output_per_mtok", 0);
    if (m.input_per_mtok < 0 || m.cached_input_per_mtok < 0 || m.output_per_mtok < 0)
      return fail(errc::parse_error, "prices must not be negative", where);
    added[m.name] = m;
  }
  // All or nothing: a bad entry leaves the table as it was.
  for (auto& [name, m] : added) models_[name] = m;
  return {};
}

result<void> ModelTable::load_json_file(const std::filesystem::path& path) {
  auto text = detail::read_file(path);
  if (!text) return std::move(text).error();
  return load_json(*text, path.string());
}

ModelInfo ModelTable::lookup(std::string_view model) const {
  if (auto it = models_.find(std::string(model)); it != models_.end()) return it->second;
  // Dated snapshots ("gpt-4o-2024-08-06") take the longest known name followed by '-'.
  const ModelInfo* best = nullptr;
  for (const auto& [name, info] : models_) {
    if (model.size() > name.size() && model.substr(0, name.size()) == name &&
        model[name.size()] == '-' && (!best || name.size() > best->name.size()))
      best = &info;
  }
  if (best) {
    ModelInfo m = *best;
    m.name = std::string(model);
    return m;
  }
  // Unknown (a local server's model): limits small enough for llama.cpp/Ollama defaults and
  // no price, flagged so callers can say so.
  ModelInfo m;
  m.name = std::string(model);
  m.context_window = 8192;
  m.max_output_tokens = 4096;
  m.known = false;
  return m;
}

double cost_usd(const ModelInfo& model, const TokenUsage& usage, bool batch_api) {
  std::uint64_t cached = std::min(usage.cached, usage.input);
  double cost = static_cast<double>(usage.input - cached) * model.input_per_mtok +
                static_cast<double>(cached) * model.cached_input_per_mtok +
                static_cast<double>(usage.output) * model.output_per_mtok;
  cost /= 1e6;
  return batch_api ? cost / 2 : cost;
}

}  // namespace doctown
