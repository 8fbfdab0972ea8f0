// Analyzer benchmark: doctown's libclang analyzer against `clang++ -fsyntax-only` over the
// same translation units with the same flags (one process per TU, one at a time) and, when
// installed, clang-doc-14 (one job), on each project given. Each configuration runs in a child
// process so wall time and peak RSS are its own (wait4's rusage); medians over --runs.
//
// Usage: bench_analyzer [--runs N] [--cdb PATH] --project NAME=DIR[:INCLUDE_GLOB,...] ...
//        [--json OUT]   (--runs and --cdb apply to the --project options after them; without
//        --cdb the compile_commands.json is looked up in DIR and DIR/build)
// Child mode (internal): bench_analyzer --child DIR JOBS CDB [GLOB...]
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/core.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer/compile_db.hpp"
#include "core/json_util.hpp"
#include "doctown/analyzer.hpp"
#include "source/file_select.hpp"

extern char** environ;
namespace fs = std::filesystem;

namespace {

struct Run {
  double seconds = 0;
  double cpu_seconds = 0;  // user + system of the child
  double rss_mib = 0;
  int exit_code = 0;
  std::string out;
};

// Spawn argv, wait with wait4 for its own rusage; stdout captured through a file.
Run run_child(const std::vector<std::string>& argv, const fs::path& cwd = {}) {
  fs::path out_file = fs::temp_directory_path() / fmt::format("bench-analyzer-{}.out", getpid());
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  std::vector<std::string> args = argv;
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  Run r;
  if (posix_spawnp(&pid, cargs[0], &fa, nullptr, cargs.data(), environ) != 0) {
    r.exit_code = 127;
    return r;
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  r.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  posix_spawn_file_actions_destroy(&fa);
  std::ifstream in(out_file);
  std::stringstream ss;
  ss << in.rdbuf();
  r.out = ss.str();
  fs::remove(out_file);
  return r;
}

// The machine is shared: the load says how much the wall times can be trusted.
double load_average() {
  std::ifstream in("/proc/loadavg");
  double l = 0;
  in >> l;
  return l;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int child_main(int argc, char** argv) {
  // --child DIR JOBS CDB [GLOB...]
  doctown::AnalyzerOptions o;
  o.jobs = static_cast<unsigned>(std::stoul(argv[3]));
  o.compile_commands = argv[4];
  o.use_ctags = false;
  for (int i = 5; i < argc; ++i) o.include_globs.push_back(argv[i]);
  auto an = doctown::make_clang_analyzer(o);
  if (!an) return 2;
  auto cb = (*an)->analyze(argv[2], {});
  if (!cb) {
    std::cerr << cb.error().what() << "\n";
    return 3;
  }
  std::size_t errors = 0;
  for (const auto& d : cb->diagnostics) errors += d.severity == doctown::Diagnostic::Severity::error;
  std::cout << cb->symbols.size() << " " << cb->relations.size() << " "
            << cb->stats.translation_units << " " << errors << "\n";
  return 0;
}

struct Tu {
  std::string directory;
  std::vector<std::string> args;
  std::string file;
};

std::vector<Tu> load_tus(const fs::path& root, const fs::path& cdb,
                         const std::vector<std::string>& globs) {
  std::ifstream in(cdb);
  std::stringstream ss;
  ss << in.rdbuf();
  auto v = doctown::detail::parse_json(ss.str(), cdb.string());
  std::vector<Tu> tus;
  if (!v || !v->is_array()) return tus;
  for (const auto& e : v->as_array()) {
    const auto& o = e.as_object();
    Tu t;
    t.directory = doctown::detail::json_string(o, "directory");
    t.file = doctown::detail::json_string(o, "file");
    fs::path abs = fs::path(t.file).is_relative() ? fs::path(t.directory) / t.file : fs::path(t.file);
    auto rel = fs::weakly_canonical(abs).lexically_relative(fs::canonical(root)).generic_string();
    if (rel.rfind("..", 0) == 0) continue;
    if (!globs.empty() && std::none_of(globs.begin(), globs.end(), [&](const std::string& g) {
          return doctown::detail::glob_match(g, rel);
        }))
      continue;
    std::vector<std::string> argv;
    if (auto it = o.find("arguments"); it != o.end())
      for (const auto& a : it->value().as_array()) argv.emplace_back(a.as_string());
    else
      argv = doctown::detail::split_command_line(doctown::detail::json_string(o, "command"));
    t.args = doctown::detail::filter_compile_args(argv, t.file);
    t.file = abs.string();
    tus.push_back(std::move(t));
  }
  std::sort(tus.begin(), tus.end(), [](const Tu& a, const Tu& b) { return a.file < b.file; });
  return tus;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "--child") return child_main(argc, argv);

  struct Project {
    std::string name;
    fs::path dir;
    std::vector<std::string> globs;
    int runs = 3;
    fs::path cdb;
  };
  std::vector<Project> projects;
  int runs = 3;
  fs::path next_cdb;
  std::string json_out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--project" && i + 1 < argc) {
      std::string spec = argv[++i];
      auto eq = spec.find('=');
      Project p;
      p.runs = runs;
      p.cdb = next_cdb;
      next_cdb.clear();
      p.name = spec.substr(0, eq);
      std::string rest = spec.substr(eq + 1);
      auto colon = rest.find(':');
      p.dir = rest.substr(0, colon);
      if (colon != std::string::npos) {
        std::stringstream gs(rest.substr(colon + 1));
        std::string g;
        while (std::getline(gs, g, ',')) p.globs.push_back(g);
      }
      projects.push_back(p);
    } else if (a == "--cdb" && i + 1 < argc) {
      next_cdb = argv[++i];
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::stoi(argv[++i]);
    } else if (a == "--json" && i + 1 < argc) {
      json_out = argv[++i];
    }
  }
  if (projects.empty()) {
    std::cerr << "usage: bench_analyzer --project NAME=DIR[:GLOB,...] [--runs N] [--json OUT]\n";
    return 2;
  }
  const std::string self = fs::canonical("/proc/self/exe").string();
  const bool have_clang_doc = run_child({"clang-doc-14", "--version"}).exit_code == 0;
  boost::json::array results;

  fmt::print("{:<10} {:>4} {:>7} {:>9} {:>9} {:>7} {:>10} {:>7} {:>10} {:>8} {:>9}\n", "project",
             "TUs", "symbols", "ours j1", "ours j2", "j2 x", "clang -fs", "ours/cl", "clang-doc",
             "RSS MiB", "sym/s");
  for (const auto& p : projects) {
    fs::path cdb = !p.cdb.empty() ? p.cdb
                   : fs::exists(p.dir / "compile_commands.json")
                       ? p.dir / "compile_commands.json"
                       : p.dir / "build/compile_commands.json";
    const int runs_here = p.runs;
    auto tus = load_tus(p.dir, cdb, p.globs);
    std::vector<double> ours1, ours2, clang_s, doc_s, ours1_cpu, ours2_cpu, clang_cpu, doc_cpu;
    double rss1 = 0, rss2 = 0, clang_rss = 0, doc_rss = 0;
    std::string ours_out;
    for (int r = 0; r < runs_here; ++r) {
      std::vector<std::string> base{self, "--child", p.dir.string(), "1", cdb.string()};
      base.insert(base.end(), p.globs.begin(), p.globs.end());
      auto a = run_child(base);
      ours1.push_back(a.seconds);
      ours1_cpu.push_back(a.cpu_seconds);
      rss1 = std::max(rss1, a.rss_mib);
      ours_out = a.out;
      base[3] = "2";
      auto b = run_child(base);
      ours2.push_back(b.seconds);
      ours2_cpu.push_back(b.cpu_seconds);
      rss2 = std::max(rss2, b.rss_mib);

      double total = 0, total_cpu = 0;
      for (const auto& t : tus) {
        std::vector<std::string> cmd{"clang++", "-fsyntax-only"};
        cmd.insert(cmd.end(), t.args.begin(), t.args.end());
        // The same additions the analyzer makes to every command.
        cmd.push_back("-Wno-unknown-warning-option");
        cmd.push_back("-Wno-unused-command-line-argument");
        cmd.push_back(t.file);
        auto c = run_child(cmd, t.directory);
        total += c.seconds;
        total_cpu += c.cpu_seconds;
        clang_rss = std::max(clang_rss, c.rss_mib);
      }
      clang_s.push_back(total);
      clang_cpu.push_back(total_cpu);

      if (have_clang_doc) {
        fs::path out_dir = fs::temp_directory_path() / fmt::format("bench-clang-doc-{}", getpid());
        std::vector<std::string> cmd{"clang-doc-14", "--executor=all-TUs",
                                     "--execute-concurrency=1", "--format=yaml",
                                     "--output=" + out_dir.string(), cdb.string()};
        if (!p.globs.empty()) {
          // clang-doc takes the whole database; restrict it to the same files.
          cmd = {"clang-doc-14", "--format=yaml", "--output=" + out_dir.string(),
                 "-p", cdb.parent_path().string()};
          for (const auto& t : tus) cmd.push_back(t.file);
        }
        auto d = run_child(cmd);
        doc_s.push_back(d.seconds);
        doc_cpu.push_back(d.cpu_seconds);
        doc_rss = std::max(doc_rss, d.rss_mib);
        fs::remove_all(out_dir);
      }
    }
    std::size_t symbols = 0, relations = 0, parsed = 0, errors = 0;
    std::istringstream(ours_out) >> symbols >> relations >> parsed >> errors;
    double m1 = median(ours1), m2 = median(ours2), mc = median(clang_s), md = median(doc_s);
    fmt::print("{:<10} {:>4} {:>7} {:>9.2f} {:>9.2f} {:>7.2f} {:>10.2f} {:>7.2f} {:>10} {:>8.0f} {:>9.0f}\n",
               p.name, tus.size(), symbols, m1, m2, m1 / m2, mc, m1 / mc,
               have_clang_doc ? fmt::format("{:.2f}", md) : "n/a", std::max(rss1, rss2),
               symbols / m1);
    fmt::print("{:<10} {:>4} {:>7} {:>9.2f} {:>9.2f} {:>7} {:>10.2f} {:>7.2f} {:>10} {:>8} {:>9}   (CPU s, load {:.1f})\n",
               "  cpu", "", "", median(ours1_cpu), median(ours2_cpu), "", median(clang_cpu),
               median(ours1_cpu) / median(clang_cpu),
               have_clang_doc ? fmt::format("{:.2f}", median(doc_cpu)) : "n/a", "", "",
               load_average());
    results.push_back(boost::json::object{
        {"project", p.name},
        {"translation_units", tus.size()},
        {"parsed_translation_units", parsed},
        {"symbols", symbols},
        {"relations", relations},
        {"error_diagnostics", errors},
        {"runs", runs_here},
        {"ours_jobs1_s", m1},
        {"ours_jobs1_cpu_s", median(ours1_cpu)},
        {"ours_jobs2_cpu_s", median(ours2_cpu)},
        {"clang_fsyntax_only_cpu_s", median(clang_cpu)},
        {"clang_doc_cpu_s", median(doc_cpu)},
        {"load_average_1min_at_end", load_average()},
        {"ours_jobs2_s", m2},
        {"speedup_jobs2", m1 / m2},
        {"clang_fsyntax_only_jobs1_s", mc},
        {"ours_over_clang", m1 / mc},
        {"clang_doc_jobs1_s", have_clang_doc ? boost::json::value(md) : boost::json::value(nullptr)},
        {"ours_peak_rss_mib_jobs1", rss1},
        {"ours_peak_rss_mib_jobs2", rss2},
        {"clang_fsyntax_only_peak_rss_mib", clang_rss},
        {"clang_doc_peak_rss_mib", doc_rss},
        {"symbols_per_s_jobs1", symbols / m1},
        {"symbols_per_s_jobs2", symbols / m2},
    });
  }
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << doctown::detail::pretty_json(boost::json::object{{"benchmark", "analyzer"},
                                                            {"results", results}});
  }
  return 0;
}
