// What the LLM client learns about the model's answers, kept in the cache for the next run:
// the completion tokens its answers take per output token the planner reserves. A run that
// starts from it right-sizes max_completion_tokens from its first request instead of
// reserving the planner's ceiling until answers come back.
#include <charconv>
#include <cmath>

#include "pipeline/steps.hpp"

namespace doctown::detail {

namespace {

std::string output_ratio_key(const std::string& model) { return "llm.output_ratio/" + model; }

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

}  // namespace doctown::detail
