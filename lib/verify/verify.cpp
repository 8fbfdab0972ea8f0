// Verification of generated docs against the facts the analyzer extracted. LLMs invent
// parameter names, helper functions and exceptions; each check here targets one such failure
// and is tuned to flag nothing on honest docs: a name counts as existing when any symbol, file
// or identifier of the analysed code spells it, and only claims (not mentions) are judged.
#include "doctown/verify.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "core/param_names.hpp"
#include "core/code_spans.hpp"
#include "core/strings.hpp"
#include "verify/name_resolver.hpp"

namespace doctown {

std::string_view to_string(VerifyIssueKind k) noexcept {
  switch (k) {
    case VerifyIssueKind::unknown_param: return "unknown_param";
    case VerifyIssueKind::unknown_identifier: return "unknown_identifier";
    case VerifyIssueKind::missing_return: return "missing_return";
    case VerifyIssueKind::return_on_void: return "return_on_void";
    case VerifyIssueKind::throws_noexcept: return "throws_noexcept";
    case VerifyIssueKind::unknown_reference: return "unknown_reference";
    case VerifyIssueKind::unknown_symbol: return "unknown_symbol";
  }
  return "unknown_identifier";
}

namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

using detail::lower;
using detail::trim;

// Identifiers (with `::` qualification) appearing in a piece of text or code.
std::vector<std::string> identifiers(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    bool at_start = (ident_start(text[i]) || (text[i] == '~' && i + 1 < text.size() &&
                                             ident_start(text[i + 1]))) &&
                    (i == 0 || !ident_char(text[i - 1]));
    if (!at_start) {
      ++i;
      continue;
    }
    std::size_t b = i;
    if (text[i] == '~') ++i;
    for (;;) {
      while (i < text.size() && ident_char(text[i])) ++i;
      if (i + 2 < text.size() && text[i] == ':' && text[i + 1] == ':' &&
          (ident_start(text[i + 2]) || text[i + 2] == '~')) {
        i += 2;
        if (text[i] == '~') ++i;
        continue;
      }
      break;
    }
    out.emplace_back(text.substr(b, i - b));
  }
  return out;
}

// Inline code spans (not fenced blocks, which hold examples rather than claims), trimmed.
std::vector<std::string> code_spans(std::string_view text) {
  std::vector<std::string> out;
  for (const detail::InlinePiece& p : detail::scan_code_spans(text))
    if (p.code && p.fence < 3) out.emplace_back(trim(p.text));
  return out;
}

const std::unordered_set<std::string>& known_words() {
  static const std::unordered_set<std::string> words = [] {
    std::unordered_set<std::string> w;
    for (const char* k :
         {// C and C++ keywords and built-in types
          "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char",
          "char8_t", "char16_t", "char32_t", "class", "concept", "const", "consteval",
          "constexpr", "constinit", "const_cast", "continue", "co_await", "co_return",
          "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast", "else",
          "enum", "explicit", "export", "extern", "false", "final", "float", "for", "friend",
          "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept",
          "not", "nullptr", "operator", "or", "override", "private", "protected", "public",
          "register", "reinterpret_cast", "requires", "return", "short", "signed", "sizeof",
          "static", "static_assert", "static_cast", "struct", "switch", "template", "this",
          "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union",
          "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor",
          // common standard names used without their std:: prefix
          "std", "size_t", "ptrdiff_t", "nullptr_t", "int8_t", "int16_t", "int32_t", "int64_t",
          "uint8_t", "uint16_t", "uint32_t", "uint64_t", "intptr_t", "uintptr_t", "NULL",
          "EOF", "errno", "string", "string_view", "vector", "map", "set", "unordered_map",
          "unordered_set", "array", "span", "optional", "variant", "tuple", "pair",
          "unique_ptr", "shared_ptr", "weak_ptr", "function", "thread", "mutex", "cout",
          "cerr", "endl", "printf", "fprintf", "snprintf", "malloc", "calloc", "realloc",
          "free", "memcpy", "memset", "strlen", "strcmp", "assert", "abort", "exit", "main",
          "begin", "end", "size", "empty", "push_back", "emplace_back", "move", "forward",
          "swap", "sort", "find", "min", "max", "abs", "sqrt", "pow", "exception",
          "runtime_error", "logic_error", "invalid_argument", "out_of_range", "bad_alloc",
          "length_error", "domain_error", "overflow_error", "range_error", "system_error",
          "M_PI", "INT_MAX", "INT_MIN", "SIZE_MAX", "nan", "inf", "NaN", "HUGE_VAL",
          // Python
          "None", "True", "False", "self", "cls", "def", "lambda", "yield", "import", "from",
          "is", "in", "pass", "raise", "with", "as", "elif", "except", "finally", "global",
          "nonlocal", "async", "await", "print", "len", "str", "dict", "list", "tuple",
          "object", "ValueError", "TypeError", "KeyError", "IndexError", "RuntimeError",
          "Exception",
          // JavaScript/TypeScript and others
          "null", "undefined", "let", "var", "fn", "impl", "Self", "mut", "pub", "crate",
          "Some", "Ok", "Err", "nil"})
      w.insert(k);
    return w;
  }();
  return words;
}

bool is_literal(std::string_view s) {
  if (s.empty()) return true;
  if (s.front() == '"' || s.front() == '\'') return true;
  if (std::isdigit(static_cast<unsigned char>(s.front())) ||
      ((s.front() == '-' || s.front() == '+' || s.front() == '.') && s.size() > 1 &&
       std::isdigit(static_cast<unsigned char>(s[1]))))
    return true;
  return false;
}

bool is_negation(std::string_view text) {
  std::string t = lower(trim(text));
  while (!t.empty() && (t.back() == '.' || t.back() == '!')) t.pop_back();
  if (t.empty() || t == "none" || t == "nothing" || t == "n/a" || t == "na" || t == "-" ||
      t == "void" || t == "noexcept" || t == "no" || t == "nothing (void)")
    return true;
  for (const char* p : {"nothing", "none", "no ", "does not", "doesn't", "never", "not ",
                        "n/a", "this function does not", "it does not"})
    if (t.rfind(p, 0) == 0) return true;
  return false;
}

// True when the text claims that the code throws (a sentence with "throw"/"raise" that does
// not deny it).
bool claims_throwing(std::string_view text) {
  std::string t = lower(text);
  std::size_t start = 0;
  while (start < t.size()) {
    std::size_t end = t.find_first_of(".;\n", start);
    if (end == std::string::npos) end = t.size();
    std::string_view sentence(t.data() + start, end - start);
    bool mentions = false;
    for (const char* w : {"throw", "raise"}) {
      std::size_t p = sentence.find(w);
      while (p != std::string_view::npos) {
        bool word_start = p == 0 || !ident_char(sentence[p - 1]);
        // "raises the limit" is not about exceptions; "raises an error" is.
        bool about_errors = w[0] == 't' || sentence.find("exception", p) != std::string_view::npos ||
                            sentence.find("error", p) != std::string_view::npos;
        if (word_start && about_errors) mentions = true;
        p = sentence.find(w, p + 1);
      }
    }
    if (mentions) {
      bool denied = false;
      for (const char* n : {"not ", "never", "no ", "n't", "without", "nothrow", "noexcept",
                            "cannot", "won't", "none"})
        if (sentence.find(n) != std::string_view::npos) denied = true;
      if (!denied) return true;
    }
    start = end + 1;
  }
  return false;
}

bool is_noexcept(const Symbol& s) {
  if (s.has(flags::is_noexcept)) return true;
  std::size_t p = s.signature.find("noexcept");
  if (p == std::string::npos) return false;
  std::string_view rest = std::string_view(s.signature).substr(p + 8);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return !(rest.rfind("(false)", 0) == 0);
}

}  // namespace

struct Verifier::Index {
  std::unordered_set<std::string> names;        // names, qualified names and their suffixes
  std::unordered_set<std::string> code_idents;  // every identifier spelled in the code
  std::unordered_set<std::string> files;        // paths and base names
  detail::NameResolver resolver;

  explicit Index(const Codebase& cb) : resolver(cb) {
    for (const Symbol& s : cb.symbols) {
      names.insert(s.name);
      const std::string& q = s.qualified_name;
      names.insert(q);
      for (std::size_t p = q.find("::"); p != std::string::npos; p = q.find("::", p + 2))
        names.insert(q.substr(p + 2));
      // Dotted qualified names (Python, Java, ...): each component is a name too.
      for (std::size_t b = 0, e; b < q.size(); b = e + 1) {
        e = q.find('.', b);
        if (e == std::string::npos) e = q.size();
        if (e > b) names.insert(q.substr(b, e - b));
      }
      for (const std::string_view text : {std::string_view(s.signature),
                                          std::string_view(s.source_text),
                                          std::string_view(s.doc_comment)})
        for (std::string& id : identifiers(text)) {
          for (std::size_t p = id.find("::"); p != std::string::npos; p = id.find("::", p + 2))
            code_idents.insert(id.substr(p + 2));
          code_idents.insert(std::move(id));
        }
      for (const Param& p : s.params) code_idents.insert(p.name);
    }
    for (const SourceFile& f : cb.files) {
      files.insert(f.path);
      auto slash = f.path.rfind('/');
      files.insert(slash == std::string::npos ? f.path : f.path.substr(slash + 1));
    }
  }

  bool known_identifier(const std::string& raw, const std::unordered_set<std::string>& local) const {
    std::string id = raw;
    if (id.rfind("::", 0) == 0) id.erase(0, 2);
    if (id.size() <= 1) return true;
    if (id.rfind("std::", 0) == 0) return true;
    const auto& kw = known_words();
    if (kw.count(id) || names.count(id) || code_idents.count(id) || local.count(id)) return true;
    // "Shape::area" where the code only spells "area": every component must be known.
    if (id.find("::") != std::string::npos) {
      std::size_t b = 0;
      for (;;) {
        std::size_t e = id.find("::", b);
        std::string part = id.substr(b, e == std::string::npos ? std::string::npos : e - b);
        if (!(kw.count(part) || names.count(part) || code_idents.count(part) ||
              local.count(part)))
          return false;
        if (e == std::string::npos) return true;
        b = e + 2;
      }
    }
    return false;
  }
};

Verifier::Verifier(const Codebase& codebase)
    : index_(std::make_unique<Index>(codebase)), codebase_(&codebase) {}
Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;

VerifyResult Verifier::check(const SymbolDoc& doc) const {
  if (const Symbol* s = codebase_->find(doc.id)) return check(doc, *s);
  VerifyResult r{doc.id, {}};
  r.issues.push_back({VerifyIssueKind::unknown_symbol, doc.id,
                      "the doc names no symbol of the codebase"});
  return r;
}

VerifyResult Verifier::check(const SymbolDoc& doc, const Symbol& s) const {
  VerifyResult r{doc.id.empty() ? s.id : doc.id, {}};
  auto add = [&](VerifyIssueKind k, std::string subject, std::string message) {
    for (const VerifyIssue& i : r.issues)
      if (i.kind == k && i.subject == subject) return;
    r.issues.push_back({k, std::move(subject), std::move(message)});
  };

  // Names local to this symbol: its parameters and whatever its own code spells.
  std::unordered_set<std::string> local;
  for (const Param& p : s.params) local.insert(detail::param_key(p.name));
  for (const Param& p : s.template_params) local.insert(p.name);

  // 1. Parameters described must be parameters of the signature. Names on both sides go
  // through param_key (the analyzers' own rule), so `&mut self`, `*args` and `x: int = 3` match
  // `self`, `args` and `x`; C++'s implicit `this` may be described though no
  // signature lists it.
  bool has_unnamed = false;
  std::unordered_set<std::string> param_names;
  for (const Param& p : s.params) {
    std::string k = detail::param_key(p.name);
    if (k.empty()) has_unnamed = true;
    else param_names.insert(std::move(k));
  }
  for (const Param& p : s.template_params)
    if (!p.name.empty()) param_names.insert(detail::param_key(p.name));
  const bool has_receiver = s.kind == SymbolKind::method || s.kind == SymbolKind::constructor ||
                            s.kind == SymbolKind::destructor ||
                            s.kind == SymbolKind::conversion || s.kind == SymbolKind::operator_;
  bool params_known = is_callable(s.kind) || !s.params.empty() || !s.template_params.empty();
  if (params_known && !has_unnamed)
    for (const ParamDoc& pd : doc.params) {
      std::string n = detail::param_key(pd.name);
      if (n.empty() || param_names.count(n)) continue;
      // Rust and Python write their receiver in the signature; C++-like languages imply `this`.
      if (n == "this" && has_receiver && !s.has(flags::is_static)) continue;
      add(VerifyIssueKind::unknown_param, n,
          "parameter `" + n + "` is described but the signature has no such parameter");
    }

  // 2. Identifiers in backticks must exist.
  std::vector<std::string_view> prose{doc.summary, doc.description, doc.returns, doc.throws,
                                      doc.notes};
  for (const ParamDoc& pd : doc.params) prose.emplace_back(pd.description);
  for (std::string_view text : prose)
    for (const std::string& span : code_spans(text)) {
      if (is_literal(span)) continue;
      if (index_->files.count(span) || index_->names.count(span)) continue;
      if (span.front() == '<' && span.back() == '>') continue;  // <vector>: a standard header
      if (span.front() == '-' || span.find("://") != std::string::npos) continue;  // flags, URLs
      for (const std::string& id : identifiers(span)) {
        if (index_->known_identifier(id, local)) continue;
        add(VerifyIssueKind::unknown_identifier, id,
            "`" + id + "` is not a symbol or identifier of the codebase");
      }
    }

  // 3. Return values: described for non-void callables, not invented for void ones.
  if (is_callable(s.kind) && s.kind != SymbolKind::constructor &&
      s.kind != SymbolKind::destructor) {
    std::string rt(trim(s.return_type));
    if (!rt.empty() && rt != "auto" && rt != "decltype(auto)") {
      bool is_void = rt == "void";
      // The offline writer leaves `returns` empty when the source says nothing about the value
      // (it will not restate the type): a gap in the source, not a false claim of the doc.
      bool unstated = doc.source == "offline" && trim(doc.returns).empty();
      if (!is_void && !unstated && is_negation(doc.returns))
        add(VerifyIssueKind::missing_return, rt,
            "the function returns `" + rt + "` but the doc does not describe the value");
      if (is_void && !is_negation(doc.returns))
        add(VerifyIssueKind::return_on_void, "void",
            "the doc describes a return value but the function returns void");
    }
  }

  // 4. Throwing claims must not contradict noexcept.
  if (is_noexcept(s)) {
    bool claim = (!doc.throws.empty() && !is_negation(doc.throws)) ||
                 claims_throwing(doc.description) || claims_throwing(doc.notes) ||
                 claims_throwing(doc.summary) || claims_throwing(doc.returns);
    if (claim)
      add(VerifyIssueKind::throws_noexcept, "noexcept",
          "the doc says it throws but the function is declared noexcept");
  }

  // 5. See-also entries must name symbols (or standard names, or links).
  for (const std::string& ref : doc.see_also) {
    std::string n = detail::normalize_reference(ref);
    if (n.empty() || n.rfind("std::", 0) == 0 || n.find("://") != std::string::npos) continue;
    if (index_->resolver.resolve(ref)) continue;
    add(VerifyIssueKind::unknown_reference, n, "see-also `" + n + "` names no symbol");
  }
  return r;
}

VerifyResult verify_doc(const SymbolDoc& doc, const Symbol& symbol, const Codebase& codebase) {
  return Verifier(codebase).check(doc, symbol);
}

std::vector<VerifyResult> verify_docs(const std::map<std::string, SymbolDoc>& docs,
                                      const Codebase& codebase) {
  Verifier v(codebase);
  std::vector<VerifyResult> out;
  out.reserve(docs.size());
  for (const auto& [id, doc] : docs) {
    if (const Symbol* s = codebase.find(id)) out.push_back(v.check(doc, *s));
    else out.push_back(v.check(doc));
  }
  return out;
}

double verified_ratio(std::span<const VerifyResult> results) noexcept {
  if (results.empty()) return 1.0;
  std::size_t ok = 0;
  for (const VerifyResult& r : results)
    if (r.ok()) ++ok;
  return static_cast<double>(ok) / static_cast<double>(results.size());
}

}  // namespace doctown
