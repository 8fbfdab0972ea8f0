// Python from a tree-sitter parse: a module per file (`requests.sessions`), its classes,
// functions, methods (nested ones too) and module constants, named with their full dotted path
// as Python writes them. Docstrings are taken whole (every quote style, any length) and cleaned
// like inspect.cleandoc; decorators go into the signature. Imports only feed name resolution:
// `import typing as t` makes `t.Mapping` mean `typing.Mapping`, never a namespace of the project.
#ifdef DOCTOWN_HAVE_TREE_SITTER

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "analyzer/analyzer_impl.hpp"
#include "analyzer/treesitter.hpp"

namespace doctown::detail::ts {

namespace {

constexpr int kMaxDepth = 64;  // nested defs and blocks; deeper ones (hostile input) are not walked

struct Scope {
  std::string qname;      ///< the enclosing module, class or function
  std::string parent_id;
  std::string class_qname;  ///< the class `self`/`cls` refer to, empty outside one
  bool in_class = false;    ///< directly in a class body
  bool pub = true;
};

struct PyFile {
  FileCtx& ctx;
  std::string module;   ///< dotted name of this file's module
  std::string package;  ///< where `from . import x` looks
  std::unordered_map<std::string, std::string> aliases;  ///< bound name → full dotted target
};

std::string docstring(const FileCtx& ctx, TSNode block) {
  std::uint32_t n = ts_node_named_child_count(block);
  for (std::uint32_t i = 0; i < n; ++i) {
    TSNode st = ts_node_named_child(block, i);
    if (type_of(st) == "comment") continue;
    if (type_of(st) != "expression_statement" || ts_node_named_child_count(st) != 1) return {};
    TSNode str = ts_node_named_child(st, 0);
    if (type_of(str) != "string") return {};
    std::string_view t = ctx.text(str);
    std::size_t p = 0;
    while (p < t.size() && std::isalpha(static_cast<unsigned char>(t[p]))) ++p;
    std::string_view prefix = t.substr(0, p);
    if (prefix.find_first_of("bBfF") != std::string_view::npos) return {};  // not a docstring
    t.remove_prefix(p);
    std::size_t q = (t.substr(0, 3) == "\"\"\"" || t.substr(0, 3) == "'''") ? 3 : 1;
    if (t.size() < 2 * q) return {};
    return dedent_doc(t.substr(q, t.size() - 2 * q), false);
  }
  return {};
}

// Tool directives (`# noqa`, `# type: ignore`, `# pylint: disable=...`) and encoding lines talk
// to tools, not readers.
bool directive_comment(std::string_view body) {
  for (std::string_view d : {"noqa", "type:", "pragma", "pylint:", "fmt:", "isort:", "mypy:",
                             "-*-", "coding", "pyright:", "flake8:"})
    if (body.substr(0, d.size()) == d) return true;
  return false;
}

// Commented-out Python: most lines open a block, import, return or assign to a plain name.
bool commented_out_code(std::string_view doc) {
  std::size_t lines = 0, code = 0;
  for (std::size_t b = 0; b < doc.size();) {
    auto e = std::min(doc.find('\n', b), doc.size());
    std::string_view l = trim(doc.substr(b, e - b));
    b = e + 1;
    if (l.empty()) continue;
    ++lines;
    auto eq = l.find(" = ");
    bool assign = eq != std::string_view::npos && eq > 0 &&
                  std::all_of(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(eq), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                           c == '[' || c == ']' || c == '\'' || c == '"';
                  });
    bool keyword = false;
    for (std::string_view k : {"import ", "from ", "return", "def ", "class ", "raise ", "del "})
      keyword = keyword || l.substr(0, k.size()) == k;
    code += assign || keyword || l.back() == ':';
  }
  return code > 0 && code * 2 > lines;
}

// The `# ...` lines directly above `n` (no blank line between), markers stripped: what pydoc's
// getcomments() and Sphinx show for a def, class or constant without a docstring. A shebang,
// tool directives, license banners and commented-out code are not documentation.
std::string comment_above(const FileCtx& ctx, TSNode n) {
  std::string_view src = ctx.src;
  auto line_start = [&](std::size_t pos) {  // start of the line holding pos
    std::size_t nl = pos == 0 ? std::string_view::npos : src.rfind('\n', pos - 1);
    return nl == std::string_view::npos ? std::size_t{0} : nl + 1;
  };
  auto skip = [](std::string_view t, std::string_view chars) {
    auto p = t.find_first_not_of(chars);
    return p == std::string_view::npos ? std::string_view{} : t.substr(p);
  };
  std::vector<std::string_view> block;  // bottom-up
  for (std::size_t ls = line_start(std::min<std::size_t>(ts_node_start_byte(n), src.size()));
       ls > 0;) {
    std::size_t ps = line_start(ls - 1);
    std::string_view t = trim(src.substr(ps, ls - 1 - ps));
    if (t.empty() || t.front() != '#' || t.substr(0, 2) == "#!") break;
    t = skip(t, "#");
    if (!t.empty() && t.front() == ':') t.remove_prefix(1);  // Sphinx's `#:` attribute comments
    if (!directive_comment(skip(t, " "))) block.push_back(t);
    ls = ps;
  }
  std::string raw;
  for (auto it = block.rbegin(); it != block.rend(); ++it) raw += std::string(*it) + "\n";
  std::string doc = dedent_doc(raw, true);
  return is_not_documentation(doc) || commented_out_code(doc) ? std::string{} : doc;
}

// `.models` in package `requests` → `requests.models`; `..x` goes one package up.
std::string absolute_module(const PyFile& f, std::string_view written) {
  std::size_t dots = 0;
  while (dots < written.size() && written[dots] == '.') ++dots;
  if (dots == 0) return std::string(written);
  std::string base = f.package;
  for (std::size_t i = 1; i < dots; ++i) {
    auto p = base.rfind('.');
    base = p == std::string::npos ? std::string{} : base.substr(0, p);
  }
  std::string rest(written.substr(dots));
  if (base.empty()) return rest;
  return rest.empty() ? base : base + "." + rest;
}

void add_imports(PyFile& f, TSNode st) {
  const FileCtx& ctx = f.ctx;
  bool from = type_of(st) == "import_from_statement";
  std::string mod = from ? absolute_module(f, squash(ctx.text(field(st, "module_name")))) : "";
  std::uint32_t n = ts_node_named_child_count(st);
  for (std::uint32_t i = 0; i < n; ++i) {
    TSNode c = ts_node_named_child(st, i);
    if (from && ts_node_eq(c, field(st, "module_name"))) continue;
    std::string name, bound;
    if (type_of(c) == "aliased_import") {
      name = squash(ctx.text(field(c, "name")));
      bound = squash(ctx.text(field(c, "alias")));
    } else if (type_of(c) == "dotted_name") {
      name = squash(ctx.text(c));
      // `import a.b` binds `a`; `from m import b` binds `b`.
      bound = from ? name : name.substr(0, name.find('.'));
      if (!from) name = bound;
    } else {
      continue;
    }
    f.aliases[bound] = from ? (mod.empty() ? name : mod + "." + name) : name;
  }
}

// A name as the module sees it: through its imports, else defined in the module itself.
std::string expand(const PyFile& f, std::string_view written) {
  std::string w = squash(written);
  auto dot = w.find('.');
  auto it = f.aliases.find(w.substr(0, dot));
  if (it != f.aliases.end()) return dot == std::string::npos ? it->second : it->second + w.substr(dot);
  return f.module + "." + w;
}

void add_params(const FileCtx& ctx, TSNode fn, Symbol& s) {
  TSNode params = field(fn, "parameters");
  std::uint32_t n = ts_node_is_null(params) ? 0 : ts_node_named_child_count(params);
  for (std::uint32_t i = 0; i < n; ++i) {
    TSNode p = ts_node_named_child(params, i);
    auto t = type_of(p);
    Param param;
    if (t == "identifier" || t == "list_splat_pattern" || t == "dictionary_splat_pattern") {
      param.name = ctx.text(p);
    } else if (t == "typed_parameter") {
      param.name = ctx.text(ts_node_named_child(p, 0));
      param.type = squash(ctx.text(field(p, "type")));
    } else if (t == "default_parameter" || t == "typed_default_parameter") {
      param.name = ctx.text(field(p, "name"));
      param.type = squash(ctx.text(field(p, "type")));
      param.default_value = squash(ctx.text(field(p, "value")));
    } else {
      continue;  // the bare `*` and `/` separators
    }
    s.params.push_back(std::move(param));
  }
}

// Calls in a function body, not those of nested defs (they are symbols of their own).
void collect_calls(const PyFile& f, TSNode body, const std::string& from, const Scope& sc) {
  std::vector<TSNode> stack{body};
  while (!stack.empty()) {
    TSNode n = stack.back();
    stack.pop_back();
    auto t = type_of(n);
    if (t == "function_definition" || t == "class_definition") continue;
    if (t == "call") {
      TSNode fn = field(n, "function");
      Call c{from, {}, {}, {}, f.ctx.file.path};
      if (type_of(fn) == "identifier") {
        std::string full = expand(f, f.ctx.text(fn));
        auto dot = full.rfind('.');
        c.name = full.substr(dot + 1);
        c.qualifier = dot == std::string::npos ? std::string{} : full.substr(0, dot);
      } else if (type_of(fn) == "attribute") {
        c.name = f.ctx.text(field(fn, "attribute"));
        TSNode obj = field(fn, "object");
        std::string o = squash(f.ctx.text(obj));
        if (o == "self" || o == "cls") c.self_scope = sc.class_qname;
        else if (f.aliases.count(o.substr(0, o.find('.')))) c.qualifier = expand(f, o);
        else c.on_object = true;
      }
      if (!c.name.empty()) f.ctx.out.calls.push_back(std::move(c));
    }
    for (std::uint32_t i = ts_node_named_child_count(n); i-- > 0;)
      stack.push_back(ts_node_named_child(n, i));
  }
}

bool private_name(std::string_view n) {
  bool dunder = n.size() > 4 && n.substr(0, 2) == "__" && n.substr(n.size() - 2) == "__";
  return !n.empty() && n.front() == '_' && !dunder;
}

void walk_block(PyFile& f, TSNode block, const Scope& sc, int depth);

// A class or def (with the decorators of its `decorated_definition`, if any).
void add_definition(PyFile& f, TSNode def, TSNode decorated, const Scope& sc, int depth) {
  FileCtx& ctx = f.ctx;
  const bool is_class = type_of(def) == "class_definition";
  std::string name(ctx.text(field(def, "name")));
  TSNode body = field(def, "body");
  if (name.empty() || ts_node_is_null(body)) return;
  Symbol s;
  s.kind = is_class ? SymbolKind::class_ : sc.in_class ? SymbolKind::method : SymbolKind::function;
  s.name = name;
  s.qualified_name = sc.qname + "." + name;
  std::string decorators;
  if (!ts_node_is_null(decorated))
    for (std::uint32_t i = 0, n = ts_node_named_child_count(decorated); i < n; ++i)
      if (TSNode d = ts_node_named_child(decorated, i); type_of(d) == "decorator") {
        decorators += squash(ctx.text(d)) + "\n";
        if (squash(ctx.text(d)) == "@staticmethod") s.flags |= flags::is_static;
      }
  std::string_view head = ctx.text(def).substr(0, ts_node_start_byte(body) - ts_node_start_byte(def));
  std::string sig = squash(head.substr(0, std::min<std::size_t>(head.size(), 400)));
  while (!sig.empty() && (sig.back() == ':' || sig.back() == ' ')) sig.pop_back();
  s.signature = decorators + sig;
  s.doc_comment = docstring(ctx, body);
  // The docstring wins; a `# ...` block above (decorators included) is the doc otherwise.
  if (s.doc_comment.empty())
    s.doc_comment = comment_above(ctx, ts_node_is_null(decorated) ? def : decorated);
  s.parent_id = sc.parent_id;
  s.is_public_api = sc.pub && !private_name(name);
  if (!is_class) {
    add_params(ctx, def, s);
    s.return_type = squash(ctx.text(field(def, "return_type")));
  }
  auto k = ctx.add(std::move(s), def);
  const std::string id = ctx.out.symbols[k].id;
  const std::string qname = ctx.out.symbols[k].qualified_name;
  const bool pub = ctx.out.symbols[k].is_public_api;
  if (is_class) {
    TSNode supers = field(def, "superclasses");
    for (std::uint32_t i = 0, n = ts_node_is_null(supers) ? 0 : ts_node_named_child_count(supers); i < n; ++i) {
      TSNode b = ts_node_named_child(supers, i);
      if (type_of(b) != "identifier" && type_of(b) != "attribute") continue;  // metaclass=...
      std::string full = expand(f, ctx.text(b));
      ctx.out.bases.push_back({id, name, full.substr(full.rfind('.') + 1), full, ctx.file.path});
    }
  } else {
    collect_calls(f, body, id, sc);
  }
  if (depth < kMaxDepth)
    walk_block(f, body, Scope{qname, id, is_class ? qname : sc.class_qname, is_class, pub},
               depth + 1);
}

void add_assignment(PyFile& f, TSNode assign, const Scope& sc) {
  TSNode left = field(assign, "left");
  if (type_of(left) != "identifier") return;
  std::string name(f.ctx.text(left));
  bool dunder = name.size() > 4 && name.rfind("__", 0) == 0;
  if (dunder) return;  // __all__, __version__: module plumbing
  bool upper = true;
  for (char c : name) upper &= !std::islower(static_cast<unsigned char>(c));
  Symbol s;
  s.kind = sc.in_class ? SymbolKind::field : upper ? SymbolKind::constant : SymbolKind::variable;
  s.name = name;
  s.qualified_name = sc.qname + "." + name;
  s.signature = squash(f.ctx.text(assign).substr(0, 200));
  s.doc_comment = comment_above(f.ctx, assign);
  s.parent_id = sc.parent_id;
  s.is_public_api = sc.pub && !private_name(name);
  f.ctx.add(std::move(s), assign);
}

void walk_block(PyFile& f, TSNode block, const Scope& sc, int depth) {
  std::uint32_t n = ts_node_named_child_count(block);
  for (std::uint32_t i = 0; i < n; ++i) {
    TSNode c = ts_node_named_child(block, i);
    auto t = type_of(c);
    if (t == "class_definition" || t == "function_definition") {
      add_definition(f, c, TSNode{}, sc, depth);
    } else if (t == "decorated_definition") {
      add_definition(f, field(c, "definition"), c, sc, depth);
    } else if (t == "import_statement" || t == "import_from_statement") {
      add_imports(f, c);
    } else if (t == "expression_statement" && ts_node_named_child_count(c) == 1 &&
               type_of(ts_node_named_child(c, 0)) == "assignment") {
      if (sc.qname == f.module || sc.in_class) add_assignment(f, ts_node_named_child(c, 0), sc);
    } else if (depth < kMaxDepth &&
               (t == "if_statement" || t == "try_statement" || t == "with_statement" ||
                t == "for_statement" || t == "while_statement" || t == "block" ||
                t == "else_clause" || t == "elif_clause" || t == "except_clause" ||
                t == "finally_clause")) {
      // `try: import x / except ImportError: def fallback()`: definitions in compound
      // statements belong to the enclosing scope.
      walk_block(f, c, sc, depth + 1);
    }
  }
}

// `src/requests/sessions.py` → `requests.sessions`; `pkg/__init__.py` → `pkg`.
std::string module_of(std::string path) {
  if (path.rfind("src/", 0) == 0) path.erase(0, 4);
  for (std::string_view ext : {".pyi", ".py"})
    if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0) {
      path.resize(path.size() - ext.size());
      break;
    }
  if (path == "__init__") return "__init__";
  if (path.size() > 9 && path.compare(path.size() - 9, 9, "/__init__") == 0) path.resize(path.size() - 9);
  for (char& ch : path)
    if (ch == '/') ch = '.';
  return path;
}

}  // namespace

void extract_python(FileCtx& ctx, TSNode root) {
  PyFile f{ctx, module_of(ctx.file.path), {}, {}};
  const bool is_init = ctx.file.path.size() >= 11 &&
                       ctx.file.path.compare(ctx.file.path.size() - 11, 11, "__init__.py") == 0;
  auto dot = f.module.rfind('.');
  f.package = is_init ? f.module : dot == std::string::npos ? std::string{} : f.module.substr(0, dot);
  Symbol m;
  m.kind = SymbolKind::module;
  m.qualified_name = f.module;
  m.name = dot == std::string::npos ? f.module : f.module.substr(dot + 1);
  m.signature = "module " + f.module;
  m.doc_comment = docstring(ctx, root);
  bool pub = true;
  for (std::size_t b = 0; b < f.module.size();) {
    auto e = f.module.find('.', b);
    if (e == std::string::npos) e = f.module.size();
    pub &= !private_name(std::string_view(f.module).substr(b, e - b));
    b = e + 1;
  }
  m.is_public_api = pub;
  auto k = ctx.add(std::move(m), root);
  ctx.out.symbols[k].source_text.clear();  // the whole file is not the module's "definition"
  walk_block(f, root, Scope{f.module, ctx.out.symbols[k].id, {}, false, pub}, 0);
}

}  // namespace doctown::detail::ts

#endif
