// Code-aware feature extraction for the local embedder. What makes two symbols "close" here is
// shared vocabulary in the places that matter: the name's parts, the enclosing scope (class
// siblings), the types they take and return, the words of their doc comments, and — weakly —
// the identifiers their bodies mention (so a caller leans towards its callees).
#include "embedder/features.hpp"
#include "core/strings.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace doctown::embed {
namespace {

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

using detail::lower;

// Sorted so that lookups are a binary search; kept short on purpose: IDF already discounts
// words that are everywhere, this list only removes what would be noise in any codebase.
constexpr std::string_view kStopWords[] = {
    "a",        "about",    "after",    "all",      "also",   "an",       "and",       "any",
    "are",      "as",       "at",       "auto",     "be",     "been",     "bool",      "break",
    "but",      "by",       "can",      "case",     "char",   "const",    "constexpr", "continue",
    "default",  "delete",   "do",       "does",     "double", "each",     "else",      "explicit",
    "false",    "float",    "for",      "from",     "given",  "has",      "have",      "if",
    "in",       "inline",   "int",      "into",     "is",     "it",       "its",       "long",
    "may",      "must",     "new",      "noexcept", "not",    "nullptr",  "of",        "on",
    "one",      "only",     "operator", "or",       "other",  "override", "return",    "returns",
    "short",    "should",   "signed",   "size_t",   "static", "std",      "struct",    "such",
    "that",     "the",      "their",    "then",     "there",  "this",     "to",        "true",
    "typename", "unsigned", "use",      "used",     "uses",   "using",    "virtual",   "void",
    "was",      "when",     "which",    "while",    "will",   "with",     "without",   "would",
};
static_assert(std::is_sorted(std::begin(kStopWords), std::end(kStopWords)),
              "kStopWords must stay sorted for binary_search");

void add_identifier(FeatureBag& bag, std::string_view ident, const char* whole_ns, float whole_w,
                    float part_w, std::vector<std::string>& parts) {
  std::string whole = lower(ident);
  if (whole.size() < 2 || is_stop_word(whole)) return;
  bag.add(feature_hash(whole_ns, whole), whole_w);
  parts.clear();
  split_identifier(ident, parts);
  // A one-part identifier's part equals the whole: still added, because parts live in the shared
  // "w" space where they meet the same word in other names, docs and bodies.
  for (auto& p : parts) {
    if (p.size() < 2 || is_stop_word(p)) continue;
    bag.add(feature_hash("w", normalize_word(std::move(p))), part_w);
  }
}

void add_types(FeatureBag& bag, std::string_view type_text, const FeatureWeights& w,
               std::vector<std::string_view>& idents, std::vector<std::string>& parts) {
  idents.clear();
  identifiers(type_text, idents);
  for (auto id : idents) add_identifier(bag, id, "t", w.type_whole, w.type_part, parts);
}

}  // namespace

std::uint64_t feature_hash(std::string_view ns, std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto eat = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ull;
  };
  for (char c : ns) eat(static_cast<unsigned char>(c));
  eat(':');
  for (char c : text) eat(static_cast<unsigned char>(c));
  // splitmix64 finaliser: FNV's low bits are weak, and the bucket and sign come from them.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

std::uint64_t remix(std::uint64_t h) noexcept {
  h += 0x9e3779b97f4a7c15ull;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

void identifiers(std::string_view text, std::vector<std::string_view>& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_ident_start(text[i]) && (i == 0 || !is_ident_char(text[i - 1]))) {
      std::size_t j = i;
      while (j < text.size() && is_ident_char(text[j])) ++j;
      out.push_back(text.substr(i, j - i));
      i = j;
    } else {
      ++i;
    }
  }
}

void split_identifier(std::string_view id, std::vector<std::string>& out) {
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(lower(cur));
    cur.clear();
  };
  for (std::size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    if (!std::isalnum(static_cast<unsigned char>(c))) {  // '_' and anything else separate
      flush();
      continue;
    }
    if (!cur.empty()) {
      char p = cur.back();
      bool boundary = (is_lower(p) && is_upper(c)) ||  // parseShape
                      (is_digit(p) != is_digit(c)) ||  // vec3d, 2D
                      (is_upper(p) && is_upper(c) && i + 1 < id.size() &&
                       is_lower(id[i + 1]));  // HTTPServer -> HTTP Server
      if (boundary) flush();
    }
    cur.push_back(c);
  }
  flush();
}

std::string normalize_word(std::string word) {
  if (word.size() > 3 && word.back() == 's' && word[word.size() - 2] != 's' &&
      word[word.size() - 2] != 'u' && word[word.size() - 2] != 'i')
    word.pop_back();
  return word;
}

bool is_stop_word(std::string_view w) noexcept {
  return std::binary_search(std::begin(kStopWords), std::end(kStopWords), w);
}

void FeatureBag::add(std::uint64_t hash, float weight) { entries.push_back({hash, weight, 1}); }

void FeatureBag::finish() {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.hash < b.hash || (a.hash == b.hash && a.weight > b.weight);
  });
  std::size_t out = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (out > 0 && entries[out - 1].hash == entries[i].hash) {
      entries[out - 1].count += entries[i].count;  // first of a run has the largest weight
    } else {
      entries[out++] = entries[i];
    }
  }
  entries.resize(out);
}

FeatureBag symbol_features(const Symbol& s, const FeatureWeights& w, std::size_t max_body_chars) {
  FeatureBag bag;
  std::vector<std::string_view> idents;
  std::vector<std::string> parts;

  add_identifier(bag, s.name, "i", w.name_whole, w.name_part, parts);
  bag.add(feature_hash("k", to_string(s.kind)), w.kind);

  // Scope: "geo::Shape::area" -> the path "geo::shape" as one feature (siblings share it), and
  // each enclosing name's parts at low weight (Circle::area and circle_area meet).
  std::string_view q = s.qualified_name;
  auto last = q.rfind("::");
  if (last == std::string_view::npos) last = q.rfind('.');
  if (last != std::string_view::npos && last > 0) {
    std::string_view scope = q.substr(0, last);
    bag.add(feature_hash("p", lower(scope)), w.scope_path);
    idents.clear();
    identifiers(scope, idents);
    for (auto id : idents) add_identifier(bag, id, "i", w.scope_part, w.scope_part, parts);
  }

  // Types of the signature: parameters and return type when the analyzer split them, else the
  // signature's identifiers other than the name.
  if (!s.params.empty() || !s.return_type.empty()) {
    add_types(bag, s.return_type, w, idents, parts);
    for (const auto& p : s.params) add_types(bag, p.type, w, idents, parts);
  } else if (!s.signature.empty()) {
    idents.clear();
    identifiers(s.signature, idents);
    for (auto id : idents)
      if (id != s.name) add_identifier(bag, id, "t", w.type_whole, w.type_part, parts);
  }

  // Doc comment words: split like identifiers, so `total_area` in prose meets the symbol.
  idents.clear();
  identifiers(s.doc_comment, idents);
  for (auto id : idents) {
    parts.clear();
    split_identifier(id, parts);
    for (auto& p : parts) {
      if (p.size() < 3 || is_stop_word(p)) continue;
      bag.add(feature_hash("w", normalize_word(std::move(p))), w.doc_word);
    }
  }

  // Body identifiers (callees, members, local types) at low weight, skipping the signature line
  // which was already counted.
  std::string_view body = s.source_text;
  if (body.size() > max_body_chars) body = body.substr(0, max_body_chars);
  if (w.body > 0 && !body.empty()) {
    idents.clear();
    identifiers(body, idents);
    for (auto id : idents)
      if (id != s.name) add_identifier(bag, id, "i", w.body, w.body * 0.5f, parts);
  }
  bag.finish();
  return bag;
}

FeatureBag text_features(std::string_view text, const FeatureWeights& w) {
  FeatureBag bag;
  std::vector<std::string_view> idents;
  std::vector<std::string> parts;
  identifiers(text, idents);
  for (auto id : idents) add_identifier(bag, id, "i", w.name_whole, w.name_part, parts);
  bag.finish();
  return bag;
}

}  // namespace doctown::embed
