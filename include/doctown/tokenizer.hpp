// Exact BPE tokenizers (tiktoken's o200k_base and cl100k_base) for token counting.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/error.hpp"

namespace doctown {

/// Where to find rank files and which encoding to load.
struct TokenizerOptions {
  /// "o200k_base" or "cl100k_base".
  std::string encoding = "o200k_base";
  /// Folder holding <encoding>.tiktoken; empty = default_data_dir() / "tokenizers".
  std::filesystem::path data_dir;
  /// Encode special-token text (e.g. "<|endoftext|>") as its special id, as tiktoken's
  /// allowed_special="all" does; false = ordinary text (the safe default for source code).
  bool allow_special = false;
};

/// An encoder. encode() and count() are const and thread-safe.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  /// Token ids of `text`; special-token text is encoded as ordinary text unless the tokenizer
  /// was loaded with allow_special.
  virtual std::vector<std::uint32_t> encode(std::string_view text) const = 0;
  /// Number of tokens of `text` (same as encode().size(), without building the vector).
  virtual std::size_t count(std::string_view text) const = 0;
  /// Bytes of the given ids concatenated (special ids become their text).
  virtual std::string decode(std::span<const std::uint32_t> ids) const = 0;
  /// Encoding name.
  virtual std::string_view name() const = 0;
};

/// Load an encoding's rank file. Errors: not_found (names the folder searched and the
/// --tokenizer-dir option), parse_error (names the file and line).
result<std::shared_ptr<const Tokenizer>> load_tokenizer(const TokenizerOptions& options);

/// The encoding of a model: gpt-4o*, gpt-4.1*, gpt-5*, o1/o3/o4* → o200k_base;
/// gpt-4, gpt-3.5 → cl100k_base; unknown → o200k_base with `known` set to false.
std::string encoding_for_model(std::string_view model, bool* known = nullptr);

/// The encoding a remote embedding model counts its input with, when it is known: cl100k_base
/// for OpenAI's text-embedding-* models; empty for any other
/// model, whose server-side tokenizer (often SentencePiece) cannot be reproduced here.
std::string embedding_encoding_for_model(std::string_view model);

/// The installed data folder (…/share/doctown) found relative to the running executable or
/// the build tree; empty when it cannot be found.
std::filesystem::path default_data_dir();

}  // namespace doctown
