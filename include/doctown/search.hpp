// Search over a docpack: BM25 over symbol names, summaries and descriptions, optionally
// combined with embedding similarity when the query is embedded in the docpack's space.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/docpack.hpp"
#include "doctown/embedder.hpp"
#include "doctown/error.hpp"
#include "doctown/progress.hpp"

namespace doctown {

/// Ranking options.
struct SearchOptions {
  /// Most hits returned.
  std::size_t k = 10;
  /// BM25 term-frequency saturation.
  double k1 = 1.2;
  /// BM25 length normalisation.
  double b = 0.75;
  /// Times a name token counts relative to a summary or description token.
  double name_boost = 3.0;
  /// Share of the embedding similarity in the final score when a query vector is given.
  double semantic_weight = 0.35;
  /// A symbol with no matching term is returned only at or above this cosine similarity. The
  /// local embedder hashes features, so short unrelated texts can collide near 0.3; 0.5 keeps
  /// such chance matches out while real paraphrases (shared sub-words) still pass.
  double min_similarity = 0.5;
};

/// One ranked symbol.
struct SearchHit {
  std::string id;
  std::string name;
  std::string qualified_name;
  std::string kind;
  std::string file;
  int line = 0;
  std::string summary;
  double score = 0;     ///< the combined score used for ranking
  double bm25 = 0;      ///< raw BM25 score
  double semantic = 0;  ///< cosine similarity to the query vector (0 when none)
};

/// An inverted index over a docpack's symbols. Immutable once built; thread-safe to query.
class SearchIndex {
 public:
  /// Index the symbols of an opened docpack (names, qualified names split into words,
  /// summaries and descriptions). O(total text).
  static SearchIndex build(const Docpack& docpack);

  SearchIndex(SearchIndex&&) noexcept;
  SearchIndex& operator=(SearchIndex&&) noexcept;
  ~SearchIndex();

  /// Rank symbols for `query`. `query_embedding`, when not empty, must have the docpack's
  /// dimensions and come from its embedding model; then similarity is blended in and symbols
  /// without a term match can still rank. invalid_argument for an empty query or a vector of
  /// the wrong size.
  result<std::vector<SearchHit>> search(std::string_view query, const SearchOptions& options,
                                        std::span<const float> query_embedding = {}) const;

  /// The docpack's embedding model (to decide whether a query can be embedded locally).
  const std::string& embedding_model() const;
  /// Number of indexed symbols.
  std::size_t size() const;

 private:
  struct Impl;
  explicit SearchIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Embed `query` in the space of a docpack built with the local embedder
/// ("doctown-local-hash-v1"): the embedder is refitted on the docpack's symbols (its IDF
/// weights come from them, O(symbols)) and then embeds the query. unsupported when the
/// docpack's embeddings come from another model (a remote one cannot be reproduced offline).
result<std::vector<float>> local_query_embedding(const Docpack& docpack, std::string_view query);

/// A query placed in a docpack's embedding space, or why it could not be.
struct QueryEmbedding {
  /// The query's vector (the docpack's dimensions); empty = rank by BM25 alone.
  std::vector<float> vector;
  /// "bm25+embedding" when `vector` is set, else "bm25".
  std::string ranking = "bm25";
  /// Why the query was not embedded although the docpack has embeddings; empty otherwise.
  std::string note;
  /// True when the docpack needs a server to embed the query and none was given.
  bool needs_server = false;
};

/// Embed `query` the way the docpack's symbols were: locally (local_query_embedding) for the
/// local embedder; else with the docpack's remote model and size through `server` (its URL,
/// key, proxy and TLS settings are used; model and dims are taken from the docpack, one
/// request of at most 60 s, 3 attempts). Never fails: without a server, with an unreachable
/// one, or with a vector of the wrong size, the result says why and search ranks by BM25.
QueryEmbedding embed_query(const Docpack& docpack, std::string_view query,
                           const RemoteEmbedderOptions* server, const RunContext& ctx);

/// Split text into lowercase search terms: words, and identifiers split at `_`, `::`, `.`
/// and camelCase boundaries (the whole identifier is kept as a term too).
std::vector<std::string> search_terms(std::string_view text);

}  // namespace doctown
