// RunContext helpers: build events and hand them to the sink, if any.
#include "doctown/progress.hpp"

namespace doctown {
namespace {
void emit(const RunContext& ctx, ProgressEvent ev) {
  if (ctx.progress) ctx.progress->on_event(ev);
}
}  // namespace

void RunContext::stage_started(std::string_view stage, std::size_t total) const {
  emit(*this, {ProgressEvent::Type::stage_started, std::string(stage), 0, total, {}, {}});
}
void RunContext::stage_finished(std::string_view stage) const {
  emit(*this, {ProgressEvent::Type::stage_finished, std::string(stage), 0, 0, {}, {}});
}
void RunContext::item_done(std::string_view stage, std::size_t done, std::size_t total) const {
  emit(*this, {ProgressEvent::Type::item_done, std::string(stage), done, total, {}, {}});
}
void RunContext::note(std::string_view stage, std::string_view message) const {
  emit(*this, {ProgressEvent::Type::note, std::string(stage), 0, 0, std::string(message), {}});
}
void RunContext::diagnostic(std::string_view stage, Diagnostic::Severity severity,
                            std::string_view message) const {
  emit(*this, {ProgressEvent::Type::diagnostic, std::string(stage), 0, 0, std::string(message),
               severity});
}

}  // namespace doctown
