// Fuzz entry: the .tiktoken rank-file loader, and encoding. The input is loaded as the rank file
// of an encoding (with cl100k_base's pattern and one special token); when it loads, texts
// encoded with it must decode back to themselves. The input is also encoded, as text, with the
// real cl100k_base encoding (loaded once), with the same round-trip check.
#include <memory>

#include "doctown/tokenizer.hpp"
#include "fuzz_entries.hpp"

namespace doctown::fuzz {

namespace fs = std::filesystem;

namespace {

void check_round_trip(const Tokenizer& t, std::string_view text) {
  auto ids = t.encode(text);
  DOCTOWN_FUZZ_CHECK(t.count(text) == ids.size(), "count() agrees with encode()");
  DOCTOWN_FUZZ_CHECK(t.decode(ids) == text, "decode(encode(text)) == text");
}

}  // namespace

int fuzz_tiktoken(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);
  static const fs::path dir = [] {
    fs::path d = scratch() / "tiktoken";
    std::error_code ec;
    fs::create_directories(d, ec);
    write_bytes(d / "fuzz.meta.json",
                R"x({"name":"fuzz","pat_str":"('s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|)x"
                R"x(\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",)x"
                R"x("special_tokens":{"<|endoftext|>":100257}})x");
    return d;
  }();
  static const std::shared_ptr<const Tokenizer> real = [] {
    auto t = load_tokenizer(
        {.encoding = "cl100k_base", .data_dir = fs::path(DOCTOWN_FUZZ_DATA_DIR) / "tokenizers"});
    DOCTOWN_FUZZ_CHECK(t, "the shipped cl100k_base loads");
    return *t;
  }();
  check_round_trip(*real, text);

  write_bytes(dir / "fuzz.tiktoken", text);
  auto loaded = load_tokenizer({.encoding = "fuzz", .data_dir = dir});
  if (!loaded) {
    DOCTOWN_FUZZ_CHECK(!loaded.error().message.empty(), "an error says what is wrong");
    return 0;
  }
  for (std::string_view sample :
       {std::string_view("int main() { return 0; }\n"), std::string_view("héllo wörld 12345"),
        std::string_view("<|endoftext|> \xff\xfe\x80 tab\there"), text})
    check_round_trip(**loaded, sample);
  return 1;
}

}  // namespace doctown::fuzz
