// The pipeline: composes the stages from a Config and runs them in order. It owns the run's
// bookkeeping: timing per stage, the cache lookups and commits around the LLM stage, dependency
// waves (docs of wave k feed the prompts of wave k+1), and writing whatever finished even when
// the run is cancelled or the LLM stage stops it.
#include "doctown/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "core/file_util.hpp"
#include "output/staging/dir_util.hpp"
#include "doctown/verify.hpp"
#include "pipeline/steps.hpp"

namespace doctown {

namespace fs = std::filesystem;

using detail::Analysed;
using detail::Clock;
using detail::seconds_since;
using detail::StageTimer;

struct Pipeline::Impl {
  Config config;
  std::unique_ptr<Analyzer> analyzer;
  std::unique_ptr<Embedder> embedder;
  std::unique_ptr<GraphBuilder> graph_builder;
  std::unique_ptr<DocScorer> doc_scorer;
  std::unique_ptr<BatchPlanner> planner;  // created on first use: needs the tokenizer files
  std::shared_ptr<const Tokenizer> tokenizer;
  std::unique_ptr<LlmClient> llm;
  /// `llm` is the OpenAI client create() made and no build has used it yet (see seed_llm).
  bool llm_unseeded = false;
  std::vector<std::unique_ptr<Writer>> writers;

  // The run's one model: named by llm_options.model, described by llm_options.models (the
  // built-ins plus --models). The planner, the plan's estimate and the client all use it.
  ModelInfo model() const { return config.llm_options.models.lookup(config.llm_options.model); }

  result<BatchPlanner*> get_planner() {
    if (planner) return planner.get();
    // The model decides the encoding unless the caller picked one explicitly.
    TokenizerOptions topt = config.tokenizer;
    ModelInfo m = model();
    if (topt.encoding.empty() || topt.encoding == TokenizerOptions{}.encoding)
      topt.encoding = m.known ? m.encoding : encoding_for_model(m.name);
    auto tok = load_tokenizer(topt);
    if (!tok) return std::move(tok).error();
    tokenizer = *tok;
    PlannerOptions popt = config.planner;
    // With one request at a time, spreading a wave over requests only repeats the prompt.
    if (config.llm_options.server.concurrency == 1) popt.wave_requests = 1;
    auto p = make_batch_planner(std::move(popt), tokenizer, m);
    if (!p) return std::move(p).error();
    planner = std::move(*p);
    return planner.get();
  }

  // The client is made in create(), before the cache can be read (it is opened in build(),
  // under the output folder's lock), so it is remade here, once, with the answer size an
  // earlier run of the model learned: its first requests then reserve what answers take, not
  // the planner's ceiling. A caller's own ratio or client is kept; a client that ran keeps
  // what it learned.
  void seed_llm(DocCache& cache, const RunContext& ctx) {
    if (!llm_unseeded) return;
    llm_unseeded = false;
    LlmOptions o = config.llm_options;
    bool learned = false;
    if (o.learned_output_ratio <= 0) {
      o.learned_output_ratio = detail::read_output_ratio(cache, o.model, ctx);
      learned = o.learned_output_ratio > 0;
    }
    if (o.learned_output.empty()) {
      o.learned_output = detail::read_learned_output(cache, o.model, ctx);
      learned = learned || !o.learned_output.empty();
    }
    if (!learned) return;
    if (auto c = make_openai_client(std::move(o))) llm = std::move(*c);
  }

  result<Codebase> analyze(std::string_view source, const RunContext& ctx);
  result<Analysed> run_analysis(std::string_view source, const RunContext& ctx, RunStats& stats);
};

namespace {

// Modes are enums (doctown/modes.hpp): only what a type cannot say is checked here.
result<void> validate(const Config& c) {
  if (c.output.out_dir.empty())
    return fail(errc::invalid_argument, "the output folder must not be empty", "--output");
  return {};
}

// Defaults that depend on other options, resolved once so the CLI, the examples and any
// embedding program run the same pipeline from the same Config.
result<void> resolve_defaults(Config& config) {
  RunFolders folders = run_folders(config);
  config.output.cache_dir = folders.cache;
  config.llm_options.state_dir = folders.state.string();
  config.source.work_dir = folders.work;
  if (config.llm == LlmBackend::automatic) {
    // A caller that knows whether the user named the server resolves "auto" itself (the CLI
    // does, for OPENAI_BASE_URL); here a base URL other than the default counts as named.
    auto llm = resolve_llm_backend(config.llm, !config.llm_options.server.api_key.empty(),
                                   config.llm_options.server.base_url != ServerOptions{}.base_url);
    if (!llm) return std::move(llm).error();
    config.llm = *llm;
  }
  // OpenAI's embedding models count tokens with cl100k_base: with it the batches use the exact
  // per-request budget; other servers keep the embedder's byte-count bound (so a missing rank
  // file only loses precision, not the run).
  auto& re = config.remote_embedder;
  if (config.embedder == EmbedderKind::remote && !re.tokenizer) {
    TokenizerOptions t = config.tokenizer;
    t.encoding = embedding_encoding_for_model(re.model);
    if (!t.encoding.empty())
      if (auto tok = load_tokenizer(t)) re.tokenizer = *tok;
  }
  return {};
}

}  // namespace

RunFolders run_folders(const Config& c) {
  const fs::path& out = c.output.out_dir;
  RunFolders f;
  f.cache = c.output.cache_dir.empty() ? out / ".doctown-cache" : c.output.cache_dir;
  f.state = c.llm_options.state_dir.empty() ? out / ".doctown-state"
                                            : fs::path(c.llm_options.state_dir);
  f.work = c.source.work_dir == SourceOptions{}.work_dir ? out / ".doctown-work" : c.source.work_dir;
  return f;
}

result<LlmBackend> resolve_llm_backend(LlmBackend requested, bool has_api_key,
                                       bool has_server_url) {
  if (requested == LlmBackend::automatic)
    return has_api_key || has_server_url ? LlmBackend::openai : LlmBackend::offline;
  if (requested == LlmBackend::openai && !has_api_key && !has_server_url)
    return fail(errc::invalid_argument,
                "--llm openai needs OPENAI_API_KEY (environment or .env) or --base-url for a "
                "local server; or use --llm offline",
                "--llm");
  return requested;
}

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

result<Pipeline> Pipeline::create(Config config) {
  if (auto d = resolve_defaults(config); !d) return std::move(d).error();
  if (auto v = validate(config); !v) return std::move(v).error();
  auto impl = std::make_unique<Impl>();
  // One model table prices the plan and the run: the caller's (built-ins by default) plus
  // --models.
  if (!config.models_file.empty()) {
    if (auto r = config.llm_options.models.load_json_file(config.models_file); !r)
      return std::move(r).error();
  }
  // Our outputs are never inputs: `doctown build .` twice must not document the first run's
  // pages, cache or extracted archives.
  for (const auto& d : {config.output.out_dir, config.output.cache_dir, config.source.work_dir,
                        fs::path(config.llm_options.state_dir)})
    if (!d.empty()) config.analyzer.skip_dirs.push_back(d);
  auto analyzer = make_default_analyzer(config.analyzer);
  if (!analyzer) return std::move(analyzer).error();
  impl->analyzer = std::move(*analyzer);

  auto embedder = config.embedder == EmbedderKind::remote ? make_remote_embedder(config.remote_embedder)
                                              : make_local_embedder(config.local_embedder);
  if (!embedder) return std::move(embedder).error();
  impl->embedder = std::move(*embedder);

  auto graph = make_graph_builder(config.graph);
  if (!graph) return std::move(graph).error();
  impl->graph_builder = std::move(*graph);

  auto scorer = make_doc_scorer(config.doc_score);
  if (!scorer) return std::move(scorer).error();
  impl->doc_scorer = std::move(*scorer);

  auto llm = config.llm == LlmBackend::openai ? make_openai_client(config.llm_options) : make_offline_writer();
  if (!llm) return std::move(llm).error();
  impl->llm = std::move(*llm);
  impl->llm_unseeded = config.llm == LlmBackend::openai;

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
void Pipeline::set_llm_client(std::unique_ptr<LlmClient> s) {
  impl_->llm = std::move(s);
  impl_->llm_unseeded = false;
}
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
  report.model = impl_->model();
  if (!report.model.known)
    ctx.note("plan", "model '" + report.model.name +
                         "' is not in the model table: using conservative limits (8k context) "
                         "and no price; add it with --models FILE");
  auto p = (*planner)->plan(input);
  if (!p) return std::move(p).error();
  report.plan = std::move(*p);

  PlannerOptions single = impl_->config.planner;
  single.batch_size = 1;
  auto per_symbol_planner = make_batch_planner(single, impl_->tokenizer, report.model);
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

namespace {

// Verification: every doc is checked against the facts. With --strict a doc with issues
// becomes a failure (it stays in the outputs, marked, so the reader sees what was wrong).
std::vector<VerifyResult> verify_step(const Config& cfg, const Codebase& codebase,
                                      BuildResult& out, const RunContext& ctx) {
  StageTimer t(ctx, out.stats, "verify", out.docs.size());
  std::vector<VerifyResult> verification = verify_docs(out.docs, codebase);
  out.verified_ratio = verified_ratio(verification);
  std::size_t flagged = 0;
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
    ctx.note("verify", std::to_string(flagged) + " of " + std::to_string(out.docs.size()) +
                           " docs make claims the code does not support" +
                           (cfg.output.strict ? " (failures: --strict)" : " (see documentation.json)"));
  // Under --strict a flagged doc counts as failed, not documented (its text stays in the
  // outputs beside its verification issues).
  out.stats.documented = out.docs.size() - (cfg.output.strict ? flagged : 0);
  return verification;
}

// Selected symbols with neither a doc nor a failure were never attempted.
std::size_t count_not_started(const Analysed& a, const BuildResult& out) {
  std::set<std::string> failed_ids;
  for (const auto& f : out.failures) failed_ids.insert(f.id);
  std::size_t n = 0;
  for (const auto& id : a.selected) n += !out.docs.count(id) && !failed_ids.count(id);
  return n;
}

// Writing: every configured writer gets the verified DocSet.
result<void> write_step(const Config& cfg, const Analysed& a, const std::string& backend,
                        const std::vector<VerifyResult>& verification,
                        std::span<const std::unique_ptr<Writer>> writers, Clock::time_point start,
                        BuildResult& out, const RunContext& ctx) {
  StageTimer t(ctx, out.stats, "write", writers.size());
  std::string name = detail::shorten_name(cfg.output.name.empty() ? a.codebase.name
                                                                   : cfg.output.name);
  DocSet set;
  set.codebase = &a.codebase;
  set.embeddings = &a.embeddings;
  set.graph = &a.graph;
  set.scores = &a.scores;
  set.docs = &out.docs;
  set.failures = &out.failures;
  out.stats.wall_s = seconds_since(start);
  set.stats = out.stats;
  set.llm_model = backend;
  // The manifest's spelling is the mode's name ("offline", "sync", "batch_api").
  set.llm_mode = cfg.llm == LlmBackend::offline ? std::string("offline")
                                                : std::string(to_string(cfg.llm_options.mode));
  // The offline writer writes English whatever was asked (a note says so at the start).
  set.language = cfg.llm == LlmBackend::offline || cfg.planner.language.empty() ? "en" : cfg.planner.language;
  set.generated_at = detail::utc_now_iso8601();
  set.doc_scoring = cfg.doc_score;
  set.verification = &verification;
  set.roles = &a.roles;
  // Writers always run to the end, without the stop token: a Ctrl-C during the LLM stage
  // asked to keep what is finished, and a half-written output would lose it. Writing takes
  // seconds even for large codebases; a second Ctrl-C still ends the CLI at once.
  RunContext write_ctx{ctx.progress, std::stop_token{}};
  for (const auto& w : writers) {
    auto p = w->write(set, cfg.output.out_dir, name, write_ctx);
    if (!p) return std::move(p).error();
    if (w->format() == "docpack") out.docpack = *p;
    else if (w->format() == "markdown") out.markdown_dir = *p;
    else if (w->format() == "html") out.html_dir = *p;
  }
  return {};
}

}  // namespace

// analysis -> selection -> generation -> verification -> writing.
result<BuildResult> Pipeline::build(std::string_view source, const RunContext& ctx) {
  auto start = Clock::now();
  const Config& cfg = impl_->config;
  BuildResult out;
  auto analysed = impl_->run_analysis(source, ctx, out.stats);
  if (!analysed) return std::move(analysed).error();
  const Analysed& a = *analysed;

  auto planner = impl_->get_planner();
  if (!planner) return std::move(planner).error();

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
    auto c = open_sqlite_cache(run_folders(cfg).cache, ctx);
    if (!c) return std::move(c).error();
    cache = std::move(*c);
    impl_->seed_llm(*cache, ctx);
  }
  if (cfg.llm == LlmBackend::offline && !cfg.planner.language.empty() && cfg.planner.language != "en")
    ctx.note("llm", "--language " + cfg.planner.language +
                        ": the offline writer states facts in English only; use --llm openai "
                        "for prose in that language");
  if (auto g = detail::generate(cfg, a, **planner, *impl_->llm, cache.get(), out, ctx); !g)
    return std::move(g).error();

  std::vector<VerifyResult> verification = verify_step(cfg, a.codebase, out, ctx);
  out.stats.failed = out.failures.size();
  if (out.cancelled || (out.fatal && out.fatal->code == errc::limit_exceeded))
    out.stats.not_started += count_not_started(a, out);

  // Write what we have, even after a cancellation or a fatal LLM error: finished work is kept.
  if (auto w = write_step(cfg, a, impl_->llm->name(), verification, impl_->writers, start, out,
                          ctx);
      !w)
    return std::move(w).error();
  out.stats.wall_s = seconds_since(start);
  return out;
}

}  // namespace doctown
