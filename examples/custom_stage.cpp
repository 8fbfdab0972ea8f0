// Run the whole pipeline with a custom stage: a DocScorer that selects only public API
// callables, then write Markdown with the offline writer.
// Usage: example_custom_stage SOURCE OUT_DIR
#include <doctown/doctown.hpp>

#include <cstdio>
#include <iostream>

namespace {

// Documents every public function or method, nothing else.
class PublicFunctionsOnly final : public doctown::DocScorer {
 public:
  doctown::result<std::vector<doctown::DocScore>> score(const doctown::Codebase& cb,
                                                        const doctown::Graph&,
                                                        const doctown::EmbeddingMatrix&,
                                                        const doctown::RunContext&) override {
    std::vector<doctown::DocScore> out;
    for (const auto& s : cb.symbols) {
      bool pick = doctown::is_callable(s.kind) && s.access != doctown::Access::private_;
      out.push_back({.id = s.id, .score = pick ? 1.0 : 0.0, .selected = pick,
                     .reason = pick ? "public callable" : "not a public callable"});
    }
    return out;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s SOURCE OUT_DIR\n", argv[0]);
    return 2;
  }
  doctown::Config config;
  config.output.out_dir = argv[2];
  config.output.formats = {doctown::OutputFormat::markdown};
  config.output.use_cache = false;
  auto pipeline = doctown::Pipeline::create(config);
  if (!pipeline) {
    std::fprintf(stderr, "%s\n", pipeline.error().what().c_str());
    return 2;
  }
  pipeline->set_doc_scorer(std::make_unique<PublicFunctionsOnly>());
  doctown::StreamProgress progress(std::cerr);  // each stage, its items and notes, on stderr
  doctown::RunContext ctx{&progress, {}};
  auto result = pipeline->build(argv[1], ctx);
  if (!result) {
    std::fprintf(stderr, "%s\n", result.error().what().c_str());
    return 3;
  }
  // Ids and summaries come from the analysed code: no terminal escapes reach the screen.
  for (const auto& [id, doc] : result->docs)
    std::printf("%s\n  %s\n", doctown::terminal_safe(id).c_str(),
                doctown::terminal_safe(doc.summary).c_str());
  std::printf("%zu documented; Markdown in %s\n", result->stats.documented,
              result->markdown_dir.string().c_str());
  return result->failures.empty() ? 0 : 1;
}
