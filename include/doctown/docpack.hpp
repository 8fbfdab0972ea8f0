// Reading .docpack files (zip archives written by the docpack writer).
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "doctown/embedder.hpp"
#include "doctown/error.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// An opened docpack, fully loaded in memory.
class Docpack {
 public:
  /// Open and validate a docpack. A missing, malformed or truncated file gives a clear error
  /// naming the file and the member at fault; never a crash.
  static result<Docpack> open(const std::filesystem::path& path);

  /// Raw JSON text of manifest.json.
  const std::string& manifest_json() const { return manifest_json_; }
  /// docpack_version from the manifest.
  const std::string& version() const { return version_; }
  /// Symbols rebuilt from chunks.json, in chunk order.
  const std::vector<Symbol>& symbols() const { return symbols_; }
  /// Docs from documentation.json by symbol id.
  const std::map<std::string, SymbolDoc>& docs() const { return docs_; }
  /// embeddings.bin; rows == symbols().size().
  const EmbeddingMatrix& embeddings() const { return embeddings_; }
  /// Relations from graph.json.
  const std::vector<Relation>& relations() const { return relations_; }
  /// PageRank by node id from graph.json.
  const std::map<std::string, double>& pagerank() const { return pagerank_; }
  /// Names of the zip members.
  const std::vector<std::string>& members() const { return members_; }
  /// documentation.json's architecture_overview (Markdown).
  const std::string& architecture_overview() const { return architecture_overview_; }
  /// documentation.json's highlights.
  const std::vector<std::string>& highlights() const { return highlights_; }
  /// documentation.json's verification ratio (1 when the docpack has none).
  double verified_ratio() const { return verified_ratio_; }
  /// README.md, empty when absent.
  const std::string& readme() const { return readme_; }

 private:
  std::string manifest_json_;
  std::string version_;
  std::vector<Symbol> symbols_;
  std::map<std::string, SymbolDoc> docs_;
  EmbeddingMatrix embeddings_;
  std::vector<Relation> relations_;
  std::map<std::string, double> pagerank_;
  std::vector<std::string> members_;
  std::string architecture_overview_;
  std::vector<std::string> highlights_;
  double verified_ratio_ = 1.0;
  std::string readme_;
  friend class DocpackLoader;
};

}  // namespace doctown
