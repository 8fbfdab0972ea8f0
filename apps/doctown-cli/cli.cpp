// CLI plumbing shared by the subcommands: registry, .env, the progress sink, flag groups and
// the environment → Config step (the library never reads the environment; this file does).
#include "cli.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

namespace doctown::cli {

std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> registry;
  return registry;
}

bool register_command(std::string name, std::string description, Setup setup) {
  auto& r = command_registry();
  r.push_back({std::move(name), std::move(description), std::move(setup)});
  std::sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return true;
}

namespace {
// A flag whose value is one of the library's modes (doctown/modes.hpp): the library's parser
// accepts or refuses it, so the CLI keeps no list of names of its own.
template <class E>
CLI::Option* add_mode_option(CLI::Option_group* g, const std::string& name, E& target,
                             result<E> (*parse)(std::string_view), const std::string& help) {
  return g
      ->add_option_function<std::string>(
          name, [&target, parse](const std::string& s) { target = *parse(s); }, help)
      ->default_str(std::string(to_string(target)))
      ->check(CLI::Validator(
          [parse](std::string& s) {
            auto r = parse(s);
            return r ? std::string() : r.error().message;
          },
          "", ""));
}
}  // namespace

std::optional<std::string> Cli::getenv(const std::string& name) const {
  auto it = env.find(name);
  if (it != env.end() && !it->second.empty()) return it->second;
  if (dotenv_ignored) return std::nullopt;
  it = dotenv.find(name);
  if (it == dotenv.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

bool Cli::from_dotenv(const std::string& name) const {
  auto it = env.find(name);
  if (it != env.end() && !it->second.empty()) return false;
  return !dotenv_ignored && dotenv.count(name) && !dotenv.at(name).empty();
}

void distrust_dotenv_in_source(Cli& cli, std::string_view source) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (cli.dotenv_path.empty() || source.empty() || !fs::is_directory(std::string(source), ec))
    return;
  fs::path src = fs::canonical(std::string(source), ec);
  if (ec) return;
  fs::path env_dir = fs::canonical(cli.dotenv_path, ec).parent_path();
  if (ec) return;
  auto rel = env_dir.lexically_relative(src).generic_string();
  if (rel.empty() || rel == ".." || rel.rfind("../", 0) == 0) return;  // .env is outside
  cli.dotenv_ignored = true;
  if (!cli.quiet)
    fmt::print(stderr,
               "[env] not reading {}: it lies inside the source being documented, which may "
               "not be yours (it could point the API key at another server); export the "
               "variables or run from another folder\n",
               cli.dotenv_path.string());
}

void load_dotenv(const std::string& path, std::map<std::string, std::string>& env) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    line = line.substr(first);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    std::string value = line.substr(eq + 1);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    env.emplace(key, value);  // the real environment wins
  }
}

void print_json(const boost::json::value& v) {
  std::cout << boost::json::serialize(v) << std::endl;
}

ProgressSink& Cli::progress() {
  // On a TTY one self-overwriting line per stage with a bar, else plain lines (at most one
  // item line per second per stage, so logs stay short).
  if (!progress_)
    progress_ = std::make_unique<StreamProgress>(
        std::cerr, StreamProgressOptions{.bar = stderr_is_tty, .quiet = quiet});
  return *progress_;
}

RunContext Cli::context() { return RunContext{&progress(), stop.get_token()}; }

int Cli::report(const error& e) {
  fmt::print(stderr, "doctown: {}\n", terminal_safe(e.what()));
  return exit_code_for(e.code);
}

void add_source_flags(CLI::App& app, PipelineFlags& f) {
  auto* g = app.add_option_group("Source");
  g->add_option("--ref", f.config.source.ref, "Branch, tag or commit of a git/GitHub source");
  g->add_option("--work-dir", f.config.source.work_dir,
                "Where archives are extracted and repositories cloned")
      ->capture_default_str();
}

void add_analyzer_flags(CLI::App& app, PipelineFlags& f) {
  auto* g = app.add_option_group("Analysis");
  auto& a = f.config.analyzer;
  g->add_option("--compile-commands", a.compile_commands,
                "compile_commands.json to use (default: the root's or build/'s)");
  g->add_option("-j,--jobs", a.jobs, "Translation units parsed in parallel (0 = all cores)")
      ->capture_default_str();
  g->add_option("--max-file-size", a.max_file_size, "Skip files larger than this many bytes")
      ->capture_default_str();
  g->add_option("--include", a.include_globs, "Only analyse files matching GLOB (repeatable)");
  g->add_option("--exclude", a.exclude_globs, "Skip files matching GLOB (repeatable)");
  g->add_flag("!--no-ctags", a.use_ctags, "Do not use universal-ctags for other languages");
}

void add_scoring_flags(CLI::App& app, PipelineFlags& f) {
  auto* g = app.add_option_group("Doc scoring");
  auto& d = f.config.doc_score;
  g->add_flag("--no-doc-scorer", f.no_doc_scorer, "Document every symbol");
  g->add_option("--document", f.document,
                "Also document these file roles (comma-separated): examples, tests, benchmarks, "
                "third-party, generated, all. Library sources and public headers always are");
  g->add_option("--doc-score-threshold", d.threshold, "Select symbols scoring at least this")
      ->capture_default_str();
  g->add_option("--doc-score-structural", d.structural, "Weight of the structural term")
      ->capture_default_str();
  g->add_option("--doc-score-semantic", d.semantic, "Weight of the semantic term")
      ->capture_default_str();
  g->add_option("--doc-score-complexity", d.complexity, "Weight of the complexity term")
      ->capture_default_str();
}

void add_planner_flags(CLI::App& app, PipelineFlags& f) {
  auto* g = app.add_option_group("Batching");
  auto& p = f.config.planner;
  g->add_option("--batch-size", p.batch_size, "Most symbols per request (1 = per-symbol mode)")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](const std::string& v) {
            return v.find_first_not_of("0123456789") == std::string::npos && !v.empty() &&
                           v.find_first_not_of('0') != std::string::npos
                       ? std::string()
                       : std::string("must be a whole number of at least 1");
          },
          "N>=1"));
  g->add_flag("--batch-mode")->description("Batch many symbols per request (the default)");
  g->add_flag("--no-batch-mode", f.no_batch_mode, "One symbol per request (the seed's mode)");
  g->add_option("--max-batch-tokens", p.max_batch_tokens, "Most input tokens per request")
      ->capture_default_str();
  g->add_flag("--include-semantic-context")
      ->description("Add neighbours and callers/callees (the default)");
  g->add_flag("--no-semantic-context", f.no_semantic_context, "Leave semantic context out");
  g->add_option("--semantic-neighbors", p.semantic_neighbors, "Neighbours per symbol in context")
      ->capture_default_str();
  g->add_option("--max-waves", p.max_waves,
                "Most dependency waves (each waits for the last answer of the one before; "
                "0 = the full dependency depth)")
      ->capture_default_str();
  g->add_option("--wave-requests", p.wave_requests,
                "Split a wave into at least N requests of at least --min-batch-symbols each, so "
                "that it does not wait on one long answer (1 = pack requests full)")
      ->capture_default_str();
  g->add_option("--min-batch-symbols", p.min_batch_symbols,
                "Fewest symbols per request when a wave is split")
      ->capture_default_str();
  g->add_option("--language", p.language,
                "BCP 47 tag of the docs' prose (fr, zh-CN, ...); identifiers and code stay as they "
                "are; the offline writer writes English");
  g->add_option("--tokenizer-dir", f.tokenizer_dir, "Folder holding the .tiktoken rank files");
  g->add_option("--models", f.models_file, "JSON file adding models (limits and prices)");
}

void add_llm_flags(CLI::App& app, PipelineFlags& f) {
  auto* g = app.add_option_group("LLM");
  auto& l = f.config.llm_options;
  add_mode_option(g, "--llm", f.llm, parse_llm_backend,
                  "auto (openai when a key or base URL is set), offline, openai");
  g->add_option("--model", f.model, "Chat model (default gpt-4o-mini; OPENAI_MODEL honoured)");
  g->add_option("--base-url", f.base_url, "OpenAI-compatible base URL (OPENAI_BASE_URL honoured)");
  g->add_option("--concurrency", l.server.concurrency,
                "Most requests in flight (0 = grow toward what the limits admit, up to 64)")
      ->capture_default_str();
  g->add_option("--max-cost", l.max_cost_usd,
                "Spend at most this many USD: stop before a request that could exceed it, keep "
                "what is done, exit 1 (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  g->add_option("--rpm-limit", l.server.rpm_limit, "Requests per minute (0 = from server headers)")
      ->capture_default_str();
  g->add_option("--tpm-limit", l.server.tpm_limit, "Tokens per minute (0 = from server headers)")
      ->capture_default_str();
  g->add_option("--timeout", l.server.timeout_s, "Per-request timeout in seconds")
      ->capture_default_str();
  // The flag spells it batch-api; the library's name (batch_api) is accepted too. transform
  // runs before add_mode_option's parse.
  add_mode_option(g, "--llm-mode", l.mode, parse_llm_mode, "sync or batch-api")
      ->transform([](std::string s) { return s == "batch-api" ? std::string("batch_api") : s; });
  add_mode_option(g, "--batch-api-fallback", l.batch_fallback, parse_batch_fallback,
                  "Batch API failures go to a follow-up batch or to sync requests");
}

void add_embedder_flags(CLI::App& app, PipelineFlags& f) {
  auto* g = app.add_option_group("Embeddings");
  auto& r = f.config.remote_embedder;
  add_mode_option(g, "--embedder", f.config.embedder, parse_embedder_kind,
                  "local (code-aware, no download) or remote (OpenAI-compatible /v1/embeddings)");
  g->add_option("--embedding-model", f.embedding_model,
                "Remote embedding model (default text-embedding-3-small; OPENAI_EMBEDDING_MODEL "
                "honoured)");
  g->add_option("--embedding-dims", f.embedding_dims,
                "Vector size (local: default 256; remote: default 0 = the model's own, else sent "
                "as `dimensions`, which text-embedding-3-* support)")
      ->check(CLI::Range(0LL, 65536LL));
  g->add_option("--embedding-base-url", f.embedding_base_url,
                "Server of the remote embedder (default: --base-url / OPENAI_BASE_URL; the key is "
                "OPENAI_EMBEDDING_API_KEY, or OPENAI_API_KEY for the LLM's own server)");
  g->add_option("--embedding-batch-size", r.batch_size, "Most texts per embeddings request")
      ->capture_default_str()
      ->check(CLI::Range(1, 2048));
  g->add_option("--embedding-max-input-tokens", r.max_input_tokens,
                "Longer texts are truncated (OpenAI: 8192; llama.cpp: its --ubatch-size)")
      ->capture_default_str()
      ->check(CLI::Range(8, 1 << 20));
}

void add_output_flags(CLI::App& app, PipelineFlags& f) {
  auto* g = app.add_option_group("Output");
  auto& o = f.config.output;
  g->add_option("-o,--output", o.out_dir, "Output folder")->capture_default_str();
  g->add_option("--name", o.name, "Base name of the outputs (default: the project's name)");
  g->add_option("--formats", f.formats, "Comma-separated: docpack,markdown,html")
      ->delimiter(',');
  g->add_option("--cache-dir", o.cache_dir, "Cache folder (default: <output>/.doctown-cache)");
  g->add_flag("--no-cache", f.no_cache, "Neither read nor write the cache");
  g->add_flag("--refresh", o.refresh, "Ignore cached docs (new docs are still stored)");
  g->add_flag("--strict", o.strict, "Verification issues count as failures (exit 1)");
  g->add_flag("--resume", f.resume,
              "Continue an interrupted run: finished docs come from the cache and a submitted "
              "Batch API job from its saved ids (a plain rerun does the same; --resume also "
              "fails when there is nothing to resume)");
}

void apply_llm_env(const Cli& cli, const std::string& base_url_flag, LlmOptions& llm) {
  std::string base_url = base_url_flag;
  if (base_url.empty()) base_url = cli.getenv("OPENAI_BASE_URL").value_or("");
  if (!base_url.empty()) llm.server.base_url = base_url;
  // A key goes only to the server it was configured for: a key from the environment is for
  // the environment's (or the command line's, or OpenAI's) server, so a base URL that only a
  // .env names does not get it. A .env that wants a key sends its own.
  if (auto key = cli.getenv("OPENAI_API_KEY")) {
    if (base_url_flag.empty() && cli.from_dotenv("OPENAI_BASE_URL") &&
        !cli.from_dotenv("OPENAI_API_KEY")) {
      if (!cli.quiet)
        fmt::print(stderr,
                   "[llm] OPENAI_BASE_URL comes from {} but OPENAI_API_KEY from the environment: "
                   "the key is not sent to {} (put the key in the same .env, or pass --base-url)\n",
                   cli.dotenv_path.string(), redact_url(base_url));
    } else {
      llm.server.api_key = *key;
    }
  }
  if (auto p = cli.getenv("HTTPS_PROXY")) llm.server.https_proxy = *p;
  else if (auto p2 = cli.getenv("https_proxy")) llm.server.https_proxy = *p2;
  auto no_proxy = cli.getenv("NO_PROXY");
  if (!no_proxy) no_proxy = cli.getenv("no_proxy");
  if (no_proxy) {
    std::string s = *no_proxy;
    std::size_t start = 0;
    while (start <= s.size()) {
      auto comma = s.find(',', start);
      std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      item.erase(0, item.find_first_not_of(' '));
      if (!item.empty()) llm.server.no_proxy.push_back(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
}

bool apply_embedding_env(const Cli& cli, const std::string& embedding_base_url,
                         const LlmOptions& llm, RemoteEmbedderOptions& out) {
  auto trimmed = [](std::string u) {
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  };
  out.server.base_url = embedding_base_url.empty() ? llm.server.base_url : embedding_base_url;
  out.server.api_key.clear();
  if (auto key = cli.getenv("OPENAI_EMBEDDING_API_KEY")) out.server.api_key = *key;
  else if (trimmed(out.server.base_url) == trimmed(llm.server.base_url))
    out.server.api_key = llm.server.api_key;
  out.server.https_proxy = llm.server.https_proxy;
  out.server.no_proxy = llm.server.no_proxy;
  out.server.verify_tls = llm.server.verify_tls;
  out.server.ca_file = llm.server.ca_file;
  bool url_set = !embedding_base_url.empty() || llm.server.base_url != LlmOptions{}.server.base_url;
  return url_set || !out.server.api_key.empty();
}

namespace {
// Every path flag is relative to the caller's working directory, whatever later stages use as
// their base (the source tree, the output folder): resolved here, once, before anything else.
void absolutize_paths(PipelineFlags& f) {
  namespace fs = std::filesystem;
  auto abs = [](fs::path& p) {
    std::error_code ec;
    if (!p.empty() && p.is_relative())
      if (auto a = fs::absolute(p, ec); !ec) p = a.lexically_normal();
  };
  auto abs_str = [&](std::string& s) {
    fs::path p = s;
    abs(p);
    s = p.string();
  };
  Config& c = f.config;
  abs(c.output.out_dir);
  abs(c.output.cache_dir);
  if (c.source.work_dir != SourceOptions{}.work_dir) abs(c.source.work_dir);
  abs_str(f.tokenizer_dir);
  abs_str(f.models_file);
  abs(c.analyzer.compile_commands);
}
}  // namespace

result<void> validate_flags(const PipelineFlags& f) {
  namespace fs = std::filesystem;
  const Config& c = f.config;
  const LlmOptions& l = c.llm_options;
  auto bad = [](std::string flag, std::string what) {
    return fail(errc::invalid_argument, flag + ": " + what, flag);
  };
  // Non-finite values slip through CLI11's number parsing ("nan", "inf").
  if (!std::isfinite(l.server.timeout_s) || l.server.timeout_s <= 0)
    return bad("--timeout", "must be a number of seconds above 0 (got " +
                                fmt::format("{}", l.server.timeout_s) + ")");
  if (!std::isfinite(l.server.rpm_limit) || l.server.rpm_limit < 0)
    return bad("--rpm-limit", "must be 0 (from server headers) or a positive number of requests "
                              "per minute");
  if (!std::isfinite(l.server.tpm_limit) || l.server.tpm_limit < 0)
    return bad("--tpm-limit", "must be 0 (from server headers) or a positive number of tokens "
                              "per minute");
  // One request carries the instructions and at least one symbol: a budget below this would
  // make the run wait for hours without saying why.
  if (l.server.tpm_limit > 0 && l.server.tpm_limit < 1000)
    return bad("--tpm-limit", fmt::format("{} tokens per minute cannot fit a single request "
                                          "(its instructions alone are several hundred tokens);"
                                          " use at least 1000, or 0 for the server's limits",
                                          l.server.tpm_limit));
  if (!std::isfinite(l.max_cost_usd) || l.max_cost_usd < 0)
    return bad("--max-cost", "must be a number of USD, 0 for no budget");
  if (c.planner.batch_size == 0) return bad("--batch-size", "must be at least 1");
  for (auto [flag, value] : {std::pair<const char*, double>{"--doc-score-threshold",
                                                            c.doc_score.threshold},
                             {"--doc-score-structural", c.doc_score.structural},
                             {"--doc-score-semantic", c.doc_score.semantic},
                             {"--doc-score-complexity", c.doc_score.complexity}})
    if (!std::isfinite(value)) return bad(flag, "must be a finite number");
  std::error_code ec;
  if (fs::exists(c.output.out_dir, ec) && !fs::is_directory(c.output.out_dir, ec))
    return bad("--output", "'" + c.output.out_dir.string() +
                               "' exists and is not a folder; name a folder (it is created when "
                               "missing)");
  if (!f.models_file.empty()) {
    if (!fs::is_regular_file(f.models_file, ec))
      return bad("--models", "'" + f.models_file + "' is not a file");
    auto table = ModelTable::builtin();
    if (auto r = table.load_json_file(f.models_file); !r)
      return bad("--models", "'" + f.models_file + "' is not a models file: " +
                                 r.error().message);
  }
  return {};
}

// A --compile-commands that names nothing is an error, not a warning the user may miss: it is
// looked up where the library looks (the working folder, then the source folder).
static result<void> check_compile_commands(const PipelineFlags& f, std::string_view source) {
  namespace fs = std::filesystem;
  const fs::path& p = f.config.analyzer.compile_commands;
  if (p.empty()) return {};
  std::error_code ec;
  auto usable = [&](fs::path q) {
    if (fs::is_directory(q, ec)) q /= "compile_commands.json";
    return fs::is_regular_file(q, ec);
  };
  if (usable(p)) return {};
  if (p.is_relative() && !source.empty() && fs::is_directory(std::string(source), ec) &&
      usable(fs::path(std::string(source)) / p))
    return {};
  return fail(errc::invalid_argument,
              "--compile-commands: '" + p.string() +
                  "' does not exist (give a compile_commands.json or the folder holding it)",
              "--compile-commands");
}

result<void> finish_config(Cli& cli, PipelineFlags& f, std::string_view source) {
  absolutize_paths(f);
  distrust_dotenv_in_source(cli, source);
  if (auto v = validate_flags(f); !v) return v;
  if (auto v = check_compile_commands(f, source); !v) return v;
  Config& c = f.config;
  if (f.no_doc_scorer) c.doc_score.enabled = false;
  if (!f.document.empty()) {
    auto roles = parse_file_roles(f.document);
    if (!roles) return std::move(roles).error();
    c.roles.document.insert(roles->begin(), roles->end());
  }
  if (f.no_semantic_context) c.planner.semantic_context = false;
  if (f.no_batch_mode) c.planner.batch_size = 1;
  if (f.no_cache) c.output.use_cache = false;
  if (!f.formats.empty()) {
    c.output.formats.clear();
    for (const std::string& name : f.formats) {
      auto format = parse_output_format(name);
      if (!format) return fail(errc::invalid_argument, format.error().message, "--formats");
      c.output.formats.push_back(*format);
    }
  }
  if (!f.tokenizer_dir.empty()) c.tokenizer.data_dir = f.tokenizer_dir;
  if (!f.models_file.empty()) c.models_file = f.models_file;

  if (auto t = cli.getenv("GITHUB_TOKEN")) c.source.github_token = *t;
  std::string model = f.model;
  if (model.empty()) model = cli.getenv("OPENAI_MODEL").value_or(std::string(default_chat_model));
  c.llm_options.model = model;
  std::string base_url = f.base_url;
  if (base_url.empty()) base_url = cli.getenv("OPENAI_BASE_URL").value_or("");
  apply_llm_env(cli, f.base_url, c.llm_options);

  auto& re = c.remote_embedder;
  std::string embedding_model = f.embedding_model;
  if (embedding_model.empty()) embedding_model = cli.getenv("OPENAI_EMBEDDING_MODEL").value_or("");
  if (!embedding_model.empty()) re.model = embedding_model;
  if (f.embedding_dims >= 0) {
    re.dims = static_cast<std::size_t>(f.embedding_dims);
    if (f.embedding_dims > 0) c.local_embedder.dims = re.dims;
  }
  bool embedding_server = apply_embedding_env(cli, f.embedding_base_url, c.llm_options, re);
  if (c.embedder == EmbedderKind::remote) {
    if (!embedding_server)
      return fail(errc::invalid_argument,
                  "--embedder remote needs OPENAI_API_KEY (or OPENAI_EMBEDDING_API_KEY) or "
                  "--embedding-base-url for a local server such as Ollama; or use --embedder local",
                  "--embedder");
  }
  if (f.resume) {
    RunFolders folders = run_folders(c);
    std::error_code ec;
    if (!std::filesystem::exists(folders.cache, ec) && !std::filesystem::exists(folders.state, ec))
      return fail(errc::invalid_argument,
                  "--resume: no earlier run to continue in " + c.output.out_dir.string() +
                      " (no cache and no saved Batch API state); run without --resume",
                  "--resume");
    if (!c.output.use_cache)
      return fail(errc::invalid_argument, "--resume needs the cache; drop --no-cache", "--resume");
  }

  auto llm = resolve_llm_backend(f.llm, !c.llm_options.server.api_key.empty(), !base_url.empty());
  if (!llm) return std::move(llm).error();
  c.llm = *llm;
  if (f.llm == LlmBackend::automatic && !cli.quiet)
    fmt::print(stderr, "[llm] {}\n",
               c.llm == LlmBackend::openai
                   ? fmt::format("using the OpenAI-compatible API at {} (model {})",
                                 redact_url(c.llm_options.server.base_url), model)
                   : std::string("no OPENAI_API_KEY or --base-url: using the offline writer "
                                 "(facts stated plainly, no network)"));
  return {};
}

}  // namespace doctown::cli
