// Languages other than C/C++ through universal-ctags: its JSON output (one tag per line with
// kind, scope, signature, line and end line) becomes symbols; scopes become contains edges;
// the comment block above a tag (or a Python docstring below it) becomes its doc comment.
// ctags runs as a child process from an argument vector, in chunks of files, never through a
// shell. Without ctags the run goes on and a note says which files were skipped.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "analyzer/analyzer_impl.hpp"
#include "core/file_util.hpp"
#include "core/json_util.hpp"
#include "source/process.hpp"

namespace doctown::detail {

namespace fs = std::filesystem;

namespace {

std::optional<SymbolKind> map_kind(std::string_view k) {
  static const std::map<std::string_view, SymbolKind> kinds{
      {"class", SymbolKind::class_},         {"struct", SymbolKind::struct_},
      {"union", SymbolKind::union_},         {"enum", SymbolKind::enum_},
      {"enumerator", SymbolKind::enumerator}, {"enumConstant", SymbolKind::enumerator},
      {"variant", SymbolKind::enumerator},   {"function", SymbolKind::function},
      {"func", SymbolKind::function},        {"subroutine", SymbolKind::function},
      {"procedure", SymbolKind::function},   {"method", SymbolKind::method},
      {"member", SymbolKind::method},        {"singletonMethod", SymbolKind::method},
      {"constructor", SymbolKind::constructor}, {"field", SymbolKind::field},
      {"property", SymbolKind::property},    {"variable", SymbolKind::variable},
      {"var", SymbolKind::variable},         {"constant", SymbolKind::constant},
      {"const", SymbolKind::constant},       {"macro", SymbolKind::macro},
      {"module", SymbolKind::module},        {"package", SymbolKind::module},
      {"namespace", SymbolKind::namespace_}, {"interface", SymbolKind::interface},
      {"trait", SymbolKind::trait},          {"typedef", SymbolKind::typedef_},
      {"type", SymbolKind::type_alias},      {"typealias", SymbolKind::type_alias},
      {"alias", SymbolKind::type_alias},     {"annotation", SymbolKind::interface},
      {"protocol", SymbolKind::interface},   {"object", SymbolKind::class_},
      {"record", SymbolKind::struct_},       {"getter", SymbolKind::method},
      {"setter", SymbolKind::method},        {"generator", SymbolKind::function},
  };
  auto it = kinds.find(k);
  if (it == kinds.end()) return std::nullopt;
  return it->second;
}

std::string scope_separator(const std::string& language) {
  if (language == "rust" || language == "ruby" || language == "perl" || language == "php")
    return "::";
  return ".";
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool is_comment_line(std::string_view t) {
  for (std::string_view m : {"#", "//", "--", ";", "/*", "*", "*/"})
    if (t.substr(0, m.size()) == m) return !(m == "#" && t.substr(0, 2) == "#!");
  return false;
}

// The comment block right above line `line` (1-based), or the docstring of a Python def/class.
std::string doc_for(const std::vector<std::string_view>& lines, int line, const std::string& lang) {
  if (line <= 0 || static_cast<std::size_t>(line) > lines.size()) return {};
  if (lang == "python") {
    for (std::size_t i = static_cast<std::size_t>(line); i < lines.size() && i < static_cast<std::size_t>(line) + 3; ++i) {
      auto t = trim(lines[i]);
      if (t.empty()) continue;
      for (std::string_view q : {"\"\"\"", "'''"}) {
        if (t.substr(0, 3) != q) continue;
        std::string doc;
        auto rest = t.substr(3);
        auto close = rest.find(q);
        if (close != std::string_view::npos) return std::string(trim(rest.substr(0, close)));
        doc += std::string(trim(rest));
        for (std::size_t j = i + 1; j < lines.size(); ++j) {
          auto tj = trim(lines[j]);
          auto c = tj.find(q);
          if (!doc.empty()) doc += '\n';
          if (c != std::string_view::npos) {
            doc += std::string(trim(tj.substr(0, c)));
            break;
          }
          doc += std::string(tj);
        }
        return std::string(trim(doc));
      }
      break;
    }
  }
  std::vector<std::string_view> block;
  for (int i = line - 2; i >= 0; --i) {
    auto t = trim(lines[static_cast<std::size_t>(i)]);
    if (t.empty() || !is_comment_line(t)) break;
    block.push_back(lines[static_cast<std::size_t>(i)]);
  }
  if (block.empty()) return {};
  std::string raw;
  for (auto it = block.rbegin(); it != block.rend(); ++it) {
    auto t = trim(*it);
    // "#" and "--" comments: drop the marker here; clean_comment knows the C-style ones.
    if (t.substr(0, 2) == "--") t.remove_prefix(2);
    else if (!t.empty() && (t.front() == '#' || t.front() == ';')) t.remove_prefix(t.find_first_not_of("#;") == std::string_view::npos ? t.size() : t.find_first_not_of("#;"));
    raw += std::string(t) + "\n";
  }
  return clean_comment(raw);
}

// "(a, b: int = 3) -> T" → params and return type, as far as the text says.
void parse_signature(const std::string& sig, Symbol& s) {
  auto open = sig.find('('), close = sig.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return;
  std::string inner = sig.substr(open + 1, close - open - 1);
  auto arrow = sig.find("->", close);
  if (arrow != std::string::npos) s.return_type = std::string(trim(std::string_view(sig).substr(arrow + 2)));
  else if (auto colon = sig.find(':', close); colon != std::string::npos)
    s.return_type = std::string(trim(std::string_view(sig).substr(colon + 1)));
  int depth = 0;
  std::string cur;
  auto flush = [&]() {
    const std::string piece = std::move(cur);
    cur.clear();
    std::string_view p = trim(piece);
    if (p.empty()) return;
    Param param;
    auto eq = p.find('=');
    if (eq != std::string_view::npos) {
      param.default_value = std::string(trim(p.substr(eq + 1)));
      p = trim(p.substr(0, eq));
    }
    auto colon = p.find(':');
    if (colon != std::string_view::npos) {
      param.name = std::string(trim(p.substr(0, colon)));
      param.type = std::string(trim(p.substr(colon + 1)));
    } else if (auto sp = p.find(' '); sp != std::string_view::npos && s.language == "go") {
      param.name = std::string(trim(p.substr(0, sp)));
      param.type = std::string(trim(p.substr(sp + 1)));
    } else if (auto last_sp = p.rfind(' '); last_sp != std::string_view::npos &&
               (s.language == "java" || s.language == "c#" || s.language == "kotlin")) {
      param.type = std::string(trim(p.substr(0, last_sp)));
      param.name = std::string(trim(p.substr(last_sp + 1)));
    } else {
      param.name = std::string(p);
    }
    s.params.push_back(std::move(param));
  };
  for (char c : inner) {
    if (c == '(' || c == '[' || c == '<' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '>' || c == '}') --depth;
    if (c == ',' && depth == 0) flush();
    else cur += c;
  }
  flush();
}

bool is_public_name(const Symbol& s, const std::string& access) {
  if (access == "private" || access == "protected") return false;
  if (!s.name.empty() && s.name.front() == '_') return false;
  if (s.language == "go")
    return !s.name.empty() && s.name.front() >= 'A' && s.name.front() <= 'Z';
  return true;
}

}  // namespace

result<void> analyze_ctags(const AnalysisInput& in, const AnalyzerOptions& options,
                           const RunContext& ctx, Codebase& out) {
  std::vector<const SourceFile*> files;
  for (const auto& f : in.files)
    if (f.language != "c" && f.language != "c++" && f.language != "markdown" &&
        f.language != "rst")
      files.push_back(&f);
  if (files.empty()) return {};

  std::string tags_json;
  constexpr std::size_t kChunk = 500;
  for (std::size_t start = 0; start < files.size(); start += kChunk) {
    if (ctx.stop_requested()) return fail(errc::cancelled, "analysis cancelled", in.root.string());
    // --options=NONE (it must come first) keeps ctags from reading option files, the
    // analysed tree's .ctags.d/ among them, which could add regex "symbols" or read files
    // outside the tree. Names are passed as ./NAME so a file called --bogus.py or -fhijack.py
    // is a file, not an option; ctags reports them back with the prefix, which is removed below.
    std::vector<std::string> argv{options.ctags_path, "--options=NONE", "--output-format=json",
                                  "--fields=+neKSa",  "--extras=-F",    "--sort=no",
                                  "-f",               "-"};
    for (std::size_t i = start; i < std::min(files.size(), start + kChunk); ++i)
      argv.push_back("./" + files[i]->path);
    auto run = run_process(argv, ProcessOptions{.cwd = in.root, .timeout_s = 600, .stop = ctx.stop});
    if (!run) {
      if (run.error().code == errc::cancelled) return std::move(run).error();
      std::set<std::string> langs;
      for (const auto* f : files) langs.insert(f->language);
      std::string list;
      for (const auto& l : langs) list += (list.empty() ? "" : ", ") + l;
      // A warning, not a note: files the user expects in the docs are missing.
      out.diagnostics.push_back(
          {"", 0, Diagnostic::Severity::warning,
           "universal-ctags ('" + options.ctags_path + "') is not available: " +
               std::to_string(files.size()) + " file(s) in " + list +
               " were not analysed; install universal-ctags to include them"});
      return {};
    }
    if (run->exit_code != 0) {
      out.diagnostics.push_back({"", 0, Diagnostic::Severity::warning,
                                 "ctags failed (exit " + std::to_string(run->exit_code) +
                                     "): " + run->err.substr(0, 300) +
                                     "; is it universal-ctags with JSON output?"});
      continue;
    }
    tags_json += run->out;
    tags_json += '\n';
  }

  auto symbols = symbols_from_ctags_json(
      tags_json, files,
      [&](const std::string& path) {
        auto text = read_file(in.root / path);
        return text ? std::move(*text) : std::string{};
      },
      options.max_source_text);
  for (auto& s : symbols) out.symbols.push_back(std::move(s));
  return {};
}

std::vector<Symbol> symbols_from_ctags_json(
    std::string_view tags_json, const std::vector<const SourceFile*>& files,
    const std::function<std::string(const std::string& path)>& text_of,
    std::size_t max_source_text) {
  std::unordered_map<std::string, const SourceFile*> by_path;
  for (const auto* f : files) by_path.emplace(f->path, f);

  // Contents of each file, for doc comments and source text.
  std::unordered_map<std::string, std::string> contents;
  std::unordered_map<std::string, std::vector<std::string_view>> file_lines;
  auto lines_of = [&](const std::string& path) -> const std::vector<std::string_view>& {
    auto it = file_lines.find(path);
    if (it != file_lines.end()) return it->second;
    auto& stored = contents[path];
    stored = text_of(path);
    return file_lines.emplace(path, split_lines(stored)).first->second;
  };

  std::set<std::string> used_ids;
  // (file, qualified name) → id, first tag wins, to resolve scopes into parents.
  std::map<std::pair<std::string, std::string>, std::string> by_qname;
  struct Pending {
    std::size_t index;
    std::string scope;
  };
  std::vector<Pending> pending;
  std::vector<Symbol> symbols;
  for (std::string_view line : split_lines(tags_json)) {
    if (line.empty()) continue;
    auto parsed = parse_json(line, "ctags output");
    if (!parsed || !parsed->is_object()) continue;
    const auto& o = parsed->as_object();
    if (json_string(o, "_type") != "tag") continue;
    std::string path = json_string(o, "path");
    if (path.rfind("./", 0) == 0) path.erase(0, 2);  // the prefix analyze_ctags adds
    auto fit = by_path.find(path);
    if (fit == by_path.end()) continue;
    auto kind = map_kind(json_string(o, "kind"));
    if (!kind) continue;
    Symbol s;
    s.kind = *kind;
    s.name = json_string(o, "name");
    s.language = fit->second->language;
    std::string scope = json_string(o, "scope");
    s.qualified_name = scope.empty() ? s.name : scope + scope_separator(s.language) + s.name;
    int l1 = static_cast<int>(json_int(o, "line"));
    int l2 = static_cast<int>(json_int(o, "end", l1));
    s.location = SourceRange{path, l1, std::max(l1, l2)};
    s.flags |= flags::is_definition;
    std::string sig = json_string(o, "signature");
    std::string access = json_string(o, "access");
    if (access == "public") s.access = Access::public_;
    else if (access == "protected") s.access = Access::protected_;
    else if (access == "private") s.access = Access::private_;
    if (is_callable(s.kind)) parse_signature(sig, s);
    s.signature = is_callable(s.kind) ? s.name + sig : sig;
    if (s.signature.empty()) {
      // The declaration line from the tag's pattern ("/^class Foo:$/").
      std::string pat = json_string(o, "pattern");
      if (pat.size() > 4 && pat.substr(0, 2) == "/^") pat = pat.substr(2, pat.size() - 2);
      if (pat.size() >= 2 && pat.substr(pat.size() - 2) == "$/") pat.resize(pat.size() - 2);
      else if (!pat.empty() && pat.back() == '/') pat.pop_back();
      s.signature = std::string(trim(pat));
    }
    const auto& lines = lines_of(path);
    s.doc_comment = doc_for(lines, l1, s.language);
    s.brief = brief_of(s.doc_comment);
    std::string text;
    // A tag without a line (or with a nonsense one) gets no source text rather than line 0.
    for (int i = l1; i >= 1 && i <= s.location.end_line && i <= static_cast<int>(lines.size());
         ++i) {
      text += std::string(lines[static_cast<std::size_t>(i - 1)]) + "\n";
      if (text.size() > max_source_text) break;
    }
    if (text.size() > max_source_text) text.resize(max_source_text);
    s.source_text = std::move(text);
    s.is_public_api = is_public_name(s, access);

    std::string id = s.language + ":" + path + ":" + s.qualified_name + ":" +
                     std::string(to_string(s.kind));
    // Same name, kind and scope twice in a file (overloads, redefinitions): the later ones
    // get their line, which keeps ids unique and stable; several on one line are numbered.
    if (!used_ids.insert(id).second) {
      const std::string at_line = id + "@" + std::to_string(l1);
      id = at_line;
      for (int n = 2; !used_ids.insert(id).second; ++n) id = at_line + "." + std::to_string(n);
    }
    s.id = id;
    by_qname.emplace(std::make_pair(path, s.qualified_name), id);
    pending.push_back({symbols.size(), scope});
    symbols.push_back(std::move(s));
  }
  for (const auto& p : pending) {
    if (p.scope.empty()) continue;
    auto& s = symbols[p.index];
    auto it = by_qname.find({s.location.file, p.scope});
    if (it != by_qname.end() && it->second != s.id) s.parent_id = it->second;
  }
  return symbols;
}

}  // namespace doctown::detail
