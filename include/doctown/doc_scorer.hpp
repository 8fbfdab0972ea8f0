// DocScore stage: which symbols deserve documentation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "doctown/embedder.hpp"
#include "doctown/error.hpp"
#include "doctown/graph.hpp"
#include "doctown/progress.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// DocScore = structural * w_s + semantic * w_m + complexity * w_c; weights must sum to 1.
struct DocScoreOptions {
  /// When false every documentable symbol is selected.
  bool enabled = true;
  /// Symbols scoring at or above this are selected.
  double threshold = 0.65;
  /// Weight of the structural term (PageRank, fan-in/out, public API, size).
  double structural = 0.50;
  /// Weight of the semantic term (centrality in embedding space).
  double semantic = 0.35;
  /// Weight of the complexity term (cyclomatic complexity, nesting depth).
  double complexity = 0.15;
};

/// The score of one symbol and its parts (each in [0, 1]).
struct DocScore {
  std::string id;
  double score = 0;
  double structural = 0;
  double semantic = 0;
  double complexity = 0;
  bool selected = false;
  std::string reason;  ///< why it was selected or not, one phrase
  /// The rule that decided, for counting: "public_api", "score", "below_threshold",
  /// "not_documentable", "role" (its file's role is not documented), "all" (scorer disabled).
  std::string rule;
};

class DocScorer {
 public:
  virtual ~DocScorer() = default;
  /// One score per codebase symbol, in codebase order.
  virtual result<std::vector<DocScore>> score(const Codebase& codebase, const Graph& graph,
                                              const EmbeddingMatrix& embeddings,
                                              const RunContext& ctx) = 0;
};

/// Fails with invalid_argument when weights are negative or do not sum to 1 (±1e-6).
result<std::unique_ptr<DocScorer>> make_doc_scorer(DocScoreOptions options);

}  // namespace doctown
