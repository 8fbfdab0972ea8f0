// Private helpers shared by the writers: validating a (verified) DocSet, ranking symbols and files by
// centrality, and deriving the architecture overview and highlights from the facts.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "doctown/writer.hpp"

namespace doctown::detail {

/// invalid_argument naming the missing piece when a DocSet is incomplete or inconsistent.
result<void> validate_docset(const DocSet& docs);

/// PageRank by node id (the graph's nodes), without relying on Graph's lookup index.
std::unordered_map<std::string, double> pagerank_map(const Graph& g);
/// Value for `id`, 0 when absent.
double lookup(const std::unordered_map<std::string, double>& m, const std::string& id);

/// Qualified name when there is one, else the name.
const std::string& display_name(const Symbol& s);

/// Indices of the codebase symbols for which `keep` holds, most central first (PageRank,
/// ties by fan-in then id), at most `limit`.
std::vector<std::size_t> rank_symbols(const DocSet& docs,
                                      const std::function<bool(const Symbol&)>& keep,
                                      std::size_t limit);

/// A file with its centrality and what it holds.
struct FileRank {
  std::string path;
  double centrality = 0;  ///< the file node's PageRank plus its symbols'
  std::size_t records = 0;
  std::size_t callables = 0;
  std::size_t others = 0;
};
/// Files of the codebase, most central first.
std::vector<FileRank> rank_files(const DocSet& docs);

/// The DocSet's overview, or one written from the facts (central files and classes,
/// hierarchies, entry points) when it is empty. Markdown, with names in backticks.
std::string architecture_overview(const DocSet& docs);

/// Short one-line highlights: the most central symbols with their summaries.
std::vector<std::string> highlights(const DocSet& docs, std::size_t limit = 8);

/// Summary of a symbol: the doc's, else the doc comment's brief, else empty.
std::string summary_of(const DocSet& docs, const Symbol& s);

/// How the pages name where the code came from: the URL for git/GitHub sources, else the
/// project's folder (or archive) name, never an absolute local path.
std::string source_label(const Codebase& codebase);

/// Link to a source range on GitHub ("https://github.com/o/r/blob/<commit>/path#L1-L9") when
/// the codebase came from GitHub (or a github.com git URL) at a known commit or ref; else empty.
std::string source_url(const Codebase& codebase, const SourceRange& range);

}  // namespace doctown::detail
