// doctown: the command-line front end of libdoctown. Parses flags, reads the environment,
// runs one subcommand, maps outcomes to exit codes (0 ok, 1 item failures, 2 usage, 3 fatal,
// 130 interrupted).
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

#include "cli.hpp"

extern char** environ;

namespace {
doctown::cli::Cli* g_cli = nullptr;

extern "C" void on_sigint(int) {
  // Only async-signal-safe work here: request a stop; a second Ctrl-C exits at once.
  static volatile std::sig_atomic_t count = 0;
  count = count + 1;
  if (count > 1) _exit(130);
  if (g_cli) g_cli->stop.request_stop();
}
}  // namespace

int main(int argc, char** argv) {
  using namespace doctown::cli;
  Cli cli;
  g_cli = &cli;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    if (auto eq = kv.find('='); eq != std::string::npos) cli.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // The working folder's .env is the user's, unless the folder is the source being
  // documented (finish_config checks that once the source is known).
  if (std::error_code ec; std::filesystem::is_regular_file(".env", ec)) {
    load_dotenv(".env", cli.dotenv);
    cli.dotenv_path = std::filesystem::absolute(".env", ec);
  }
  cli.stderr_is_tty = isatty(STDERR_FILENO) == 1;

  CLI::App app{"doctown: documentation from source code. Deterministic analysis computes the "
               "facts; an LLM (or the offline writer) puts them into words.",
               "doctown"};
  app.set_version_flag("-V,--version", std::string("doctown ") + doctown::version_string);
  app.require_subcommand(1);
  app.add_flag("-q,--quiet", cli.quiet, "No progress output on stderr");
  app.footer("Exit codes: 0 ok, 1 finished with item failures, 2 usage or configuration error, "
             "3 fatal error, 130 interrupted.\nRun 'doctown <command> --help' for a command's flags.");

  std::vector<std::pair<CLI::App*, Runner>> runners;
  for (auto& entry : command_registry()) {
    CLI::App* sub = app.add_subcommand(entry.name, entry.description);
    runners.emplace_back(sub, entry.setup(*sub));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 returns 0 for --help/--version and its own codes for errors; the contract says 2.
    return rc == 0 ? 0 : Exit::usage;
  }

  std::signal(SIGINT, on_sigint);
  for (auto& [sub, run] : runners) {
    if (sub->parsed()) {
      try {
        return run(cli);
      } catch (const std::exception& e) {
        std::cerr << "doctown: internal error: " << e.what()
                  << "\n  This is a bug; please report it with the command you ran.\n";
        return Exit::fatal;
      }
    }
  }
  return Exit::usage;
}
