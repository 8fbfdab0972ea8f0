// How many completion tokens a request's answer will take, learned per symbol kind from the
// answers of this run. The planner's estimate per symbol (its prior: kind, parameters, size)
// is a guess made before any answer; the model learns, per kind, the ratio of what answers
// actually took to that prior and how much it varies, and reserves for a request the expected
// total plus a few standard deviations. Symbols vary independently, so the relative headroom
// shrinks as a request grows (a 15-symbol request needs far less than a 2-symbol one), where
// one ratio for every request would have to cover the most verbose small answer.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "doctown/llm_client.hpp"
#include "doctown/types.hpp"

namespace doctown::detail {

class OutputModel {
 public:
  /// One symbol of an answer (not cut) took `tokens` completion tokens; the planner's prior
  /// for it was `prior`.
  void observe(SymbolKind kind, double prior, double tokens);
  /// An answer was cut at its reservation: every later reservation gets half as much again.
  void on_cut() { boost_ *= 1.5; }
  /// A symbol to reserve for: its kind and the planner's prior.
  struct Item {
    SymbolKind kind;
    double prior;
  };
  /// Completion tokens to reserve for a request of these symbols: the expected total plus
  /// `z` standard deviations, with a floor on the spread; nullopt until enough answers of
  /// the request's kinds (or of all kinds) have been seen.
  std::optional<double> reserve(std::span<const Item> items) const;
  /// Answers seen (an earlier run's included).
  std::size_t samples() const { return all_.n; }
  /// Start from what an earlier run learned (kind "*" = all kinds pooled); entries that make
  /// no sense are skipped, each counts as at most max_seed_answers answers.
  void seed(std::span<const LearnedOutput> learned);
  /// An earlier run's entry makes sense: a known kind (or "*"), answers, a finite mean in
  /// (0, 100] and a finite spread in [0, 100]. Also how the pipeline vets its cache note.
  static bool plausible(const LearnedOutput& entry);
  /// What it has learned, for a later run: "*" first, then each kind seen.
  std::vector<LearnedOutput> learned() const;

  /// Standard deviations of headroom: with normal spreads, 1 request in ~750 is cut.
  static constexpr double z = 3;
  /// Relative spread per symbol assumed before answers show it (a model's answers to like
  /// symbols often differ by a quarter), and how many answers' worth that assumption weighs.
  static constexpr double prior_spread = 0.25;
  static constexpr double prior_weight = 5;
  /// Samples of a kind before its own figures are used (the pooled ones until then).
  static constexpr std::size_t min_kind_samples = 4;
  /// Samples overall before the model reserves at all.
  static constexpr std::size_t min_samples = 6;
  /// Most answers an earlier run's figures count as (the model or the code may have changed).
  static constexpr std::size_t max_seed_answers = 30;

 private:
  struct Stat {  // Welford's running mean and variance of tokens / prior
    std::size_t n = 0;
    double mean = 0;
    double m2 = 0;
    void add(double r);
    double spread() const;  // standard deviation of the ratio
  };
  // One slot per kind and one more for the pooled figures (a kind seen too little).
  static constexpr std::size_t kind_count = static_cast<std::size_t>(SymbolKind::other) + 2;
  static constexpr std::size_t pooled = kind_count - 1;
  std::size_t stat_of(SymbolKind kind) const;  // the kind's slot, or pooled
  std::array<Stat, kind_count - 1> kinds_{};
  Stat all_;
  double boost_ = 1;
};

}  // namespace doctown::detail
