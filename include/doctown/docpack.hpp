// Reading .docpack files (zip archives written by the docpack writer).
#pragma once

#include <cstddef>
#include <filesystem>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/embedder.hpp"
#include "doctown/error.hpp"
#include "doctown/types.hpp"

namespace doctown {

/// manifest.json, typed. The JSON mapping lives in one place (lib/format); readers of other
/// producers' docpacks get defaults for what is missing.
struct Manifest {
  /// Counts of what the docpack holds.
  struct Totals {
    std::uint64_t files = 0;        ///< analysed source files
    std::uint64_t symbols = 0;      ///< symbols (== chunks)
    std::uint64_t chunks = 0;       ///< records in chunks.json
    std::uint64_t relations = 0;    ///< typed relations found by the analyzer
    std::uint64_t documented = 0;   ///< symbols with a doc
    std::uint64_t failed = 0;       ///< symbols whose doc failed
    std::uint64_t graph_nodes = 0;  ///< nodes of graph.json
    std::uint64_t graph_edges = 0;  ///< edges of graph.json
  };
  /// How embeddings.bin is laid out.
  struct Embedding {
    std::string model;                ///< embedding model name
    std::uint64_t dims = 0;           ///< values per row
    std::uint64_t rows = 0;           ///< rows (one per chunk)
    std::string dtype = "float32";    ///< value type
    std::string byte_order = "little";  ///< byte order of the values
  };
  /// Who wrote the docpack.
  struct Generator {
    std::string name;       ///< "doctown"
    std::string version;    ///< doctown's version
    std::string llm_model;  ///< "offline" or the chat model
    std::string mode;       ///< "offline", "sync", "batch_api"
    std::string language = "en";  ///< BCP 47 tag of the prose (the offline writer: always "en")
  };
  /// DocScore selection settings and the score distribution.
  struct DocScoring {
    bool enabled = true;            ///< selection was on
    double threshold = 0;           ///< selection threshold
    double structural = 0;          ///< weight of the structural term
    double semantic = 0;            ///< weight of the semantic term
    double complexity = 0;          ///< weight of the complexity term
    std::uint64_t scored = 0;       ///< symbols scored
    std::uint64_t selected = 0;     ///< symbols selected
    std::optional<double> min;      ///< lowest score (absent when nothing was scored)
    std::optional<double> max;      ///< highest score
    std::optional<double> mean;     ///< mean score
    std::optional<double> median;   ///< median score
  };
  std::string docpack_version;  ///< "6.1"
  std::string name;             ///< project name
  SourceInfo source;            ///< where the code came from (url for git/github, else path)
  std::string generated_at;     ///< ISO-8601 UTC
  Totals totals;                ///< counts
  Embedding embedding;          ///< embeddings.bin layout
  Generator generator;          ///< producer
  DocScoring doc_scoring;       ///< selection
  RunStats generation_stats;    ///< the run's statistics
  std::vector<std::string> members;  ///< member names the writer put in the archive
};

/// A source file as the docpack records it (filestructure.json), with its text when the
/// docpack stores it (sources.json).
struct DocpackFile {
  std::string path;      ///< relative to the source root, '/' separators
  std::string language;  ///< "c++", "python", ...
  std::uint64_t size = 0;  ///< bytes on disk when analysed
  std::string sha256;    ///< content hash (hex)
  bool has_text = false;   ///< sources.json holds the text
  std::string text;      ///< the file's text (UTF-8, repaired), when has_text
};

/// An opened docpack, fully loaded in memory.
class Docpack {
 public:
  /// Open and validate a docpack. A missing, malformed or truncated file gives a clear error
  /// naming the file and the member at fault; never a crash.
  static result<Docpack> open(const std::filesystem::path& path);

  /// manifest.json, typed.
  const Manifest& manifest() const { return manifest_; }
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
  /// Files from filestructure.json in path order, with texts from sources.json when stored
  /// (docpacks from before sources.json, or other producers, have no texts).
  const std::vector<DocpackFile>& files() const { return files_; }
  /// The file with this exact path, or nullptr. O(log n).
  const DocpackFile* file(std::string_view path) const;

 private:
  Manifest manifest_;
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
  std::vector<DocpackFile> files_;
  friend class DocpackLoader;
};

}  // namespace doctown
