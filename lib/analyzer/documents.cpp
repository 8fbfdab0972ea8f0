// Markdown and reStructuredText files become `document` symbols, one per section, so the
// prose of a repository (READMEs, design notes) sits in the same graph as its code. Markdown:
// ATX (`#`) and setext (`===`/`---`) headings, fenced code ignored. reStructuredText: a title
// line underlined (optionally overlined) with punctuation; levels follow the order in which
// underline styles first appear, as docutils does.
#include <map>
#include <set>
#include <unordered_map>

#include "analyzer/analyzer_impl.hpp"
#include "core/file_util.hpp"

namespace doctown::detail {

namespace {

struct Heading {
  int line = 0;   // 1-based line of the title text (or of the overline)
  int level = 1;
  std::string title;
  int body_line = 0;  // first line after the heading's own lines
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string l = text.substr(start, end - start);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(std::move(l));
    start = end + 1;
  }
  return lines;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool all_of_char(const std::string& s, char c) {
  return !s.empty() && s.find_first_not_of(c) == std::string::npos;
}

std::vector<Heading> markdown_headings(const std::vector<std::string>& lines) {
  std::vector<Heading> hs;
  bool in_fence = false;
  std::string fence;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string t = trim(lines[i]);
    if (t.rfind("```", 0) == 0 || t.rfind("~~~", 0) == 0) {
      std::string marker = t.substr(0, 3);
      if (!in_fence) {
        in_fence = true;
        fence = marker;
      } else if (marker == fence) {
        in_fence = false;
      }
      continue;
    }
    if (in_fence) continue;
    if (lines[i].rfind("#", 0) == 0) {
      std::size_t n = lines[i].find_first_not_of('#');
      if (n != std::string::npos && n <= 6 && lines[i][n] == ' ') {
        std::string title = trim(lines[i].substr(n));
        while (!title.empty() && title.back() == '#') title.pop_back();
        hs.push_back({static_cast<int>(i + 1), static_cast<int>(n), trim(title),
                      static_cast<int>(i + 2)});
      }
      continue;
    }
    if (i + 1 < lines.size() && !t.empty() && lines[i].rfind("    ", 0) != 0) {
      std::string u = trim(lines[i + 1]);
      if ((all_of_char(u, '=') || (all_of_char(u, '-') && u.size() >= 2)) &&
          t.rfind("- ", 0) != 0 && t.rfind("* ", 0) != 0 && t.find('|') == std::string::npos) {
        hs.push_back({static_cast<int>(i + 1), u[0] == '=' ? 1 : 2, t, static_cast<int>(i + 3)});
        ++i;
      }
    }
  }
  return hs;
}

std::vector<Heading> rst_headings(const std::vector<std::string>& lines) {
  static const std::string kAdornments = "=-~^\"'`#*+<>:._";
  std::vector<Heading> hs;
  std::map<std::pair<char, bool>, int> levels;  // (char, overlined) → level, by first use
  auto is_adornment = [&](const std::string& s) {
    return s.size() >= 2 && kAdornments.find(s[0]) != std::string::npos && all_of_char(s, s[0]);
  };
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    std::string t = trim(lines[i]);
    if (t.empty() || is_adornment(lines[i])) continue;
    const std::string& under = lines[i + 1];
    if (!is_adornment(under) || under.size() < t.size()) continue;
    bool over = i > 0 && is_adornment(lines[i - 1]) && lines[i - 1][0] == under[0];
    auto key = std::make_pair(under[0], over);
    auto it = levels.find(key);
    int level = it != levels.end() ? it->second : static_cast<int>(levels.size()) + 1;
    if (it == levels.end()) levels.emplace(key, level);
    hs.push_back({static_cast<int>(over ? i : i + 1), level, t, static_cast<int>(i + 3)});
    ++i;
  }
  return hs;
}

}  // namespace

void analyze_documents(const AnalysisInput& in, Codebase& out) {
  for (const auto& f : in.files) {
    if (f.language != "markdown" && f.language != "rst") continue;
    auto text = read_file(in.root / f.path);
    if (!text) {
      out.diagnostics.push_back({f.path, 0, Diagnostic::Severity::warning, text.error().message});
      continue;
    }
    auto lines = split(*text);
    auto hs = f.language == "markdown" ? markdown_headings(lines) : rst_headings(lines);
    if (hs.empty()) {
      // A document without headings is one section named after the file.
      auto slash = f.path.rfind('/');
      std::string name = f.path.substr(slash == std::string::npos ? 0 : slash + 1);
      hs.push_back({1, 1, name, 1});
    }
    std::set<std::string> slugs;
    struct Open {
      int level;
      std::string id, title;
    };
    std::vector<Open> stack;  // enclosing sections
    for (std::size_t h = 0; h < hs.size(); ++h) {
      const auto& hd = hs[h];
      // A section runs to the line before the next heading of any level (subsections are
      // their own symbols, linked by contains).
      int end = h + 1 < hs.size() ? hs[h + 1].line - 1 : static_cast<int>(lines.size());
      end = std::max(end, hd.line);
      std::string base = heading_slug(hd.title);
      if (base.empty()) base = "section";
      std::string slug = base;
      for (int n = 1; !slugs.insert(slug).second; ++n) slug = base + "-" + std::to_string(n);

      Symbol s;
      s.id = "doc:" + f.path + "#" + slug;
      s.kind = SymbolKind::document;
      s.name = hd.title;
      s.language = f.language;
      s.location = SourceRange{f.path, hd.line, end};
      s.flags |= flags::is_definition;
      s.is_public_api = true;
      while (!stack.empty() && stack.back().level >= hd.level) stack.pop_back();
      std::string qname = f.path;
      for (const auto& o : stack) qname += " > " + o.title;
      s.qualified_name = qname + " > " + hd.title;
      if (!stack.empty()) s.parent_id = stack.back().id;
      s.signature = hd.title;
      std::string body;
      for (int i = hd.line; i <= end && i <= static_cast<int>(lines.size()); ++i)
        body += lines[static_cast<std::size_t>(i - 1)] + "\n";
      if (body.size() > 16 * 1024) body.resize(16 * 1024);
      s.source_text = body;
      // The first paragraph after the heading serves as the section's own description.
      std::string para;
      bool started = false;
      for (int i = hd.body_line; i <= end && i <= static_cast<int>(lines.size()); ++i) {
        std::string t = trim(lines[static_cast<std::size_t>(i - 1)]);
        if (t.empty()) {
          if (started) break;
          continue;
        }
        started = true;
        para += (para.empty() ? "" : " ") + t;
      }
      s.doc_comment = para;
      s.brief = brief_of(para);
      stack.push_back({hd.level, s.id, hd.title});
      out.symbols.push_back(std::move(s));
    }
  }
}

}  // namespace doctown::detail
