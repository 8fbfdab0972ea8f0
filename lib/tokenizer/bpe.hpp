// Private core of the tokenizer: the byte-sequence → rank table of a tiktoken encoding and the
// byte-pair merge over one pre-tokenised piece. Kept apart from the regex and file loading so
// tests can check the merge's operation counts (linear-ish time on pathological pieces).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace doctown::detail {

inline constexpr std::uint32_t no_rank = 0xFFFFFFFFu;

/// Open-addressing hash table from token bytes to rank, with the reverse (rank → bytes) table
/// for decoding. Immutable after loading, so concurrent lookups are safe.
class RankTable {
 public:
  /// Reserve room for `n` tokens whose bytes total about `bytes`.
  void reserve(std::size_t n, std::size_t bytes);
  /// Add a token; false when the bytes or the rank are already present.
  bool insert(std::string_view token, std::uint32_t rank);
  /// Rank of exactly these bytes, or no_rank.
  std::uint32_t find(std::string_view token) const noexcept;
  /// Rank of a single byte (every byte is a token in tiktoken encodings), or no_rank.
  std::uint32_t byte_rank(unsigned char b) const noexcept { return byte_ranks_[b]; }
  /// Bytes of a rank; empty when the rank is unknown.
  std::string_view bytes_of(std::uint32_t rank) const noexcept;
  std::size_t size() const noexcept { return count_; }

 private:
  // A slot holds the token's first 8 bytes and length, so most lookups (tokens of ≤ 8 bytes)
  // are settled by one cache line without touching the arena.
  struct Slot {
    std::uint64_t head = 0;        // first 8 bytes, zero-padded
    std::uint32_t rank = no_rank;  // no_rank = empty slot
    std::uint32_t len = 0;
  };
  static std::uint64_t head_of(std::string_view s) noexcept;
  static std::uint64_t hash(std::string_view s, std::uint64_t head) noexcept;
  void grow();

  std::string arena_;                   // all token bytes, back to back
  std::vector<std::uint64_t> spans_;    // per rank: offset << 16 | length (length < 65536)
  std::vector<Slot> slots_;             // power-of-two size, load ≤ 1/2
  std::uint32_t byte_ranks_[256];
  std::size_t count_ = 0;

 public:
  RankTable() {
    for (auto& r : byte_ranks_) r = no_rank;
  }
};

/// Counters of one merge, for complexity tests.
struct MergeStats {
  std::size_t heap_pushes = 0;
  std::size_t heap_pops = 0;
  std::size_t scan_steps = 0;  ///< pair comparisons of the small-piece quadratic scan
};

/// Byte-pair merge of one piece (tiktoken's rule: repeatedly merge the adjacent pair whose
/// concatenation has the lowest rank, leftmost first), appending the ranks of the resulting
/// parts to `out`. Pieces up to a few dozen bytes use a direct scan (fastest for typical words);
/// longer pieces use a binary heap over a linked list of parts, O(n log n).
void bpe_merge(const RankTable& table, std::string_view piece, std::vector<std::uint32_t>& out,
               MergeStats* stats = nullptr);

/// Pieces longer than this go through the heap-based merge.
inline constexpr std::size_t small_piece_limit = 64;

}  // namespace doctown::detail
