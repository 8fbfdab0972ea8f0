// Call sites from the graph's call edges. The analyzer records that `a` calls `b`, not where;
// the line is recovered from the caller's source text (which starts at the caller's first
// line), looking for `b` as a whole word followed by `(` or `<`. A caller whose text does not
// show the call (truncated text, a call through a macro) yields no site: a wrong line would
// be worse than none.
#include "doctown/usage.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "doctown/roles.hpp"

namespace doctown {
namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Offset of the first call of `name` in `text` (name, optional spaces, then '(' or '<').
std::size_t find_call(std::string_view text, std::string_view name) {
  if (name.empty()) return std::string_view::npos;
  for (std::size_t at = text.find(name); at != std::string_view::npos;
       at = text.find(name, at + 1)) {
    if (at > 0 && word_char(text[at - 1])) continue;
    std::size_t end = at + name.size();
    if (end < text.size() && word_char(text[end])) continue;
    while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
    if (end < text.size() && (text[end] == '(' || text[end] == '<')) return at;
  }
  return std::string_view::npos;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// The line holding `at`, plus up to two continuation lines while parentheses stay open, so a
// call split over lines reads whole. Control characters other than tab are dropped: the
// snippet comes from the analysed repository and ends up in terminals and pages.
std::string snippet_at(std::string_view text, std::size_t at) {
  std::size_t begin = text.rfind('\n', at);
  begin = begin == std::string_view::npos ? 0 : begin + 1;
  std::size_t end = begin;
  int depth = 0, lines = 0;
  while (end < text.size() && lines < 3) {
    char c = text[end];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == '\n') {
      ++lines;
      if (depth <= 0 || end > at + 200) break;
    }
    ++end;
  }
  std::string out;
  std::string_view lines_text = text.substr(begin, end - begin);
  for (std::size_t pos = 0; pos <= lines_text.size();) {
    std::size_t nl = lines_text.find('\n', pos);
    std::string t = trim(lines_text.substr(pos, nl == std::string_view::npos ? nl : nl - pos));
    if (!t.empty()) out += (out.empty() ? "" : "\n") + t;
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  std::string clean;
  for (char c : out)
    if (c == '\n' || c == '\t' || static_cast<unsigned char>(c) >= 0x20) clean += c;
  if (clean.size() > 240) clean = clean.substr(0, 237) + "...";
  return clean;
}

int role_rank(FileRole r) {
  switch (r) {
    case FileRole::test: return 0;
    case FileRole::example: return 0;
    case FileRole::library: return 1;
    case FileRole::public_header: return 1;
    default: return 2;
  }
}

}  // namespace

UsageIndex::UsageIndex(const Codebase& cb, const FileRoles* roles)
    : codebase_(&cb), roles_(roles) {
  for (const Relation& r : cb.relations) {
    if (r.kind != RelationKind::calls || r.from == r.to) continue;
    if (auto i = cb.index_of(r.from)) callers_[r.to].push_back(*i);
  }
}

std::vector<UsageSite> UsageIndex::find(std::string_view id, std::size_t limit) const {
  std::vector<UsageSite> out;
  auto it = callers_.find(id);
  const Symbol* callee = codebase_->find(id);
  if (it == callers_.end() || !callee || limit == 0) return out;
  for (std::size_t ci : it->second) {
    const Symbol& caller = codebase_->symbols[ci];
    std::string_view text = caller.source_text;
    std::size_t at = find_call(text, callee->name);
    // A caller of the same name (an overload calling another, a recursion) first shows its
    // own name in its signature: the call is the next match, not that line.
    if (at != std::string_view::npos && caller.name == callee->name)
      at = find_call(text.substr(at + 1), callee->name) == std::string_view::npos
               ? std::string_view::npos
               : at + 1 + find_call(text.substr(at + 1), callee->name);
    if (at == std::string_view::npos || caller.location.line <= 0) continue;
    UsageSite u;
    u.caller_id = caller.id;
    u.file = caller.location.file;
    u.line = caller.location.line +
             static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    u.snippet = snippet_at(text, at);
    // The calling file's role (a call in compress.c is library code even though compress()
    // is declared in a public header).
    u.role = roles_ ? role_of_file(*roles_, caller.location.file) : FileRole::library;
    out.push_back(std::move(u));
  }
  std::sort(out.begin(), out.end(), [](const UsageSite& a, const UsageSite& b) {
    return std::make_tuple(role_rank(a.role), a.file, a.line) <
           std::make_tuple(role_rank(b.role), b.file, b.line);
  });
  // One site per file and line (two callers can share a line, e.g. a lambda in a function).
  out.erase(std::unique(out.begin(), out.end(),
                        [](const UsageSite& a, const UsageSite& b) {
                          return a.file == b.file && a.line == b.line;
                        }),
            out.end());
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace doctown
