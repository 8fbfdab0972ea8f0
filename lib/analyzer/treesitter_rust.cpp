// Rust items from a tree-sitter parse: modules (one per file, plus inline `mod`), functions,
// structs/enums/unions/traits with their fields, variants and methods, impls (methods named
// `Type::name` or `<Type as Trait>::name`), constants, statics, type aliases and macros.
// Attributes (`#[derive(...)]`) go into the signature, never into the doc; rustdoc (`///`,
// `/** */`, `//!`) is kept as written so its Markdown (fences, headings) survives.
#ifdef DOCTOWN_HAVE_TREE_SITTER

#include <algorithm>

#include "analyzer/analyzer_impl.hpp"
#include "analyzer/treesitter.hpp"
#include "core/param_names.hpp"

namespace doctown::detail::ts {

namespace {

constexpr int kMaxDepth = 64;  // nested `mod`s; deeper ones (hostile input) are not walked

struct Scope {
  std::string prefix;     ///< qualified-name prefix of items: "" or "inner::"
  std::string parent_id;  ///< the enclosing module, trait or type
  std::string self_type;  ///< inside an impl or trait: the type `Self` names
  bool pub = true;        ///< every enclosing module is `pub`
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string_view strip_eol(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// `Result<T, E>` → `Result`, `crate::error::Error` → `Error`, `&'a mut T` → `T`.
std::string base_name(std::string_view t) {
  t = trim(t);
  if (auto lt = t.find('<'); lt != std::string_view::npos) t = t.substr(0, lt);
  if (auto p = t.rfind("::"); p != std::string_view::npos) t = t.substr(p + 2);
  if (auto p = t.find_last_of(" &"); p != std::string_view::npos) t = t.substr(p + 1);
  return std::string(trim(t));
}

// What precedes an item: its outer attributes and its doc comment.
struct Lead {
  std::string attrs;  ///< one attribute per line, as written
  std::string doc;
};

Lead lead_of(const FileCtx& ctx, TSNode item) {
  std::vector<std::string_view> attrs, lines;
  std::string block_doc;
  for (TSNode p = ts_node_prev_named_sibling(item); !ts_node_is_null(p);
       p = ts_node_prev_named_sibling(p)) {
    auto t = type_of(p);
    std::string_view x = strip_eol(ctx.text(p));
    if (t == "attribute_item") attrs.push_back(x);
    else if (t == "line_comment" && starts_with(x, "///") && !starts_with(x, "////"))
      lines.push_back(x.substr(3));
    else if (t == "block_comment" && starts_with(x, "/**") && !starts_with(x, "/***") &&
             x.size() > 4)
      block_doc = clean_comment(x);
    else if (t != "line_comment" && t != "block_comment") break;
  }
  Lead lead;
  for (auto it = attrs.rbegin(); it != attrs.rend(); ++it) lead.attrs += std::string(*it) + "\n";
  std::string raw;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) raw += std::string(*it) + "\n";
  lead.doc = lines.empty() ? block_doc : dedent_doc(raw, true);
  return lead;
}

// `//!` and `/*! */` inside a container document the container itself.
std::string inner_doc(const FileCtx& ctx, TSNode container) {
  std::string raw;
  std::uint32_t n = ts_node_named_child_count(container);
  for (std::uint32_t i = 0; i < n; ++i) {
    TSNode c = ts_node_named_child(container, i);
    std::string_view x = strip_eol(ctx.text(c));
    if (type_of(c) == "line_comment" && starts_with(x, "//!")) raw += std::string(x.substr(3)) + "\n";
    else if (type_of(c) == "block_comment" && starts_with(x, "/*!")) raw += clean_comment(x) + "\n";
  }
  return dedent_doc(raw, true);
}

bool is_pub(const FileCtx& ctx, TSNode item) {
  std::uint32_t n = ts_node_named_child_count(item);
  for (std::uint32_t i = 0; i < n; ++i) {
    TSNode c = ts_node_named_child(item, i);
    if (type_of(c) == "visibility_modifier") return trim(ctx.text(c)) == "pub";
  }
  return false;
}

// The item's text up to its body (or all of it), after its attributes.
std::string signature_of(const FileCtx& ctx, TSNode item, const Lead& lead) {
  TSNode body = field(item, "body");
  std::string_view all = ctx.text(item);
  std::string_view head = all;
  if (!ts_node_is_null(body))
    head = all.substr(0, std::min<std::size_t>(all.size(), ts_node_start_byte(body) -
                                                              ts_node_start_byte(item)));
  if (head.size() > 400) head = head.substr(0, 400);
  std::string sig = squash(head);
  while (!sig.empty() && (sig.back() == ';' || sig.back() == '{' || sig.back() == ' '))
    sig.pop_back();
  return lead.attrs + sig;
}

void add_params(const FileCtx& ctx, TSNode fn, Symbol& s) {
  TSNode params = field(fn, "parameters");
  if (ts_node_is_null(params)) return;
  std::uint32_t n = ts_node_named_child_count(params);
  for (std::uint32_t i = 0; i < n; ++i) {
    TSNode p = ts_node_named_child(params, i);
    auto t = type_of(p);
    Param param;
    if (t == "self_parameter") {
      // `&mut self` is the receiver `self` of type `&mut Self`, as the verifier expects.
      param.name = param_key(ctx.text(p));
      param.type = squash(ctx.text(p));
    } else if (t == "parameter") {
      param.name = param_key(ctx.text(field(p, "pattern")));
      param.type = squash(ctx.text(field(p, "type")));
    } else if (t == "variadic_parameter") {
      param.name = "...";
    } else {
      continue;
    }
    s.params.push_back(std::move(param));
  }
}

// Calls in a body, iteratively (a deep expression must not exhaust the stack).
void collect_calls(FileCtx& ctx, TSNode body, const std::string& from, const Scope& sc) {
  std::vector<TSNode> stack{body};
  while (!stack.empty()) {
    TSNode n = stack.back();
    stack.pop_back();
    if (type_of(n) == "call_expression") {
      TSNode f = field(n, "function");
      if (type_of(f) == "generic_function") f = field(f, "function");
      Call c{from, {}, {}, {}, ctx.file.path};
      auto ft = type_of(f);
      if (ft == "identifier") c.name = ctx.text(f);
      else if (ft == "scoped_identifier") {
        c.name = ctx.text(field(f, "name"));
        std::string q = base_name(ctx.text(field(f, "path")));
        if (q == "Self") c.self_scope = sc.self_type;
        else c.qualifier = q;
      } else if (ft == "field_expression") {
        c.name = ctx.text(field(f, "field"));
        if (trim(ctx.text(field(f, "value"))) == "self") c.self_scope = sc.self_type;
        else c.on_object = true;
      }
      if (!c.name.empty()) ctx.out.calls.push_back(std::move(c));
    }
    for (std::uint32_t i = ts_node_named_child_count(n); i-- > 0;)
      stack.push_back(ts_node_named_child(n, i));
  }
}

void walk(FileCtx& ctx, TSNode container, const Scope& sc, int depth);

std::size_t add_item(FileCtx& ctx, TSNode item, SymbolKind kind, std::string name,
                     std::string qname, const Scope& sc) {
  Lead lead = lead_of(ctx, item);
  Symbol s;
  s.kind = kind;
  s.name = std::move(name);
  s.qualified_name = std::move(qname);
  s.signature = signature_of(ctx, item, lead);
  s.doc_comment = std::move(lead.doc);
  s.parent_id = sc.parent_id;
  bool pub = is_pub(ctx, item);
  s.access = pub ? Access::public_ : Access::private_;
  s.is_public_api = pub && sc.pub;
  if (kind == SymbolKind::function || kind == SymbolKind::method) {
    add_params(ctx, item, s);
    s.return_type = squash(ctx.text(field(item, "return_type")));
    bool has_self = !s.params.empty() && s.params.front().name == "self";
    if (kind == SymbolKind::method && !has_self) s.flags |= flags::is_static;
  }
  return ctx.add(std::move(s), item);
}

// Fields of a struct or union, variants of an enum, items of a trait.
void walk_members(FileCtx& ctx, TSNode item, const std::string& qname, const std::string& id,
                  const Scope& sc, bool pub) {
  TSNode body = field(item, "body");
  if (ts_node_is_null(body)) return;
  Scope inner{qname + "::", id, base_name(qname), sc.pub && pub};
  std::uint32_t n = ts_node_named_child_count(body);
  for (std::uint32_t i = 0; i < n; ++i) {
    TSNode c = ts_node_named_child(body, i);
    auto t = type_of(c);
    std::string name(ctx.text(field(c, "name")));
    if (name.empty()) continue;
    if (t == "field_declaration") {
      auto k = add_item(ctx, c, SymbolKind::field, name, inner.prefix + name, inner);
      ctx.out.symbols[k].signature = squash(ctx.text(c));
    } else if (t == "enum_variant") {
      auto k = add_item(ctx, c, SymbolKind::enumerator, name, inner.prefix + name, inner);
      ctx.out.symbols[k].is_public_api = inner.pub;
    } else if (t == "function_item" || t == "function_signature_item") {
      auto k = add_item(ctx, c, SymbolKind::method, name, inner.prefix + name, inner);
      // Trait items are as public as the trait (they carry no `pub` of their own).
      ctx.out.symbols[k].is_public_api = inner.pub;
      ctx.out.symbols[k].access = inner.pub ? Access::public_ : Access::private_;
      if (TSNode b = field(c, "body"); !ts_node_is_null(b))
        collect_calls(ctx, b, ctx.out.symbols[k].id, inner);
    } else if (t == "associated_type" || t == "const_item") {
      auto k = add_item(ctx, c, t == "const_item" ? SymbolKind::constant : SymbolKind::type_alias,
                        name, inner.prefix + name, inner);
      ctx.out.symbols[k].is_public_api = inner.pub;
    }
  }
}

void walk_impl(FileCtx& ctx, TSNode impl, const Scope& sc) {
  std::string type_text = squash(ctx.text(field(impl, "type")));
  std::string trait_text = squash(ctx.text(field(impl, "trait")));
  std::string type = base_name(type_text), trait = base_name(trait_text);
  if (type.empty()) return;
  if (!trait.empty()) ctx.out.bases.push_back({{}, type, trait, {}, ctx.file.path});
  TSNode body = field(impl, "body");
  if (ts_node_is_null(body)) return;
  // Inherent methods read `Error::new`; trait methods `<Error as Display>::fmt`, as Rust's own
  // fully qualified paths write them (several traits may each give a type its `fmt`).
  std::string scope = trait.empty() ? sc.prefix + type : "<" + type_text + " as " + trait_text + ">";
  Scope inner{scope + "::", sc.parent_id, type, sc.pub};  // parent: the type, once resolved
  std::uint32_t n = ts_node_named_child_count(body);
  for (std::uint32_t i = 0; i < n; ++i) {
    TSNode c = ts_node_named_child(body, i);
    auto t = type_of(c);
    if (t != "function_item" && t != "const_item" && t != "type_item") continue;
    std::string name(ctx.text(field(c, "name")));
    if (name.empty()) continue;
    SymbolKind kind = t == "function_item" ? SymbolKind::method
                      : t == "const_item"  ? SymbolKind::constant
                                           : SymbolKind::type_alias;
    auto k = add_item(ctx, c, kind, name, inner.prefix + name, inner);
    // Trait methods are public wherever the trait and type are; inherent ones say so.
    if (!trait.empty()) {
      ctx.out.symbols[k].is_public_api = sc.pub;
      ctx.out.symbols[k].access = sc.pub ? Access::public_ : Access::private_;
    }
    ctx.out.impl_methods.push_back({k, type, trait});
    if (TSNode b = field(c, "body"); kind == SymbolKind::method && !ts_node_is_null(b))
      collect_calls(ctx, b, ctx.out.symbols[k].id, inner);
  }
}

void walk_item(FileCtx& ctx, TSNode c, const Scope& sc, int depth) {
  static const std::vector<std::pair<std::string_view, SymbolKind>> kinds{
      {"function_item", SymbolKind::function}, {"struct_item", SymbolKind::struct_},
      {"enum_item", SymbolKind::enum_},         {"union_item", SymbolKind::union_},
      {"trait_item", SymbolKind::trait},        {"type_item", SymbolKind::type_alias},
      {"const_item", SymbolKind::constant},     {"static_item", SymbolKind::variable},
      {"macro_definition", SymbolKind::macro},  {"mod_item", SymbolKind::module},
      {"function_signature_item", SymbolKind::function}};
  auto t = type_of(c);
  if (t == "impl_item") return walk_impl(ctx, c, sc);
  auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == t; });
  if (it == kinds.end()) return;
  std::string name(ctx.text(field(c, "name")));
  if (name.empty()) return;
  std::string qname = sc.prefix + name;
  auto k = add_item(ctx, c, it->second, name, qname, sc);
  const std::string id = ctx.out.symbols[k].id;
  const bool pub = is_pub(ctx, c);
  if (t == "function_item") {
    if (TSNode b = field(c, "body"); !ts_node_is_null(b)) collect_calls(ctx, b, id, sc);
  } else if (t == "mod_item") {
    TSNode body = field(c, "body");
    if (ts_node_is_null(body) || depth >= kMaxDepth) return;
    std::string doc = inner_doc(ctx, body);
    if (!doc.empty()) ctx.out.symbols[k].doc_comment = doc;
    walk(ctx, body, Scope{qname + "::", id, {}, sc.pub && pub}, depth + 1);
  } else if (t == "trait_item") {
    // `trait Context: Display` — the supertraits are bases.
    TSNode bounds = field(c, "bounds");
    std::uint32_t n = ts_node_is_null(bounds) ? 0 : ts_node_named_child_count(bounds);
    for (std::uint32_t i = 0; i < n; ++i) {
      std::string b = base_name(ctx.text(ts_node_named_child(bounds, i)));
      if (!b.empty()) ctx.out.bases.push_back({id, name, b, {}, ctx.file.path});
    }
    walk_members(ctx, c, qname, id, sc, pub);
  } else if (t == "struct_item" || t == "enum_item" || t == "union_item") {
    walk_members(ctx, c, qname, id, sc, pub);
  }
}

void walk(FileCtx& ctx, TSNode container, const Scope& sc, int depth) {
  std::uint32_t n = ts_node_named_child_count(container);
  for (std::uint32_t i = 0; i < n; ++i) walk_item(ctx, ts_node_named_child(container, i), sc, depth);
}

// The module a file is: `src/lib.rs` the crate, `src/a/mod.rs` and `src/a.rs` `a`, `src/a/b.rs`
// `a::b`; files outside `src/` (tests, examples, build scripts) by their own name.
std::string module_path(const std::string& path, const std::string& crate) {
  auto src = path.rfind("src/");
  std::string rel = src == std::string::npos ? path.substr(path.rfind('/') + 1) : path.substr(src + 4);
  if (rel.size() > 3 && rel.compare(rel.size() - 3, 3, ".rs") == 0) rel.resize(rel.size() - 3);
  if (src != std::string::npos && (rel == "lib" || rel == "main")) return crate;
  if (rel.size() > 4 && rel.compare(rel.size() - 4, 4, "/mod") == 0) rel.resize(rel.size() - 4);
  std::string out;
  for (char ch : rel) out += ch == '/' ? std::string("::") : std::string(1, ch);
  return out;
}

}  // namespace

void extract_rust(FileCtx& ctx, TSNode root, const std::string& crate_name) {
  Symbol m;
  m.kind = SymbolKind::module;
  m.qualified_name = module_path(ctx.file.path, crate_name);
  auto colon = m.qualified_name.rfind("::");
  m.name = colon == std::string::npos ? m.qualified_name : m.qualified_name.substr(colon + 2);
  m.signature = "mod " + m.qualified_name;
  m.doc_comment = inner_doc(ctx, root);
  m.is_public_api = ctx.file.path.rfind("src/", 0) == 0 || ctx.file.path.find("/src/") != std::string::npos;
  auto k = ctx.add(std::move(m), root);
  ctx.out.symbols[k].source_text.clear();  // the whole file is not the module's "definition"
  // Items are named from the file's scope (`Error::new`, not `anyhow::error::Error::new`), as
  // a reader of the crate writes them; the module contains them.
  walk(ctx, root, Scope{{}, ctx.out.symbols[k].id, {}, true}, 0);
}

}  // namespace doctown::detail::ts

#endif
