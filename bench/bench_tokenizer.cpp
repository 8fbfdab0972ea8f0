// Tokenizer and planner benchmark.
//  1. Tokenizer throughput (MB/s, one thread, median of 3) on a mixed code + prose file, beside
//     js-tiktoken's numbers for the same file (measured by bench/js_tiktoken_bench.mjs and
//     passed in with --js); token counts must agree.
//  2. Planning time for 100,000 synthetic symbols (files, classes, layered calls, similar edges).
//  3. Packing efficiency (requests / lower bound) on real projects (analysed, embedded, graphed
//     and scored as `doctown plan` does; --source NAME:DIR) and on the generated project.
// Usage: bench_tokenizer [--input FILE] [--js FILE] [--source NAME:DIR]... [--json OUT]
//        [--symbols N]
#include <fmt/format.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "core/file_util.hpp"
#include "core/json_util.hpp"
#include "doctown/analyzer.hpp"
#include "doctown/batch_planner.hpp"
#include "doctown/doc_scorer.hpp"

using namespace doctown;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Process CPU time: the benchmark machine is shared, so wall time alone misleads.
double cpu_now() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double median3(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A deterministic mixed corpus when no --input is given: C++-like code and English prose.
std::string synthetic_corpus(std::size_t bytes) {
  std::mt19937 rng(1);
  const char* words[] = {"the", "planner", "packs", "symbols", "into", "requests", "under",
                         "exact", "token", "limits", "so", "that", "each", "prompt", "carries",
                         "context", "documentation", "is", "written", "for", "callers"};
  const char* idents[] = {"std::vector<int>", "auto", "result", "value_", "index", "buffer",
                          "std::string_view", "count", "next", "node->left", "size_t"};
  std::string s;
  while (s.size() < bytes) {
    if (rng() % 2) {
      s += "/// ";
      for (int i = 0; i < 12; ++i) s += std::string(words[rng() % 21]) + " ";
      s += "\nint f" + std::to_string(rng() % 10000) + "(int x) {\n";
      for (int l = 0; l < 6; ++l)
        s += "    " + std::string(idents[rng() % 11]) + " = " + idents[rng() % 11] + "(" +
             std::to_string(rng() % 1000) + ");\n";
      s += "    return x;\n}\n\n";
    } else {
      for (int i = 0; i < 40; ++i) s += std::string(words[rng() % 21]) + (i % 9 == 8 ? ". " : " ");
      s += "\n\n";
    }
  }
  return s;
}

// A generated project: files of ~20 symbols in layers; calls go to lower layers (so waves stay
// shallow like real code), with similar edges between neighbours of a file.
struct Generated {
  Codebase codebase;
  Graph graph;
  std::vector<std::string> selected;
};

Generated generate_project(std::size_t n, unsigned seed) {
  Generated g;
  std::mt19937 rng(seed);
  const std::size_t per_file = 20;
  const std::size_t files = (n + per_file - 1) / per_file;
  auto layer_of_file = [&](std::size_t f) { return f * 6 / std::max<std::size_t>(files, 1); };
  std::vector<std::string> ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t f = i / per_file;
    Symbol s;
    s.id = fmt::format("c:@N@gen@F@fn{:06}", i);
    bool method = (i % per_file) >= 2 && rng() % 2;
    s.kind = (i % per_file) == 0 ? SymbolKind::class_ : method ? SymbolKind::method
                                                                : SymbolKind::function;
    s.name = fmt::format("fn{:06}", i);
    s.qualified_name = "gen::" + s.name;
    s.language = "c++";
    std::size_t lines = rng() % 8 == 0 ? 40 + rng() % 200 : 2 + rng() % 25;
    s.location = {fmt::format("src/layer{}/file{:05}.cpp", layer_of_file(f), f),
                  static_cast<int>(1 + (i % per_file) * 30),
                  static_cast<int>(1 + (i % per_file) * 30 + lines)};
    s.signature = fmt::format("int {}(const std::vector<int>& xs, std::size_t k)", s.name);
    s.return_type = "int";
    s.params = {{"xs", "const std::vector<int> &", ""}, {"k", "std::size_t", ""}};
    if (rng() % 3 == 0) s.doc_comment = "Computes the " + s.name + " step of the pipeline.";
    std::string body = s.signature + " {\n";
    for (std::size_t l = 0; l < lines; ++l)
      body += fmt::format("    auto v{} = xs[{} % xs.size()] * {} + k;\n", l, rng() % 100,
                          rng() % 1000);
    s.source_text = body + "    return 0;\n}\n";
    if (method) s.parent_id = ids[f * per_file].empty() ? "" : ids[f * per_file];
    ids[i] = s.id;
    g.codebase.symbols.push_back(std::move(s));
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t f = i / per_file;
    std::size_t calls = rng() % 4;
    for (std::size_t c = 0; c < calls; ++c) {
      // Mostly a function of the same file earlier in it, else one of a lower layer.
      std::size_t t;
      if (rng() % 3 && i % per_file > 1) {
        t = f * per_file + rng() % (i % per_file);
      } else {
        std::size_t layer = layer_of_file(f);
        if (layer == 0) continue;
        std::size_t lo_files = files * (layer - 1) / 6, hi_files = files * layer / 6;
        if (hi_files <= lo_files) continue;
        t = (lo_files + rng() % (hi_files - lo_files)) * per_file + rng() % per_file;
      }
      if (t < n && t != i) g.graph.edges.push_back({ids[i], ids[t], RelationKind::calls});
    }
    for (int k = 0; k < 3; ++k) {
      std::size_t t = f * per_file + rng() % per_file;
      if (t < n && t != i)
        g.graph.edges.push_back(
            {ids[i], ids[t], RelationKind::similar, 0.5 + (rng() % 450) / 1000.0});
    }
  }
  g.codebase.normalize();
  for (const auto& s : g.codebase.symbols) g.graph.nodes.push_back({s.id});
  g.graph.reindex();
  for (const auto& s : g.codebase.symbols) g.selected.push_back(s.id);
  return g;
}

// A real project through the stages before the planner: analyzer, local embedder, graph,
// DocScore selection (what `doctown plan` does).
result<Generated> analyse_source(const std::string& dir) {
  RunContext ctx;
  Generated g;
  auto analyzer = make_default_analyzer(AnalyzerOptions{.jobs = 1, .use_ctags = false});
  if (!analyzer) return std::move(analyzer).error();
  auto cb = (*analyzer)->analyze(dir, ctx);
  if (!cb) return std::move(cb).error();
  g.codebase = std::move(*cb);
  auto embedder = make_local_embedder(LocalEmbedderOptions{});
  if (!embedder) return std::move(embedder).error();
  auto emb = (*embedder)->embed(g.codebase, ctx);
  if (!emb) return std::move(emb).error();
  auto builder = make_graph_builder(GraphOptions{});
  if (!builder) return std::move(builder).error();
  auto graph = (*builder)->build(g.codebase, *emb, ctx);
  if (!graph) return std::move(graph).error();
  g.graph = std::move(*graph);
  auto scorer = make_doc_scorer(DocScoreOptions{});
  if (!scorer) return std::move(scorer).error();
  auto scores = (*scorer)->score(g.codebase, g.graph, *emb, ctx);
  if (!scores) return std::move(scores).error();
  for (const auto& sc : *scores)
    if (sc.selected) g.selected.push_back(sc.id);
  return g;
}

struct Packing {
  std::string project, config;
  std::size_t symbols = 0, waves = 0, requests = 0, lower_bound = 0, count_bound = 0;
  std::size_t input_tokens = 0;
  double seconds = 0;
  double cpu_seconds = 0;
};

result<Packing> pack(const std::string& name, const std::string& config, const Generated& g,
                     PlannerOptions o, std::string_view model,
                     std::shared_ptr<const Tokenizer> tok) {
  auto p = make_batch_planner(o, tok, ModelTable::builtin().lookup(model));
  if (!p) return std::move(p).error();
  PlanInput in{&g.codebase, &g.graph};
  in.selected = g.selected;
  auto t = Clock::now();
  double c = cpu_now();
  auto plan = (*p)->plan(in);
  if (!plan) return std::move(plan).error();
  Packing r;
  r.seconds = since(t);
  r.cpu_seconds = cpu_now() - c;
  r.project = name;
  r.config = config;
  r.symbols = g.selected.size();
  r.waves = plan->waves.size();
  r.requests = plan->batches.size();
  r.lower_bound = plan->lower_bound_requests;
  r.input_tokens = plan->input_tokens;
  // The bound from the symbol count: no request holds more than batch_size symbols, per wave.
  for (const auto& w : plan->waves) r.count_bound += (w.size() + o.batch_size - 1) / o.batch_size;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, js_path, json_out;
  std::vector<std::string> projects;
  std::size_t big = 100000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--input") input = next();
    else if (a == "--js") js_path = next();
    else if (a == "--json") json_out = next();
    else if (a == "--source") projects.push_back(next());
    else if (a == "--symbols") big = std::stoul(next());
    else {
      fmt::print(stderr, "bench_tokenizer: unknown argument {}\n", a);
      return 2;
    }
  }
  json::object report;
  report["date"] = detail::utc_now_iso8601();

  // ---- 1. tokenizer throughput ----
  std::string text;
  if (!input.empty()) {
    auto r = detail::read_file(input);
    if (!r) {
      fmt::print(stderr, "{}\n", r.error().what());
      return 3;
    }
    text = std::move(*r);
  } else {
    text = synthetic_corpus(4 << 20);
  }
  json::object js;
  if (!js_path.empty()) {
    auto r = detail::read_file(js_path);
    if (r) {
      auto v = detail::parse_json(*r, js_path);
      if (v && v->is_object()) js = v->as_object();
    }
  }
  const double mb = static_cast<double>(text.size()) / 1e6;
  fmt::print("Tokenizer: {:.2f} MB of mixed code and prose, one thread, median of 3\n", mb);
  fmt::print("{:<12} {:>7} {:>12} {:>12} {:>12} {:>12} {:>9} {:>11} {:>6}\n", "encoding",
             "load s", "doctown", "(CPU)", "js-tiktoken", "(CPU)", "tokens", "speedup CPU",
             "equal");
  json::array tok_rows;
  std::shared_ptr<const Tokenizer> o200k;
  for (std::string enc : {"o200k_base", "cl100k_base"}) {
    auto t0 = Clock::now();
    auto tok = load_tokenizer(TokenizerOptions{.encoding = enc});
    double load_s = since(t0);
    if (!tok) {
      fmt::print(stderr, "{}\n", tok.error().what());
      return 3;
    }
    if (enc == "o200k_base") o200k = *tok;
    std::vector<double> runs, cpu;
    std::size_t tokens = 0;
    for (int i = 0; i < 3; ++i) {
      auto t = Clock::now();
      double c = cpu_now();
      tokens = (*tok)->encode(text).size();
      cpu.push_back(cpu_now() - c);
      runs.push_back(since(t));
    }
    double ours = median3(runs), ours_cpu = median3(cpu);
    double js_s = 0, js_cpu = 0;
    long long js_tokens = -1;
    if (auto* e = js.if_contains(enc); e && e->is_object()) {
      js_s = detail::json_double(e->as_object(), "median_s");
      js_cpu = detail::json_double(e->as_object(), "median_cpu_s");
      js_tokens = detail::json_int(e->as_object(), "tokens", -1);
    }
    bool equal = js_tokens == static_cast<long long>(tokens);
    auto rate = [&](double s) { return s > 0 ? mb / s : 0.0; };
    fmt::print("{:<12} {:>7.3f} {:>7.1f} MB/s {:>7.1f} MB/s {:>7.2f} MB/s {:>7.2f} MB/s {:>9} {:>10.1f}x {:>6}\n",
               enc, load_s, rate(ours), rate(ours_cpu), rate(js_s), rate(js_cpu), tokens,
               js_cpu > 0 && ours_cpu > 0 ? js_cpu / ours_cpu : 0.0,
               js_tokens < 0 ? "n/a" : equal ? "yes" : "NO");
    tok_rows.push_back(json::object{{"encoding", enc},
                                    {"bytes", text.size()},
                                    {"load_s", load_s},
                                    {"median_s", ours},
                                    {"mb_per_s", mb / ours},
                                    {"median_cpu_s", ours_cpu},
                                    {"cpu_mb_per_s", rate(ours_cpu)},
                                    {"js_tiktoken_median_cpu_s", js_cpu},
                                    {"js_tiktoken_cpu_mb_per_s", rate(js_cpu)},
                                    {"speedup_cpu", js_cpu > 0 && ours_cpu > 0 ? js_cpu / ours_cpu : 0.0},
                                    {"tokens", tokens},
                                    {"js_tiktoken_median_s", js_s},
                                    {"js_tiktoken_mb_per_s", js_s > 0 ? mb / js_s : 0.0},
                                    {"js_tiktoken_tokens", js_tokens},
                                    {"speedup", js_s > 0 ? js_s / ours : 0.0},
                                    {"counts_equal", equal}});
  }
  report["tokenizer"] = std::move(tok_rows);

  // ---- 2 and 3. planning time and packing efficiency ----
  std::vector<std::pair<std::string, Generated>> sets;
  for (const auto& spec : projects) {
    auto c = spec.find(':');
    if (c == std::string::npos) {
      fmt::print(stderr, "--source wants NAME:DIR, got {}\n", spec);
      return 2;
    }
    auto t = Clock::now();
    auto g = analyse_source(spec.substr(c + 1));
    if (!g) {
      fmt::print(stderr, "skipping {}: {}\n", spec, g.error().what());
      continue;
    }
    fmt::print(stderr, "analysed {} in {:.1f} s: {} symbols, {} selected\n", spec, since(t),
               g->codebase.symbols.size(), g->selected.size());
    sets.emplace_back(spec.substr(0, c), std::move(*g));
  }
  auto t_gen = Clock::now();
  sets.emplace_back(fmt::format("generated-{}k", big / 1000), generate_project(big, 42));
  double gen_s = since(t_gen);

  struct Config {
    std::string name;
    PlannerOptions o;
    std::string model = std::string(default_chat_model);
  };
  std::vector<Config> configs = {
      {"defaults (batch 15, 25k tokens)", PlannerOptions{}},
      {"token-bound (batch 200, 25k tokens)", PlannerOptions{.batch_size = 200}},
      {"no waves (batch 200, 25k tokens)",
       PlannerOptions{.batch_size = 200, .dependency_waves = false}},
  };
  // Output limits must not bind in the token-bound configurations: a small per-symbol budget.
  configs[1].o.output_tokens_per_symbol = configs[2].o.output_tokens_per_symbol = 80;
  configs[1].model = configs[2].model = "gpt-4.1";

  fmt::print("\nPlanning and packing (model gpt-4o-mini unless noted; lower bound = "
             "ceil(input tokens / max-batch-tokens))\n");
  fmt::print("{:<16} {:<36} {:>8} {:>6} {:>9} {:>7} {:>7} {:>8} {:>10} {:>8} {:>7}\n", "project", "config",
             "symbols", "waves", "requests", "bound", "ratio", "cnt-bnd", "Mtokens", "plan s", "CPU s");
  json::array pack_rows;
  for (const auto& [name, g] : sets) {
    for (const auto& c : configs) {
      auto r = pack(name, c.name, g, c.o, c.model, o200k);
      if (!r) {
        fmt::print(stderr, "{} / {}: {}\n", name, c.name, r.error().what());
        return 3;
      }
      double ratio = r->lower_bound ? static_cast<double>(r->requests) /
                                          static_cast<double>(r->lower_bound)
                                    : 0.0;
      std::size_t both = std::max(r->lower_bound, r->count_bound);
      fmt::print("{:<16} {:<36} {:>8} {:>6} {:>9} {:>7} {:>7.3f} {:>8} {:>10.2f} {:>8.2f} {:>7.2f}\n",
                 name, c.name, r->symbols, r->waves, r->requests, r->lower_bound, ratio,
                 r->count_bound, static_cast<double>(r->input_tokens) / 1e6, r->seconds,
                 r->cpu_seconds);
      pack_rows.push_back(json::object{
          {"project", name},
          {"config", c.name},
          {"symbols", r->symbols},
          {"waves", r->waves},
          {"requests", r->requests},
          {"lower_bound_requests", r->lower_bound},
          {"ratio", ratio},
          {"count_bound_requests", r->count_bound},
          {"ratio_to_max_bound",
           both ? static_cast<double>(r->requests) / static_cast<double>(both) : 0.0},
          {"input_tokens", r->input_tokens},
          {"plan_s", r->seconds},
          {"plan_cpu_s", r->cpu_seconds}});
    }
  }
  report["generate_s"] = gen_s;
  report["packing"] = std::move(pack_rows);
  if (!json_out.empty()) {
    if (auto w = detail::write_file_atomic(json_out, json::serialize(report) + "\n"); !w) {
      fmt::print(stderr, "{}\n", w.error().what());
      return 3;
    }
    fmt::print("\nJSON: {}\n", json_out);
  }
  return 0;
}
