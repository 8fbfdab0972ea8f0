// The offline writer: an LlmClient that needs no network. It documents each symbol from the
// facts the analyzer found (kind, signature, doc comment, parameters, relations) in plain
// sentences. It is the CLI's default without an API key, and the baseline the LLM improves on:
// everything it says is true by construction, so verification passes.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "doctown/llm_client.hpp"

namespace doctown {
namespace {

std::string kind_phrase(SymbolKind k) {
  switch (k) {
    case SymbolKind::namespace_: return "namespace";
    case SymbolKind::class_: return "class";
    case SymbolKind::struct_: return "struct";
    case SymbolKind::union_: return "union";
    case SymbolKind::enum_: return "enumeration";
    case SymbolKind::enumerator: return "enumerator";
    case SymbolKind::function: return "function";
    case SymbolKind::method: return "member function";
    case SymbolKind::constructor: return "constructor";
    case SymbolKind::destructor: return "destructor";
    case SymbolKind::conversion: return "conversion operator";
    case SymbolKind::operator_: return "operator";
    case SymbolKind::field: return "data member";
    case SymbolKind::variable: return "variable";
    case SymbolKind::typedef_: return "typedef";
    case SymbolKind::type_alias: return "type alias";
    case SymbolKind::macro: return "macro";
    case SymbolKind::concept_: return "concept";
    case SymbolKind::module: return "module";
    case SymbolKind::interface: return "interface";
    case SymbolKind::trait: return "trait";
    case SymbolKind::property: return "property";
    case SymbolKind::constant: return "constant";
    case SymbolKind::document: return "document section";
    case SymbolKind::other: break;
  }
  return "symbol";
}

std::string article(const std::string& word) {
  if (word.empty()) return "a";
  char c = static_cast<char>(std::tolower(static_cast<unsigned char>(word[0])));
  return (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') ? "an" : "a";
}

// Doc-comment text as prose: inline markers (@p x, \c y, @a z) lose their marker, and block
// tags (@param, @return, ...) end the prose part.
std::string comment_prose(const std::string& text) {
  std::string s;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '@' || c == '\\') && i + 1 < text.size() && std::isalpha(static_cast<unsigned char>(text[i + 1]))) {
      std::size_t j = i + 1;
      while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
      std::string tag = text.substr(i + 1, j - i - 1);
      if (tag == "p" || tag == "c" || tag == "a" || tag == "e" || tag == "b" || tag == "ref") {
        i = j;  // drop the marker and the following space
        if (i < text.size() && text[i] != ' ') --i;
        continue;
      }
      if (tag == "brief" || tag == "short") {
        i = j;
        continue;
      }
      break;  // a block tag: the prose is over
    }
    s += (c == '\n' || c == '\t') ? ' ' : c;
  }
  std::string out;
  for (char c : s)
    if (!(c == ' ' && (out.empty() || out.back() == ' '))) out += c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// First sentence of a doc comment, with a final period. A sentence ends at ". " followed by a
// capital letter, so "e.g. a circle" does not end it.
std::string first_sentence(const std::string& text) {
  std::string s = comment_prose(text);
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if ((s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i + 1] == ' ' &&
        std::isupper(static_cast<unsigned char>(s[i + 2]))) {
      s = s.substr(0, i + 1);
      break;
    }
  }
  if (!s.empty() && s.back() != '.' && s.back() != '!' && s.back() != '?') s += '.';
  return s;
}

std::string line_range(const SourceRange& r) {
  if (r.end_line <= r.line) return "line " + std::to_string(r.line);
  return "lines " + std::to_string(r.line) + "–" + std::to_string(r.end_line);
}

struct Relations {
  std::map<std::string, std::vector<std::string>> calls, called_by, bases, derived, overrides,
      members;
};

Relations index_relations(const Codebase& cb) {
  Relations r;
  for (const auto& rel : cb.relations) {
    switch (rel.kind) {
      case RelationKind::calls:
        r.calls[rel.from].push_back(rel.to);
        r.called_by[rel.to].push_back(rel.from);
        break;
      case RelationKind::inherits:
        r.bases[rel.from].push_back(rel.to);
        r.derived[rel.to].push_back(rel.from);
        break;
      case RelationKind::overrides: r.overrides[rel.from].push_back(rel.to); break;
      case RelationKind::contains: r.members[rel.from].push_back(rel.to); break;
      default: break;
    }
  }
  return r;
}

// "`a`, `b` and `c`" for the codebase symbols among ids (unknown ids are skipped).
std::string name_list(const Codebase& cb, const std::vector<std::string>& ids,
                      std::size_t limit = 8) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    const Symbol* s = cb.find(id);
    if (!s || !seen.insert(s->qualified_name).second) continue;
    names.push_back("`" + s->qualified_name + "`");
  }
  std::sort(names.begin(), names.end());
  std::string more;
  if (names.size() > limit) {
    more = " and " + std::to_string(names.size() - limit) + " more";
    names.resize(limit);
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += (i + 1 == names.size() && more.empty()) ? " and " : ", ";
    out += names[i];
  }
  return out + more;
}

const std::vector<std::string>& get(const std::map<std::string, std::vector<std::string>>& m,
                                    const std::string& id) {
  static const std::vector<std::string> empty;
  auto it = m.find(id);
  return it == m.end() ? empty : it->second;
}

SymbolDoc document(const Symbol& s, const Codebase& cb, const Relations& rel) {
  SymbolDoc d;
  d.id = s.id;
  d.source = "offline";
  std::string kind = kind_phrase(s.kind);
  std::string owner;
  if (const Symbol* parent = s.parent_id.empty() ? nullptr : cb.find(s.parent_id))
    owner = parent->qualified_name;

  d.summary = first_sentence(!s.brief.empty() ? s.brief : s.doc_comment);
  if (d.summary.empty()) {
    d.summary = std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(
                                   article(kind)[0])))) +
                article(kind).substr(1) + " " + kind + " `" + s.qualified_name + "`";
    if (!owner.empty() && s.kind != SymbolKind::namespace_) d.summary += " of `" + owner + "`";
    d.summary += ".";
  }

  std::vector<std::string> sentences;
  std::string where = s.location.file.empty()
                          ? std::string()
                          : " in " + s.location.file + " (" + line_range(s.location) + ")";
  sentences.push_back("`" + s.qualified_name + "` is " + article(kind) + " " + kind + " defined" +
                      where + ".");
  if (s.declaration && s.declaration->file != s.location.file)
    sentences.push_back("It is declared in " + s.declaration->file + ".");
  std::vector<std::string> traits;
  if (s.has(flags::is_pure)) traits.push_back("pure virtual");
  else if (s.has(flags::is_virtual)) traits.push_back("virtual");
  if (s.has(flags::is_static)) traits.push_back("static");
  if (s.has(flags::is_const) && is_callable(s.kind)) traits.push_back("const");
  if (s.has(flags::is_noexcept)) traits.push_back("noexcept");
  if (s.has(flags::is_constexpr)) traits.push_back("constexpr");
  if (s.has(flags::is_deleted)) traits.push_back("deleted");
  if (s.has(flags::is_defaulted)) traits.push_back("defaulted");
  if (s.has(flags::is_deprecated)) traits.push_back("deprecated");
  if (!traits.empty()) {
    std::string t;
    for (std::size_t i = 0; i < traits.size(); ++i) t += (i ? ", " : "") + traits[i];
    sentences.push_back("It is " + t + ".");
  }
  if (s.access != Access::none && s.access != Access::public_)
    sentences.push_back("Its access is " + std::string(to_string(s.access)) + ".");
  if (auto& b = get(rel.bases, s.id); !b.empty() && !name_list(cb, b).empty())
    sentences.push_back("It derives from " + name_list(cb, b) + ".");
  if (auto& dv = get(rel.derived, s.id); !dv.empty() && !name_list(cb, dv).empty())
    sentences.push_back("It is the base of " + name_list(cb, dv) + ".");
  if (auto& o = get(rel.overrides, s.id); !o.empty() && !name_list(cb, o).empty())
    sentences.push_back("It overrides " + name_list(cb, o) + ".");
  if (auto& c = get(rel.calls, s.id); !c.empty() && !name_list(cb, c).empty())
    sentences.push_back("It calls " + name_list(cb, c) + ".");
  if (auto& c = get(rel.called_by, s.id); !c.empty() && !name_list(cb, c).empty())
    sentences.push_back("It is called by " + name_list(cb, c) + ".");
  if (is_record(s.kind) || s.kind == SymbolKind::enum_ || s.kind == SymbolKind::namespace_) {
    if (auto& m = get(rel.members, s.id); !m.empty() && !name_list(cb, m).empty())
      sentences.push_back("Its members include " + name_list(cb, m) + ".");
  }
  if (s.complexity > 1) sentences.push_back("Its cyclomatic complexity is " +
                                            std::to_string(s.complexity) + ".");
  for (const auto& sentence : sentences) d.description += (d.description.empty() ? "" : " ") + sentence;
  if (std::string prose = comment_prose(s.doc_comment); !prose.empty() && d.summary != prose)
    d.notes = "From the source comment: " + prose;

  for (const auto& p : s.params) {
    if (p.name.empty()) continue;
    std::string desc = "A parameter of type " + p.type;
    if (!p.default_value.empty()) desc += ", defaulting to " + p.default_value;
    d.params.push_back({p.name, desc + "."});
  }
  if (is_callable(s.kind) && !s.return_type.empty() && s.return_type != "void" &&
      s.kind != SymbolKind::constructor && s.kind != SymbolKind::destructor)
    d.returns = "A value of type " + s.return_type + ".";
  if (s.has(flags::is_noexcept)) d.throws = "Nothing: it is declared noexcept.";
  for (const auto& id : get(rel.overrides, s.id)) d.see_also.push_back(id);
  for (const auto& id : get(rel.bases, s.id)) d.see_also.push_back(id);
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
