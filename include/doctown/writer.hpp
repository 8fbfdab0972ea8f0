// Writer stage: docpack, Markdown and HTML outputs.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/doc_scorer.hpp"
#include "doctown/embedder.hpp"
#include "doctown/error.hpp"
#include "doctown/graph.hpp"
#include "doctown/modes.hpp"
#include "doctown/progress.hpp"
#include "doctown/roles.hpp"
#include "doctown/types.hpp"
#include "doctown/verify.hpp"

namespace doctown {

/// Everything a writer needs: a verified doc set. Pointers must outlive the write call; none
/// may be null (writers return invalid_argument naming the missing one).
struct DocSet {
  const Codebase* codebase = nullptr;
  const EmbeddingMatrix* embeddings = nullptr;
  const Graph* graph = nullptr;
  const std::vector<DocScore>* scores = nullptr;  ///< codebase order
  const std::map<std::string, SymbolDoc>* docs = nullptr;
  const std::vector<SymbolFailure>* failures = nullptr;
  RunStats stats;
  std::string llm_model;     ///< "offline" or the model name
  std::string llm_mode;      ///< "offline", "sync", "batch_api"
  /// BCP 47 tag of the docs' prose ("en" when English, which the offline writer always is).
  std::string language = "en";
  std::string generated_at;  ///< ISO-8601 UTC
  /// Architecture overview prose (LLM-written or from facts); empty = writer derives one.
  std::string architecture_overview;
  DocScoreOptions doc_scoring;  ///< recorded in the manifest
  /// Verification of `docs` (verify_docs in verify.hpp); writers publish it and never verify.
  const std::vector<VerifyResult>* verification = nullptr;
  /// Role of each file (see roles.hpp); null = every file is library code and shown.
  const FileRoles* roles = nullptr;
};

/// Writes one output format.
class Writer {
 public:
  virtual ~Writer() = default;
  /// "docpack", "markdown" or "html".
  virtual std::string_view format() const = 0;
  /// Write the output for `docs` under `out_dir` using `name` (<out>/<name>.docpack,
  /// <out>/<name>/markdown/, <out>/<name>/html/). Returns the path written. Writes to a
  /// temporary name and renames, so a failure never leaves a half-written output.
  virtual result<std::filesystem::path> write(const DocSet& docs,
                                              const std::filesystem::path& out_dir,
                                              const std::string& name,
                                              const RunContext& ctx) = 0;
};

result<std::unique_ptr<Writer>> make_docpack_writer();
result<std::unique_ptr<Writer>> make_markdown_writer();
result<std::unique_ptr<Writer>> make_html_writer();

/// Options of the HTML site.
struct HtmlOptions {
  /// Draw SVG diagrams (class hierarchy, file dependencies) with Graphviz when available.
  bool diagrams = true;
  /// Graphviz `dot` executable: a path, or a name looked up in PATH by posix_spawnp.
  std::string dot_path = "dot";
  /// Seconds one `dot` run may take before it is killed (the page then carries a note).
  double dot_timeout_s = 30;
  /// Most nodes drawn in one diagram; the most central ones are kept.
  std::size_t max_diagram_nodes = 150;
};
/// HTML writer with options; invalid_argument for a non-positive timeout or zero nodes.
result<std::unique_ptr<Writer>> make_html_writer(HtmlOptions options);
/// The writer of one format.
result<std::unique_ptr<Writer>> make_writer(OutputFormat format);
/// A writer by format name (parse_output_format); not_found names the format and lists the
/// known ones.
result<std::unique_ptr<Writer>> make_writer(std::string_view format);

}  // namespace doctown
