// Translation-unit planning. A compile_commands.json (named in the options, or found at the
// root or in build/) gives each source its real flags, made independent of the process's
// working folder with clang's -working-directory. Sources the database does not list, and
// projects without one, get fallback flags: the language standard from the extension and -I
// for include/, src/, the root and every other folder named include.
#include "analyzer/compile_db.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <system_error>

#include "core/file_util.hpp"
#include "core/json_util.hpp"
#include "source/file_select.hpp"

namespace doctown::detail {

namespace fs = std::filesystem;

namespace {

bool is_cpp_source_ext(std::string_view rel) {
  auto dot = rel.rfind('.');
  if (dot == std::string_view::npos) return false;
  auto ext = rel.substr(dot);
  return ext == ".cc" || ext == ".cpp" || ext == ".cxx" || ext == ".c++" || ext == ".C" ||
         ext == ".cu";
}
bool is_c_source_ext(std::string_view rel) {
  return rel.size() > 2 && rel.substr(rel.size() - 2) == ".c";
}

// Folders that hold headers users include: include/ anywhere (not too deep), plus the root
// and src/. Sorted and deduplicated so the argument list is stable.
std::vector<std::string> fallback_include_dirs(const AnalysisInput& in) {
  std::set<std::string> dirs;
  std::error_code ec;
  for (const char* d : {"include", "src"})
    if (fs::is_directory(in.root / d, ec)) dirs.insert((in.root / d).string());
  for (const auto& f : in.files) {
    if (!is_header_path(f.path)) continue;
    // Every ancestor folder named include (or the folder holding the header when it sits in
    // a folder called include) becomes an -I.
    std::string_view p = f.path;
    std::size_t pos = 0;
    while ((pos = p.find("include/", pos)) != std::string_view::npos) {
      if (pos == 0 || p[pos - 1] == '/')
        dirs.insert((in.root / std::string(p.substr(0, pos + 7))).string());
      pos += 8;
    }
  }
  std::vector<std::string> out(dirs.begin(), dirs.end());
  out.push_back(in.root.string());
  return out;
}

std::vector<std::string> fallback_args(const std::string& language,
                                       const std::vector<std::string>& include_dirs,
                                       bool header) {
  std::vector<std::string> args;
  if (language == "c") {
    args = {"-x", "c", "-std=c17"};
  } else {
    args = {"-x", "c++", "-std=c++20"};
  }
  if (header) args.push_back("-Wno-pragma-once-outside-header");
  for (const auto& d : include_dirs) args.push_back("-I" + d);
  return args;
}

fs::path find_database(const AnalysisInput& in, const AnalyzerOptions& options) {
  std::error_code ec;
  if (!options.compile_commands.empty()) {
    // A relative path is taken from the working folder when it exists there (what a CLI user
    // typed), from the analysed root otherwise.
    fs::path p = options.compile_commands;
    if (p.is_relative()) p = fs::exists(p, ec) ? fs::absolute(p, ec) : in.root / p;
    if (fs::is_directory(p, ec)) p /= "compile_commands.json";
    return p;
  }
  for (const char* c : {"compile_commands.json", "build/compile_commands.json"})
    if (fs::is_regular_file(in.root / c, ec)) return in.root / c;
  return {};
}

// One note for the whole database naming what the allowlist refused (control characters
// and overlong values shown harmlessly: the names come from a hostile file).
Diagnostic dropped_note(const fs::path& db, const std::set<std::string>& dropped) {
  std::string names;
  std::size_t shown = 0;
  for (const auto& d : dropped) {
    if (shown == 24) {
      names += ", and " + std::to_string(dropped.size() - shown) + " more";
      break;
    }
    std::string s = d.size() > 80 ? d.substr(0, 77) + "..." : d;
    for (auto& c : s)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    names += (shown++ ? ", " : "") + s;
  }
  // A warning, so it reaches stderr: a database asking to write files is worth seeing.
  return {"", 0, Diagnostic::Severity::warning,
          "compile database " + db.string() + ": dropped " + std::to_string(dropped.size()) +
              " argument(s) that could write files, load code or read outside the source tree, "
              "or that doctown does not know to be harmless: " + names};
}

// Folders two relative paths share, counted from the root.
std::size_t common_folders(std::string_view a, std::string_view b) {
  std::size_t n = 0, i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) {
    if (a[i] == '/') ++n;
    ++i;
  }
  return n;
}

std::string_view stem_of(std::string_view rel) {
  auto slash = rel.rfind('/');
  auto name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  return name.substr(0, name.find('.'));
}

}  // namespace

std::optional<std::vector<std::string>> interpolate_args(
    const std::map<std::string, std::vector<std::string>>& db_args, const std::string& rel,
    bool c_language) {
  // The entry nearest by path (most shared folders, then the same file stem, then the first
  // by name) of the same language, as clangd's InterpolatingCompilationDatabase does: a file
  // the build does not list usually wants its neighbours' include folders and defines.
  const std::vector<std::string>* best = nullptr;
  std::tuple<std::size_t, bool> best_score{0, false};
  for (const auto& [path, args] : db_args) {
    if (is_c_source_ext(path) != c_language) continue;
    std::tuple<std::size_t, bool> score{common_folders(path, rel), stem_of(path) == stem_of(rel)};
    if (!best || score > best_score) {
      best = &args;
      best_score = score;
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

std::vector<std::string> split_command_line(std::string_view command) {
  std::vector<std::string> out;
  std::string cur;
  bool in_token = false;
  char quote = 0;
  for (std::size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < command.size() &&
                 (command[i + 1] == '"' || command[i + 1] == '\\' || command[i + 1] == '$')) {
        cur += command[++i];
      } else {
        cur += c;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_token = true;
    } else if (c == '\\' && i + 1 < command.size()) {
      cur += command[++i];
      in_token = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_token) out.push_back(std::move(cur));
      cur.clear();
      in_token = false;
    } else {
      cur += c;
      in_token = true;
    }
  }
  if (in_token) out.push_back(std::move(cur));
  return out;
}

namespace {

using DbArgs = std::map<std::string, std::vector<std::string>>;  // relative path -> args

// Arguments every translation unit ends with, database or not.
std::vector<std::string> common_tail_args(const AnalyzerOptions& options,
                                          const std::string& resource_dir) {
  std::vector<std::string> tail;
  std::error_code ec;
  if (!resource_dir.empty() && fs::is_directory(resource_dir, ec)) {
    tail.push_back("-resource-dir");
    tail.push_back(resource_dir);
  }
  // Warnings about flags meant for another compiler are noise, not facts about the code.
  tail.push_back("-Wno-unknown-warning-option");
  tail.push_back("-Wno-unused-command-line-argument");
  for (const auto& a : options.extra_args) tail.push_back(a);
  return tail;
}

// The compiler's argv of one database entry: "arguments" when given, else "command" split.
std::vector<std::string> entry_argv(const boost::json::object& o) {
  std::vector<std::string> argv;
  if (auto it = o.find("arguments"); it != o.end() && it->value().is_array()) {
    for (const auto& a : it->value().as_array())
      if (a.is_string()) argv.emplace_back(a.as_string());
    return argv;
  }
  return split_command_line(json_string(o, "command"));
}

// The entries of a parsed database for files inside the tree, their arguments filtered by the
// allowlist; notes for what was dropped and for entries that were not used.
DbArgs database_entries(const AnalysisInput& in, const fs::path& db,
                        const boost::json::array& entries, TuPlan& plan) {
  DbArgs db_args;
  std::error_code ec;
  std::size_t outside = 0;
  std::set<std::string> dropped;
  for (const auto& v : entries) {
    if (!v.is_object()) continue;
    const auto& o = v.as_object();
    std::string dir = json_string(o, "directory");
    std::string file = json_string(o, "file");
    if (file.empty()) continue;
    fs::path fp = file;
    if (fp.is_relative()) fp = fs::path(dir) / fp;
    fp = fs::weakly_canonical(fp, ec);
    auto rel = fp.lexically_relative(in.root).generic_string();
    if (rel.empty() || leaves_base(rel) || fp.is_relative()) {
      ++outside;  // never read: only the tree being documented is analysed
      continue;
    }
    if (db_args.count(rel)) continue;
    std::vector<std::string> argv = entry_argv(o);
    if (argv.empty()) continue;
    auto filtered = filter_compile_args(argv, file, dir.empty() ? in.root : fs::path(dir),
                                        in.root);
    for (auto& d : filtered.dropped) dropped.insert(std::move(d));
    auto args = std::move(filtered.args);
    if (!dir.empty()) {
      args.insert(args.begin(), dir);
      args.insert(args.begin(), "-working-directory");
    }
    db_args.emplace(rel, std::move(args));
  }
  if (!dropped.empty()) plan.diagnostics.push_back(dropped_note(db, dropped));
  std::set<std::string> present;
  for (const auto& f : in.files) present.insert(f.path);
  std::size_t absent = 0;
  for (const auto& [rel, args] : db_args) absent += !present.count(rel);
  if (outside || absent)
    plan.diagnostics.push_back(
        {"", 0, Diagnostic::Severity::note,
         "compile database " + db.string() + ": ignored " + std::to_string(outside) +
             " entr" + (outside == 1 ? "y" : "ies") + " for files outside the source tree and " +
             std::to_string(absent) + " for files that are missing or not selected"});
  return db_args;
}

// The database's entries, or none (with a warning) when there is none, or it cannot be read.
// Sets plan.database when one was used.
DbArgs load_database(const AnalysisInput& in, const AnalyzerOptions& options, TuPlan& plan) {
  fs::path db = find_database(in, options);
  if (db.empty()) return {};
  auto text = read_file(db);
  if (!text) {
    plan.diagnostics.push_back({"", 0, Diagnostic::Severity::warning,
                                "cannot read compile database " + db.string() + ": " +
                                    text.error().message + "; using fallback flags"});
    return {};
  }
  auto json = parse_json(*text, db.string());
  if (!json || !json->is_array()) {
    plan.diagnostics.push_back({"", 0, Diagnostic::Severity::warning,
                                "compile database " + db.string() +
                                    " is not a JSON array of commands; using fallback flags"});
    return {};
  }
  plan.database = db;
  return database_entries(in, db, json->as_array(), plan);
}

// Headers parsed on their own see the database's defines and include folders too (those of
// its first entry).
void add_database_header_args(const DbArgs& db_args, std::vector<std::string>& header_args) {
  if (db_args.empty()) return;
  const auto& first = db_args.begin()->second;
  for (std::size_t i = 0; i < first.size(); ++i) {
    const auto& a = first[i];
    if (a == "-working-directory" && i + 1 < first.size()) {
      header_args.push_back(a);
      header_args.push_back(first[++i]);
    } else if (a.rfind("-D", 0) == 0 || a.rfind("-I", 0) == 0 || a.rfind("-std=", 0) == 0 ||
               a.rfind("-isystem", 0) == 0) {
      if ((a == "-D" || a == "-I" || a == "-isystem") && i + 1 < first.size()) {
        header_args.push_back(a);
        header_args.push_back(first[++i]);
      } else {
        header_args.push_back(a);
      }
    }
  }
}

// Notes saying how many units were not parsed with their own database entry, and with what.
void add_flag_notes(const AnalysisInput& in, const std::vector<std::string>& includes,
                    std::size_t interpolated_count, std::size_t fallback_count, TuPlan& plan) {
  if (interpolated_count > 0)
    plan.diagnostics.push_back(
        {"", 0, Diagnostic::Severity::note,
         std::to_string(interpolated_count) + " translation unit(s) not listed in " +
             plan.database.string() + " parsed with the flags of their nearest listed neighbour"});
  if (fallback_count == 0) return;
  std::string dirs;
  for (const auto& d : includes) {
    auto rel = fs::path(d).lexically_relative(in.root).generic_string();
    dirs += " -I" + (rel.empty() || rel == "." ? std::string(".") : rel);
  }
  std::string why = plan.database.empty()
                        ? "no compile_commands.json in the root or build/"
                        : "not listed in " + plan.database.string();
  plan.diagnostics.push_back(
      {"", 0, Diagnostic::Severity::note,
       std::to_string(fallback_count) + " translation unit(s) parsed with fallback flags (" +
           why + "): -std=c++20 / -std=c17 by extension," + dirs +
           "; pass --compile-commands for exact results"});
}

}  // namespace

TuPlan plan_translation_units(const AnalysisInput& in, const AnalyzerOptions& options,
                              const std::string& resource_dir) {
  TuPlan plan;
  const bool any_cpp = std::any_of(in.files.begin(), in.files.end(), [](const SourceFile& f) {
    return is_cpp_source_ext(f.path);
  });
  const std::vector<std::string> common_tail = common_tail_args(options, resource_dir);
  const DbArgs db_args = load_database(in, options, plan);

  // Each source's flags: its own database entry, else its nearest listed neighbour's, else
  // the fallback flags.
  auto includes = fallback_include_dirs(in);
  std::size_t fallback_count = 0, interpolated_count = 0;
  for (const auto& f : in.files) {
    bool cpp = is_cpp_source_ext(f.path), c = is_c_source_ext(f.path);
    if (!cpp && !c) continue;
    TuJob job;
    job.rel = f.path;
    job.abs = in.root / f.path;
    job.language = cpp ? "c++" : "c";
    if (auto it = db_args.find(f.path); it != db_args.end()) {
      job.args = it->second;
    } else if (auto near = interpolate_args(db_args, f.path, c)) {
      job.args = std::move(*near);
      ++interpolated_count;
    } else {
      job.args = fallback_args(job.language, includes, false);
      ++fallback_count;
    }
    job.args.insert(job.args.end(), common_tail.begin(), common_tail.end());
    plan.jobs.push_back(std::move(job));
  }
  plan.header_args = fallback_args(any_cpp || plan.jobs.empty() ? "c++" : "c", includes, true);
  add_database_header_args(db_args, plan.header_args);
  plan.header_args.insert(plan.header_args.end(), common_tail.begin(), common_tail.end());
  add_flag_notes(in, includes, interpolated_count, fallback_count, plan);
  return plan;
}

}  // namespace doctown::detail
