// The pipeline: composes the stages from a Config and runs them in order. It owns the run's
// bookkeeping: timing per stage, the cache lookups and commits around the LLM stage, dependency
// waves (docs of wave k feed the prompts of wave k+1), and writing whatever finished even when
// the run is cancelled or the LLM stage stops it.
#include "doctown/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "core/file_util.hpp"
#include "output/dir_util.hpp"
#include "doctown/verify.hpp"

namespace doctown {

namespace fs = std::filesystem;

namespace {
// Everything computed before the LLM stage; shared by plan() and build().
struct Analysed {
  Codebase codebase;
  FileRoles roles;  // decided once, after analysis
  EmbeddingMatrix embeddings;
  Graph graph;
  std::vector<DocScore> scores;
  std::vector<std::string> selected;
};
}  // namespace

struct Pipeline::Impl {
  Config config;
  std::unique_ptr<Analyzer> analyzer;
  std::unique_ptr<Embedder> embedder;
  std::unique_ptr<GraphBuilder> graph_builder;
  std::unique_ptr<DocScorer> doc_scorer;
  std::unique_ptr<BatchPlanner> planner;  // created on first use: needs the tokenizer files
  std::shared_ptr<const Tokenizer> tokenizer;
  std::unique_ptr<LlmClient> llm;
  std::vector<std::unique_ptr<Writer>> writers;
  ModelTable models = ModelTable::builtin();

  result<BatchPlanner*> get_planner() {
    if (planner) return planner.get();
    // The model decides the encoding unless the caller picked one explicitly.
    TokenizerOptions topt = config.tokenizer;
    if (topt.encoding.empty() || topt.encoding == TokenizerOptions{}.encoding) {
      ModelInfo m = models.lookup(config.planner.model);
      topt.encoding = m.known ? m.encoding : encoding_for_model(config.planner.model);
    }
    auto tok = load_tokenizer(topt);
    if (!tok) return std::move(tok).error();
    tokenizer = *tok;
    auto p = make_batch_planner(config.planner, tokenizer, models);
    if (!p) return std::move(p).error();
    planner = std::move(*p);
    return planner.get();
  }

  result<Codebase> analyze(std::string_view source, const RunContext& ctx);
  result<Analysed> run_analysis(std::string_view source, const RunContext& ctx, RunStats& stats);
};

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Times a stage and reports its start and end (unless the stage reports them itself).
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

// The LLM client counts items per call (one call per wave); this sink turns its counts into
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

result<void> validate(const Config& c) {
  static const std::set<std::string> kFormats = {"docpack", "markdown", "html"};
  for (const auto& f : c.output.formats)
    if (!kFormats.count(f))
      return fail(errc::invalid_argument,
                  "unknown output format '" + f + "'; use docpack, markdown or html", "--formats");
  if (c.llm != "offline" && c.llm != "openai")
    return fail(errc::invalid_argument, "unknown LLM backend '" + c.llm + "'; use offline or openai",
                "--llm");
  if (c.embedder != "local" && c.embedder != "remote")
    return fail(errc::invalid_argument,
                "unknown embedder '" + c.embedder + "'; use local or remote", "embedder");
  if (c.output.out_dir.empty())
    return fail(errc::invalid_argument, "the output folder must not be empty", "--output");
  return {};
}

}  // namespace

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

result<Pipeline> Pipeline::create(Config config) {
  if (auto v = validate(config); !v) return std::move(v).error();
  auto impl = std::make_unique<Impl>();
  if (!config.models_file.empty()) {
    if (auto r = impl->models.load_json_file(config.models_file); !r) return std::move(r).error();
  }
  // Our outputs are never inputs: `doctown build .` twice must not document the first run's
  // pages, cache or extracted archives.
  for (const auto& d : {config.output.out_dir, config.output.cache_dir, config.source.work_dir,
                        fs::path(config.llm_options.state_dir)})
    if (!d.empty()) config.analyzer.skip_dirs.push_back(d);
  auto analyzer = make_default_analyzer(config.analyzer);
  if (!analyzer) return std::move(analyzer).error();
  impl->analyzer = std::move(*analyzer);

  auto embedder = config.embedder == "remote" ? make_remote_embedder(config.remote_embedder)
                                              : make_local_embedder(config.local_embedder);
  if (!embedder) return std::move(embedder).error();
  impl->embedder = std::move(*embedder);

  auto graph = make_graph_builder(config.graph);
  if (!graph) return std::move(graph).error();
  impl->graph_builder = std::move(*graph);

  auto scorer = make_doc_scorer(config.doc_score);
  if (!scorer) return std::move(scorer).error();
  impl->doc_scorer = std::move(*scorer);

  // One model table prices the plan and the run (built-ins plus --models).
  config.llm_options.models = impl->models;
  auto llm = config.llm == "openai" ? make_openai_client(config.llm_options) : make_offline_writer();
  if (!llm) return std::move(llm).error();
  impl->llm = std::move(*llm);

  for (const auto& f : config.output.formats) {
    auto w = make_writer(f);
    if (!w) return std::move(w).error();
    impl->writers.push_back(std::move(*w));
  }
  impl->config = std::move(config);
  return Pipeline(std::move(impl));
}

void Pipeline::set_analyzer(std::unique_ptr<Analyzer> s) { impl_->analyzer = std::move(s); }
void Pipeline::set_embedder(std::unique_ptr<Embedder> s) { impl_->embedder = std::move(s); }
void Pipeline::set_graph_builder(std::unique_ptr<GraphBuilder> s) { impl_->graph_builder = std::move(s); }
void Pipeline::set_doc_scorer(std::unique_ptr<DocScorer> s) { impl_->doc_scorer = std::move(s); }
void Pipeline::set_batch_planner(std::unique_ptr<BatchPlanner> s) { impl_->planner = std::move(s); }
void Pipeline::set_llm_client(std::unique_ptr<LlmClient> s) { impl_->llm = std::move(s); }
void Pipeline::add_writer(std::unique_ptr<Writer> s) { impl_->writers.push_back(std::move(s)); }
const Config& Pipeline::config() const { return impl_->config; }

result<Codebase> Pipeline::analyze(std::string_view source, const RunContext& ctx) {
  return impl_->analyze(source, ctx);
}

result<Codebase> Pipeline::Impl::analyze(std::string_view source, const RunContext& ctx) {
  auto resolved = resolve_source(source, config.source, ctx);
  if (!resolved) return std::move(resolved).error();
  auto cb = analyzer->analyze(resolved->root, ctx);
  if (!cb) return std::move(cb).error();
  cb->source = resolved->info;
  if (cb->name.empty()) cb->name = resolved->root.filename().string();
  if (cb->name.empty() || cb->name == ".") cb->name = fs::absolute(resolved->root).lexically_normal().parent_path().filename().string();
  return cb;
}

namespace {

// An empty result is a bad input, not a success with empty outputs: say what was looked at
// and what was left out (warnings, skipped files), so the user knows what to change.
error nothing_to_document(const Codebase& cb) {
  std::string why = cb.files.empty()
                        ? "it holds no file doctown reads (C/C++ through libclang, other "
                          "languages through universal-ctags, Markdown and reStructuredText)"
                        : "its " + std::to_string(cb.files.size()) +
                              " source file(s) declare no symbols";
  std::size_t skipped = 0;
  for (const auto& d : cb.diagnostics) {
    if (d.severity == Diagnostic::Severity::warning && d.file.empty()) why += "; " + d.message;
    if (!d.file.empty() && d.message.rfind("skipped", 0) == 0) ++skipped;
  }
  if (skipped)
    why += "; " + std::to_string(skipped) +
           " file(s) were skipped (`doctown analyze --json` lists them)";
  return fail(errc::not_found, "found nothing to document: " + why, cb.root);
}

}  // namespace

// Runs analyze → embed → graph → score, timing each stage into `stats`.
result<Analysed> Pipeline::Impl::run_analysis(std::string_view source, const RunContext& ctx,
                                              RunStats& stats) {
  Analysed a;
  Impl& impl = *this;
  {
    StageTimer t(ctx, stats, "analyze", 0, /*report=*/false);  // the analyzer reports itself
    auto cb = analyze(source, ctx);
    if (!cb) return std::move(cb).error();
    a.codebase = std::move(*cb);
  }
  if (ctx.stop_requested()) return fail(errc::cancelled, "run cancelled during analysis");
  if (a.codebase.symbols.empty()) return nothing_to_document(a.codebase);
  stats.symbols = a.codebase.symbols.size();
  a.roles = assign_file_roles(a.codebase);
  restrict_public_api(a.codebase, a.roles);
  {
    StageTimer t(ctx, stats, "embed", a.codebase.symbols.size());
    auto e = impl.embedder->embed(a.codebase, ctx);
    if (!e) return std::move(e).error();
    if (e->rows != a.codebase.symbols.size())
      return fail(errc::internal, "the embedder returned " + std::to_string(e->rows) +
                                      " rows for " + std::to_string(a.codebase.symbols.size()) +
                                      " symbols");
    a.embeddings = std::move(*e);
  }
  {
    StageTimer t(ctx, stats, "graph");
    auto g = impl.graph_builder->build(a.codebase, a.embeddings, ctx);
    if (!g) return std::move(g).error();
    a.graph = std::move(*g);
  }
  {
    StageTimer t(ctx, stats, "score");
    auto s = impl.doc_scorer->score(a.codebase, a.graph, a.embeddings, ctx);
    if (!s) return std::move(s).error();
    a.scores = std::move(*s);
    // Roles are applied after scoring, whatever the scorer: tests and third-party code stay
    // in the graph (usage, context) but are not documented unless asked for.
    apply_file_roles(a.codebase, a.roles, a.scores, config.roles);
  }
  for (const auto& s : a.scores)
    if (s.selected) a.selected.push_back(s.id);
  stats.selected = a.selected.size();
  return a;
}

result<PlanReport> Pipeline::plan(std::string_view source, const RunContext& ctx) {
  RunStats stats;
  auto a = impl_->run_analysis(source, ctx, stats);
  if (!a) return std::move(a).error();
  auto planner = impl_->get_planner();
  if (!planner) return std::move(planner).error();
  StageTimer t(ctx, stats, "plan");
  PlanInput input{&a->codebase, &a->graph, &a->embeddings, a->selected, nullptr};
  PlanReport report;
  report.symbols = a->codebase.symbols.size();
  report.selected = a->selected.size();
  report.roles = summarize_selection(a->codebase, a->roles, a->scores, impl_->config.roles);
  report.model = impl_->models.lookup(impl_->config.planner.model);
  if (!report.model.known)
    ctx.note("plan", "model '" + report.model.name +
                         "' is not in the model table: using conservative limits (8k context) "
                         "and no price; add it with --models FILE");
  auto p = (*planner)->plan(input);
  if (!p) return std::move(p).error();
  report.plan = std::move(*p);

  PlannerOptions single = impl_->config.planner;
  single.batch_size = 1;
  auto per_symbol_planner = make_batch_planner(single, impl_->tokenizer, impl_->models);
  if (!per_symbol_planner) return std::move(per_symbol_planner).error();
  auto ps = (*per_symbol_planner)->plan(input);
  if (!ps) return std::move(ps).error();
  report.per_symbol = std::move(*ps);

  auto upper_bound = [&](const Plan& plan, bool batch_api) {
    TokenUsage u{plan.input_tokens, 0, plan.max_output_tokens};
    return cost_usd(report.model, u, batch_api);
  };
  report.estimated_cost_usd = upper_bound(report.plan, false);
  report.estimated_batch_api_cost_usd = upper_bound(report.plan, true);
  report.per_symbol_cost_usd = upper_bound(report.per_symbol, false);
  return report;
}

result<BuildResult> Pipeline::build(std::string_view source, const RunContext& ctx) {
  auto start = Clock::now();
  const Config& cfg = impl_->config;
  BuildResult out;
  auto analysed = impl_->run_analysis(source, ctx, out.stats);
  if (!analysed) return std::move(analysed).error();
  Analysed& a = *analysed;

  auto planner_r = impl_->get_planner();
  if (!planner_r) return std::move(planner_r).error();
  BatchPlanner& planner = **planner_r;

  // One build at a time per output folder: a second one waits here, before the LLM stage, so it
  // finds the first one's docs in the cache instead of paying for them again, and the two never
  // swap folders under each other.
  auto out_lock = detail::lock_output_dir(
      cfg.output.out_dir,
      [&] {
        ctx.note("write", "waiting for another doctown build writing to " +
                              cfg.output.out_dir.string());
      },
      [&] { return ctx.stop_requested(); });
  if (!out_lock) return std::move(out_lock).error();

  std::unique_ptr<DocCache> cache;
  if (cfg.output.use_cache) {
    fs::path dir = cfg.output.cache_dir.empty() ? cfg.output.out_dir / ".doctown-cache"
                                                : cfg.output.cache_dir;
    auto c = open_sqlite_cache(dir, ctx);
    if (!c) return std::move(c).error();
    cache = std::move(*c);
  }

  std::map<std::string, SymbolDoc>& docs = out.docs;
  PlanInput input{&a.codebase, &a.graph, &a.embeddings, a.selected, &docs};
  const std::string backend = impl_->llm->name();
  auto cache_key = [&](const std::string& id) {
    return detail::sha256_hex(backend + "\n" + planner.fingerprint(input, id));
  };

  std::vector<std::vector<std::string>> waves = planner.waves(input);
  std::size_t total = a.selected.size(), finished = 0;
  if (cfg.llm == "offline" && !cfg.planner.language.empty() && cfg.planner.language != "en")
    ctx.note("llm", "--language " + cfg.planner.language +
                        ": the offline writer states facts in English only; use --llm openai "
                        "for prose in that language");
  {
    StageTimer t(ctx, out.stats, "llm", total);
    for (std::size_t w = 0; w < waves.size() && !out.fatal; ++w) {
      if (ctx.stop_requested()) {
        out.cancelled = true;
        break;
      }
      // Keys are taken now: they include the summaries of earlier waves.
      std::map<std::string, std::string> keys;
      std::vector<std::string> pending;
      // All keys first: a cache hit adds a doc, which must not change its wave-mates' keys.
      if (cache)
        for (const auto& id : waves[w]) keys[id] = cache_key(id);
      for (const auto& id : waves[w]) {
        if (cache && !cfg.output.refresh) {
          auto hit = cache->get(keys[id]);
          if (!hit) return std::move(hit).error();
          if (*hit) {
            SymbolDoc d = std::move(**hit);
            d.id = id;
            d.source = "cache";
            docs[id] = std::move(d);
            ++out.stats.cached;
            ++finished;
            continue;
          }
        }
        pending.push_back(id);
      }
      ctx.item_done("llm", finished, total);
      if (pending.empty()) continue;

      // Prompts are rendered a slice of the wave at a time, not for the whole wave: a wave of
      // 40k symbols would otherwise hold ~2,700 rendered prompts (hundreds of MB) before the
      // first request. A slice keeps 16 requests queued per request slot, so the client
      // stays busy; the Batch API takes the wave whole (one uploaded file per wave).
      const std::size_t slice =
          cfg.llm_options.mode == "batch_api"
              ? pending.size()
              : std::size_t{cfg.llm_options.concurrency ? cfg.llm_options.concurrency : 64u} * 16 *
                    std::max<std::size_t>(1, cfg.planner.batch_size);
      bool stop_run = false;
      for (std::size_t from = 0; from < pending.size() && !stop_run; from += slice) {
        std::span<const std::string> ids(pending.data() + from,
                                         std::min(slice, pending.size() - from));
        auto batches = planner.plan_wave(input, ids, w);
        if (!batches) return std::move(batches).error();
        LlmJob job;
        job.batches = std::move(*batches);
        job.codebase = &a.codebase;
        job.graph = &a.graph;
        job.rebatch = [&planner, &input, w](std::span<const std::string> r) {
          return planner.plan_wave(input, r, w);
        };
        job.on_docs = [&](std::span<const SymbolDoc> ds) {
          if (!cache || ds.empty()) return;
          std::vector<std::pair<std::string, SymbolDoc>> entries;
          for (const auto& d : ds)
            if (auto k = keys.find(d.id); k != keys.end()) entries.emplace_back(k->second, d);
          // A failed cache write loses nothing of this run; it is reported and the run goes on.
          if (auto r = cache->put(entries); !r)
            ctx.diagnostic("cache", Diagnostic::Severity::warning, r.error().what());
        };
        WaveProgress wave_progress(ctx.progress, finished, total);
        RunContext wave_ctx{&wave_progress, ctx.stop};
        LlmOutcome o = impl_->llm->run(job, wave_ctx);
        out.stats.requests += o.requests;
        out.stats.retries += o.retries;
        out.stats.rate_limited += o.rate_limited;
        out.stats.tokens.input += o.tokens.input;
        out.stats.tokens.cached += o.tokens.cached;
        out.stats.tokens.output += o.tokens.output;
        out.stats.cost_usd += o.cost_usd;
        finished += o.docs.size() + o.failures.size();
        for (auto& d : o.docs) docs[d.id] = std::move(d);
        for (auto& f : o.failures) out.failures.push_back(std::move(f));
        if (o.fatal) {
          if (o.fatal->code == errc::cancelled) out.cancelled = true;
          else out.fatal = std::move(o.fatal);
          stop_run = true;
        }
      }
      if (stop_run) break;
    }
  }
  // Every doc is checked against the facts. With --strict a doc with issues becomes a failure
  // (it stays in the outputs, marked, so the reader sees what was wrong).
  std::vector<VerifyResult> verification;
  std::size_t flagged = 0;
  {
    StageTimer t(ctx, out.stats, "verify", docs.size());
    verification = verify_docs(docs, a.codebase);
    out.verified_ratio = verified_ratio(verification);
    for (const auto& v : verification) {
      if (v.ok()) continue;
      ++flagged;
      if (cfg.output.strict) {
        std::string reason = "verification: " + v.issues.front().message;
        if (v.issues.size() > 1) reason += " (+" + std::to_string(v.issues.size() - 1) + " more)";
        out.failures.push_back({v.id, reason});
      }
    }
    if (flagged)
      ctx.note("verify", std::to_string(flagged) + " of " + std::to_string(docs.size()) +
                             " docs make claims the code does not support" +
                             (cfg.output.strict ? " (failures: --strict)" : " (see documentation.json)"));
  }
  // Under --strict a flagged doc counts as failed, not documented (its text stays in the
  // outputs beside its verification issues).
  out.stats.documented = docs.size() - (cfg.output.strict ? flagged : 0);
  out.stats.failed = out.failures.size();
  if (out.cancelled || (out.fatal && out.fatal->code == errc::limit_exceeded)) {
    // Selected symbols with neither a doc nor a failure were never attempted.
    std::set<std::string> failed_ids;
    for (const auto& f : out.failures) failed_ids.insert(f.id);
    for (const auto& id : a.selected)
      out.stats.not_started += !docs.count(id) && !failed_ids.count(id);
  }

  // Write what we have, even after a cancellation or a fatal LLM error: finished work is kept.
  {
    StageTimer t(ctx, out.stats, "write", impl_->writers.size());
    std::string name = detail::shorten_name(cfg.output.name.empty() ? a.codebase.name
                                                                     : cfg.output.name);
    DocSet set;
    set.codebase = &a.codebase;
    set.embeddings = &a.embeddings;
    set.graph = &a.graph;
    set.scores = &a.scores;
    set.docs = &docs;
    set.failures = &out.failures;
    out.stats.wall_s = seconds_since(start);
    set.stats = out.stats;
    set.llm_model = backend;
    set.llm_mode = cfg.llm == "offline" ? "offline" : cfg.llm_options.mode;
    // The offline writer writes English whatever was asked (a note says so at the start).
    set.language = cfg.llm == "offline" || cfg.planner.language.empty() ? "en" : cfg.planner.language;
    set.generated_at = detail::utc_now_iso8601();
    set.doc_scoring = cfg.doc_score;
    set.verification = &verification;
    set.roles = &a.roles;
    // Writers always run to the end, without the stop token: a Ctrl-C during the LLM stage
    // asked to keep what is finished, and a half-written output would lose it. Writing takes
    // seconds even for large codebases; a second Ctrl-C still ends the CLI at once.
    RunContext write_ctx{ctx.progress, std::stop_token{}};
    for (const auto& w : impl_->writers) {
      auto p = w->write(set, cfg.output.out_dir, name, write_ctx);
      if (!p) return std::move(p).error();
      if (w->format() == "docpack") out.docpack = *p;
      else if (w->format() == "markdown") out.markdown_dir = *p;
      else if (w->format() == "html") out.html_dir = *p;
    }
  }
  out.stats.wall_s = seconds_since(start);
  return out;
}

}  // namespace doctown
