// The Analyzer factories and the run they share: validate options, select the files once,
// run the backends (libclang, ctags, documents) into one Codebase, then finalise it —
// contains edges from parent ids, edges to unknown symbols dropped (calls into the standard
// library, for instance), everything sorted so the same tree gives byte-identical output.
#include <algorithm>
#include <chrono>
#include <exception>
#include <iterator>
#include <set>
#include <system_error>
#include <tuple>
#include <unordered_set>

#include "analyzer/analyzer_impl.hpp"
#include "core/utf8.hpp"
#include "source/file_select.hpp"

namespace doctown {

namespace fs = std::filesystem;

namespace {

enum Backend : unsigned { kClang = 1, kCtags = 2, kDocuments = 4 };

// Source text is bytes, but every output (JSON, Markdown, HTML, prompts) must be UTF-8:
// invalid bytes become U+FFFD here, once, with a note naming each file concerned.
void repair_text(Codebase& cb) {
  std::set<std::string> repaired_files;
  for (auto& s : cb.symbols) {
    bool r = false;
    for (std::string* t : {&s.id, &s.name, &s.qualified_name, &s.signature, &s.return_type,
                           &s.doc_comment, &s.brief, &s.source_text, &s.parent_id,
                           &s.location.file})
      r |= detail::repair_utf8(*t);
    if (s.declaration) r |= detail::repair_utf8(s.declaration->file);
    for (auto* list : {&s.params, &s.template_params})
      for (auto& p : *list)
        for (std::string* t : {&p.name, &p.type, &p.default_value}) r |= detail::repair_utf8(*t);
    if (r) repaired_files.insert(s.location.file);
  }
  for (auto& rel : cb.relations) {
    detail::repair_utf8(rel.from);
    detail::repair_utf8(rel.to);
  }
  for (auto& d : cb.diagnostics) {
    detail::repair_utf8(d.file);
    detail::repair_utf8(d.message);
  }
  for (const auto& f : repaired_files)
    cb.diagnostics.push_back({f, 0, Diagnostic::Severity::note,
                              "text that is not valid UTF-8 is shown with U+FFFD in the docs"});
}

// One line for the user about files left out, so a missing file is never a mystery (the
// full list is in the diagnostics: `doctown analyze --json`).
void note_skipped(const Codebase& cb, const RunContext& ctx) {
  std::size_t n = 0;
  std::string examples;
  for (const auto& d : cb.diagnostics) {
    if (d.file.empty() || d.message.rfind("skipped", 0) != 0) continue;
    if (++n <= 3) {
      std::string why = d.message.substr(d.message.find(':') == std::string::npos
                                             ? d.message.size()
                                             : d.message.find(':') + 1);
      examples += (examples.empty() ? "" : ";") + std::string(" ") + d.file + " (" +
                  (why.empty() ? why : why.substr(why.find_first_not_of(' '))) + ")";
    }
  }
  if (n == 0) return;
  ctx.note("analyze", "skipped " + std::to_string(n) + " file(s):" + examples +
                          (n > 3 ? "; ... (`doctown analyze --json` lists them all)" : ""));
}

void finalize(Codebase& cb) {
  repair_text(cb);
  std::unordered_set<std::string> ids;
  ids.reserve(cb.symbols.size());
  for (const auto& s : cb.symbols) ids.insert(s.id);
  for (auto& s : cb.symbols) {
    if (!s.parent_id.empty() && !ids.count(s.parent_id)) s.parent_id.clear();
    if (!s.parent_id.empty()) cb.relations.push_back({s.parent_id, s.id, RelationKind::contains});
  }
  std::erase_if(cb.relations, [&](const Relation& r) {
    if (r.kind == RelationKind::includes) return false;
    return r.from == r.to || !ids.count(r.from) || !ids.count(r.to);
  });
  cb.normalize();
  std::sort(cb.diagnostics.begin(), cb.diagnostics.end(),
            [](const Diagnostic& a, const Diagnostic& b) {
              return std::tie(a.file, a.line, a.severity, a.message) <
                     std::tie(b.file, b.line, b.severity, b.message);
            });
  cb.diagnostics.erase(std::unique(cb.diagnostics.begin(), cb.diagnostics.end(),
                                   [](const Diagnostic& a, const Diagnostic& b) {
                                     return a.file == b.file && a.line == b.line &&
                                            a.severity == b.severity && a.message == b.message;
                                   }),
                       cb.diagnostics.end());
  cb.stats.symbols = cb.symbols.size();
  cb.stats.files = cb.files.size();
}

// Rust and Python through tree-sitter when it was built in (calls, inheritance, docstrings
// whole); every other language, and Rust and Python without it, through ctags.
result<void> analyze_other_languages(const detail::AnalysisInput& in,
                                     const AnalyzerOptions& options, const RunContext& ctx,
                                     Codebase& cb) {
  auto parsed = [](const SourceFile& f) { return f.language == "rust" || f.language == "python"; };
  detail::AnalysisInput rest{in.root, {}};
  if (detail::tree_sitter_available()) {
    auto r = detail::analyze_tree_sitter(in, options, ctx, cb);
    if (!r) return r;
    std::copy_if(in.files.begin(), in.files.end(), std::back_inserter(rest.files),
                 [&](const SourceFile& f) { return !parsed(f); });
  } else {
    rest.files = in.files;
    if (std::any_of(in.files.begin(), in.files.end(), parsed))
      cb.diagnostics.push_back(
          {"", 0, Diagnostic::Severity::note,
           "this build has no tree-sitter grammars: Rust and Python go through ctags (no calls "
           "or inheritance); run scripts/install-deps.sh and rebuild for a full parse"});
  }
  if (!options.use_ctags) return {};
  return detail::analyze_ctags(rest, options, ctx, cb);
}

result<Codebase> run_analysis(const fs::path& root_in, const AnalyzerOptions& options,
                              const RunContext& ctx, unsigned backends) {
  const auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  if (root_in.empty())
    return fail(errc::invalid_argument, "no folder to analyse was given", {});
  if (!fs::exists(root_in, ec))
    return fail(errc::not_found, "the folder to analyse does not exist; check the path",
                root_in.string());
  if (!fs::is_directory(root_in, ec))
    return fail(errc::invalid_argument, "the path to analyse is not a folder", root_in.string());
  fs::path root = fs::canonical(root_in, ec);
  if (ec)
    return fail(errc::io_error, "cannot resolve the folder: " + ec.message(), root_in.string());

  ctx.stage_started("analyze");
  detail::FileSelectOptions sel_opts{.max_file_size = options.max_file_size,
                                     .include_globs = options.include_globs,
                                     .exclude_globs = options.exclude_globs,
                                     .default_excludes = options.default_excludes,
                                     .skip_dirs = options.skip_dirs};
  auto sel = detail::select_files(root, sel_opts, ctx);
  if (!sel) return std::move(sel).error();

  Codebase cb;
  cb.root = root.string();
  cb.name = root.filename().string();
  cb.source = SourceInfo{"local", root.string(), {}, {}};
  cb.diagnostics = sel->diagnostics;

  // Only the files some backend of this analyzer handles are part of its codebase.
  detail::AnalysisInput in{root, {}};
  for (auto& f : sel->files) {
    bool cpp = f.language == "c" || f.language == "c++";
    bool doc = f.language == "markdown" || f.language == "rst";
    if ((cpp && (backends & kClang)) || (doc && (backends & kDocuments)) ||
        (!cpp && !doc && (backends & kCtags)))
      in.files.push_back(f);
  }
  cb.files = in.files;

  if (backends & kClang) {
    auto r = detail::analyze_cpp(in, options, ctx, cb);
    if (!r) return std::move(r).error();
  }
  if (ctx.stop_requested()) return fail(errc::cancelled, "analysis cancelled", root.string());
  if (backends & kCtags) {
    auto r = analyze_other_languages(in, options, ctx, cb);
    if (!r) return std::move(r).error();
  }
  if (backends & kDocuments) detail::analyze_documents(in, cb);
  finalize(cb);
  note_skipped(cb, ctx);
  for (const auto& d : cb.diagnostics)
    if (d.severity != Diagnostic::Severity::note)
      ctx.diagnostic("analyze", d.severity,
                     (d.file.empty() ? "" : d.file + ":" + std::to_string(d.line) + ": ") +
                         d.message);
  cb.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ctx.stage_finished("analyze");
  return cb;
}

class AnalyzerImpl final : public Analyzer {
 public:
  AnalyzerImpl(AnalyzerOptions options, unsigned backends)
      : options_(std::move(options)), backends_(backends) {}

  result<Codebase> analyze(const fs::path& root, const RunContext& ctx) override {
    // Dependencies (libstdc++ containers, filesystem) may throw; nothing crosses the API.
    try {
      return run_analysis(root, options_, ctx, backends_);
    } catch (const std::bad_alloc&) {
      return fail(errc::internal, "out of memory while analysing", root.string());
    } catch (const std::exception& e) {
      return fail(errc::internal, std::string("analysis failed: ") + e.what(), root.string());
    }
  }

 private:
  AnalyzerOptions options_;
  unsigned backends_;
};

result<void> validate(const AnalyzerOptions& o) {
  if (o.jobs > 1024)
    return fail(errc::invalid_argument, "jobs must be between 0 (all cores) and 1024",
                std::to_string(o.jobs));
  if (o.max_file_size == 0)
    return fail(errc::invalid_argument, "max_file_size must be positive", "max_file_size");
  if (o.use_ctags && o.ctags_path.empty())
    return fail(errc::invalid_argument, "ctags_path is empty; name the ctags program",
                "ctags_path");
  for (const auto& g : o.include_globs)
    if (g.empty()) return fail(errc::invalid_argument, "an include glob is empty", "include");
  for (const auto& g : o.exclude_globs)
    if (g.empty()) return fail(errc::invalid_argument, "an exclude glob is empty", "exclude");
  return {};
}

result<std::unique_ptr<Analyzer>> make(AnalyzerOptions options, unsigned backends) {
  if (auto v = validate(options); !v) return std::move(v).error();
  return std::unique_ptr<Analyzer>(std::make_unique<AnalyzerImpl>(std::move(options), backends));
}

}  // namespace

result<std::unique_ptr<Analyzer>> make_clang_analyzer(AnalyzerOptions options) {
  return make(std::move(options), kClang);
}

result<std::unique_ptr<Analyzer>> make_ctags_analyzer(AnalyzerOptions options) {
  return make(std::move(options), kCtags | kDocuments);
}

result<std::unique_ptr<Analyzer>> make_default_analyzer(AnalyzerOptions options) {
  return make(std::move(options), kClang | kCtags | kDocuments);
}

}  // namespace doctown
