// `doctown check`: public API without docs, and doc comments that contradict the code. The
// verifier judges the comments against a copy of the codebase whose comments are removed:
// otherwise a name would "exist" because the comment under review (or the class text that
// contains it) spells it. Findings are placed at the comment line that makes the claim, so an
// editor or a CI annotation lands on the words to fix.
#include "doctown/check.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_set>

#include "doctown/verify.hpp"

namespace doctown {

std::string_view to_string(CheckKind k) noexcept {
  switch (k) {
    case CheckKind::undocumented: return "undocumented";
    case CheckKind::unknown_param: return "unknown-param";
    case CheckKind::return_on_void: return "return-on-void";
    case CheckKind::unknown_identifier: return "unknown-identifier";
    case CheckKind::throws_noexcept: return "throws-noexcept";
    case CheckKind::unknown_reference: return "unknown-reference";
  }
  return "undocumented";
}

namespace {

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool hash_comment_language(std::string_view lang) {
  return lang == "python" || lang == "ruby" || lang == "shell" || lang == "sh" ||
         lang == "perl" || lang == "r" || lang == "cmake" || lang == "make";
}

// The code without its comments (and, for Python, without triple-quoted docstrings).
std::string strip_comments(std::string_view code, std::string_view language) {
  bool hash = hash_comment_language(language);
  std::string out;
  out.reserve(code.size());
  for (std::size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    auto at = [&](std::string_view s) { return code.substr(i, s.size()) == s; };
    if (hash && (at("\"\"\"") || at("'''"))) {
      auto close = code.find(code.substr(i, 3), i + 3);
      i = close == std::string_view::npos ? code.size() : close + 2;
    } else if ((hash && c == '#') || (!hash && at("//"))) {
      while (i < code.size() && code[i] != '\n') ++i;
      if (i < code.size()) out += '\n';
    } else if (!hash && at("/*")) {
      auto close = code.find("*/", i + 2);
      i = close == std::string_view::npos ? code.size() : close + 1;
      out += ' ';
    } else if (c == '"' || c == '\'') {
      // A literal is copied whole: "//" inside a string is not a comment.
      std::size_t j = i + 1;
      while (j < code.size() && code[j] != c && code[j] != '\n') j += code[j] == '\\' ? 2 : 1;
      j = std::min(j, code.size() - 1);
      out.append(code.substr(i, j - i + 1));
      i = j;
    } else {
      out += c;
    }
  }
  return out;
}

std::string printable(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return s;
}

// Parameters are known for symbols the analyzer parsed fully; a callable with no recorded
// parameters but something between its parentheses (ctags gives no parameter list) is not
// judged, or every @param would look invented.
bool params_trustworthy(const Symbol& s) {
  if (!s.params.empty() || !is_callable(s.kind)) return true;
  auto open = s.signature.find('(');
  if (open == std::string::npos) return s.language == "c" || s.language == "c++";
  auto close = s.signature.find(')', open);
  std::string_view inside = std::string_view(s.signature).substr(open + 1, close - open - 1);
  while (!inside.empty() && inside.front() == ' ') inside.remove_prefix(1);
  return inside.empty() || inside.rfind("void", 0) == 0;
}

// Which public symbols must carry a doc comment. Overrides inherit their base's docs;
// deleted and defaulted members and namespaces (documented once, opened in many files) are
// not asked for one.
bool needs_doc(const Symbol& s) {
  if (!s.is_public_api || s.access == Access::private_) return false;
  switch (s.kind) {
    case SymbolKind::namespace_: case SymbolKind::document: case SymbolKind::module:
    case SymbolKind::other:
      return false;
    default: break;
  }
  if (s.has(flags::is_override) || s.has(flags::is_deleted) || s.has(flags::is_defaulted))
    return false;
  return !s.name.empty();
}

std::optional<CheckKind> kind_of(VerifyIssueKind k) {
  switch (k) {
    case VerifyIssueKind::unknown_param: return CheckKind::unknown_param;
    case VerifyIssueKind::return_on_void: return CheckKind::return_on_void;
    case VerifyIssueKind::unknown_identifier: return CheckKind::unknown_identifier;
    case VerifyIssueKind::throws_noexcept: return CheckKind::throws_noexcept;
    case VerifyIssueKind::unknown_reference: return CheckKind::unknown_reference;
    // An undescribed return value is an omission, not a contradiction: not a check finding.
    case VerifyIssueKind::missing_return: case VerifyIssueKind::unknown_symbol: break;
  }
  return std::nullopt;
}

// Lines of the analysed files, read once each. A path that could leave the root (absolute,
// or with a ".." component) is never opened.
class Files {
 public:
  explicit Files(std::string root) : root_(std::move(root)) {}

  const std::vector<std::string>& lines(const std::string& rel) {
    auto [it, fresh] = cache_.try_emplace(rel);
    if (!fresh || !safe(rel) || root_.empty()) return it->second;
    std::ifstream in(root_ + "/" + rel, std::ios::binary);
    for (std::string l; std::getline(in, l);) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      it->second.push_back(std::move(l));
    }
    return it->second;
  }

 private:
  static bool safe(const std::string& rel) {
    if (rel.empty() || rel.front() == '/') return false;
    for (std::size_t b = 0; b <= rel.size();) {
      auto e = rel.find('/', b);
      if (e == std::string::npos) e = rel.size();
      if (rel.compare(b, e - b, "..") == 0) return false;
      b = e + 1;
    }
    return true;
  }
  std::string root_;
  std::map<std::string, std::vector<std::string>> cache_;
};

// Column (0-based) of `word` as a whole word in `line`, or npos.
std::size_t find_word(std::string_view line, std::string_view word) {
  if (word.empty()) return std::string_view::npos;
  for (auto p = line.find(word); p != std::string_view::npos; p = line.find(word, p + 1)) {
    bool left = p == 0 || !ident_char(line[p - 1]) || !ident_char(word.front());
    bool right = p + word.size() >= line.size() || !ident_char(line[p + word.size()]) ||
                 !ident_char(word.back());
    if (left && right) return p;
  }
  return std::string_view::npos;
}

bool comment_line(std::string_view l) {
  while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
  while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
  if (l.empty()) return false;
  return l.rfind("//", 0) == 0 || l.rfind("/*", 0) == 0 || l.front() == '*' || l.front() == '#' ||
         (l.size() >= 2 && l.substr(l.size() - 2) == "*/");
}

// Doxygen looks a see-also name up from the documented symbol's scope outwards: `@sa Value()`
// in XMLNode::SetValue's comment means XMLNode::Value. The verifier resolves names without a
// scope, so a name found in an enclosing scope is qualified first.
std::string in_scope(const std::string& ref, const std::string& symbol_qname,
                     const std::unordered_set<std::string>& qualified) {
  std::string name = ref;
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
  if (auto paren = name.find('('); paren != std::string::npos) name.resize(paren);
  if (name.empty() || name.find("::") == 0) return ref;
  // A class's comment may name its own members; then the enclosing scopes.
  if (qualified.count(symbol_qname + "::" + name)) return symbol_qname + "::" + name;
  std::string scope = symbol_qname;
  for (;;) {
    auto sep = scope.rfind("::");
    if (sep == std::string::npos) break;
    scope.resize(sep);
    if (qualified.count(scope + "::" + name)) return scope + "::" + name;
  }
  return ref;
}

struct Place {
  std::string file;
  int line = 0;
  int column = 1;
};

// Where the words about `subject` are in the comment of a symbol declared on line `anchor`:
// the comment block above it, the declaration itself (trailing ///<) and the symbol's own lines
// (docstrings). `markers` are the command words that introduce the claim.
std::optional<Place> find_claim(const std::vector<std::string>& lines, int anchor, int last,
                                std::string_view subject,
                                std::initializer_list<std::string_view> markers) {
  if (anchor < 1 || anchor > static_cast<int>(lines.size())) return std::nullopt;
  // Up through the comments above the declaration: line comments, and block comments whose
  // inner lines need not start with '*' (Doxygen's `@sa Value()` on a line of its own).
  int first = anchor;
  while (first > 1 && anchor - first < 400) {
    std::string_view above = lines[first - 2];
    if (above.find("*/") != std::string_view::npos) {
      int open = first - 1;
      while (open >= 1 && anchor - open < 400 &&
             std::string_view(lines[open - 1]).find("/*") == std::string_view::npos)
        --open;
      if (open < 1 || anchor - open >= 400) break;
      first = open;
    } else if (comment_line(above)) {
      --first;
    } else {
      break;
    }
  }
  last = std::clamp(last, anchor, std::min<int>(anchor + 400, static_cast<int>(lines.size())));
  for (int n = first; n <= last; ++n) {
    std::string_view l = lines[n - 1];
    for (std::string_view m : markers) {
      auto p = l.find(m);
      if (p == std::string_view::npos) continue;
      if (subject.empty()) return Place{{}, n, static_cast<int>(p) + 1};
      auto w = find_word(l.substr(p), subject);
      if (w != std::string_view::npos) return Place{{}, n, static_cast<int>(p + w) + 1};
    }
  }
  return std::nullopt;
}

Place place_of_issue(Files& files, const Symbol& s, CheckKind kind, const std::string& subject) {
  std::vector<std::pair<const SourceRange*, int>> ranges;
  if (s.declaration) ranges.push_back({&*s.declaration, s.declaration->end_line});
  ranges.push_back({&s.location, s.location.end_line});
  for (auto [range, last] : ranges) {
    const auto& lines = files.lines(range->file);
    std::optional<Place> p;
    switch (kind) {
      case CheckKind::unknown_param:
        p = find_claim(lines, range->line, last, subject,
                       {"param", ":arg", "Args:"});
        break;
      case CheckKind::return_on_void:
        p = find_claim(lines, range->line, last, {},
                       {"@return", "\\return", "@retval", "\\retval", "@result", ":return"});
        break;
      case CheckKind::throws_noexcept:
        p = find_claim(lines, range->line, last, {},
                       {"@throw", "\\throw", "@exception", "\\exception", "throw", "raise"});
        break;
      case CheckKind::unknown_reference:
        p = find_claim(lines, range->line, last, subject, {"@see", "\\see", "@sa", "\\sa"});
        break;
      case CheckKind::unknown_identifier:
        p = find_claim(lines, range->line, last, subject, {"`", "@p ", "\\p ", "@a ", "\\a "});
        break;
      case CheckKind::undocumented: break;
    }
    if (p) {
      p->file = range->file;
      return *p;
    }
  }
  return {ranges.front().first->file, ranges.front().first->line, 1};
}

Place place_of_symbol(Files& files, const Symbol& s) {
  const SourceRange& r = s.declaration ? *s.declaration : s.location;
  const auto& lines = files.lines(r.file);
  Place p{r.file, r.line, 1};
  if (r.line >= 1 && r.line <= static_cast<int>(lines.size())) {
    std::string_view l = lines[r.line - 1];
    auto w = find_word(l, s.name);
    if (w == std::string_view::npos) w = l.find_first_not_of(" \t");
    if (w != std::string_view::npos) p.column = static_cast<int>(w) + 1;
  }
  return p;
}

}  // namespace

CheckReport check_codebase(const Codebase& codebase, const CheckOptions& options) {
  CheckReport report;
  Files files(codebase.root);
  for (const Symbol& s : codebase.symbols) {
    if (!needs_doc(s)) continue;
    ++report.public_symbols;
    if (!s.doc_comment.empty()) {
      ++report.documented;
      continue;
    }
    if (!options.undocumented) continue;
    Place p = place_of_symbol(files, s);
    report.findings.push_back({CheckKind::undocumented, p.file, p.line, p.column, s.id,
                               s.qualified_name, s.name,
                               printable(std::string(to_string(s.kind)) + " `" +
                                         s.qualified_name + "` is public API without documentation")});
  }
  if (options.contradictions) {
    Codebase bare = codebase;
    for (Symbol& s : bare.symbols) {
      s.doc_comment.clear();
      s.brief.clear();
      s.source_text = strip_comments(s.source_text, s.language);
    }
    Verifier verifier(bare);
    std::unordered_set<std::string> qualified;
    for (const Symbol& s : codebase.symbols) qualified.insert(s.qualified_name);
    for (const Symbol& s : codebase.symbols) {
      if (s.doc_comment.empty() || s.kind == SymbolKind::document) continue;
      ++report.comments_checked;
      SymbolDoc doc = doc_from_comment(s.doc_comment, s.id);
      if (!params_trustworthy(s)) doc.params.clear();
      for (std::string& ref : doc.see_also) ref = in_scope(ref, s.qualified_name, qualified);
      for (const VerifyIssue& issue : verifier.check(doc, s).issues) {
        auto kind = kind_of(issue.kind);
        if (!kind) continue;
        Place p = place_of_issue(files, s, *kind, issue.subject);
        report.findings.push_back({*kind, p.file, p.line, p.column, s.id,
                                   s.qualified_name, issue.subject,
                                   printable("`" + s.qualified_name + "`: " + issue.message)});
      }
    }
  }
  auto key = [](const CheckFinding& f) {
    return std::tie(f.file, f.line, f.column, f.kind, f.subject, f.symbol_id);
  };
  std::sort(report.findings.begin(), report.findings.end(),
            [&](const CheckFinding& a, const CheckFinding& b) { return key(a) < key(b); });
  return report;
}

}  // namespace doctown
