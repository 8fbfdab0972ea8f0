// Private to the tree-sitter backend: what a per-language extractor (Rust, Python) produces for
// one file — symbols, plus calls and bases still written as names — and the node helpers they
// share. The driver (treesitter_analyzer.cpp) resolves the names across the whole project.
#pragma once

#include <tree_sitter/api.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/types.hpp"

namespace doctown::detail::ts {

/// A call as written: `name` called on `qualifier` (`Error` in `Error::new`, a module or alias
/// target in Python, empty for a plain or unknown-receiver call). `self_scope` is the qualified
/// name of the enclosing type when the call goes through `self`/`Self`.
struct Call {
  std::string from;
  std::string name;
  std::string qualifier;
  std::string self_scope;
  std::string file;
  bool on_object = false;  ///< `x.name()` on some value: resolved only when one method has the name
};

/// A base as written: `derived` inherits (or, for Rust, implements) `name`; `target` is the
/// fully qualified name when imports tell it (Python), `file` for same-file preference.
struct Base {
  std::string derived;  ///< id, or empty when `derived_name` must be resolved (Rust impls)
  std::string derived_name;
  std::string name;
  std::string target;
  std::string file;
};

/// A Rust `impl` method whose parent type is resolved project-wide (types live in other files).
struct ImplMethod {
  std::size_t index;       ///< into Facts::symbols
  std::string type_name;   ///< last segment, no generics: `Error`
  std::string trait_name;  ///< empty for an inherent impl
};

struct Facts {
  std::vector<Symbol> symbols;
  std::vector<Call> calls;
  std::vector<Base> bases;
  std::vector<ImplMethod> impl_methods;
};

/// One file being extracted: its text and lines, and the id registry shared by the run.
struct FileCtx {
  const SourceFile& file;
  const std::string& src;
  std::vector<std::string_view> lines;
  std::size_t max_source_text;
  std::set<std::string>& used_ids;
  Facts& out;

  /// The node's source text; empty for a null node (an absent optional field).
  std::string_view text(TSNode n) const {
    if (ts_node_is_null(n)) return {};
    auto b = ts_node_start_byte(n), e = ts_node_end_byte(n);
    if (b > src.size() || e > src.size() || e < b) return {};
    return std::string_view(src).substr(b, e - b);
  }
  /// Appends `s` with a unique id, its location and source text from `n`; returns its index.
  std::size_t add(Symbol s, TSNode n);
};

std::string_view type_of(TSNode n);
TSNode field(TSNode n, std::string_view name);
/// Whitespace runs collapsed to one space (signatures spread over lines).
std::string squash(std::string_view s);
std::string_view trim(std::string_view s);

/// Python's docstring rule (inspect.cleandoc): first line stripped, the common indentation of
/// the others removed, blank lines at both ends dropped.
std::string dedent_doc(std::string_view body, bool keep_first_indent);

void extract_rust(FileCtx& ctx, TSNode root, const std::string& crate_name);
void extract_python(FileCtx& ctx, TSNode root);

}  // namespace doctown::detail::ts
