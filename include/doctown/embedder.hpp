// Embedder stage: one vector per symbol, from the symbol's facts; and k-nearest neighbours.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "doctown/error.hpp"
#include "doctown/net.hpp"
#include "doctown/progress.hpp"
#include "doctown/tokenizer.hpp"
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

/// Options of the OpenAI-compatible /v1/embeddings client (OpenAI, Ollama, llama.cpp server,
/// vLLM).
struct RemoteEmbedderOptions {
  /// The server (e.g. base_url http://127.0.0.1:11434/v1 for Ollama), as for LlmOptions; an
  /// embedding request times out after 120 s by default.
  ServerOptions server{.timeout_s = 120};
  /// Embedding model.
  std::string model = "text-embedding-3-small";
  /// Requested dimensions, sent as `dimensions`; 0 = the model's own (nothing sent). Only
  /// text-embedding-3-* and later honour it: a server that rejects the field with a 400 is
  /// asked again without it, and a server that answers with other dimensions fails with
  /// parse_error naming both numbers (use 0, or the model's own size).
  std::size_t dims = 0;
  /// Most inputs per request (OpenAI accepts at most 2048).
  std::size_t batch_size = 256;
  /// Most tokens per input; longer texts are truncated, never rejected (OpenAI: 8192; a
  /// llama.cpp server embeds at most its --ubatch-size, 512 unless raised).
  std::size_t max_input_tokens = 8192;
  /// Most tokens summed over the inputs of one request (OpenAI: 300,000).
  std::size_t max_request_tokens = 300000;
  /// Exact token counter (cl100k_base is exact for OpenAI's text-embedding-* models); null =
  /// count each byte as a token plus two for BOS/EOS, an upper bound for the byte-level BPE and
  /// SentencePiece tokenizers of local servers, whose vocabulary we cannot know.
  std::shared_ptr<const Tokenizer> tokenizer;
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
/// The OpenAI-compatible embedder: POST {base_url}/embeddings with the texts of
/// embedding_text(), batched within batch_size, max_input_tokens and max_request_tokens, with
/// the LLM client's retries and pacing. Rows are L2-normalised (unit vectors: cosine = dot
/// product downstream) and ordered by the answers' `index`, never by their position.
/// embed_texts() needs no earlier embed(): the same model and dims give the same space.
/// Errors of the factory: invalid_argument for malformed options. Errors of embed():
/// unauthorized (401/403), http_status (other final statuses), rate_limited, network_error,
/// timeout (retries exhausted), parse_error (an answer of the wrong shape), cancelled; each
/// message names the server and model, never the key.
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
  /// Use approximate HNSW at or above this many rows (exact below). Exact search is O(rows^2):
  /// past ~10k rows HNSW is cheaper (bench/results/graph.json: 33k vs 67k symbols).
  std::size_t hnsw_threshold = 16000;
  /// Worker threads; 0 = the number of cores.
  unsigned threads = 0;
  /// Rows per block of the exact search (memory is O(block^2 + rows*k)).
  std::size_t block = 1024;
  /// Exact search: use the AVX2/FMA kernel when the CPU has it (else Eigen's portable product).
  bool allow_simd = true;
  /// HNSW: links per node (hnswlib's M).
  std::size_t hnsw_m = 16;
  /// HNSW: candidate list size while building. 48 (not hnswlib's usual 100) builds in 45% of
  /// the CPU time and keeps recall@10 >= 0.97 even on unclustered random vectors.
  std::size_t hnsw_ef_construction = 48;
  /// HNSW: candidate list size while searching (raised to k+1 when smaller).
  std::size_t hnsw_ef_search = 64;
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
