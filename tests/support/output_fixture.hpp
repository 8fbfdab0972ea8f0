// A hand-built DocSet shaped like the sample project (namespace geo: Shape, Circle, ShapeKind,
// free functions) plus one Python file, for the writer, verifier and search tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "doctown/writer.hpp"

namespace doctown::test {

struct OutputFixture {
  Codebase codebase;
  EmbeddingMatrix embeddings;
  Graph graph;
  std::vector<DocScore> scores;
  std::map<std::string, SymbolDoc> docs;
  std::vector<SymbolFailure> failures;
  /// The docs' verification, redone by each docset() call (tests edit `docs` in between).
  mutable std::vector<VerifyResult> verification;

  OutputFixture();
  /// A verified DocSet pointing into this fixture (which must outlive it).
  DocSet docset() const;
  /// Id of the symbol with this qualified name (REQUIREs that it exists).
  std::string id_of(const std::string& qualified_name) const;
};

}  // namespace doctown::test
