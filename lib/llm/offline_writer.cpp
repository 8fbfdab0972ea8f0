// The offline writer: an LlmClient that needs no network. It writes what a careful person
// would write from the code alone: the symbol's own comment (first sentence as the summary,
// the rest as the description), or its base's documentation, stated as inherited, when it has
// none; parameter rows only where something is known about the parameter (its comment, its
// default, whether it is written to or taken over); and fact sentences only where they tell the
// reader something the signature does not (who calls it, ownership, noexcept, [[nodiscard]]).
// It never writes a sentence that only restates the kind, name or type: the page shows those.
// Everything it says is true by construction, so verification passes.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "doctown/llm_client.hpp"

namespace doctown {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A block tag of a comment at `i` (a line start, or a ':' after a space): Sphinx fields
// (:param x:, :returns:) anywhere, and at a line start the Google/NumPy/rustdoc section headers
// ("Args:", "Returns:", "# Errors"). They end the prose part.
bool block_tag_at(std::string_view text, std::size_t i) {
  std::size_t j = i;
  while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
  std::string_view rest = text.substr(j);
  for (std::string_view t : {":param", ":type", ":return", ":rtype", ":raise", ":arg", ":key"})
    if (starts_with(rest, t)) return true;
  if (i != 0 && text[i - 1] != '\n') return false;
  for (std::string_view t : {"Args:", "Arguments:", "Parameters:", "Returns:", "Raises:",
                             "Yields:", "Examples:", "Example:", "Usage:", "# Arguments",
                             "# Errors", "# Panics", "# Examples", "# Safety"})
    if (starts_with(rest, t)) return true;
  return false;
}

// Doc-comment text as prose: inline markers (@p x, \c y, @a z) lose their marker, and block
// tags (@param, @return, :param x:, Args:) end the prose part.
std::string comment_prose(const std::string& text) {
  std::string s;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool line_start = i == 0 || text[i - 1] == '\n';
    if ((line_start || (c == ':' && text[i - 1] == ' ')) && block_tag_at(text, i)) break;
    if ((c == '@' || c == '\\') && i + 1 < text.size() &&
        std::isalpha(static_cast<unsigned char>(text[i + 1]))) {
      std::size_t j = i + 1;
      while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
      std::string tag = text.substr(i + 1, j - i - 1);
      if (tag == "p" || tag == "c" || tag == "a" || tag == "e" || tag == "b" || tag == "ref") {
        i = j;  // drop the marker and the following space
        if (i < text.size() && text[i] != ' ') --i;
        continue;
      }
      if (tag == "brief" || tag == "short" || tag == "details") {
        i = j;
        continue;
      }
      break;  // a block tag: the prose is over
    }
    // A blank line (a paragraph break) and a line opening a list item ("- x", "* x") survive
    // as "\n\n"; other line breaks are spaces.
    if (c == '\n') {
      std::size_t j = i + 1;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r')) ++j;
      bool blank = j < text.size() && text[j] == '\n';
      bool item = j + 1 < text.size() && (text[j] == '-' || text[j] == '*') && text[j + 1] == ' ';
      s += (blank || item) ? "\n\n" : " ";
      continue;
    }
    s += (c == '\t' || c == '\r') ? ' ' : c;
  }
  std::string out;
  for (char c : s) {
    if (c == ' ' && (out.empty() || out.back() == ' ' || out.back() == '\n')) continue;
    if (c == '\n' && !out.empty() && out.back() == ' ') out.pop_back();
    // At most one empty line in a row, none at the start.
    if (c == '\n' && (out.empty() || (out.size() >= 2 && out.ends_with("\n\n")))) continue;
    out += c;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

// Split prose after its first sentence. A sentence ends at ". " followed by a capital letter,
// so "e.g. a circle" does not end it.
std::pair<std::string, std::string> split_first_sentence(const std::string& prose) {
  for (std::size_t i = 0; i + 2 < prose.size(); ++i) {
    if (prose[i] == '\n' && prose[i + 1] == '\n')  // a paragraph ends a sentence too
      return {prose.substr(0, i), prose.substr(i + 2)};
    if ((prose[i] == '.' || prose[i] == '!' || prose[i] == '?') && prose[i + 1] == ' ' &&
        std::isupper(static_cast<unsigned char>(prose[i + 2])))
      return {prose.substr(0, i + 1), prose.substr(i + 2)};
  }
  return {prose, ""};
}

// A fragment as a sentence: a final period, and a capital letter unless the first word is
// code (std::bad_alloc, nullptr_t, kMax) which must keep its spelling.
std::string sentence(std::string s) {
  if (s.empty()) return s;
  std::size_t word_end = s.find(' ');
  std::string_view first = std::string_view(s).substr(0, word_end);
  bool plain_word = std::all_of(first.begin(), first.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || c == ',';
  });
  if (plain_word) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  if (s.back() != '.' && s.back() != '!' && s.back() != '?') s += '.';
  return s;
}

// Text of the block tags of a comment: @param/\param/:param name: -> by name, and the
// @return(s)/:returns: and @throws/:raises X: texts.
struct CommentTags {
  std::map<std::string, std::string> params;
  std::string returns;
  std::string throws;
};

CommentTags comment_tags(const std::string& text) {
  CommentTags t;
  std::string* current = nullptr;
  auto lines_of = [&]() {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t nl = text.find('\n', pos);
      lines.push_back(text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    return lines;
  };
  auto append = [](std::string& to, std::string_view more) {
    std::size_t b = more.find_first_not_of(" \t");
    if (b == std::string_view::npos) return;
    more = more.substr(b);
    while (!more.empty() && (more.back() == ' ' || more.back() == '\r')) more.remove_suffix(1);
    to += (to.empty() ? "" : " ") + std::string(more);
  };
  auto word = [](std::string_view s, std::size_t& i) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != ':') ++i;
    return std::string(s.substr(b, i - b));
  };
  for (const std::string& raw : lines_of()) {
    std::string_view line = raw;
    std::size_t b = line.find_first_not_of(" \t");
    if (b == std::string_view::npos) {
      current = nullptr;
      continue;
    }
    line = line.substr(b);
    if (line.size() > 1 && (line[0] == '@' || line[0] == '\\')) {
      std::size_t i = 1;
      std::string tag = word(line, i);
      if (auto br = tag.find('['); br != std::string::npos) tag.resize(br);  // @param[in]
      if (tag == "param" || tag == "arg" || tag == "tparam") {
        std::string name = word(line, i);
        current = &t.params[name];
        append(*current, line.substr(i));
      } else if (tag == "return" || tag == "returns" || tag == "retval" || tag == "result") {
        current = &t.returns;
        append(*current, line.substr(i));
      } else if (tag == "throws" || tag == "throw" || tag == "exception") {
        current = &t.throws;
        append(*current, line.substr(i));
      } else {
        current = nullptr;
      }
      continue;
    }
    if (line[0] == ':') {  // Sphinx: ":param name: text", ":returns: text", ":raises X: text"
      std::size_t close = line.find(':', 1);
      if (close == std::string_view::npos) continue;
      std::string_view head = line.substr(1, close - 1);
      std::string_view rest = line.substr(close + 1);
      auto sp = head.find(' ');
      std::string_view tag = head.substr(0, sp);
      std::string arg = sp == std::string_view::npos ? "" : std::string(head.substr(head.rfind(' ') + 1));
      if ((tag == "param" || tag == "arg") && !arg.empty()) current = &t.params[arg];
      else if (tag == "return" || tag == "returns") current = &t.returns;
      else if (tag == "raises" || tag == "raise") {
        current = &t.throws;
        if (!arg.empty()) append(*current, arg + ":");
      } else {
        current = nullptr;
        continue;
      }
      append(*current, rest);
      continue;
    }
    if (current) append(*current, line);
  }
  return t;
}

// Only `overrides` is needed here (inherited docs); the pages list the other relations.
struct Relations {
  std::map<std::string, std::vector<std::string>> overrides;
};

Relations index_relations(const Codebase& cb) {
  Relations r;
  for (const auto& rel : cb.relations)
    if (rel.kind == RelationKind::overrides && rel.from != rel.to)
      r.overrides[rel.from].push_back(rel.to);
  return r;
}

const std::vector<std::string>& get(const std::map<std::string, std::vector<std::string>>& m,
                                    const std::string& id) {
  static const std::vector<std::string> empty;
  auto it = m.find(id);
  return it == m.end() ? empty : it->second;
}

// Whether a comment line is decoration or a pointer elsewhere rather than prose: a ruler
// ("=====", "-----", "/* ***** */"), or zlib's "-- see zlib.h --" on a definition whose
// documentation is at the declaration (the page links that one).
bool noise_line(std::string_view line) {
  std::size_t letters = 0, marks = 0;
  for (char c : line) {
    if (std::isalnum(static_cast<unsigned char>(c))) ++letters;
    else if (c != ' ' && c != '\t' && c != '\r') ++marks;
  }
  if (letters == 0) return marks > 0;
  std::string t;
  for (char c : line)
    if (c != '-' && c != '=' && c != '*') t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto b = t.find_first_not_of(' ');
  if (b == std::string::npos) return true;
  t = t.substr(b, t.find_last_not_of(". ") - b + 1);  // "see zlib.h." -> "see zlib.h"
  // "see zlib.h" points at a file (the declaration, which the page links); "See QueryIntValue"
  // points at a sibling whose docs apply, and stays (as a link, see link_pointer).
  return t.rfind("see ", 0) == 0 && t.find(' ', 4) == std::string::npos &&
         t.find('.', 4) != std::string::npos;
}

// tinyxml2's "See QueryIntValue" / "See IntAttribute()": the name in a code span, so that the
// page links it to the symbol whose docs apply.
std::string link_pointer(const std::string& summary) {
  if (summary.rfind("See ", 0) != 0) return summary;
  std::string name = summary.substr(4);
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.pop_back();
  if (name.size() > 2 && name.ends_with("()")) name.resize(name.size() - 2);
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
      }))
    return summary;
  return "See `" + name + "`.";
}

std::string own_comment(const Symbol& s) {
  const std::string& raw = !s.doc_comment.empty() ? s.doc_comment : s.brief;
  std::string out;
  std::size_t pos = 0;
  while (pos <= raw.size()) {
    std::size_t nl = raw.find('\n', pos);
    std::string_view line = std::string_view(raw).substr(pos, nl == std::string::npos ? nl : nl - pos);
    // A dropped line becomes an empty one: it still separates what it separated.
    out += noise_line(line) ? std::string_view{} : line;
    if (nl == std::string::npos) break;
    out += '\n';
    pos = nl + 1;
  }
  return out.find_first_not_of(" \t\r\n") == std::string::npos ? std::string{} : out;
}

// The documented symbol whose docs this one inherits: the method it overrides (followed up the
// chain), when it has no comment of its own.
const Symbol* inherited_from(const Symbol& s, const Codebase& cb, const Relations& rel) {
  const Symbol* at = &s;
  for (int depth = 0; depth < 8; ++depth) {
    const auto& bases = get(rel.overrides, at->id);
    if (bases.empty()) return nullptr;
    const Symbol* base = cb.find(bases.front());
    if (!base || base == &s) return nullptr;
    if (!comment_prose(own_comment(*base)).empty()) return base;
    at = base;
  }
  return nullptr;
}

bool type_has(std::string_view type, std::string_view what) {
  return type.find(what) != std::string_view::npos;
}

// What is known about one parameter beyond its name and type, or "" when nothing is.
std::string param_description(const Param& p, const CommentTags& tags) {
  std::string desc;
  if (auto it = tags.params.find(p.name); it != tags.params.end() && !it->second.empty())
    desc = sentence(comment_prose(it->second));
  std::string_view t = p.type;
  std::string fact;
  if (type_has(t, "unique_ptr<") && !type_has(t, "&"))
    fact = "Ownership passes to the callee.";
  else if (type_has(t, "&&") && !type_has(t, "const"))
    fact = "Taken by rvalue reference: the argument may be moved from.";
  else if (!t.empty() && t.back() == '&' && !type_has(t, "const"))
    fact = "Passed by non-const reference: the callee may modify it (in/out).";
  if (!fact.empty()) desc += (desc.empty() ? "" : " ") + fact;
  if (!p.default_value.empty())
    desc += (desc.empty() ? "" : " ") + std::string("Defaults to `") + p.default_value + "`.";
  return desc;
}

bool has_nodiscard(const Symbol& s) {
  return s.signature.find("[[nodiscard") != std::string::npos ||
         s.source_text.substr(0, 200).find("[[nodiscard") != std::string::npos;
}

// Sentences that inform: relations a reader follows, ownership, guarantees. Never the kind,
// name or type alone.
// What `= delete` tells a reader: the class cannot be copied or moved, or this overload
// (often one taking a type that would convert silently) cannot be called.
std::string deleted_fact(const Symbol& s) {
  auto sep = s.qualified_name.rfind("::");
  std::string cls = sep == std::string::npos ? "" : s.qualified_name.substr(0, sep);
  std::string cls_name = cls.substr(cls.rfind("::") == std::string::npos ? 0 : cls.rfind("::") + 2);
  std::string_view type = s.params.empty() ? std::string_view{} : std::string_view(s.params[0].type);
  // The copy or move constructor / assignment: one parameter of the class's own type.
  bool special = !cls.empty() && s.params.size() == 1 &&
                 (s.kind == SymbolKind::constructor || s.name == "operator=") &&
                 type.find(cls_name) != std::string_view::npos;
  if (!special) return "Deleted: this overload cannot be called.";
  bool move = type.find("&&") != std::string_view::npos;
  return std::string(move ? "Moving" : "Copying") + " is disabled (deleted): `" + cls +
         "` cannot be " + (move ? "moved." : "copied.");
}

std::vector<std::string> fact_sentences(const Symbol& s) {
  std::vector<std::string> out;
  if (s.has(flags::is_deleted)) out.push_back(deleted_fact(s));
  if (s.has(flags::is_deprecated)) out.push_back("Deprecated.");
  // Bases, derived classes, overrides and callers are not repeated here: every page lists
  // them under "Inherits from", "Overridden by", "Called by"..., once.
  if (s.has(flags::is_pure)) out.push_back("Pure virtual: derived classes implement it.");
  if (is_callable(s.kind)) {
    if (type_has(s.return_type, "unique_ptr<"))
      out.push_back("The caller owns the returned object.");
    else if (type_has(s.return_type, "shared_ptr<"))
      out.push_back("The returned object is shared: it lives while any owner holds it.");
    if (has_nodiscard(s)) out.push_back("Its result must not be ignored ([[nodiscard]]).");
    if (s.has(flags::is_static) && s.kind == SymbolKind::method)
      out.push_back("Static: called without an object.");
  }
  return out;
}

// The description's paragraphs without repeats. The analyzer keeps both the header's and the
// definition's comment; zlib writes the same text in both (compress2's doc appeared twice), so a
// paragraph seen before, or one opening with the summary again, is the second copy.
std::string without_repeats(const std::string& rest, const std::string& summary) {
  std::string head = summary;
  while (!head.empty() && (head.back() == '.' || head.back() == ' ')) head.pop_back();
  std::set<std::string> seen;
  std::string out;
  bool second_copy = false;
  std::size_t pos = 0;
  while (pos < rest.size()) {
    std::size_t end = rest.find("\n\n", pos);
    std::string para = rest.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? rest.size() : end + 2;
    if (!head.empty() && para.rfind(head, 0) == 0) second_copy = true;
    if (second_copy || !seen.insert(para).second) continue;
    out += (out.empty() ? "" : "\n\n") + para;
  }
  return out;
}

SymbolDoc document(const Symbol& s, const Codebase& cb, const Relations& rel) {
  SymbolDoc d;
  d.id = s.id;
  d.source = "offline";
  std::string comment = own_comment(s);
  const Symbol* base = comment_prose(comment).empty() ? inherited_from(s, cb, rel) : nullptr;
  if (base) comment = own_comment(*base);
  CommentTags tags = comment_tags(comment);
  auto [summary, rest] = split_first_sentence(comment_prose(comment));
  // The summary keeps the comment's own spelling (it may start with a function's name).
  d.summary = summary;
  // "... the compiler's view of z_stream:" announced code the summary does not carry.
  if (!d.summary.empty() && (d.summary.back() == ':' || d.summary.back() == ';'))
    d.summary.pop_back();
  if (!d.summary.empty() && d.summary.back() != '.' && d.summary.back() != '!' &&
      d.summary.back() != '?')
    d.summary += '.';
  d.summary = link_pointer(d.summary);
  std::vector<std::string> sentences;
  if (base)
    sentences.push_back("Documentation inherited from `" + base->qualified_name +
                        "`, which it overrides.");
  if (std::string r = without_repeats(rest, d.summary); !r.empty()) sentences.push_back(r);
  for (auto& f : fact_sentences(s)) sentences.push_back(std::move(f));
  // Without any comment a fact about the contract stands in as the summary (deprecated,
  // pure virtual, ownership); "static" or [[nodiscard]] alone would read as a non-summary.
  auto contract = [](const std::string& f) {
    return f == "Deprecated." || f.rfind("Pure virtual", 0) == 0 || f.rfind("The caller owns", 0) == 0 ||
           f.rfind("Copying is", 0) == 0 || f.rfind("Moving is", 0) == 0 || f.rfind("Deleted:", 0) == 0 ||
           f.rfind("The returned object", 0) == 0;
  };
  if (d.summary.empty() && !sentences.empty() && contract(sentences.front())) {
    d.summary = sentences.front();
    sentences.erase(sentences.begin());
  }
  for (const auto& t : sentences) d.description += (d.description.empty() ? "" : " ") + t;

  for (const auto& p : s.params) {
    if (p.name.empty()) continue;
    if (std::string desc = param_description(p, tags); !desc.empty())
      d.params.push_back({p.name, desc});
  }
  if (!tags.returns.empty()) d.returns = sentence(comment_prose(tags.returns));
  if (!tags.throws.empty()) d.throws = sentence(comment_prose(tags.throws));
  else if (s.has(flags::is_noexcept)) d.throws = "Nothing: it is declared noexcept.";
  return d;
}

class OfflineWriter final : public LlmClient {
 public:
  LlmOutcome run(const LlmJob& job, const RunContext& ctx) override {
    LlmOutcome out;
    if (!job.codebase) {
      for (const auto& b : job.batches)
        for (const auto& id : b.symbol_ids) out.failures.push_back({id, "no codebase given"});
      return out;
    }
    Relations rel = index_relations(*job.codebase);
    std::size_t total = 0, done = 0;
    for (const auto& b : job.batches) total += b.symbol_ids.size();
    for (const auto& b : job.batches) {
      if (ctx.stop_requested()) {
        if (!out.fatal) out.fatal = fail(errc::cancelled, "run cancelled; finished docs were kept");
        out.not_started.insert(out.not_started.end(), b.symbol_ids.begin(), b.symbol_ids.end());
        continue;
      }
      std::vector<SymbolDoc> docs;
      for (const auto& id : b.symbol_ids) {
        const Symbol* s = job.codebase->find(id);
        if (!s) {
          out.failures.push_back({id, "symbol is not in the codebase"});
          continue;
        }
        docs.push_back(document(*s, *job.codebase, rel));
      }
      done += b.symbol_ids.size();
      if (job.on_docs) job.on_docs(docs);
      for (auto& d : docs) out.docs.push_back(std::move(d));
      ctx.item_done("llm", done, total);
    }
    return out;
  }
  std::string name() const override { return "offline"; }
};

}  // namespace

result<std::unique_ptr<LlmClient>> make_offline_writer() {
  return std::unique_ptr<LlmClient>(std::make_unique<OfflineWriter>());
}

}  // namespace doctown
