// Shared pieces of the CLI: the command registry, environment, progress rendering, output.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "doctown/doctown.hpp"

namespace doctown::cli {

/// Exit codes of the CLI contract.
enum Exit : int { ok = 0, item_failures = 1, usage = 2, fatal = 3, interrupted = 130 };

/// State shared by all commands of one invocation.
struct Cli {
  std::stop_source stop;                      ///< requested by SIGINT
  std::map<std::string, std::string> env;     ///< the process environment
  std::map<std::string, std::string> dotenv;  ///< the working folder's .env (never overrides env)
  std::filesystem::path dotenv_path;          ///< that .env, empty when there is none
  bool dotenv_ignored = false;                ///< set when .env lies inside the analysed source
  bool stderr_is_tty = false;
  bool quiet = false;

  /// Environment variable (the process's, then .env's unless ignored), or nullopt.
  std::optional<std::string> getenv(const std::string& name) const;
  /// True when `name` has a value from .env only (not from the process environment).
  bool from_dotenv(const std::string& name) const;
  /// Progress sink rendering to stderr: a bar on a TTY, plain lines otherwise.
  ProgressSink& progress();
  /// RunContext with the progress sink and the SIGINT stop token.
  RunContext context();
  /// Print an error to stderr ("doctown: <what>") and return its exit code.
  int report(const error& e);

 private:
  std::unique_ptr<ProgressSink> progress_;
};

/// A subcommand: configured on its CLI11 app, then run with the shared state.
using Runner = std::function<int(Cli&)>;
using Setup = std::function<Runner(CLI::App& sub)>;

/// Register a subcommand (called from a static initialiser in each cmd_*.cpp).
bool register_command(std::string name, std::string description, Setup setup);

struct CommandEntry {
  std::string name;
  std::string description;
  Setup setup;
};
/// Registered commands, sorted by name.
std::vector<CommandEntry>& command_registry();

/// Load KEY=VALUE lines of a .env file into env without overriding existing keys.
void load_dotenv(const std::string& path, std::map<std::string, std::string>& env);

/// Print JSON to stdout followed by a newline.
void print_json(const boost::json::value& v);

/// Flag groups shared by commands that run the pipeline (analyze, plan, build). They fill
/// `config`; environment-derived defaults are applied by `finish_config`.
struct PipelineFlags {
  Config config;
  LlmBackend llm = LlmBackend::automatic;
  std::string base_url;
  std::string model;
  std::vector<std::string> formats;
  bool no_doc_scorer = false;
  std::string document;  ///< --document: extra file roles to document
  bool no_semantic_context = false;
  bool no_batch_mode = false;
  bool no_cache = false;
  bool resume = false;
  std::string tokenizer_dir;
  std::string models_file;
  std::string embedding_base_url;
  std::string embedding_model;
  long long embedding_dims = -1;  ///< -1 = not given
};
void add_source_flags(CLI::App& app, PipelineFlags& f);
void add_analyzer_flags(CLI::App& app, PipelineFlags& f);
void add_scoring_flags(CLI::App& app, PipelineFlags& f);
void add_planner_flags(CLI::App& app, PipelineFlags& f);
void add_llm_flags(CLI::App& app, PipelineFlags& f);
void add_output_flags(CLI::App& app, PipelineFlags& f);
void add_embedder_flags(CLI::App& app, PipelineFlags& f);
/// Base URL, key and proxy of the LLM from --base-url and the environment (OPENAI_BASE_URL,
/// OPENAI_API_KEY, HTTPS_PROXY, NO_PROXY).
void apply_llm_env(const Cli& cli, const std::string& base_url_flag, LlmOptions& llm);
/// Endpoint, key, proxy and TLS settings of the remote embedder: the base URL is
/// `embedding_base_url`, else the LLM's; the key is OPENAI_EMBEDDING_API_KEY, else the LLM's
/// key when both talk to the same server (a key is never sent to a server it was not given
/// for). Returns false when nothing points at a server (no URL set and no key).
bool apply_embedding_env(const Cli& cli, const std::string& embedding_base_url,
                         const LlmOptions& llm, RemoteEmbedderOptions& out);
/// Apply environment (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_EMBEDDING_MODEL,
/// OPENAI_EMBEDDING_API_KEY, GITHUB_TOKEN, proxies) and resolve `--llm auto`. Notes which
/// backend was picked on stderr. Returns a usage error for inconsistent or invalid flags.
/// `source` is the command's source argument: a .env inside it is not read.
result<void> finish_config(Cli& cli, PipelineFlags& f, std::string_view source = {});
/// Stop reading ./.env when the working folder lies inside the local source folder being
/// analysed: that .env belongs to the (hostile) tree, not to the user. Notes it on stderr.
void distrust_dotenv_in_source(Cli& cli, std::string_view source);
/// Check the numeric and file flags a pipeline command was given; the error names the flag.
result<void> validate_flags(const PipelineFlags& f);

}  // namespace doctown::cli
