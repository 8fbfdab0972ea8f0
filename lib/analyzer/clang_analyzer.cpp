// C and C++ through libclang. Each translation unit is parsed (KeepGoing, so a missing header
// costs only what depends on it) and its AST walked once: declarations in project files
// become symbols keyed by USR, function bodies yield calls, complexity and nesting depth,
// signatures yield uses_type edges, the inclusion list yields includes edges. Workers each own
// a CXIndex and write into their own per-TU slot; the slots are merged in TU order afterwards,
// so the result does not depend on thread timing. A declaration in a header and its
// definition in a source file share a USR and become one symbol (location = the definition).
#include <clang-c/Index.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <set>
#include <system_error>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "analyzer/analyzer_impl.hpp"
#include "analyzer/compile_db.hpp"
#include "source/file_select.hpp"

#ifndef DOCTOWN_LIBCLANG_RESOURCE_DIR
#define DOCTOWN_LIBCLANG_RESOURCE_DIR ""
#endif

namespace doctown::detail {

namespace fs = std::filesystem;

namespace {

std::string take(CXString s) {
  const char* c = clang_getCString(s);
  std::string r = c ? c : "";
  clang_disposeString(s);
  return r;
}

template <class F>
void for_children(CXCursor c, F&& f) {
  using Fn = std::remove_reference_t<F>;
  clang_visitChildren(
      c,
      [](CXCursor child, CXCursor, CXClientData d) -> CXChildVisitResult {
        (*static_cast<Fn*>(d))(child);
        return CXChildVisit_Continue;
      },
      &f);
}

constexpr int kConceptDeclCursor = 604;
// A TU with wrong flags can produce thousands of errors; the first ones say what is wrong.
constexpr std::size_t kMaxDiagnosticsPerTu = 50;
// Deepest AST level walk_body descends to; each level takes well under 2 KiB of the worker's
// kWorkerStack, so the budget holds with room to spare.
constexpr int kMaxWalkDepth = 20000;
// Stack of each worker thread: deep code makes both libclang and our walks recurse deeply.
// Only the pages touched are ever committed.
constexpr std::size_t kWorkerStack = std::size_t{256} << 20;

bool is_function_kind(CXCursorKind k) {
  return k == CXCursor_FunctionDecl || k == CXCursor_CXXMethod || k == CXCursor_Constructor ||
         k == CXCursor_Destructor || k == CXCursor_ConversionFunction ||
         k == CXCursor_FunctionTemplate;
}
bool is_record_kind(CXCursorKind k) {
  return k == CXCursor_ClassDecl || k == CXCursor_StructDecl || k == CXCursor_UnionDecl ||
         k == CXCursor_ClassTemplate || k == CXCursor_ClassTemplatePartialSpecialization;
}

// Everything one translation unit contributed.
struct TuOutput {
  std::vector<Symbol> symbols;
  std::vector<Relation> relations;
  std::vector<Diagnostic> diagnostics;
  std::vector<std::string> files_seen;            // project files the TU included
  std::vector<std::string> internal_ids;          // internal linkage / anonymous namespace
  bool parsed = false;
};

// Fold one occurrence of a symbol into what is known so far. The definition gives the
// location, source text and metrics; another declaration (the header's) becomes
// `declaration`. Every choice is order-independent or taken in TU order, so merging is
// deterministic.
void consider_declaration(Symbol& a, const SourceRange& loc) {
  if (loc.file == a.location.file && loc.line == a.location.line) return;
  if (!a.declaration) {
    a.declaration = loc;
    return;
  }
  const auto& d = *a.declaration;
  bool loc_h = is_header_path(loc.file), d_h = is_header_path(d.file);
  if ((loc_h && !d_h) || (loc_h == d_h && std::tie(loc.file, loc.line) < std::tie(d.file, d.line)))
    a.declaration = loc;
}

void take_definition(Symbol& a, const Symbol& b) {
  a.location = b.location;
  a.source_text = b.source_text;
  a.complexity = b.complexity;
  a.nesting_depth = b.nesting_depth;
}

void merge_symbol(Symbol& a, const Symbol& b) {
  bool a_def = a.has(flags::is_definition), b_def = b.has(flags::is_definition);
  auto before = [](const SourceRange& x, const SourceRange& y) {
    return std::tie(x.file, x.line) < std::tie(y.file, y.line);
  };
  if (b_def && !a_def) {
    SourceRange old = a.location;
    take_definition(a, b);
    consider_declaration(a, old);
    if (a.declaration && a.declaration->file == a.location.file &&
        a.declaration->line == a.location.line)
      a.declaration.reset();
  } else if (b_def && a_def) {
    if (before(b.location, a.location)) take_definition(a, b);
  } else if (!b_def && a_def) {
    consider_declaration(a, b.location);
  } else if (before(b.location, a.location)) {
    a.location = b.location;
  }
  if (b.declaration) {
    if (a.has(flags::is_definition) || b_def) consider_declaration(a, *b.declaration);
  }
  auto fill = [](std::string& x, const std::string& y) {
    if (x.empty()) x = y;
  };
  fill(a.signature, b.signature);
  fill(a.return_type, b.return_type);
  // The header's comment says how to use it, the definition's how it works: both are kept.
  if (a.doc_comment != b.doc_comment) {
    a.doc_comment = merge_comments(a.doc_comment, b.doc_comment);
    a.brief = brief_of(a.doc_comment);
  }
  fill(a.parent_id, b.parent_id);
  if (a.params.empty()) a.params = b.params;
  if (a.template_params.empty()) a.template_params = b.template_params;
  if (a.access == Access::none) a.access = b.access;
  a.flags |= b.flags;
  // A record's or enum's definition is where it is declared: a forward declaration
  // (`class Slice;` in some other header) is not its declaration.
  if (a.has(flags::is_definition) &&
      (is_record(a.kind) || a.kind == SymbolKind::enum_) && a.declaration)
    a.declaration.reset();
}

// Walks one parsed translation unit.
class TuWalker {
 public:
  TuWalker(CXTranslationUnit tu, const fs::path& root,
           const std::unordered_set<std::string>& project_files, const AnalyzerOptions& options,
           std::string language, TuOutput& out)
      : tu_(tu), root_(root.string()), project_files_(project_files), options_(options),
        language_(std::move(language)), out_(out) {}

  void run() {
    collect_includes();
    for_children(clang_getTranslationUnitCursor(tu_), [this](CXCursor c) { visit_decl(c); });
    for (auto& s : symbols_) out_.symbols.push_back(std::move(s));
  }

 private:
  // Relative path of a file when it belongs to the project, else nullptr.
  const std::string* project_path(CXFile file) {
    if (!file) return nullptr;
    auto it = file_cache_.find(file);
    if (it != file_cache_.end()) return it->second;
    std::string name = take(clang_getFileName(file));
    fs::path p = fs::path(name).lexically_normal();
    const std::string* rel = nullptr;
    auto r = p.lexically_relative(root_).generic_string();
    if (!r.empty() && !leaves_base(r)) {
      auto pit = project_files_.find(r);
      if (pit != project_files_.end()) rel = &*pit;
    }
    file_cache_.emplace(file, rel);
    return rel;
  }

  const std::string* project_path_of(CXCursor c) {
    CXSourceLocation loc = clang_getCursorLocation(c);
    if (clang_Location_isInSystemHeader(loc)) return nullptr;
    CXFile file = nullptr;
    clang_getFileLocation(loc, &file, nullptr, nullptr, nullptr);
    return project_path(file);
  }

  void collect_includes() {
    struct Ctx {
      TuWalker* self;
    } ctx{this};
    clang_getInclusions(
        tu_,
        [](CXFile included, CXSourceLocation* stack, unsigned len, CXClientData d) {
          auto* self = static_cast<Ctx*>(d)->self;
          const std::string* to = self->project_path(included);
          if (!to) return;
          self->out_.files_seen.push_back(*to);
          if (len == 0) return;
          CXFile from_file = nullptr;
          clang_getFileLocation(stack[0], &from_file, nullptr, nullptr, nullptr);
          const std::string* from = self->project_path(from_file);
          if (from)
            self->out_.relations.push_back({"file:" + *from, "file:" + *to,
                                            RelationKind::includes});
        },
        &ctx);
  }

  // ---- declarations ---------------------------------------------------------------------

  void visit_decl(CXCursor c) {
    CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_MacroExpansion || k == CXCursor_InclusionDirective) return;
    const std::string* rel = project_path_of(c);
    if (!rel) return;
    switch (k) {
      case CXCursor_Namespace:
        if (!clang_Cursor_isAnonymous(c) && !clang_Cursor_isInlineNamespace(c))
          record(c, SymbolKind::namespace_, *rel);
        for_children(c, [this](CXCursor ch) { visit_decl(ch); });
        return;
      case CXCursor_LinkageSpec:
      case CXCursor_UnexposedDecl:
        for_children(c, [this](CXCursor ch) { visit_decl(ch); });
        return;
      case CXCursor_ClassDecl:
      case CXCursor_StructDecl:
      case CXCursor_UnionDecl:
      case CXCursor_ClassTemplate:
      case CXCursor_ClassTemplatePartialSpecialization: {
        if (!is_anonymous_record(c)) record(c, record_kind(c), *rel);
        if (clang_isCursorDefinition(c)) {
          for_children(c, [this](CXCursor ch) {
            if (clang_getCursorKind(ch) != CXCursor_CXXBaseSpecifier) visit_decl(ch);
          });
        }
        return;
      }
      case CXCursor_EnumDecl:
        record(c, SymbolKind::enum_, *rel);
        for_children(c, [this](CXCursor ch) { visit_decl(ch); });
        return;
      case CXCursor_EnumConstantDecl:
        record(c, SymbolKind::enumerator, *rel);
        return;
      case CXCursor_FunctionDecl:
      case CXCursor_CXXMethod:
      case CXCursor_Constructor:
      case CXCursor_Destructor:
      case CXCursor_ConversionFunction:
      case CXCursor_FunctionTemplate:
        record(c, function_kind(c), *rel);
        return;
      case CXCursor_FieldDecl:
        record(c, SymbolKind::field, *rel);
        return;
      case CXCursor_VarDecl: {
        CXCursorKind pk = clang_getCursorKind(clang_getCursorSemanticParent(c));
        if (is_record_kind(pk)) {
          record(c, SymbolKind::field, *rel);
        } else {
          record(c, clang_isConstQualifiedType(clang_getCursorType(c)) ? SymbolKind::constant
                                                                         : SymbolKind::variable,
                 *rel);
        }
        return;
      }
      case CXCursor_TypedefDecl:
        record(c, SymbolKind::typedef_, *rel);
        return;
      case CXCursor_TypeAliasDecl:
      case CXCursor_TypeAliasTemplateDecl:
        record(c, SymbolKind::type_alias, *rel);
        return;
      case CXCursor_MacroDefinition:
        if (!clang_Cursor_isMacroBuiltin(c) && !is_include_guard(c))
          record(c, SymbolKind::macro, *rel);
        return;
      default:
        // CXCursor_ConceptDecl (604) exists from libclang 18 on; by number, so the code builds
        // against older headers, where concepts stay unexposed and are skipped.
        if (static_cast<int>(k) == kConceptDeclCursor) record(c, SymbolKind::concept_, *rel);
        return;
    }
  }

  // True when `text` holds nothing but blanks and comments (a license banner above a guard).
  static bool only_comments(std::string_view text) {
    for (std::size_t p = 0; p < text.size();) {
      if (std::isspace(static_cast<unsigned char>(text[p]))) {
        ++p;
      } else if (text.substr(p, 2) == "//") {
        p = std::min(text.find('\n', p), text.size());
      } else if (text.substr(p, 2) == "/*") {
        auto e = text.find("*/", p + 2);
        if (e == std::string_view::npos) return false;
        p = e + 2;
      } else {
        return false;
      }
    }
    return true;
  }

  // `#ifndef X_H` / `#define X_H` with nothing after the name, as the file's first directive: a
  // guard, not an API. The same pair further down (`#ifndef ZEXPORT` / `#define ZEXPORT`, an
  // export macro defaulting to nothing) is a macro a reader looks up.
  bool is_include_guard(CXCursor c) {
    if (clang_Cursor_isMacroFunctionLike(c) || tokens(clang_getCursorExtent(c)).size() != 1)
      return false;
    std::string name = take(clang_getCursorSpelling(c));
    CXFile file = nullptr;
    unsigned off = 0;
    clang_getFileLocation(clang_getCursorLocation(c), &file, nullptr, nullptr, &off);
    std::size_t size = 0;
    const char* buf = file ? clang_getFileContents(tu_, file, &size) : nullptr;
    if (!buf || off > size) return false;
    std::string_view before(buf, off);
    auto define_line = before.rfind('\n');
    if (define_line == std::string_view::npos) return false;
    before = before.substr(0, define_line);
    // The line above (blank and comment lines skipped) tests the same name.
    while (!before.empty()) {
      auto nl = before.rfind('\n');
      std::string_view line = before.substr(nl == std::string_view::npos ? 0 : nl + 1);
      auto first = line.find_first_not_of(" \t\r");
      if (first != std::string_view::npos && line.substr(first, 2) != "//" &&
          line.substr(first, 2) != "/*" && line[first] != '*')
        return line[first] == '#' && line.find("if") != std::string_view::npos &&
               line.find(name) != std::string_view::npos &&
               only_comments(before.substr(0, nl == std::string_view::npos ? 0 : nl + 1));
      if (nl == std::string_view::npos) break;
      before = before.substr(0, nl);
    }
    return false;
  }

  // `#define NAME(a, b)` for function-like macros, `#define NAME value` for object-like ones
  // (the value shortened when long: the source text has it in full).
  std::string macro_signature(CXCursor c) {
    auto toks = tokens(clang_getCursorExtent(c));
    std::string sig = "#define ";
    if (toks.empty()) return sig + take(clang_getCursorSpelling(c));
    sig += toks[0];
    std::size_t i = 1;
    if (clang_Cursor_isMacroFunctionLike(c)) {
      for (; i < toks.size(); ++i) {
        sig += toks[i];
        if (toks[i] == ",") sig += ' ';
        if (toks[i] == ")") break;
      }
      return sig;
    }
    constexpr std::size_t kMaxValue = 120;
    std::string value;
    for (; i < toks.size() && value.size() <= kMaxValue; ++i)
      value += (value.empty() ? "" : " ") + toks[i];
    if (value.size() > kMaxValue) value = value.substr(0, kMaxValue) + " ...";
    return value.empty() ? sig : sig + " " + value;
  }

  // libclang spells an unnamed record or enum "" or "(unnamed struct at f.h:3:9)".
  static bool has_no_spelling(CXCursor c) {
    std::string n = take(clang_getCursorSpelling(c));
    return n.empty() || n.front() == '(' || n.find("(unnamed") != std::string::npos ||
           n.find("(anonymous") != std::string::npos;
  }

  // `typedef struct { ... } parse_buffer;`: the typedef names the struct (clang spells the
  // type by it). Empty for a truly anonymous record or enum.
  static std::string typedef_name(CXCursor c) {
    if (clang_Cursor_isAnonymousRecordDecl(c)) return {};  // a member `union { ... };`
    std::string t = take(clang_getTypeSpelling(clang_getCursorType(c)));
    for (std::string_view kw : {"struct ", "union ", "enum ", "class "})
      if (t.rfind(kw, 0) == 0) t.erase(0, kw.size());
    auto sep = t.rfind("::");
    if (sep != std::string::npos) t.erase(0, sep + 2);
    if (t.empty()) return {};
    for (unsigned char ch : t)
      if (!std::isalnum(ch) && ch != '_') return {};
    return t;
  }

  // An enum with neither name nor typedef is named after its first enumerators, so every
  // symbol has a name a reader can search for.
  static std::string unnamed_enum_name(CXCursor c) {
    std::vector<std::string> names;
    std::size_t total = 0;
    for_children(c, [&](CXCursor ch) {
      if (clang_getCursorKind(ch) != CXCursor_EnumConstantDecl) return;
      if (names.size() < 2) names.push_back(take(clang_getCursorSpelling(ch)));
      ++total;
    });
    std::string n = "enum {";
    for (std::size_t i = 0; i < names.size(); ++i) n += (i ? ", " : "") + names[i];
    if (total > names.size()) n += ", ...";
    if (total == 0) {
      unsigned line = 0;
      clang_getFileLocation(clang_getCursorLocation(c), nullptr, &line, nullptr, nullptr);
      n += "at line " + std::to_string(line);
    }
    return n + "}";
  }

  static bool is_anonymous_record(CXCursor c) {
    return (clang_Cursor_isAnonymous(c) || has_no_spelling(c)) && typedef_name(c).empty();
  }

  static SymbolKind record_kind(CXCursor c) {
    CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_ClassTemplate || k == CXCursor_ClassTemplatePartialSpecialization)
      k = clang_getTemplateCursorKind(c);
    if (k == CXCursor_StructDecl) return SymbolKind::struct_;
    if (k == CXCursor_UnionDecl) return SymbolKind::union_;
    return SymbolKind::class_;
  }

  static SymbolKind function_kind(CXCursor c) {
    CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_FunctionTemplate) k = clang_getTemplateCursorKind(c);
    switch (k) {
      case CXCursor_Constructor: return SymbolKind::constructor;
      case CXCursor_Destructor: return SymbolKind::destructor;
      case CXCursor_ConversionFunction: return SymbolKind::conversion;
      default: break;
    }
    std::string name = take(clang_getCursorSpelling(c));
    if (name.rfind("operator", 0) == 0 && name.size() > 8 &&
        !(std::isalnum(static_cast<unsigned char>(name[8])) || name[8] == '_'))
      return SymbolKind::operator_;
    if (k == CXCursor_CXXMethod) return SymbolKind::method;
    return is_record_kind(clang_getCursorKind(clang_getCursorSemanticParent(c)))
               ? SymbolKind::method
               : SymbolKind::function;
  }

  static bool transparent_scope(CXCursor p) {
    CXCursorKind k = clang_getCursorKind(p);
    if (k == CXCursor_Namespace)
      return clang_Cursor_isAnonymous(p) || clang_Cursor_isInlineNamespace(p);
    if (k == CXCursor_LinkageSpec || k == CXCursor_UnexposedDecl) return true;
    if (is_record_kind(k)) return is_anonymous_record(p);
    if (k == CXCursor_EnumDecl) return has_no_spelling(p) && typedef_name(p).empty();
    return false;
  }

  static std::string name_of(CXCursor c) {
    CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_Constructor || k == CXCursor_Destructor) {
      // In a class template the spelling is "Buffer<T, N>"; the name is "Buffer".
      std::string n = take(clang_getCursorSpelling(c));
      auto lt = n.find('<');
      return lt == std::string::npos ? n : n.substr(0, lt);
    }
    if (k == CXCursor_ClassTemplatePartialSpecialization ||
        (is_record_kind(k) && !clang_Cursor_isNull(clang_getSpecializedCursorTemplate(c))))
      return take(clang_getCursorDisplayName(c));
    if ((is_record_kind(k) || k == CXCursor_EnumDecl) && has_no_spelling(c)) {
      std::string t = typedef_name(c);
      if (!t.empty() || k != CXCursor_EnumDecl) return t;
      return unnamed_enum_name(c);
    }
    return take(clang_getCursorSpelling(c));
  }

  std::string qualified_name(CXCursor c, std::string& parent_id) {
    std::vector<std::string> parts{name_of(c)};
    bool parent_found = false;
    CXCursor p = clang_getCursorSemanticParent(c);
    while (!clang_Cursor_isNull(p) && !clang_isInvalid(clang_getCursorKind(p)) &&
           clang_getCursorKind(p) != CXCursor_TranslationUnit) {
      // An unnamed enum's enumerators belong to it, but are named in the enclosing scope.
      const bool unnamed_enum = clang_getCursorKind(p) == CXCursor_EnumDecl;
      if (!transparent_scope(p) || (unnamed_enum && !parent_found)) {
        if (!transparent_scope(p)) parts.push_back(name_of(p));
        if (!parent_found) {
          parent_id = take(clang_getCursorUSR(p));
          parent_found = true;
        }
      }
      p = clang_getCursorSemanticParent(p);
    }
    std::string q;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      if (!q.empty()) q += "::";
      q += *it;
    }
    return q;
  }

  SourceRange range_of(CXCursor c, const std::string& rel, unsigned* start_off = nullptr,
                       unsigned* end_off = nullptr) {
    CXSourceRange ext = clang_getCursorExtent(c);
    unsigned l1 = 0, l2 = 0, o1 = 0, o2 = 0;
    CXFile f1 = nullptr, f2 = nullptr;
    clang_getFileLocation(clang_getRangeStart(ext), &f1, &l1, nullptr, &o1);
    clang_getFileLocation(clang_getRangeEnd(ext), &f2, &l2, nullptr, &o2);
    if (l1 == 0 || f1 != f2 || l2 < l1) {
      clang_getFileLocation(clang_getCursorLocation(c), nullptr, &l1, nullptr, &o1);
      l2 = l1;
      o2 = o1;
    }
    if (start_off) *start_off = o1;
    if (end_off) *end_off = o2;
    return SourceRange{rel, static_cast<int>(l1), static_cast<int>(l2)};
  }

  // Tokens of a source range, as spellings.
  std::vector<std::string> tokens(CXSourceRange range) {
    CXToken* toks = nullptr;
    unsigned n = 0;
    clang_tokenize(tu_, range, &toks, &n);
    std::vector<std::string> out;
    out.reserve(n);
    for (unsigned i = 0; i < n; ++i) out.push_back(take(clang_getTokenSpelling(tu_, toks[i])));
    if (toks) clang_disposeTokens(tu_, toks, n);
    return out;
  }

  static CXCursor body_of(CXCursor fn) {
    CXCursor body = clang_getNullCursor();
    for_children(fn, [&](CXCursor ch) {
      CXCursorKind k = clang_getCursorKind(ch);
      if (k == CXCursor_CompoundStmt || k == CXCursor_CXXTryStmt) body = ch;
    });
    return body;
  }

  std::string source_text(CXCursor c, unsigned o1, unsigned o2) {
    CXFile file = nullptr;
    clang_getFileLocation(clang_getCursorLocation(c), &file, nullptr, nullptr, nullptr);
    if (!file || o2 <= o1) return {};
    std::size_t size = 0;
    const char* buf = clang_getFileContents(tu_, file, &size);
    if (!buf || o2 > size) return {};
    std::size_t len = std::min<std::size_t>(o2 - o1, options_.max_source_text);
    return std::string(buf + o1, len);
  }

  // What a reader takes as this declaration's documentation: the comment written around it
  // in the file (plain `//` and `/* */` included, which libclang only attaches with
  // -fparse-all-comments and then without telling banners or commented-out code apart), else
  // the doc comment libclang attached (across a blank line or an export macro's line).
  std::string comment_of(CXCursor c, SymbolKind kind, bool is_def, unsigned o1, unsigned o2) {
    CXFile file = nullptr;
    clang_getFileLocation(clang_getCursorLocation(c), &file, nullptr, nullptr, nullptr);
    std::size_t size = 0;
    const char* buf = file ? clang_getFileContents(tu_, file, &size) : nullptr;
    std::string doc;
    if (buf) {
      const bool member = kind == SymbolKind::field || kind == SymbolKind::enumerator;
      const bool body_less = !is_def || kind == SymbolKind::macro ||
                             kind == SymbolKind::typedef_ || kind == SymbolKind::type_alias ||
                             kind == SymbolKind::variable || kind == SymbolKind::constant;
      // A one-line declaration may carry its doc after it: `typedef unsigned long uLong; /* 32
      // bits or more */`, `#define FLAG_X (1 << 0) /* first flag */`.
      const bool one_liner = kind == SymbolKind::macro || kind == SymbolKind::typedef_ ||
                             kind == SymbolKind::type_alias;
      CommentPlaces places{.trailing_plain = member || one_liner,
                           .below = body_less && !member && kind != SymbolKind::namespace_};
      doc = comment_for_declaration(std::string_view(buf, size), o1, o2, places);
    }
    if (doc.empty() && kind != SymbolKind::macro) {
      std::string raw = take(clang_Cursor_getRawCommentText(c));
      if (!raw.empty()) {
        doc = clean_comment(raw);
        if (is_not_documentation(doc)) doc.clear();
      }
    }
    return doc;
  }

  static std::string strip_body_braces(std::string s) {
    // Terse printing still leaves "{}" after records and namespaces.
    auto trim_back = [&] {
      while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
    };
    trim_back();
    if (!s.empty() && s.back() == '}') {
      auto open = s.find_last_not_of(" \n", s.size() - 2);
      if (open != std::string::npos && s[open] == '{') s.resize(open);
    }
    trim_back();
    return s;
  }

  std::string pretty(CXCursor c) {
    CXPrintingPolicy policy = clang_getCursorPrintingPolicy(c);
    clang_PrintingPolicy_setProperty(policy, CXPrintingPolicy_TerseOutput, 1);
    clang_PrintingPolicy_setProperty(policy, CXPrintingPolicy_PolishForDeclaration, 1);
    clang_PrintingPolicy_setProperty(policy, CXPrintingPolicy_IncludeNewlines, 0);
    std::string s = take(clang_getCursorPrettyPrinted(c, policy));
    clang_PrintingPolicy_dispose(policy);
    // Declarations a module interface unit pulls in from headers print as module-private;
    // nobody wrote that keyword.
    constexpr std::string_view kModulePrivate = "__module_private__ ";
    for (auto pos = s.find(kModulePrivate); pos != std::string::npos; pos = s.find(kModulePrivate))
      s.erase(pos, kModulePrivate.size());
    return strip_body_braces(std::move(s));
  }

  Symbol* record(CXCursor c, SymbolKind kind, const std::string& rel) {
    std::string usr = take(clang_getCursorUSR(c));
    if (usr.empty()) return nullptr;
    Symbol s;
    s.id = usr;
    s.kind = kind;
    s.name = name_of(c);
    s.qualified_name = qualified_name(c, s.parent_id);
    s.language = language_;
    unsigned o1 = 0, o2 = 0;
    s.location = range_of(c, rel, &o1, &o2);
    const bool is_def = kind == SymbolKind::namespace_ || clang_isCursorDefinition(c) ||
                        kind == SymbolKind::enumerator || kind == SymbolKind::field ||
                        kind == SymbolKind::typedef_ || kind == SymbolKind::type_alias ||
                        kind == SymbolKind::macro || kind == SymbolKind::concept_;
    if (is_def) s.flags |= flags::is_definition;

    switch (clang_getCXXAccessSpecifier(c)) {
      case CX_CXXPublic: s.access = Access::public_; break;
      case CX_CXXProtected: s.access = Access::protected_; break;
      case CX_CXXPrivate: s.access = Access::private_; break;
      default: break;
    }
    if (clang_getCursorAvailability(c) == CXAvailability_Deprecated)
      s.flags |= flags::is_deprecated;
    CXLinkageKind linkage = clang_getCursorLinkage(c);
    if (linkage == CXLinkage_Internal || linkage == CXLinkage_UniqueExternal)
      out_.internal_ids.push_back(usr);

    s.doc_comment = comment_of(c, kind, is_def, o1, o2);
    s.brief = brief_of(s.doc_comment);

    if (kind == SymbolKind::macro) {
      s.signature = macro_signature(c);
      s.source_text = "#define " + source_text(c, o1, o2);
    } else if (is_function_kind(clang_getCursorKind(c))) {
      describe_function(c, s, is_def, o1, o2);
    } else {
      s.signature = kind == SymbolKind::namespace_ ? "namespace " + s.qualified_name : pretty(c);
      if (kind == SymbolKind::enumerator) {
        s.signature = s.name + " = " + std::to_string(clang_getEnumConstantDeclValue(c));
      }
      if (is_def && kind != SymbolKind::namespace_ && kind != SymbolKind::enumerator)
        s.source_text = source_text(c, o1, o2);
      if (kind == SymbolKind::field && clang_getCursorKind(c) == CXCursor_VarDecl)
        s.flags |= flags::is_static;
      if (kind == SymbolKind::variable || kind == SymbolKind::constant) {
        if (clang_Cursor_getStorageClass(c) == CX_SC_Static) s.flags |= flags::is_static;
      }
      if (kind == SymbolKind::variable || kind == SymbolKind::constant ||
          kind == SymbolKind::field) {
        auto head = tokens(clang_getRange(clang_getRangeStart(clang_getCursorExtent(c)),
                                          clang_getCursorLocation(c)));
        for (const auto& t : head) {
          if (t == "constexpr") s.flags |= flags::is_constexpr;
          if (t == "inline") s.flags |= flags::is_inline;
        }
        s.return_type.clear();
      }
      if (is_record(kind) && is_def) describe_record(c, s);
      if (kind == SymbolKind::field || kind == SymbolKind::variable ||
          kind == SymbolKind::constant || kind == SymbolKind::typedef_ ||
          kind == SymbolKind::type_alias)
        collect_type_uses(c, s.id, /*skip_bodies=*/true);
    }
    if (kind == SymbolKind::class_ || kind == SymbolKind::struct_ || kind == SymbolKind::union_ ||
        kind == SymbolKind::type_alias || is_function_kind(clang_getCursorKind(c))) {
      collect_template_params(c, s);
    }

    if (has_visibility_attribute(c) && clang_getCursorVisibility(c) == CXVisibility_Hidden)
      out_.internal_ids.push_back(usr);
    respell_template_parameters(c, s);

    auto it = index_.find(usr);
    if (it == index_.end()) {
      index_.emplace(usr, symbols_.size());
      symbols_.push_back(std::move(s));
      return &symbols_.back();
    }
    merge_symbol(symbols_[it->second], s);
    return &symbols_[it->second];
  }

  // `__attribute__((visibility("hidden")))` written on the declaration (not a -fvisibility
  // default: header-only code compiled with -fvisibility=hidden is still an API).
  static bool has_visibility_attribute(CXCursor c) {
    CXCursorKind k = clang_getCursorKind(c);
    if (!is_record_kind(k) && !is_function_kind(k) && k != CXCursor_VarDecl) return false;
    bool found = false;
    for_children(c, [&](CXCursor ch) {
      if (clang_getCursorKind(ch) == CXCursor_VisibilityAttr) found = true;
    });
    return found;
  }

  // clang spells dependent types in some names and signatures by position,
  // `type-parameter-<depth>-<index>` (`operator basic_string_view<type-parameter-0-0>`);
  // the reader wrote `Char`. Depth counts the enclosing templates, outermost first.
  static void respell_template_parameters(CXCursor c, Symbol& s) {
    constexpr std::string_view kMark = "type-parameter-";
    std::vector<std::string*> texts{&s.name, &s.qualified_name, &s.signature, &s.return_type};
    for (auto& p : s.params) texts.push_back(&p.type);
    for (auto& p : s.template_params) texts.push_back(&p.type);
    if (std::none_of(texts.begin(), texts.end(), [&](const std::string* t) {
          return t->find(kMark) != std::string::npos;
        }))
      return;
    std::vector<std::vector<std::string>> scopes;
    for (CXCursor p = c; !clang_Cursor_isNull(p) && !clang_isInvalid(clang_getCursorKind(p)) &&
                         clang_getCursorKind(p) != CXCursor_TranslationUnit;
         p = clang_getCursorSemanticParent(p)) {
      CXCursorKind k = clang_getCursorKind(p);
      if (k != CXCursor_ClassTemplate && k != CXCursor_FunctionTemplate &&
          k != CXCursor_ClassTemplatePartialSpecialization && k != CXCursor_TypeAliasTemplateDecl)
        continue;
      std::vector<std::string> names;
      for_children(p, [&](CXCursor ch) {
        CXCursorKind ck = clang_getCursorKind(ch);
        if (ck == CXCursor_TemplateTypeParameter || ck == CXCursor_NonTypeTemplateParameter ||
            ck == CXCursor_TemplateTemplateParameter)
          names.push_back(take(clang_getCursorSpelling(ch)));
      });
      scopes.push_back(std::move(names));
    }
    std::reverse(scopes.begin(), scopes.end());
    for (std::string* t : texts) {
      std::size_t pos = 0;
      while ((pos = t->find(kMark, pos)) != std::string::npos) {
        std::size_t i = pos + kMark.size(), depth = 0, index = 0, digits = 0;
        for (; i < t->size() && std::isdigit(static_cast<unsigned char>((*t)[i])); ++i, ++digits)
          depth = depth * 10 + static_cast<std::size_t>((*t)[i] - '0');
        bool ok = digits > 0 && i < t->size() && (*t)[i] == '-';
        digits = 0;
        for (++i; ok && i < t->size() && std::isdigit(static_cast<unsigned char>((*t)[i]));
             ++i, ++digits)
          index = index * 10 + static_cast<std::size_t>((*t)[i] - '0');
        ok = ok && digits > 0 && depth < scopes.size() && index < scopes[depth].size() &&
             !scopes[depth][index].empty();
        if (!ok) {
          pos += kMark.size();
          continue;
        }
        t->replace(pos, i - pos, scopes[depth][index]);
        pos += scopes[depth][index].size();
      }
    }
  }

  void collect_template_params(CXCursor c, Symbol& s) {
    CXCursorKind k = clang_getCursorKind(c);
    bool templ = k == CXCursor_ClassTemplate || k == CXCursor_FunctionTemplate ||
                 k == CXCursor_ClassTemplatePartialSpecialization ||
                 k == CXCursor_TypeAliasTemplateDecl ||
                 !clang_Cursor_isNull(clang_getSpecializedCursorTemplate(c));
    if (!templ) return;
    s.flags |= flags::is_template;
    if (!s.template_params.empty()) return;
    for_children(c, [&](CXCursor ch) {
      CXCursorKind ck = clang_getCursorKind(ch);
      if (ck == CXCursor_TemplateTypeParameter) {
        s.template_params.push_back({take(clang_getCursorSpelling(ch)), "typename", {}});
      } else if (ck == CXCursor_NonTypeTemplateParameter) {
        s.template_params.push_back({take(clang_getCursorSpelling(ch)),
                                     take(clang_getTypeSpelling(clang_getCursorType(ch))), {}});
      } else if (ck == CXCursor_TemplateTemplateParameter) {
        s.template_params.push_back({take(clang_getCursorSpelling(ch)), "template", {}});
      }
    });
  }

  void describe_record(CXCursor c, Symbol& s) {
    for_children(c, [&](CXCursor ch) {
      if (clang_getCursorKind(ch) != CXCursor_CXXBaseSpecifier) return;
      CXCursor base = clang_getTypeDeclaration(clang_getCursorType(ch));
      if (clang_Cursor_isNull(base) || clang_isInvalid(clang_getCursorKind(base))) {
        base = clang_getCursorReferenced(ch);
      }
      if (clang_Cursor_isNull(base) || clang_isInvalid(clang_getCursorKind(base))) return;
      CXCursor templ = clang_getSpecializedCursorTemplate(base);
      if (!clang_Cursor_isNull(templ)) base = templ;
      std::string usr = take(clang_getCursorUSR(base));
      if (!usr.empty() && usr != s.id) out_.relations.push_back({s.id, usr, RelationKind::inherits});
    });
  }

  void describe_function(CXCursor c, Symbol& s, bool is_def, unsigned o1, unsigned o2) {
    // Signature and parameters from the first declaration: it carries `virtual`, `override`,
    // `explicit` and the default arguments that an out-of-line definition does not repeat.
    CXCursor canon = clang_getCanonicalCursor(c);
    s.signature = pretty(canon);
    CXCursorKind k = clang_getCursorKind(c);
    CXCursorKind tk = k == CXCursor_FunctionTemplate ? clang_getTemplateCursorKind(c) : k;
    if (tk != CXCursor_Constructor && tk != CXCursor_Destructor &&
        tk != CXCursor_ConversionFunction)
      s.return_type = take(clang_getTypeSpelling(clang_getResultType(clang_getCursorType(c))));
    if (tk == CXCursor_ConversionFunction)
      s.return_type = take(clang_getTypeSpelling(clang_getResultType(clang_getCursorType(c))));

    // Parameters: ParmDecl children of the canonical declaration (works for templates too,
    // where clang_Cursor_getNumArguments does not).
    for_children(canon, [&](CXCursor ch) {
      if (clang_getCursorKind(ch) != CXCursor_ParmDecl) return;
      Param p;
      p.name = take(clang_getCursorSpelling(ch));
      p.type = take(clang_getTypeSpelling(clang_getCursorType(ch)));
      // A default argument is the text after the parameter's '='.
      bool has_default = false;
      for_children(ch, [&](CXCursor gc) {
        CXCursorKind gk = clang_getCursorKind(gc);
        if (clang_isExpression(gk)) has_default = true;
      });
      if (has_default) {
        auto toks = tokens(clang_getCursorExtent(ch));
        auto eq = std::find(toks.begin(), toks.end(), "=");
        if (eq != toks.end()) {
          for (auto t = eq + 1; t != toks.end(); ++t) {
            if (!p.default_value.empty()) p.default_value += ' ';
            p.default_value += *t;
          }
        }
      }
      s.params.push_back(std::move(p));
    });

    if (clang_CXXMethod_isStatic(c) || clang_Cursor_getStorageClass(c) == CX_SC_Static)
      s.flags |= flags::is_static;
    if (clang_CXXMethod_isVirtual(c)) s.flags |= flags::is_virtual;
    if (clang_CXXMethod_isPureVirtual(c)) s.flags |= flags::is_pure;
    if (clang_CXXMethod_isConst(c)) s.flags |= flags::is_const;
    if (clang_CXXMethod_isDefaulted(c)) s.flags |= flags::is_defaulted;
    if (clang_Cursor_isFunctionInlined(c)) s.flags |= flags::is_inline;
    int spec = clang_getCursorExceptionSpecificationType(c);
    if (spec == CXCursor_ExceptionSpecificationKind_BasicNoexcept ||
        spec == CXCursor_ExceptionSpecificationKind_DynamicNone ||
        spec == CXCursor_ExceptionSpecificationKind_NoThrow)
      s.flags |= flags::is_noexcept;

    CXCursor* overridden = nullptr;
    unsigned n_over = 0;
    clang_getOverriddenCursors(c, &overridden, &n_over);
    for (unsigned i = 0; i < n_over; ++i) {
      std::string usr = take(clang_getCursorUSR(overridden[i]));
      if (!usr.empty()) out_.relations.push_back({s.id, usr, RelationKind::overrides});
    }
    if (overridden) clang_disposeOverriddenCursors(overridden);
    if (n_over > 0) s.flags |= flags::is_override;

    // Specifiers libclang 14 has no query for: read them from the tokens of the head
    // (before the name) and, for body-less declarations, of the tail (`= delete`).
    CXSourceRange ext = clang_getCursorExtent(canon);
    for (const auto& t : tokens(clang_getRange(clang_getRangeStart(ext), clang_getCursorLocation(canon)))) {
      if (t == "constexpr" || t == "consteval") s.flags |= flags::is_constexpr;
      if (t == "inline") s.flags |= flags::is_inline;
    }
    // The tail of the first declaration, up to its body: `= delete`, `= default`, and the
    // `override` / `final` the pretty printer leaves out.
    CXCursor canon_body = body_of(canon);
    CXSourceLocation tail_end = clang_Cursor_isNull(canon_body)
                                    ? clang_getRangeEnd(ext)
                                    : clang_getRangeStart(clang_getCursorExtent(canon_body));
    auto tail = tokens(clang_getRange(clang_getCursorLocation(canon), tail_end));
    bool has_override = false, has_final = false;
    int paren = 0;
    for (std::size_t i = 0; i < tail.size(); ++i) {
      const auto& t = tail[i];
      if (t == "(") ++paren;
      if (t == ")") --paren;
      if (paren != 0) continue;
      if (t == "override") has_override = true;
      if (t == "final") has_final = true;
      if (t == "=" && i + 1 < tail.size()) {
        if (tail[i + 1] == "delete") s.flags |= flags::is_deleted;
        if (tail[i + 1] == "default") s.flags |= flags::is_defaulted;
      }
    }
    auto add_specifier = [&](std::string_view word) {
      auto pos = s.signature.find(" = ");
      std::string add = " " + std::string(word);
      if (pos == std::string::npos) s.signature += add;
      else s.signature.insert(pos, add);
    };
    if (has_override && s.signature.find(" override") == std::string::npos) add_specifier("override");
    if (has_final && s.signature.find(" final") == std::string::npos) add_specifier("final");

    collect_type_uses(c, s.id, /*skip_bodies=*/true);
    if (is_def) {
      s.source_text = source_text(c, o1, o2);
      int complexity = 1, depth = 0;
      walk_body(c, s.id, 0, complexity, depth, false);
      s.complexity = complexity;
      s.nesting_depth = depth;
    }
  }

  // Types named in a declaration (parameter and return types, field and alias types), not in
  // bodies or initializers.
  void collect_type_uses(CXCursor c, const std::string& from, bool skip_bodies) {
    std::set<std::string> seen;
    // The enclosing class named as a qualifier ("Circle::area") is not a use of a type.
    std::string parent_usr = take(clang_getCursorUSR(clang_getCursorSemanticParent(c)));
    const bool callable = is_function_kind(clang_getCursorKind(c));
    unsigned name_offset = 0;
    clang_getFileLocation(clang_getCursorLocation(c), nullptr, nullptr, nullptr, &name_offset);
    std::function<void(CXCursor)> rec = [&](CXCursor ch) {
      CXCursorKind k = clang_getCursorKind(ch);
      if (skip_bodies && (k == CXCursor_CompoundStmt || k == CXCursor_CXXTryStmt ||
                          k == CXCursor_MemberRef || clang_isExpression(k)))
        return;
      if (k == CXCursor_TypeRef || k == CXCursor_TemplateRef) {
        CXCursor ref = clang_getCursorReferenced(ch);
        if (!clang_Cursor_isNull(ref)) {
          CXCursor templ = clang_getSpecializedCursorTemplate(ref);
          if (!clang_Cursor_isNull(templ)) ref = templ;
          std::string usr = take(clang_getCursorUSR(ref));
          if (!usr.empty() && usr != from && usr != parent_usr && seen.insert(usr).second)
            out_.relations.push_back({from, usr, RelationKind::uses_type});
        }
        return;
      }
      for_children(ch, rec);
    };
    for_children(c, [&](CXCursor ch) {
      CXCursorKind k = clang_getCursorKind(ch);
      // A callable's own type references are its return type (before the name) and its
      // parameters; later ones are base/member initialisers, which belong to the body.
      if (callable && (k == CXCursor_TypeRef || k == CXCursor_TemplateRef)) {
        unsigned off = 0;
        clang_getFileLocation(clang_getCursorLocation(ch), nullptr, nullptr, nullptr, &off);
        if (off > name_offset) return;
      }
      rec(ch);
    });
  }

  static bool is_control(CXCursorKind k) {
    return k == CXCursor_IfStmt || k == CXCursor_ForStmt || k == CXCursor_CXXForRangeStmt ||
           k == CXCursor_WhileStmt || k == CXCursor_DoStmt || k == CXCursor_SwitchStmt ||
           k == CXCursor_CXXTryStmt;
  }

  bool is_logical_operator(CXCursor op) {
    CXTypeKind tk = clang_getCursorType(op).kind;
    if (tk != CXType_Bool && tk != CXType_Int) return false;
    CXCursor lhs = clang_getNullCursor(), rhs = clang_getNullCursor();
    int n = 0;
    for_children(op, [&](CXCursor ch) {
      if (n == 0) lhs = ch; else if (n == 1) rhs = ch;
      ++n;
    });
    if (n != 2) return false;
    auto between = tokens(clang_getRange(clang_getRangeEnd(clang_getCursorExtent(lhs)),
                                         clang_getRangeStart(clang_getCursorExtent(rhs))));
    for (const auto& t : between)
      if (t == "&&" || t == "||" || t == "and" || t == "or") return true;
    return false;
  }

  // Calls, decision points (cyclomatic complexity = 1 + decisions) and the deepest nesting of
  // control statements. `else if` chains count as one level, as readers see them.
  // The AST of `1+1+...+1` is as deep as the expression is long, and each level costs a
  // recursion here and in libclang's visitor: below kMaxWalkDepth levels nothing more is read
  // (calls there are not recorded), with a note, instead of a stack overflow.
  void walk_body(CXCursor c, const std::string& from, int depth, int& complexity, int& max_depth,
                 bool parent_is_if) {
    if (walk_depth_ >= kMaxWalkDepth) {
      if (!walk_truncated_) {
        walk_truncated_ = true;
        CXFile file = nullptr;
        unsigned line = 0;
        clang_getFileLocation(clang_getCursorLocation(c), &file, &line, nullptr, nullptr);
        const std::string* rel = project_path(file);
        out_.diagnostics.push_back(
            {rel ? *rel : std::string{}, static_cast<int>(line), Diagnostic::Severity::note,
             "code nested more than " + std::to_string(kMaxWalkDepth) +
                 " levels deep: calls and complexity below that depth are not counted"});
      }
      return;
    }
    ++walk_depth_;
    for_children(c, [&](CXCursor ch) {
      CXCursorKind k = clang_getCursorKind(ch);
      switch (k) {
        case CXCursor_IfStmt:
        case CXCursor_ForStmt:
        case CXCursor_CXXForRangeStmt:
        case CXCursor_WhileStmt:
        case CXCursor_DoStmt:
        case CXCursor_CaseStmt:
        case CXCursor_CXXCatchStmt:
        case CXCursor_ConditionalOperator:
          ++complexity;
          break;
        case CXCursor_BinaryOperator:
          if (is_logical_operator(ch)) ++complexity;
          break;
        case CXCursor_CallExpr: {
          CXCursor ref = clang_getCursorReferenced(ch);
          if (!clang_Cursor_isNull(ref) && is_function_kind(clang_getCursorKind(ref))) {
            CXCursor templ = clang_getSpecializedCursorTemplate(ref);
            if (!clang_Cursor_isNull(templ)) ref = templ;
            std::string usr = take(clang_getCursorUSR(ref));
            if (!usr.empty() && usr != from) out_.relations.push_back({from, usr, RelationKind::calls});
          }
          break;
        }
        default:
          break;
      }
      int child_depth = depth;
      if (is_control(k) && !(k == CXCursor_IfStmt && parent_is_if)) child_depth = depth + 1;
      max_depth = std::max(max_depth, child_depth);
      walk_body(ch, from, child_depth, complexity, max_depth, k == CXCursor_IfStmt);
    });
    --walk_depth_;
  }

  CXTranslationUnit tu_;
  fs::path root_;
  const std::unordered_set<std::string>& project_files_;
  const AnalyzerOptions& options_;
  std::string language_;
  TuOutput& out_;
  std::unordered_map<CXFile, const std::string*> file_cache_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<Symbol> symbols_;
  int walk_depth_ = 0;
  bool walk_truncated_ = false;
};

Diagnostic::Severity severity_of(CXDiagnosticSeverity s) {
  return s >= CXDiagnostic_Error ? Diagnostic::Severity::error : Diagnostic::Severity::warning;
}

// Parse one TU and walk it. Never throws: a failed parse becomes a diagnostic.
void process_tu(CXIndex index, const TuJob& job, const fs::path& root,
                const std::unordered_set<std::string>& project_files,
                const AnalyzerOptions& options, TuOutput& out) {
  std::vector<const char*> argv;
  argv.reserve(job.args.size());
  for (const auto& a : job.args) argv.push_back(a.c_str());
  CXTranslationUnit tu = nullptr;
  const unsigned parse_options = CXTranslationUnit_KeepGoing |
                                 CXTranslationUnit_DetailedPreprocessingRecord;
  std::string abs = job.abs.string();
  CXErrorCode ec = clang_parseTranslationUnit2(index, abs.c_str(), argv.data(),
                                               static_cast<int>(argv.size()), nullptr, 0,
                                               parse_options, &tu);
  if (ec != CXError_Success || !tu) {
    out.diagnostics.push_back({job.rel, 0, Diagnostic::Severity::error,
                               "libclang could not parse this file (error " +
                                   std::to_string(static_cast<int>(ec)) +
                                   "); its symbols are missing — check its compile flags"});
    return;
  }
  out.parsed = true;
  unsigned nd = clang_getNumDiagnostics(tu);
  std::size_t kept = 0, dropped = 0;
  for (unsigned i = 0; i < nd; ++i) {
    CXDiagnostic d = clang_getDiagnostic(tu, i);
    CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(d);
    if (sev >= CXDiagnostic_Warning) {
      CXSourceLocation loc = clang_getDiagnosticLocation(d);
      CXFile file = nullptr;
      unsigned line = 0;
      clang_getFileLocation(loc, &file, &line, nullptr, nullptr);
      bool system = clang_Location_isInSystemHeader(loc);
      if (!(system && sev == CXDiagnostic_Warning) && kept >= kMaxDiagnosticsPerTu) {
        ++dropped;
      } else if (!(system && sev == CXDiagnostic_Warning)) {
        std::string path;
        if (file) {
          fs::path p = fs::path(take(clang_getFileName(file))).lexically_normal();
          auto rel = p.lexically_relative(root).generic_string();
          path = (!rel.empty() && !leaves_base(rel)) ? rel : p.string();
        }
        out.diagnostics.push_back(
            {path, static_cast<int>(line), severity_of(sev), take(clang_getDiagnosticSpelling(d))});
        ++kept;
      }
    }
    clang_disposeDiagnostic(d);
  }
  if (dropped > 0)
    out.diagnostics.push_back({job.rel, 0, Diagnostic::Severity::note,
                               std::to_string(dropped) + " more diagnostic(s) in this translation "
                               "unit not listed (fix the first ones or its flags first)"});
  TuWalker walker(tu, root, project_files, options, job.language, out);
  walker.run();
  clang_disposeTranslationUnit(tu);
}

// A thread with a kWorkerStack stack (std::thread cannot choose its stack size).
class BigStackThread {
 public:
  explicit BigStackThread(std::function<void()> fn)
      : fn_(std::make_unique<std::function<void()>>(std::move(fn))) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kWorkerStack);
    int rc = pthread_create(&id_, &attr, &trampoline, fn_.get());
    pthread_attr_destroy(&attr);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_create");
  }
  BigStackThread(const BigStackThread&) = delete;
  BigStackThread& operator=(const BigStackThread&) = delete;
  ~BigStackThread() { join(); }
  void join() {
    if (joined_) return;
    pthread_join(id_, nullptr);
    joined_ = true;
  }

 private:
  static void* trampoline(void* arg) {
    (*static_cast<std::function<void()>*>(arg))();
    return nullptr;
  }
  std::unique_ptr<std::function<void()>> fn_;
  pthread_t id_{};
  bool joined_ = false;
};

// Run jobs on `workers` threads, one CXIndex each; progress is reported from the calling
// thread as the sink contract requires. Returns false when cancelled.
bool run_jobs(const std::vector<TuJob>& jobs, std::vector<TuOutput>& outputs, unsigned workers,
              const fs::path& root, const std::unordered_set<std::string>& project_files,
              const AnalyzerOptions& options, const RunContext& ctx, std::size_t progress_base,
              std::size_t progress_total) {
  outputs.assign(jobs.size(), TuOutput{});
  // Largest files first, so one heavy translation unit does not start last and leave the
  // other workers idle; results still land in their slot, so the merge order is unchanged.
  std::vector<std::size_t> order(jobs.size());
  {
    std::vector<std::uintmax_t> sizes(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      std::error_code ec;
      sizes[i] = fs::file_size(jobs[i].abs, ec);
      order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });
  }
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex mu;
  std::condition_variable cv;
  auto work = [&]() {
    CXIndex index = clang_createIndex(/*excludeDeclarationsFromPCH=*/0, /*displayDiagnostics=*/0);
    while (!ctx.stop_requested()) {
      std::size_t n = next.fetch_add(1);
      if (n >= jobs.size()) break;
      const std::size_t i = order[n];
      // An exception escaping a thread would terminate the process: it becomes a diagnostic.
      try {
        process_tu(index, jobs[i], root, project_files, options, outputs[i]);
      } catch (const std::exception& e) {
        outputs[i] = TuOutput{};
        outputs[i].diagnostics.push_back({jobs[i].rel, 0, Diagnostic::Severity::error,
                                          std::string("analysis of this file failed: ") + e.what()});
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        ++done;
      }
      cv.notify_one();
    }
    clang_disposeIndex(index);
    {
      std::lock_guard<std::mutex> lock(mu);
    }
    cv.notify_one();
  };
  workers = std::max(1u, std::min<unsigned>(workers, static_cast<unsigned>(jobs.size())));
  std::vector<std::unique_ptr<BigStackThread>> threads;
  std::atomic<unsigned> finished{0};
  try {
    for (unsigned w = 0; w < workers; ++w)
      threads.push_back(std::make_unique<BigStackThread>([&] {
        work();
        finished.fetch_add(1);
        cv.notify_one();
      }));
  } catch (const std::system_error&) {
    // Could not start more threads: the ones running (or this thread) do the work.
    if (threads.empty()) {
      work();
      finished.fetch_add(1);
      workers = 0;
    }
  }
  std::size_t reported = 0;
  {
    std::unique_lock<std::mutex> lock(mu);
    while (finished.load() < threads.size()) {
      cv.wait_for(lock, std::chrono::milliseconds(100));
      std::size_t d = done;
      if (d != reported) {
        reported = d;
        lock.unlock();
        ctx.item_done("analyze", progress_base + d, progress_total);
        lock.lock();
      }
    }
  }
  for (auto& t : threads) t->join();
  if (done != reported) ctx.item_done("analyze", progress_base + done, progress_total);
  return !ctx.stop_requested() || next.load() >= jobs.size();
}

// Tests, benchmarks and examples are users of the API, not part of it.
bool is_test_path(std::string_view path) {
  std::size_t start = 0;
  while (start < path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    bool last = end == path.size();
    if (!last && (seg == "test" || seg == "tests" || seg == "testing" || seg == "unittests" ||
                  seg == "bench" || seg == "benchmark" || seg == "benchmarks" ||
                  seg == "example" || seg == "examples"))
      return true;
    if (last) {
      auto dot = seg.rfind('.');
      std::string_view stem = seg.substr(0, dot);
      for (std::string_view suffix : {"_test", "_tests", "_unittest", "-test", "_bench"})
        if (stem.size() > suffix.size() && stem.substr(stem.size() - suffix.size()) == suffix)
          return true;
      if (stem.rfind("test_", 0) == 0) return true;
    }
    start = end + 1;
  }
  return false;
}

// Public headers: not tests; when the project has a root include/ folder (or the compile
// database names include folders), the headers under those; otherwise every header.
struct PublicHeaders {
  bool has_include_dir = false;
  std::vector<std::string> include_dirs;  // relative, '/'-terminated

  bool contains(const std::string& path) const {
    if (!is_header_path(path) || is_test_path(path)) return false;
    if (!has_include_dir) return true;
    for (const auto& d : include_dirs)
      if (path.rfind(d, 0) == 0) return true;
    return false;
  }
};

// Public API: declared in a public header, not internal linkage or hidden visibility, not in
// a detail/internal/impl namespace, not private, and its enclosing class public too. A
// namespace is public when something public is in it: where a namespace happens to be seen
// first (often a .cc file) says nothing about the API.
void mark_public_api(std::vector<Symbol>& symbols, const std::unordered_set<std::string>& internal,
                     const PublicHeaders& headers) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < symbols.size(); ++i) index.emplace(symbols[i].id, i);
  std::vector<int> state(symbols.size(), -1);  // -1 unknown, 0 no, 1 yes
  std::function<bool(std::size_t, int)> decide = [&](std::size_t i, int guard) -> bool {
    if (state[i] >= 0) return state[i] == 1;
    const Symbol& s = symbols[i];
    bool pub = s.kind != SymbolKind::namespace_ &&
               (headers.contains(s.location.file) ||
                (s.declaration && headers.contains(s.declaration->file))) &&
               !internal.count(s.id) && s.access != Access::private_;
    if (pub) {
      std::string_view q = s.qualified_name;
      std::size_t start = 0;
      while (start <= q.size()) {
        auto end = q.find("::", start);
        auto seg = q.substr(start, end == std::string_view::npos ? q.npos : end - start);
        if (end == std::string_view::npos) break;  // the symbol's own name does not count
        if (seg == "detail" || seg == "internal" || seg == "impl" || seg == "details")
          pub = false;
        start = end + 2;
      }
    }
    if (pub && !s.parent_id.empty() && guard < 64) {
      auto it = index.find(s.parent_id);
      if (it != index.end() && symbols[it->second].kind != SymbolKind::namespace_)
        pub = decide(it->second, guard + 1);
    }
    state[i] = pub ? 1 : 0;
    return pub;
  };
  for (std::size_t i = 0; i < symbols.size(); ++i) symbols[i].is_public_api = decide(i, 0);
  // Namespaces holding public API are public, up their chain.
  for (const auto& s : symbols) {
    if (!s.is_public_api) continue;
    std::string pid = s.parent_id;
    for (int guard = 0; !pid.empty() && guard < 64; ++guard) {
      auto it = index.find(pid);
      if (it == index.end()) break;
      Symbol& p = symbols[it->second];
      if (p.kind != SymbolKind::namespace_ || p.is_public_api) break;
      if (!internal.count(p.id)) p.is_public_api = true;
      pid = p.parent_id;
    }
  }
}

// Include folders inside the tree named by the compile database (-I dir, -Idir, -isystem),
// relative to the root and '/'-terminated; the root itself does not count.
std::vector<std::string> database_include_dirs(const TuPlan& plan, const fs::path& root) {
  std::set<std::string> dirs;
  for (const auto& job : plan.jobs) {
    const auto& a = job.args;
    if (a.size() < 2 || a[0] != "-working-directory") continue;  // not from the database
    fs::path cwd = a[1];
    for (std::size_t i = 2; i < a.size(); ++i) {
      std::string dir;
      if ((a[i] == "-I" || a[i] == "-isystem" || a[i] == "-iquote") && i + 1 < a.size())
        dir = a[++i];
      else if (a[i].size() > 2 && a[i].rfind("-I", 0) == 0)
        dir = a[i].substr(2);
      if (dir.empty()) continue;
      fs::path p = fs::path(dir).is_relative() ? cwd / dir : fs::path(dir);
      auto rel = p.lexically_normal().lexically_relative(root).generic_string();
      if (rel.empty() || rel == "." || rel.rfind("..", 0) == 0) continue;
      if (rel.back() != '/') rel += '/';
      dirs.insert(rel);
    }
  }
  return {dirs.begin(), dirs.end()};
}

PublicHeaders public_headers(const TuPlan& plan, const AnalysisInput& in) {
  PublicHeaders h;
  for (const auto& f : in.files) {
    if (!is_header_path(f.path) || is_test_path(f.path)) continue;
    if (f.path.rfind("include/", 0) == 0) h.include_dirs.push_back("include/");
    auto pos = f.path.find("/include/");
    if (pos != std::string::npos) h.include_dirs.push_back(f.path.substr(0, pos + 9));
  }
  // The database's folders widen a project's include/ rule; they do not start one (a build
  // folder named with -I holds generated headers, not the API).
  h.has_include_dir = !h.include_dirs.empty();
  if (h.has_include_dir)
    for (auto& d : database_include_dirs(plan, in.root)) h.include_dirs.push_back(std::move(d));
  std::sort(h.include_dirs.begin(), h.include_dirs.end());
  h.include_dirs.erase(std::unique(h.include_dirs.begin(), h.include_dirs.end()),
                       h.include_dirs.end());
  return h;
}

}  // namespace

result<void> analyze_cpp(const AnalysisInput& in, const AnalyzerOptions& options,
                         const RunContext& ctx, Codebase& out) {
  std::unordered_set<std::string> project_files;
  for (const auto& f : in.files)
    if (f.language == "c" || f.language == "c++") project_files.insert(f.path);
  if (project_files.empty()) return {};

  TuPlan plan = plan_translation_units(in, options, DOCTOWN_LIBCLANG_RESOURCE_DIR);
  for (auto& d : plan.diagnostics) out.diagnostics.push_back(d);
  unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());

  std::vector<TuOutput> outputs;
  if (!run_jobs(plan.jobs, outputs, jobs, in.root, project_files, options, ctx, 0,
                plan.jobs.size()))
    return fail(errc::cancelled, "analysis cancelled", in.root.string());

  // Headers no translation unit included are parsed on their own, so header-only code and
  // orphan headers are still documented.
  std::set<std::string> seen;
  for (const auto& o : outputs) seen.insert(o.files_seen.begin(), o.files_seen.end());
  for (const auto& j : plan.jobs) seen.insert(j.rel);
  std::vector<TuJob> header_jobs;
  for (const auto& f : in.files) {
    if (!project_files.count(f.path) || !is_header_path(f.path) || seen.count(f.path)) continue;
    TuJob job;
    job.rel = f.path;
    job.abs = in.root / f.path;
    job.args = plan.header_args;
    job.language = std::find(job.args.begin(), job.args.end(), "c") != job.args.end() ? "c" : "c++";
    header_jobs.push_back(std::move(job));
  }
  std::vector<TuOutput> header_outputs;
  if (!header_jobs.empty()) {
    if (!run_jobs(header_jobs, header_outputs, jobs, in.root, project_files, options, ctx,
                  plan.jobs.size(), plan.jobs.size() + header_jobs.size()))
      return fail(errc::cancelled, "analysis cancelled", in.root.string());
    for (auto& o : header_outputs) outputs.push_back(std::move(o));
  }

  // Merge in TU order: deterministic whatever the thread timing was.
  std::unordered_map<std::string, std::size_t> index;
  std::vector<Symbol> symbols;
  std::unordered_set<std::string> internal;
  std::set<std::tuple<std::string, int, int, std::string>> diag_seen;
  std::size_t parsed = 0;
  for (auto& o : outputs) {
    if (o.parsed) ++parsed;
    for (auto& s : o.symbols) {
      auto it = index.find(s.id);
      if (it == index.end()) {
        index.emplace(s.id, symbols.size());
        symbols.push_back(std::move(s));
      } else {
        merge_symbol(symbols[it->second], s);
      }
    }
    for (auto& r : o.relations) out.relations.push_back(std::move(r));
    for (auto& d : o.diagnostics)
      if (diag_seen.insert({d.file, d.line, static_cast<int>(d.severity), d.message}).second)
        out.diagnostics.push_back(std::move(d));
    internal.insert(o.internal_ids.begin(), o.internal_ids.end());
  }
  out.stats.translation_units += parsed;
  mark_public_api(symbols, internal, public_headers(plan, in));
  for (auto& s : symbols) out.symbols.push_back(std::move(s));
  return {};
}

}  // namespace doctown::detail
