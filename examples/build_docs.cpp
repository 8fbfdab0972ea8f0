// What `doctown build SOURCE -o OUT` does without an API key: analyse, embed, score, write the
// offline docs as a docpack, Markdown and HTML, with the doc cache in OUT. Every default (the
// cache, state and work folders, the backend, the tokenizer) comes from the library: the CLI
// adds only flags, environment and printing.
// Usage: example_build_docs SOURCE OUT_DIR
#include <doctown/doctown.hpp>

#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s SOURCE OUT_DIR\n", argv[0]);
    return 2;
  }
  doctown::Config config;
  config.output.out_dir = argv[2];
  // As the CLI's default: "auto" with no API key and no server is the offline writer (set
  // config.llm_options.server.api_key from your environment to use a model instead).
  config.llm = doctown::LlmBackend::automatic;
  auto pipeline = doctown::Pipeline::create(config);
  if (!pipeline) {
    std::fprintf(stderr, "%s\n", pipeline.error().what().c_str());
    return 2;
  }
  doctown::StreamProgress progress(std::cerr);  // the CLI's progress lines, on stderr
  auto result = pipeline->build(argv[1], doctown::RunContext{&progress, {}});
  if (!result) {
    std::fprintf(stderr, "%s\n", result.error().what().c_str());
    return 3;
  }
  const doctown::RunStats& st = result->stats;
  std::printf("Documented %zu of %zu selected symbols (%zu analysed, %zu from the cache, %zu "
              "failed).\n",
              st.documented, st.selected, st.symbols, st.cached, st.failed);
  std::printf("docpack:  %s\nmarkdown: %s\nhtml:     %s\n", result->docpack.string().c_str(),
              result->markdown_dir.string().c_str(), result->html_dir.string().c_str());
  return st.failed ? 1 : 0;
}
