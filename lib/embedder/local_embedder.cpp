// The local embedder: code-aware features (see features.hpp), TF-IDF weighted over the codebase,
// signed feature hashing into `dims` buckets, L2-normalised. No model download, no randomness:
// the same codebase gives bit-identical vectors on every machine, because the hash is fixed,
// features are accumulated in hash order (a fixed floating-point summation order) and each row
// is computed by one thread from the same inputs whatever the thread count.
#include <atomic>
#include <cmath>
#include <exception>
#include <unordered_map>

#include "doctown/embedder.hpp"
#include "embedder/features.hpp"
#include "embedder/parallel.hpp"

namespace doctown {
namespace {

constexpr const char* kModelName = "doctown-local-hash-v1";

class LocalEmbedder final : public Embedder {
 public:
  explicit LocalEmbedder(LocalEmbedderOptions o) : options_(o) {
    weights_.body = static_cast<float>(o.body_weight);
  }

  result<EmbeddingMatrix> embed(const Codebase& codebase, const RunContext& ctx) override {
    try {
      return embed_impl(codebase, ctx);
    } catch (const std::bad_alloc&) {
      return fail(errc::limit_exceeded,
                  "not enough memory to embed " + std::to_string(codebase.symbols.size()) +
                      " symbols; lower the embedding dimensions or analyse a smaller tree",
                  codebase.root);
    }
  }

  result<EmbeddingMatrix> embed_texts(std::span<const std::string> texts,
                                      const RunContext& ctx) override {
    if (ctx.stop_requested()) return fail(errc::cancelled, "embedding cancelled");
    EmbeddingMatrix m = empty_matrix(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      auto bag = embed::text_features(texts[i], weights_);
      project(bag, m, i);
    }
    return m;
  }

 private:
  EmbeddingMatrix empty_matrix(std::size_t rows) const {
    EmbeddingMatrix m;
    m.rows = rows;
    m.dims = options_.dims;
    m.model = kModelName;
    m.values.assign(rows * options_.dims, 0.0f);
    return m;
  }

  // Smoothed IDF: a feature found in every symbol still weighs 1, a feature never seen (a query
  // word absent from the code) weighs the most.
  double idf(std::uint64_t hash) const {
    auto it = df_.find(hash);
    double df = it == df_.end() ? 0.0 : static_cast<double>(it->second);
    return std::log((1.0 + static_cast<double>(docs_)) / (1.0 + df)) + 1.0;
  }

  // TF-IDF value of each feature, folded into a signed bucket: the sign bit keeps collisions
  // from adding up systematically (their expected contribution to a dot product is zero).
  void project(const embed::FeatureBag& bag, EmbeddingMatrix& m, std::size_t row) const {
    std::vector<double> acc(m.dims, 0.0);
    for (const auto& e : bag.entries) {
      double tf = static_cast<double>(e.weight) * (1.0 + std::log(static_cast<double>(e.count)));
      double v = tf * idf(e.hash);
      std::size_t bucket = static_cast<std::size_t>(e.hash % m.dims);
      acc[bucket] += (e.hash >> 63) ? -v : v;
    }
    double norm = 0;
    for (double a : acc) norm += a * a;
    norm = std::sqrt(norm);
    // A text with no known feature stays the zero vector: similar to nothing.
    if (norm == 0) return;
    float* out = m.values.data() + row * m.dims;
    for (std::size_t d = 0; d < m.dims; ++d) out[d] = static_cast<float>(acc[d] / norm);
  }

  result<EmbeddingMatrix> embed_impl(const Codebase& codebase, const RunContext& ctx) {
    const std::size_t n = codebase.symbols.size();
    std::vector<embed::FeatureBag> bags(n);
    const std::size_t chunk = 256;
    std::atomic<bool> stopped{false};
    detail::parallel_chunks(
        n, chunk, options_.threads, [&](std::size_t b, std::size_t e, unsigned) {
          if (ctx.stop_requested()) {
            stopped = true;
            return;
          }
          for (std::size_t i = b; i < e; ++i)
            bags[i] =
                embed::symbol_features(codebase.symbols[i], weights_, options_.max_body_chars);
        });
    if (stopped || ctx.stop_requested()) return fail(errc::cancelled, "embedding cancelled");

    // Document frequencies over this codebase (each bag holds a feature once after finish()).
    df_.clear();
    docs_ = n;
    for (const auto& bag : bags)
      for (const auto& e : bag.entries) ++df_[e.hash];

    EmbeddingMatrix m = empty_matrix(n);
    detail::parallel_chunks(n, chunk, options_.threads,
                            [&](std::size_t b, std::size_t e, unsigned) {
                              for (std::size_t i = b; i < e; ++i) project(bags[i], m, i);
                            });
    ctx.item_done("embed", n, n);
    return m;
  }

  LocalEmbedderOptions options_;
  embed::FeatureWeights weights_;
  // IDF state of the last embed(), so that embed_texts() queries land in the same space.
  std::unordered_map<std::uint64_t, std::uint32_t> df_;
  std::size_t docs_ = 0;
};

}  // namespace

std::string embedding_text(const Symbol& s, std::size_t max_body_chars) {
  std::string text;
  text += to_string(s.kind);
  text += ' ';
  text += s.qualified_name.empty() ? s.name : s.qualified_name;
  text += '\n';
  if (!s.signature.empty()) text += s.signature + '\n';
  if (!s.doc_comment.empty()) text += s.doc_comment + '\n';
  if (!s.source_text.empty() && max_body_chars > 0) {
    std::string_view body = s.source_text;
    if (body.size() > max_body_chars) {
      // Cut at a line end when one is near, so the model does not see half a token.
      body = body.substr(0, max_body_chars);
      auto nl = body.rfind('\n');
      if (nl != std::string_view::npos && nl > max_body_chars / 2) body = body.substr(0, nl);
    }
    text += body;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

result<std::unique_ptr<Embedder>> make_local_embedder(LocalEmbedderOptions options) {
  if (options.dims < 2 || options.dims > 65536)
    return fail(errc::invalid_argument, "embedding dimensions must be between 2 and 65536 (got " +
                                            std::to_string(options.dims) + "); 256 is the default");
  if (!std::isfinite(options.body_weight) || options.body_weight < 0)
    return fail(errc::invalid_argument,
                "the body weight of the local embedder must be a finite number >= 0");
  return std::unique_ptr<Embedder>(std::make_unique<LocalEmbedder>(options));
}

}  // namespace doctown
