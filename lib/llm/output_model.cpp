#include "llm/output_model.hpp"

#include <algorithm>
#include <cmath>

namespace doctown::detail {

void OutputModel::Stat::add(double r) {
  ++n;
  double d = r - mean;
  mean += d / static_cast<double>(n);
  m2 += d * (r - mean);
}

double OutputModel::Stat::spread() const {
  // The sample variance, pulled toward an assumed spread as if prior_weight answers had
  // shown it: a few answers can look uniform by chance, many cannot.
  double assumed = prior_spread * mean;
  double sum_sq = prior_weight * assumed * assumed + m2;
  return std::sqrt(sum_sq / (prior_weight + static_cast<double>(n > 0 ? n - 1 : 0)));
}

void OutputModel::observe(SymbolKind kind, double prior, double tokens) {
  if (!(prior > 0) || !std::isfinite(tokens) || tokens < 0) return;
  double r = tokens / prior;
  kinds_[static_cast<std::size_t>(kind)].add(r);
  all_.add(r);
}

std::size_t OutputModel::stat_of(SymbolKind kind) const {
  std::size_t k = static_cast<std::size_t>(kind);
  return kinds_[k].n >= min_kind_samples ? k : pooled;
}

std::optional<double> OutputModel::reserve(std::span<const Item> items) const {
  if (all_.n < min_samples || items.empty()) return std::nullopt;
  // Two sources of error: each symbol's own spread (independent, so it grows as the square
  // root of the request) and the error of each learned mean, which every symbol of that kind
  // shares (so it grows with the request): spread² / n per kind, times its prior total squared.
  double expected = 0, variance = 0;
  std::array<double, kind_count> prior_of{};
  for (const auto& it : items) {
    std::size_t k = stat_of(it.kind);
    const Stat& s = k == pooled ? all_ : kinds_[k];
    double sd = s.spread() * it.prior;
    expected += s.mean * it.prior;
    variance += sd * sd;
    prior_of[k] += it.prior;
  }
  for (std::size_t k = 0; k < kind_count; ++k) {
    if (prior_of[k] <= 0) continue;
    const Stat& s = k == pooled ? all_ : kinds_[k];
    double sd = s.spread() * prior_of[k];
    variance += sd * sd / static_cast<double>(s.n);
  }
  return (expected + z * std::sqrt(variance)) * boost_;
}

bool OutputModel::plausible(const LearnedOutput& e) {
  return e.answers > 0 && std::isfinite(e.mean) && e.mean > 0 && e.mean <= 100 &&
         std::isfinite(e.spread) && e.spread >= 0 && e.spread <= 100 &&
         (e.kind == "*" || symbol_kind_from_string(e.kind));
}

void OutputModel::seed(std::span<const LearnedOutput> learned) {
  for (const auto& e : learned) {
    if (!plausible(e)) continue;
    Stat& s = e.kind == "*" ? all_ : kinds_[static_cast<std::size_t>(*symbol_kind_from_string(e.kind))];
    s.n = std::min(e.answers, max_seed_answers);
    s.mean = e.mean;
    s.m2 = e.spread * e.spread * static_cast<double>(s.n - 1);
  }
}

std::vector<LearnedOutput> OutputModel::learned() const {
  std::vector<LearnedOutput> out;
  auto entry = [](std::string kind, const Stat& s) {
    double sd = s.n > 1 ? std::sqrt(s.m2 / static_cast<double>(s.n - 1)) : 0;
    return LearnedOutput{std::move(kind), s.n, s.mean, sd};
  };
  if (all_.n == 0) return out;
  out.push_back(entry("*", all_));
  for (std::size_t k = 0; k < kinds_.size(); ++k)
    if (kinds_[k].n > 0)
      out.push_back(entry(std::string(to_string(static_cast<SymbolKind>(k))), kinds_[k]));
  return out;
}

}  // namespace doctown::detail
