// File selection for the analyzers. A git work tree is listed by git itself
// (`git ls-files --cached --others --exclude-standard`), which applies every .gitignore rule
// (nested files, negations, global excludes) exactly; any other folder is walked without
// following directory links. Both paths then go through the same filters, and the result is
// sorted so the same tree always gives the same list.
#include "source/file_select.hpp"
#include "core/strings.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "core/file_util.hpp"
#include "core/utf8.hpp"
#include "source/process.hpp"

namespace doctown::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 63> kExtensions{{
    {".c", "c"},          {".h", "c++"},          {".cc", "c++"},      {".cpp", "c++"},
    {".cxx", "c++"},      {".c++", "c++"},        {".hh", "c++"},      {".hpp", "c++"},
    {".hxx", "c++"},      {".h++", "c++"},        {".inl", "c++"},     {".ipp", "c++"},
    {".tpp", "c++"},      {".cu", "c++"},         {".py", "python"},   {".pyi", "python"},
    {".go", "go"},        {".rs", "rust"},        {".java", "java"},   {".kt", "kotlin"},
    {".kts", "kotlin"},   {".scala", "scala"},    {".js", "javascript"}, {".mjs", "javascript"},
    {".cjs", "javascript"}, {".jsx", "javascript"}, {".ts", "typescript"}, {".tsx", "typescript"},
    {".cs", "c#"},        {".rb", "ruby"},        {".php", "php"},     {".swift", "swift"},
    {".lua", "lua"},      {".pl", "perl"},        {".pm", "perl"},     {".sh", "sh"},
    {".bash", "sh"},      {".zsh", "sh"},         {".m", "objectivec"}, {".mm", "objectivec"},
    {".hs", "haskell"},   {".erl", "erlang"},     {".ex", "elixir"},   {".exs", "elixir"},
    {".r", "r"},          {".sql", "sql"},        {".f90", "fortran"}, {".f", "fortran"},
    {".pas", "pascal"},   {".adb", "ada"},        {".ads", "ada"},     {".d", "d"},
    {".vim", "vim"},      {".tcl", "tcl"},        {".el", "lisp"},
    {".lisp", "lisp"},    {".clj", "clojure"},    {".ml", "ocaml"},    {".v", "verilog"},
    {".md", "markdown"},  {".markdown", "markdown"}, {".rst", "rst"},  {".proto", "protobuf"},
}};

constexpr std::array<std::string_view, 8> kHeaderExtensions{".h",   ".hh",  ".hpp", ".hxx",
                                                            ".h++", ".inl", ".ipp", ".tpp"};


std::string_view file_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string extension_of(std::string_view path) {
  auto name = file_name(path);
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return lower(name.substr(dot));
}

// `*`/`?` within a segment, `**` across segments (also matching zero segments).
bool glob_rec(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      p.remove_prefix(2);
      if (!p.empty() && p.front() == '/') {
        // "**/x" matches "x" and "a/b/x".
        auto rest = p.substr(1);
        if (glob_rec(rest, s)) return true;
        for (std::size_t i = 0; i < s.size(); ++i)
          if (s[i] == '/' && glob_rec(rest, s.substr(i + 1))) return true;
        return false;
      }
      for (std::size_t i = 0; i <= s.size(); ++i)
        if (glob_rec(p, s.substr(i))) return true;
      return false;
    }
    char c = p.front();
    if (c == '*') {
      p.remove_prefix(1);
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (glob_rec(p, s.substr(i))) return true;
        if (i < s.size() && s[i] == '/') break;
      }
      return false;
    }
    if (s.empty()) return false;
    if (c == '?') {
      if (s.front() == '/') return false;
    } else if (c != s.front()) {
      return false;
    }
    p.remove_prefix(1);
    s.remove_prefix(1);
  }
  return s.empty();
}

bool any_glob(const std::vector<std::string>& globs, std::string_view path) {
  for (const auto& g : globs)
    if (glob_match(g, path)) return true;
  return false;
}

// Content sniffing: NUL bytes in the first 8 KiB mean binary (what git and grep do).
bool looks_binary(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char buf[8192];
  in.read(buf, sizeof buf);
  auto n = in.gcount();
  for (std::streamsize i = 0; i < n; ++i)
    if (buf[i] == '\0') return true;
  return false;
}

// Split NUL-separated git output.
std::vector<std::string> split_nul(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find('\0', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) parts.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool is_vcs_dir(std::string_view name) { return name == ".git" || name == ".hg" || name == ".svn"; }

// Folders skipped for what they are rather than what they are called: doctown's own output
// and work folders (this run's and earlier runs'), real build trees, and (when git is not
// there to apply .gitignore) the plain folder names the root .gitignore lists. The root
// itself is never skipped: an in-source build still documents its sources.
class FolderRules {
 public:
  FolderRules(const fs::path& root, const FileSelectOptions& options, bool from_git)
      : root_(root), build_trees_(options.default_excludes) {
    std::error_code ec;
    for (const auto& d : options.skip_dirs) {
      if (d.empty()) continue;
      auto rel = fs::weakly_canonical(fs::absolute(d, ec), ec).lexically_relative(root).generic_string();
      if (!rel.empty() && rel != "." && !leaves_base(rel)) own_.insert(rel);
    }
    if (!from_git && build_trees_) read_gitignore_names();
  }

  // Why the folder `dir` (relative, never empty) is skipped; empty when it is not.
  const std::string& why(const std::string& dir) {
    auto [it, fresh] = memo_.try_emplace(dir);
    if (!fresh) return it->second;
    std::error_code ec;
    std::string_view name = file_name(dir);
    fs::path abs = root_ / dir;
    if (own_.count(dir)) {
      it->second = "doctown's output or work folder for this run";
    } else if (name.rfind(".doctown-", 0) == 0) {
      it->second = "a doctown cache, state or work folder";
    } else if (fs::exists(abs / ".doctown-cache", ec) || fs::exists(abs / ".doctown-state", ec) ||
               fs::exists(abs / ".doctown-work", ec)) {
      it->second = "the output of an earlier doctown run (it holds a .doctown-* folder)";
    } else if (!build_trees_) {
    } else if (fs::exists(abs / "CMakeCache.txt", ec)) {
      it->second = "a CMake build tree (it holds CMakeCache.txt)";
    } else if (ignored_names_.count(std::string(name))) {
      it->second = "named in .gitignore";
    }
    return it->second;
  }

  // The first ancestor folder of a file that is skipped, or empty.
  std::string skipped_ancestor(std::string_view rel) {
    for (auto slash = rel.find('/'); slash != std::string_view::npos;
         slash = rel.find('/', slash + 1)) {
      std::string dir(rel.substr(0, slash));
      if (!why(dir).empty()) return dir;
    }
    return {};
  }

 private:
  // Without git, only the root .gitignore's plain names ("build/", "/dist", "out") are
  // honoured; patterns with wildcards or negations need git.
  void read_gitignore_names() {
    auto text = read_file(root_ / ".gitignore");
    if (!text) return;
    std::size_t start = 0;
    while (start < text->size()) {
      auto end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      std::string line = text->substr(start, end - start);
      start = end + 1;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty() && line.front() == '/') line.erase(0, 1);
      if (!line.empty() && line.back() == '/') line.pop_back();
      if (line.empty() || line.find_first_of("#!*?[/\\") != std::string::npos) continue;
      ignored_names_.insert(line);
    }
  }

  fs::path root_;
  bool build_trees_;  // skip build trees and .gitignore names (default excludes on)
  std::set<std::string> own_;
  std::set<std::string> ignored_names_;
  std::map<std::string, std::string> memo_;
};

}  // namespace

bool leaves_base(std::string_view rel) {
  return rel == ".." || rel.substr(0, 3) == "../";
}

std::string language_for_path(std::string_view path) {
  auto name = lower(file_name(path));
  auto ext = extension_of(path);
  for (const auto& [e, lang] : kExtensions)
    if (e == ext) return std::string(lang);
  return {};
}

bool is_header_path(std::string_view path) {
  auto ext = extension_of(path);
  return std::find(kHeaderExtensions.begin(), kHeaderExtensions.end(), ext) !=
         kHeaderExtensions.end();
}

bool glob_match(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return false;
  if (pattern.front() == '/') pattern.remove_prefix(1);
  if (glob_rec(pattern, path)) return true;
  // "dir/" matches everything below dir; a bare name matches any segment suffix.
  if (pattern.back() == '/') {
    std::string p(pattern);
    p += "**";
    return glob_rec(p, path) || glob_rec("**/" + p, path);
  }
  if (pattern.find('/') == std::string_view::npos) return glob_rec(pattern, file_name(path));
  return false;
}

bool in_default_excluded_dir(std::string_view path) {
  std::size_t start = 0;
  while (true) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) return false;  // the last segment is the file name
    auto seg = lower(path.substr(start, slash - start));
    if (seg == "third_party" || seg == "third-party" || seg == "thirdparty" || seg == "vendor" ||
        seg == "vendored" || seg == "node_modules" || seg == "__pycache__" || seg == ".venv" ||
        seg == "venv" || seg == ".tox" || is_vcs_dir(seg))
      return true;
    start = slash + 1;
  }
}

namespace {

// The work tree's files as git lists them (every .gitignore rule applied), or nullopt, with a
// note, when git cannot list it.
std::optional<std::vector<std::string>> list_with_git(const fs::path& root,
                                                      const FileSelectOptions& options,
                                                      const RunContext& ctx, FileSelection& sel) {
  // The repository's .git/config is hostile (core.fsmonitor runs a command on ls-files):
  // git runs with every program it could start switched off.
  auto listed = run_process(
      git_argv(options.git_path, {"ls-files", "-z", "--cached", "--others", "--exclude-standard"}),
      git_process_options(ProcessOptions{.cwd = root, .timeout_s = 120, .stop = ctx.stop}));
  if (listed && listed->exit_code == 0) return split_nul(listed->out);
  sel.diagnostics.push_back({"", 0, Diagnostic::Severity::note,
                             "git could not list the work tree; .gitignore is not applied, "
                             "the folder is walked instead"});
  return std::nullopt;
}

// One note per skipped folder, saying why.
struct SkippedFolders {
  FolderRules& rules;
  FileSelection& sel;
  std::set<std::string> noted;

  void note(const std::string& dir) {
    if (!noted.insert(dir).second) return;
    std::string shown = dir;
    repair_utf8(shown);
    sel.diagnostics.push_back({shown + "/", 0, Diagnostic::Severity::note,
                               "skipped folder: " + rules.why(dir)});
  }
};

// The files under `root`, walked without following directory links; version-control and
// skipped folders are not entered.
result<std::vector<std::string>> walk_tree(const fs::path& root, const RunContext& ctx,
                                           SkippedFolders& skipped) {
  std::error_code ec;
  std::vector<std::string> out;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec)
    return fail(errc::io_error, "cannot read the source folder: " + ec.message(), root.string());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (ctx.stop_requested()) return fail(errc::cancelled, "file listing cancelled", root.string());
    const auto& entry = *it;
    auto name = entry.path().filename().string();
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) {
      if (is_vcs_dir(name)) {
        it.disable_recursion_pending();
      } else if (auto rel = entry.path().lexically_relative(root).generic_string();
                 !skipped.rules.why(rel).empty()) {
        skipped.note(rel);
        it.disable_recursion_pending();
      }
      continue;
    }
    out.push_back(entry.path().lexically_relative(root).generic_string());
  }
  return out;
}

// Why a symbolic link is not read, "" when it may be: a link to a file outside the tree is
// not part of the project (and must not be read); a link that loops or dangles has nothing
// to read.
std::string_view link_problem(const fs::path& root, const fs::path& abs) {
  std::error_code ec;
  auto target = fs::weakly_canonical(abs, ec);
  if (ec || !fs::exists(target, ec)) return "a symbolic link that loops or points nowhere";
  auto t = target.generic_string();
  auto base = root.generic_string();
  if (t.compare(0, base.size(), base) != 0 || (t.size() > base.size() && t[base.size()] != '/'))
    return "a symbolic link to a file outside the source tree";
  return {};
}

// A candidate that passed the path filters, read and hashed; nullopt when it is not a readable
// source file (with a diagnostic when the user would want to know).
std::optional<SourceFile> read_candidate(const fs::path& root, const std::string& rel,
                                         std::string lang, const FileSelectOptions& options,
                                         FileSelection& sel) {
  std::error_code ec;
  auto skip = [&sel](std::string path, Diagnostic::Severity severity, std::string why) {
    repair_utf8(path);
    sel.diagnostics.push_back({std::move(path), 0, severity, "skipped: " + std::move(why)});
  };
  fs::path abs = root / rel;
  if (fs::is_symlink(abs, ec))
    if (auto problem = link_problem(root, abs); !problem.empty()) {
      skip(rel, Diagnostic::Severity::note, std::string(problem));
      return std::nullopt;
    }
  // Regular files only: submodules, sockets and links to folders are not source files.
  if (!fs::is_regular_file(abs, ec)) return std::nullopt;
  // Outputs are UTF-8 (JSON, HTML); a name that is not cannot be written faithfully.
  if (!is_valid_utf8(rel)) {
    skip(rel, Diagnostic::Severity::warning,
         "the file name is not valid UTF-8 (rename the file to document it)");
    return std::nullopt;
  }
  auto size = fs::file_size(abs, ec);
  if (ec) return std::nullopt;
  if (size > options.max_file_size) {
    sel.diagnostics.push_back({rel, 0, Diagnostic::Severity::note,
                               "skipped: " + std::to_string(size) + " bytes is over the " +
                                   std::to_string(options.max_file_size) +
                                   "-byte limit (raise --max-file-size to include it)"});
    return std::nullopt;
  }
  if (looks_binary(abs)) {
    skip(rel, Diagnostic::Severity::note, "binary content (NUL bytes) in a source file");
    return std::nullopt;
  }
  auto content = read_file(abs);
  if (!content) {
    sel.diagnostics.push_back(
        {rel, 0, Diagnostic::Severity::warning, "skipped: " + content.error().message});
    return std::nullopt;
  }
  return SourceFile{rel, std::move(lang), size, sha256_hex(*content)};
}

}  // namespace

result<FileSelection> select_files(const fs::path& root, const FileSelectOptions& options,
                                   const RunContext& ctx) {
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return fail(errc::not_found, "the source folder does not exist or is not a folder",
                root.string());

  FileSelection sel;
  std::vector<std::string> candidates;
  // A git work tree: let git apply .gitignore. Only when the root itself has .git, so a plain
  // folder nested in some unrelated repository is still walked in full.
  if (fs::exists(root / ".git", ec))
    if (auto listed = list_with_git(root, options, ctx, sel)) {
      candidates = std::move(*listed);
      sel.from_git = true;
    }
  FolderRules folders(root, options, sel.from_git);
  SkippedFolders skipped{folders, sel, {}};
  if (!sel.from_git) {
    auto walked = walk_tree(root, ctx, skipped);
    if (!walked) return std::move(walked).error();
    candidates = std::move(*walked);
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  for (const auto& rel : candidates) {
    if (ctx.stop_requested()) return fail(errc::cancelled, "file listing cancelled", root.string());
    if (options.default_excludes && in_default_excluded_dir(rel)) continue;
    if (auto dir = folders.skipped_ancestor(rel); !dir.empty()) {
      skipped.note(dir);
      continue;
    }
    if (!options.include_globs.empty() && !any_glob(options.include_globs, rel)) continue;
    if (any_glob(options.exclude_globs, rel)) continue;
    auto lang = language_for_path(rel);
    if (lang.empty()) continue;
    if (auto file = read_candidate(root, rel, std::move(lang), options, sel))
      sel.files.push_back(std::move(*file));
  }
  return sel;
}

}  // namespace doctown::detail
