// `doctown tokens`: count (or list) the exact tokens of a file or stdin with a tiktoken encoding,
// chosen directly or through a model name.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli.hpp"

namespace doctown::cli {
namespace {

struct TokensFlags {
  std::string encoding;
  std::string model;
  bool ids = false;
  bool allow_special = false;
  std::string tokenizer_dir;
  std::string input = "-";
};

int run_tokens(Cli& cli, const TokensFlags& f) {
  TokenizerOptions opt;
  opt.data_dir = f.tokenizer_dir;
  opt.allow_special = f.allow_special;
  if (!f.encoding.empty()) {
    opt.encoding = f.encoding;
  } else if (!f.model.empty()) {
    bool known = true;
    opt.encoding = encoding_for_model(f.model, &known);
    if (!known && !cli.quiet)
      fmt::print(stderr, "doctown: note: model '{}' is not known; using {}\n", f.model,
                 opt.encoding);
  }
  auto tok = load_tokenizer(opt);
  if (!tok) return cli.report(tok.error());

  std::string text;
  if (f.input == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    std::ifstream in(f.input, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(f.input, ec))
      return cli.report(fail(errc::not_found,
                             "cannot read the input file; check the path or pass - for stdin",
                             f.input));
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (f.ids) {
    auto ids = (*tok)->encode(text);
    std::string line;
    line.reserve(ids.size() * 6);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i) line.push_back(' ');
      line += std::to_string(ids[i]);
    }
    std::cout << line << "\n";
  } else {
    std::cout << (*tok)->count(text) << "\n";
  }
  return std::cout.good() ? Exit::ok : Exit::fatal;
}

const bool registered = register_command(
    "tokens", "Count the exact tokens of a file (or stdin) for an encoding or model",
    [](CLI::App& sub) -> Runner {
      auto f = std::make_shared<TokensFlags>();
      auto* enc = sub.add_option("--encoding", f->encoding, "o200k_base or cl100k_base");
      auto* model = sub.add_option("--model", f->model,
                                   "Pick the encoding of this model (gpt-4o, gpt-4, ...)");
      enc->excludes(model);
      sub.add_flag("--ids", f->ids, "Print the token ids separated by spaces instead of the count");
      sub.add_flag("--allow-special", f->allow_special,
                   "Encode special-token text such as <|endoftext|> as its special id");
      sub.add_option("--tokenizer-dir", f->tokenizer_dir,
                     "Folder holding <encoding>.tiktoken and <encoding>.meta.json");
      sub.add_option("input", f->input, "File to read; - or nothing for stdin");
      return [f](Cli& cli) { return run_tokens(cli, *f); };
    });

}  // namespace
}  // namespace doctown::cli
