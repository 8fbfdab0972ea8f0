// Private: the page structure shared by the Markdown and HTML writers. Symbols are grouped
// into pages (one per C/C++ namespace, else one per file), get stable anchors, and references
// between them resolve to links that are valid in both outputs (only the extension differs).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/usage.hpp"
#include "doctown/writer.hpp"
#include "core/code_spans.hpp"
#include "output/docset/docset_util.hpp"
#include "verify/name_resolver.hpp"

namespace doctown::detail {

/// One symbol shown on a page.
struct SiteEntry {
  std::size_t symbol = 0;           ///< index in Codebase::symbols
  const SymbolDoc* doc = nullptr;   ///< null when the symbol was not documented
  std::string anchor;               ///< stable, unique within the site
  std::size_t page = 0;             ///< index in SiteModel::pages()
  std::vector<std::size_t> members; ///< entries nested under this one (record/enum members)
  bool top_level = true;
};

/// A page of the site.
struct SitePage {
  std::string key;     ///< "ns:geo", "class:<id>", "header:include/a.h" or "file:src/a.py"
  std::string title;   ///< "Namespace geo", "Class geo::Circle", "File src/a.py"
  std::string slug;    ///< file name without extension, unique
  std::string kind;    ///< "namespace", "class", "header" or "file"
  std::string label;   ///< "geo", "geo::Circle", "include/a.h" or "src/a.py"
  std::optional<std::size_t> namespace_symbol;  ///< the namespace's symbol when there is one
  std::vector<std::size_t> entries;             ///< top-level entries in display order
  /// Entries shown on other pages and listed here: a namespace's classes (each on its own
  /// page), a header's declarations.
  std::vector<std::size_t> listed;
  std::optional<std::size_t> parent;  ///< a class page's namespace or file page
  int part = 1;   ///< a page too large for one file is split into parts 1..parts
  int parts = 1;
  std::size_t symbols = 0;     ///< entries on the page, members included
  std::size_t documented = 0;  ///< of which documented
};

/// Split Markdown-ish prose into plain text and `code spans`, one space stripped on each side
/// of a span as CommonMark does (fenced blocks are not handled here; callers split them off
/// first).
std::vector<InlinePiece> split_code_spans(std::string_view text);

/// Slug of a text: lowercase ASCII letters, digits, '_' and '-', never empty.
std::string slugify(std::string_view text);

/// Symbols related to one symbol by one kind of relation ("Calls", "Inherited by"...).
struct RelatedGroup {
  std::string_view label;
  std::vector<std::string> ids;  ///< distinct, in relation order
};

class SiteModel {
 public:
  explicit SiteModel(const DocSet& docs);

  const DocSet& docs() const { return *docs_; }
  const Codebase& codebase() const { return *docs_->codebase; }
  const std::vector<SitePage>& pages() const { return pages_; }
  const std::vector<SiteEntry>& entries() const { return entries_; }
  const Symbol& symbol(const SiteEntry& e) const { return codebase().symbols[e.symbol]; }

  /// Entry of a symbol id, if the symbol is shown.
  std::optional<std::size_t> entry_of(std::string_view id) const;
  /// Entry named by a reference (id, qualified name, unique name), if any. With a context
  /// symbol, its parameters are never resolved and unqualified names are looked up in its
  /// scope first (`area` in geo::Circle's doc is geo::Circle::area).
  std::optional<std::size_t> resolve(std::string_view ref, const Symbol* context = nullptr) const;
  /// Relative link from `from_page` (npos = the index page) to an entry: "#a" on the same page,
  /// "slug.ext#a" elsewhere.
  std::string link(std::size_t from_page, std::size_t entry, std::string_view ext) const;
  /// Relative link to a page.
  std::string page_link(std::size_t page, std::string_view ext) const;

  /// Relations of the codebase leaving / entering a symbol (by symbol index).
  const std::vector<const Relation*>& outgoing(std::size_t symbol) const { return out_[symbol]; }
  const std::vector<const Relation*>& incoming(std::size_t symbol) const { return in_[symbol]; }

  /// The non-empty groups of related symbols shown with a symbol (bases, overrides, calls,
  /// callers, used types), in the order the pages list them.
  std::vector<RelatedGroup> related(std::size_t symbol) const;

  /// A related symbol that has no entry on the site (a test's function, a bundled library's):
  /// its qualified name, never its id (a USR like `c:@F@main` means nothing to a reader).
  std::string unlisted_name(std::string_view id) const;

  /// The doc's "See also" references minus those the related groups already list, so that a
  /// base or a caller is named once per entry.
  std::vector<std::string> see_also(std::size_t symbol, const SymbolDoc& doc) const;

  /// The comment shown for an undocumented symbol after its brief: its full comment when that
  /// says more than the brief (compared without whitespace), else "".
  static std::string comment_beyond_brief(const Symbol& s);

  /// Up to `limit` call sites of a symbol (by symbol index), tests and examples first.
  std::vector<UsageSite> usages(std::size_t symbol, std::size_t limit) const {
    return usage_.find(codebase().symbols[symbol].id, limit);
  }

  /// The heading a record's member is grouped under ("Constructors", "Methods", ...).
  static std::string_view member_group(SymbolKind kind);

  /// Symbol ids grouped into the pages' top-level entries, central first.
  std::vector<std::size_t> central_entries(std::size_t limit) const;

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  const DocSet* docs_;
  NameResolver resolver_;
  UsageIndex usage_;
  std::vector<SitePage> pages_;
  std::vector<SiteEntry> entries_;
  std::vector<std::size_t> entry_by_symbol_;  ///< symbol index -> entry index or npos
  std::vector<std::vector<const Relation*>> out_, in_;

  // The constructor's steps, in order.
  struct Scopes;
  void index_relations();
  void choose_entries();
  void nest_members(const Scopes& scopes);
  void place_entries(const Scopes& scopes);
  void add_header_pages();
  void order_entries();
  void split_large_pages();
  void count_page_symbols();
  void sort_pages();
  void name_pages();
  void name_anchors();
};

}  // namespace doctown::detail
