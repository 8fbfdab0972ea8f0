// Embedder stage: one vector per symbol, from the symbol's facts; and k-nearest neighbours.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "doctown/error.hpp"
#include "doctown/progress.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// Row-major float32 matrix: row i is the embedding of Codebase::symbols[i].
struct EmbeddingMatrix {
  std::size_t rows = 0;
  std::size_t dims = 0;
  std::vector<float> values;  ///< rows * dims, row-major
  std::string model;          ///< e.g. "doctown-local-hash-v1" or "text-embedding-3-small"

  std::span<const float> row(std::size_t i) const {
    return std::span<const float>(values).subspan(i * dims, dims);
  }
};

/// Options of the local, code-aware embedder (no download).
struct LocalEmbedderOptions {
  /// Output dimensions (feature-hashing buckets).
  std::size_t dims = 256;
  /// Weight of body identifiers relative to name/signature features.
  double body_weight = 0.3;
  /// Most characters of a body read for features.
  std::size_t max_body_chars = 4000;
  /// Worker threads for feature extraction; 0 = the number of cores. Results do not depend on it.
  unsigned threads = 0;
};

/// Options of the OpenAI-compatible /v1/embeddings client.
struct RemoteEmbedderOptions {
  /// Base URL ending in /v1.
  std::string base_url = "https://api.openai.com/v1";
  /// Bearer key; empty for servers without authentication.
  std::string api_key;
  /// Embedding model.
  std::string model = "text-embedding-3-small";
  /// Requested dimensions; 0 = the model's own.
  std::size_t dims = 0;
  /// Inputs per request.
  std::size_t batch_size = 256;
  /// Per-request timeout in seconds.
  double timeout_s = 120;
  /// Attempts per request (429, 5xx, resets, timeouts).
  unsigned max_attempts = 5;
};

/// The text that describes a symbol for embedding: name, kind, qualified name, signature,
/// doc comment and a truncated body (facts, not fixed-size windows).
std::string embedding_text(const Symbol& symbol, std::size_t max_body_chars = 4000);

/// Computes embeddings. Thread-compatible: one call at a time.
class Embedder {
 public:
  virtual ~Embedder() = default;
  /// Embed every symbol of the codebase; row i = codebase.symbols[i].
  virtual result<EmbeddingMatrix> embed(const Codebase& codebase, const RunContext& ctx) = 0;
  /// Embed free texts (queries) in the same space as the last embed() call.
  virtual result<EmbeddingMatrix> embed_texts(std::span<const std::string> texts,
                                              const RunContext& ctx) = 0;
};

result<std::unique_ptr<Embedder>> make_local_embedder(LocalEmbedderOptions options);
result<std::unique_ptr<Embedder>> make_remote_embedder(RemoteEmbedderOptions options);

/// A neighbour of a row: its row index and cosine similarity.
struct Neighbor {
  std::uint32_t index = 0;
  float score = 0;
  friend bool operator==(const Neighbor&, const Neighbor&) = default;
};

/// k-nearest-neighbour search options.
struct KnnOptions {
  /// Neighbours per row.
  std::size_t k = 3;
  /// Neighbours below this cosine similarity are dropped.
  float min_similarity = 0.3f;
  /// Use approximate HNSW at or above this many rows (exact below).
  std::size_t hnsw_threshold = 50000;
  /// Worker threads; 0 = the number of cores.
  unsigned threads = 0;
  /// Rows per block of the exact search (memory is O(block^2 + rows*k)).
  std::size_t block = 1024;
  /// Exact search: use the AVX2/FMA kernel when the CPU has it (else Eigen's portable product).
  bool allow_simd = true;
  /// HNSW: links per node (hnswlib's M).
  std::size_t hnsw_m = 16;
  /// HNSW: candidate list size while building.
  std::size_t hnsw_ef_construction = 100;
  /// HNSW: candidate list size while searching (raised to k+1 when smaller).
  std::size_t hnsw_ef_search = 96;
  /// HNSW: seed of the level generator. With threads = 1 the index is built in row order and
  /// results are reproducible; with more threads inserts run concurrently (faster, same recall,
  /// but neighbours may differ slightly between runs).
  unsigned hnsw_seed = 100;
};

/// Top-k neighbours of every row among all rows (itself excluded), best first; ties broken by
/// lower index. Rows are expected L2-normalised (cosine = dot product).
std::vector<std::vector<Neighbor>> knn(const EmbeddingMatrix& m, const KnnOptions& options);
/// Exact search regardless of size.
std::vector<std::vector<Neighbor>> knn_exact(const EmbeddingMatrix& m, const KnnOptions& options);
/// Approximate search (HNSW) regardless of size.
std::vector<std::vector<Neighbor>> knn_hnsw(const EmbeddingMatrix& m, const KnnOptions& options);

}  // namespace doctown
