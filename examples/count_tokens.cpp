// Count the tokens of a file exactly, as a given model would see them.
// Usage: example_count_tokens FILE [MODEL]
#include <doctown/tokenizer.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s FILE [MODEL]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string model = argc == 3 ? argv[2] : "gpt-4o-mini";
  bool known = true;
  std::string encoding = doctown::encoding_for_model(model, &known);
  auto tokenizer = doctown::load_tokenizer({.encoding = encoding});
  if (!tokenizer) {
    std::fprintf(stderr, "%s\n", tokenizer.error().what().c_str());
    return 3;
  }
  std::printf("%zu tokens (%s%s)\n", (*tokenizer)->count(text.str()), encoding.c_str(),
              known ? "" : ", model unknown");
  return 0;
}
