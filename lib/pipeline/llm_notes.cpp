// What the LLM client learns about the model's answers, kept in the cache for the next run:
// the completion tokens its answers take per output token the planner reserves (one ratio for
// all requests, and per symbol kind). A run that starts from them right-sizes
// max_completion_tokens from its first request instead of reserving the planner's ceiling
// until answers come back. The notes' one mapping to and from text is here.
#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "llm/output_model.hpp"
#include "pipeline/steps.hpp"

namespace doctown::detail {

namespace {

std::string output_ratio_key(const std::string& model) { return "llm.output_ratio/" + model; }
std::string learned_output_key(const std::string& model) { return "llm.output_by_kind/" + model; }

// {"kinds":[{"kind":"function","answers":43,"mean":0.47,"spread":0.03},...]}; nullopt when
// the text is not that (a cache folder may come with the analysed repository: untrusted).
std::optional<std::vector<LearnedOutput>> parse_learned_output(const std::string& text) {
  namespace json = boost::json;
  constexpr std::size_t most_kinds = 64;
  if (text.size() > 16384) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* kinds = v.get_object().if_contains("kinds");
  if (!kinds || !kinds->is_array() || kinds->get_array().size() > most_kinds) return std::nullopt;
  std::vector<LearnedOutput> out;
  for (const auto& k : kinds->get_array()) {
    const auto* o = k.if_object();
    if (!o) return std::nullopt;
    const auto* kind = o->if_contains("kind");
    const auto* answers = o->if_contains("answers");
    const auto* mean = o->if_contains("mean");
    const auto* spread = o->if_contains("spread");
    if (!kind || !kind->is_string() || !answers || !answers->is_int64() || !mean ||
        !mean->is_number() || !spread || !spread->is_number())
      return std::nullopt;
    if (answers->get_int64() <= 0) return std::nullopt;
    LearnedOutput e{std::string(kind->get_string()), static_cast<std::size_t>(answers->get_int64()),
                    mean->to_number<double>(), spread->to_number<double>()};
    if (!OutputModel::plausible(e)) return std::nullopt;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

double read_output_ratio(DocCache& cache, const std::string& model, const RunContext& ctx) {
  const std::string key = output_ratio_key(model);
  auto note = cache.get_note(key);
  if (!note) {
    ctx.diagnostic("cache", Diagnostic::Severity::warning, note.error().what());
    return 0;
  }
  if (!*note) return 0;
  // The cache folder may come with the analysed repository: the text is untrusted.
  const std::string& text = **note;
  double ratio = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ratio);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(ratio) ||
      ratio <= 0 || ratio > 100) {
    ctx.diagnostic("cache", Diagnostic::Severity::warning,
                   "the cache note " + key +
                       " is not a token ratio; ignored (this run learns it again)");
    return 0;
  }
  return ratio;
}

void keep_output_ratio(DocCache& cache, const std::string& model, double ratio,
                       const RunContext& ctx) {
  if (!std::isfinite(ratio) || ratio <= 0) return;  // nothing learned
  char text[32];
  auto [end, ec] = std::to_chars(text, text + sizeof text, ratio);
  if (ec != std::errc()) return;
  // A lost note costs the next run its head start, nothing more: reported, not fatal.
  if (auto r = cache.put_note(output_ratio_key(model), std::string(text, end)); !r)
    ctx.diagnostic("cache", Diagnostic::Severity::warning, r.error().what());
}

std::vector<LearnedOutput> read_learned_output(DocCache& cache, const std::string& model,
                                               const RunContext& ctx) {
  const std::string key = learned_output_key(model);
  auto note = cache.get_note(key);
  if (!note) {
    ctx.diagnostic("cache", Diagnostic::Severity::warning, note.error().what());
    return {};
  }
  if (!*note) return {};
  auto learned = parse_learned_output(**note);
  if (!learned) {
    ctx.diagnostic("cache", Diagnostic::Severity::warning,
                   "the cache note " + key +
                       " is not what answers of each symbol kind took; ignored (this run learns it again)");
    return {};
  }
  return std::move(*learned);
}

void keep_learned_output(DocCache& cache, const std::string& model,
                         const std::vector<LearnedOutput>& learned, const RunContext& ctx) {
  namespace json = boost::json;
  if (learned.empty()) return;  // nothing learned
  json::array kinds;
  for (const auto& e : learned)
    kinds.push_back(json::object{{"kind", e.kind},
                                 {"answers", static_cast<std::int64_t>(e.answers)},
                                 {"mean", e.mean},
                                 {"spread", e.spread}});
  std::string text = json::serialize(json::object{{"kinds", std::move(kinds)}});
  if (auto r = cache.put_note(learned_output_key(model), text); !r)
    ctx.diagnostic("cache", Diagnostic::Severity::warning, r.error().what());
}

}  // namespace doctown::detail
