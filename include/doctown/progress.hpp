// Progress reporting and cancellation: the library never prints, it reports to a sink.
#pragma once

#include <cstddef>
#include <stop_token>
#include <string>
#include <string_view>

#include "doctown/types.hpp"

namespace doctown {

/// One event of a run. Sinks are called on the thread that runs the pipeline.
struct ProgressEvent {
  enum class Type { stage_started, stage_finished, item_done, diagnostic, note };
  Type type = Type::note;
  std::string stage;    ///< "analyze", "embed", "graph", "score", "plan", "llm", "write"
  std::size_t done = 0;   ///< items done so far (item_done)
  std::size_t total = 0;  ///< items in the stage, 0 when unknown
  std::string message;    ///< human-readable text (notes, diagnostics)
  Diagnostic::Severity severity = Diagnostic::Severity::note;
};

/// Receives progress events. Implementations need not be thread-safe: events are delivered
/// on the calling thread of the pipeline.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void on_event(const ProgressEvent& event) = 0;
};

/// Passed to every stage: where to report, and when to stop.
struct RunContext {
  ProgressSink* progress = nullptr;  ///< may be null: no reporting
  std::stop_token stop;              ///< stop requested: finish in-flight work, start no new work

  bool stop_requested() const noexcept { return stop.stop_requested(); }
  void stage_started(std::string_view stage, std::size_t total = 0) const;
  void stage_finished(std::string_view stage) const;
  void item_done(std::string_view stage, std::size_t done, std::size_t total) const;
  void note(std::string_view stage, std::string_view message) const;
  void diagnostic(std::string_view stage, Diagnostic::Severity severity,
                  std::string_view message) const;
};

}  // namespace doctown
