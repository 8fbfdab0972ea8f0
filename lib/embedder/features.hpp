// Code-aware text features for the local embedder: identifier splitting (camelCase, snake_case,
// digits), stop-word filtering and a fixed 64-bit feature hash. Private to lib/.
//
// Features are identified by a 64-bit hash of "<namespace>:<text>" rather than by strings, so
// document frequencies and feature hashing need no string storage. The hash is FNV-1a followed
// by a splitmix64 finaliser: fixed by this file, identical on every machine and standard library
// (std::hash is neither).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/types.hpp"

namespace doctown::embed {

/// FNV-1a 64 of `ns` + ':' + `text`, finalised with splitmix64 so every bit is well mixed.
std::uint64_t feature_hash(std::string_view ns, std::string_view text) noexcept;

/// Identifiers in `text` (runs of [A-Za-z0-9_] starting with a letter or '_'), in order.
void identifiers(std::string_view text, std::vector<std::string_view>& out);

/// Lower-cased parts of one identifier: "parseHTTPHeader2D_v" -> parse, http, header, 2, d, v.
void split_identifier(std::string_view identifier, std::vector<std::string>& out);

/// Light normalisation of a sub-word: lower case is assumed; plural "s" is dropped from words
/// longer than three letters ("shapes" -> "shape", but "class" stays).
std::string normalize_word(std::string word);

/// True for English function words and C/C++ keywords that carry no meaning on their own.
bool is_stop_word(std::string_view lower_word) noexcept;

/// Weighted features of one symbol, merged by hash: a feature seen several times keeps its
/// largest weight and its count (TF is sublinear in the count).
struct FeatureBag {
  struct Entry {
    std::uint64_t hash = 0;
    float weight = 0;  ///< largest weight among occurrences
    std::uint32_t count = 0;
  };
  std::vector<Entry> entries;  ///< sorted by hash after finish()

  void add(std::uint64_t hash, float weight);
  /// Sort by hash and merge duplicates.
  void finish();
};

/// The weights of each kind of evidence (the name dominates, the body whispers).
struct FeatureWeights {
  float name_whole = 2.0f;
  float name_part = 1.5f;
  float kind = 0.5f;
  float scope_path = 1.5f;  ///< the enclosing scope as a whole: siblings share it
  float scope_part = 0.5f;
  float type_whole = 1.0f;
  float type_part = 0.5f;
  float doc_word = 0.7f;
  float body = 0.3f;  ///< relative weight of body identifiers (LocalEmbedderOptions::body_weight)
};

/// Features of a symbol's facts: name, kind, qualified-name path, signature types, doc words,
/// body identifiers (first `max_body_chars` characters).
FeatureBag symbol_features(const Symbol& symbol, const FeatureWeights& weights,
                           std::size_t max_body_chars);

/// Features of a free text (a query): identifiers as name-like evidence, words as doc words.
FeatureBag text_features(std::string_view text, const FeatureWeights& weights);

}  // namespace doctown::embed
