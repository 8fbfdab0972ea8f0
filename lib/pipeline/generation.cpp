// Generation, the one step that spends money: waves x cache x slices. The cache key is taken
// per wave (it includes the summaries of earlier waves), hits never reach the LLM, and what the
// LLM finishes is stored as soon as it arrives, so an interrupted run loses nothing it paid for.
#include <algorithm>
#include <map>
#include <span>

#include "core/file_util.hpp"
#include "pipeline/steps.hpp"

namespace doctown::detail {

RunStats& operator+=(RunStats& s, const LlmOutcome& o) {
  s.requests += o.requests;
  s.retries += o.retries;
  s.rate_limited += o.rate_limited;
  s.tokens.input += o.tokens.input;
  s.tokens.cached += o.tokens.cached;
  s.tokens.output += o.tokens.output;
  s.cost_usd += o.cost_usd;
  return s;
}

namespace {

// The LLM client counts items per call (one call per slice); this sink turns its counts into
// the run's overall progress so a bar moves once from 0 to the total.
class WaveProgress final : public ProgressSink {
 public:
  WaveProgress(ProgressSink* inner, std::size_t offset, std::size_t total)
      : inner_(inner), offset_(offset), total_(total) {}
  void on_event(const ProgressEvent& ev) override {
    if (!inner_) return;
    if (ev.type == ProgressEvent::Type::item_done && ev.stage == "llm") {
      ProgressEvent e = ev;
      e.done = std::min(offset_ + ev.done, total_);
      e.total = total_;
      inner_->on_event(e);
      return;
    }
    inner_->on_event(ev);
  }

 private:
  ProgressSink* inner_;
  std::size_t offset_;
  std::size_t total_;
};

class Generation {
 public:
  Generation(const Config& cfg, const Analysed& a, BatchPlanner& planner, LlmClient& llm,
             DocCache* cache, BuildResult& out, const RunContext& ctx)
      : cfg_(cfg), planner_(planner), llm_(llm), cache_(cache), out_(out), ctx_(ctx),
        input_{&a.codebase, &a.graph, &a.embeddings, a.selected, &out.docs},
        regroup_{&a.codebase, &a.graph, &a.embeddings, a.selected, &out.docs, false},
        backend_(llm.name()), total_(a.selected.size()) {}

  result<void> run() {
    std::vector<std::vector<std::string>> waves = planner_.waves(input_);
    for (std::size_t w = 0; w < waves.size() && !out_.fatal; ++w) {
      if (ctx_.stop_requested()) {
        out_.cancelled = true;
        break;
      }
      auto pending = take_cached(waves[w]);
      if (!pending) return std::move(pending).error();
      ctx_.item_done("llm", finished_, total_);
      if (pending->empty()) continue;
      after_ = 0;
      for (std::size_t later = w + 1; later < waves.size(); ++later) after_ += waves[later].size();
      auto go_on = run_slices(w, *pending);
      if (!go_on) return std::move(go_on).error();
      if (!*go_on) break;
    }
    return {};
  }

 private:
  std::string cache_key(const std::string& id) const {
    return sha256_hex(backend_ + "\n" + planner_.fingerprint(input_, id));
  }

  // Keys of one wave, then its cache hits as docs; returns the ids still to write.
  result<std::vector<std::string>> take_cached(const std::vector<std::string>& wave) {
    keys_.clear();
    std::vector<std::string> pending;
    // All keys first: a cache hit adds a doc, which must not change its wave-mates' keys.
    if (cache_)
      for (const auto& id : wave) keys_[id] = cache_key(id);
    for (const auto& id : wave) {
      if (cache_ && !cfg_.output.refresh) {
        auto hit = cache_->get(keys_[id]);
        if (!hit) return std::move(hit).error();
        if (*hit) {
          SymbolDoc d = std::move(**hit);
          d.id = id;
          d.source = "cache";
          out_.docs[id] = std::move(d);
          ++out_.stats.cached;
          ++finished_;
          continue;
        }
      }
      pending.push_back(id);
    }
    return pending;
  }

  // Prompts are rendered a slice of the wave at a time, not for the whole wave: a wave of 40k
  // symbols would otherwise hold ~2,700 rendered prompts (hundreds of MB) before the first
  // request. A slice keeps 16 requests queued per request slot, so the client stays busy; the
  // Batch API takes the wave whole (one uploaded file per wave).
  std::size_t slice_size(std::size_t pending) const {
    if (cfg_.llm_options.mode == LlmMode::batch_api) return pending;
    const unsigned slots = cfg_.llm_options.server.concurrency;
    return std::size_t{slots ? slots : 64u} * 16 * std::max<std::size_t>(1, cfg_.planner.batch_size);
  }

  // Writes `pending` of wave `w`; false when the run must stop (cancelled or fatal).
  result<bool> run_slices(std::size_t w, const std::vector<std::string>& pending) {
    const std::size_t slice = slice_size(pending.size());
    for (std::size_t from = 0; from < pending.size(); from += slice) {
      std::span<const std::string> ids(pending.data() + from,
                                       std::min(slice, pending.size() - from));
      auto batches = planner_.plan_wave(input_, ids, w);
      if (!batches) return std::move(batches).error();
      LlmJob job;
      job.batches = std::move(*batches);
      job.codebase = input_.codebase;
      job.graph = input_.graph;
      // The client sizes its follow-ups, halves and re-balanced groups itself: packed as
      // given, not spread again.
      job.rebatch = [this, w](std::span<const std::string> r) {
        return planner_.plan_wave(regroup_, r, w);
      };
      job.max_batch_symbols = cfg_.planner.batch_size;
      job.symbols_after = after_ + (pending.size() - from - ids.size());
      job.on_docs = [this](std::span<const SymbolDoc> ds) { store(ds); };
      WaveProgress wave_progress(ctx_.progress, finished_, total_);
      LlmOutcome o = llm_.run(job, RunContext{&wave_progress, ctx_.stop});
      out_.stats += o;
      if (cache_) {
        keep_output_ratio(*cache_, cfg_.llm_options.model, o.output_ratio, ctx_);
        keep_learned_output(*cache_, cfg_.llm_options.model, o.learned_output, ctx_);
      }
      finished_ += o.docs.size() + o.failures.size();
      for (auto& d : o.docs) out_.docs[d.id] = std::move(d);
      for (auto& f : o.failures) out_.failures.push_back(std::move(f));
      if (o.fatal) {
        if (o.fatal->code == errc::cancelled) out_.cancelled = true;
        else out_.fatal = std::move(o.fatal);
        return false;
      }
    }
    return true;
  }

  // Docs go into the cache as they arrive, not at the end of the run.
  void store(std::span<const SymbolDoc> ds) {
    if (!cache_ || ds.empty()) return;
    std::vector<std::pair<std::string, SymbolDoc>> entries;
    for (const auto& d : ds)
      if (auto k = keys_.find(d.id); k != keys_.end()) entries.emplace_back(k->second, d);
    // A failed cache write loses nothing of this run; it is reported and the run goes on.
    if (auto r = cache_->put(entries); !r)
      ctx_.diagnostic("cache", Diagnostic::Severity::warning, r.error().what());
  }

  const Config& cfg_;
  BatchPlanner& planner_;
  LlmClient& llm_;
  DocCache* cache_;
  BuildResult& out_;
  const RunContext& ctx_;
  PlanInput input_;
  PlanInput regroup_;  ///< input_ for the client's re-planning (spread = false)
  std::string backend_;
  std::size_t total_;
  std::size_t finished_ = 0;
  std::size_t after_ = 0;  ///< symbols of the waves after the current one
  std::map<std::string, std::string> keys_;  ///< the current wave's cache keys
};

}  // namespace

result<void> generate(const Config& cfg, const Analysed& a, BatchPlanner& planner, LlmClient& llm,
                      DocCache* cache, BuildResult& out, const RunContext& ctx) {
  StageTimer t(ctx, out.stats, "llm", a.selected.size());
  return Generation(cfg, a, planner, llm, cache, out, ctx).run();
}

}  // namespace doctown::detail
