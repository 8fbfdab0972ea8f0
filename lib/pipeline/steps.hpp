// The steps of Pipeline::build, so that build() reads as the run it is: analysis -> selection
// (Pipeline::Impl::run_analysis) -> generation -> verification -> writing. Each step takes
// plain values and adds its outcome to the BuildResult.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "doctown/pipeline.hpp"

namespace doctown::detail {

/// Everything computed before the LLM stage; shared by plan() and build().
struct Analysed {
  Codebase codebase;
  FileRoles roles;  ///< decided once, after analysis
  EmbeddingMatrix embeddings;
  Graph graph;
  std::vector<DocScore> scores;
  std::vector<std::string> selected;
};

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// Times a stage into RunStats::stage_seconds and reports its start and end (unless the
/// stage reports them itself).
class StageTimer {
 public:
  StageTimer(const RunContext& ctx, RunStats& stats, std::string name, std::size_t total = 0,
             bool report = true)
      : ctx_(ctx), stats_(stats), name_(std::move(name)), start_(Clock::now()), report_(report) {
    if (report_) ctx_.stage_started(name_, total);
  }
  ~StageTimer() {
    stats_.stage_seconds[name_] += seconds_since(start_);
    if (report_) ctx_.stage_finished(name_);
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  const RunContext& ctx_;
  RunStats& stats_;
  std::string name_;
  Clock::time_point start_;
  bool report_;
};

/// RunStats += one LLM call's counts (requests, retries, 429s, tokens, cost).
RunStats& operator+=(RunStats& stats, const LlmOutcome& outcome);

/// The completion tokens per planned output token an earlier run of `model` learned, from
/// the cache's notes; 0 when none is kept or the note is unreadable (warned about on `ctx`).
double read_output_ratio(DocCache& cache, const std::string& model, const RunContext& ctx);
/// Keep `ratio` (an LlmOutcome::output_ratio) for the next run of `model`; 0 keeps nothing.
/// A failed write is a warning on `ctx`.
void keep_output_ratio(DocCache& cache, const std::string& model, double ratio,
                       const RunContext& ctx);

/// What answers of each symbol kind took for `model` in an earlier run, from the cache's notes;
/// empty when none is kept or the note is unreadable (warned about on `ctx`).
std::vector<LearnedOutput> read_learned_output(DocCache& cache, const std::string& model,
                                               const RunContext& ctx);
/// Keep `learned` (an LlmOutcome::learned_output) for the next run of `model`; empty keeps
/// nothing. A failed write is a warning on `ctx`.
void keep_learned_output(DocCache& cache, const std::string& model,
                         const std::vector<LearnedOutput>& learned, const RunContext& ctx);

/// Generation: the selected symbols' docs, wave by wave (a wave's prompts hold the summaries
/// of earlier waves), each doc from the cache when it has one, the rest from `llm` a slice of
/// the wave at a time. Fills out.docs, out.failures, out.stats, out.cancelled and out.fatal;
/// an error only for a failing cache read or plan.
result<void> generate(const Config& cfg, const Analysed& a, BatchPlanner& planner, LlmClient& llm,
                      DocCache* cache, BuildResult& out, const RunContext& ctx);

}  // namespace doctown::detail
