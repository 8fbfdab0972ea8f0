// Byte-pair merge and the rank table behind the exact tokenizer. The merge follows tiktoken's
// rule (lowest-rank adjacent pair first, leftmost on ties) with two strategies: a direct scan
// over a small array for ordinary pieces, and a heap over a linked list for long pieces so that
// a megabyte of one repeated letter stays O(n log n) instead of tiktoken's O(n^2).
#include "tokenizer/bpe.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace doctown::detail {

// ---- RankTable ------------------------------------------------------------------------------

std::uint64_t RankTable::head_of(std::string_view s) noexcept {
  std::uint64_t k = 0;
  if (s.size() >= 8) {
    std::memcpy(&k, s.data(), 8);
  } else {
    for (std::size_t i = 0; i < s.size(); ++i)
      k |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[i])) << (8 * i);
  }
  return k;
}

std::uint64_t RankTable::hash(std::string_view s, std::uint64_t head) noexcept {
  std::uint64_t h = (head ^ (static_cast<std::uint64_t>(s.size()) * 0x9E3779B97F4A7C15ull)) *
                    0xbf58476d1ce4e5b9ull;
  const char* p = s.data() + 8;
  std::size_t n = s.size();
  if (n > 8) {
    n -= 8;
    while (n >= 8) {
      std::uint64_t k;
      std::memcpy(&k, p, 8);
      h = (h ^ (h >> 31) ^ k) * 0x94d049bb133111ebull;
      p += 8;
      n -= 8;
    }
    std::uint64_t k = 0;
    for (std::size_t i = 0; i < n; ++i)
      k |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    h = (h ^ (h >> 31) ^ k) * 0x94d049bb133111ebull;
  }
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return h;
}

void RankTable::reserve(std::size_t n, std::size_t bytes) {
  arena_.reserve(bytes);
  spans_.reserve(n);
  std::size_t cap = 16;
  while (cap < n * 2 + 2) cap *= 2;
  if (cap > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(cap, Slot{});
    std::size_t mask = slots_.size() - 1;
    for (const Slot& s : old)
      if (s.rank != no_rank) {
        std::string_view bytes_view = bytes_of(s.rank);
        std::size_t i = hash(bytes_view, s.head) & mask;
        while (slots_[i].rank != no_rank) i = (i + 1) & mask;
        slots_[i] = s;
      }
  }
}

void RankTable::grow() { reserve(slots_.empty() ? 8 : slots_.size(), arena_.size()); }

bool RankTable::insert(std::string_view token, std::uint32_t rank) {
  if (token.empty() || token.size() >= 65536 || rank == no_rank) return false;
  if (rank < spans_.size() && spans_[rank] != 0) return false;
  if (find(token) != no_rank) return false;
  if ((count_ + 1) * 2 > slots_.size()) grow();
  std::uint64_t head = head_of(token);
  std::size_t mask = slots_.size() - 1;
  std::size_t i = hash(token, head) & mask;
  while (slots_[i].rank != no_rank) i = (i + 1) & mask;
  if (rank >= spans_.size()) spans_.resize(rank + 1, 0);
  // A span of 0 marks "no token at this rank"; real spans have a nonzero length.
  spans_[rank] = (static_cast<std::uint64_t>(arena_.size()) << 16) | token.size();
  arena_.append(token);
  slots_[i] = Slot{head, rank, static_cast<std::uint32_t>(token.size())};
  if (token.size() == 1) byte_ranks_[static_cast<unsigned char>(token[0])] = rank;
  ++count_;
  return true;
}

std::uint32_t RankTable::find(std::string_view token) const noexcept {
  if (slots_.empty()) return no_rank;
  const std::uint64_t head = head_of(token);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash(token, head) & mask;
  const auto n = static_cast<std::uint32_t>(token.size());
  for (;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.rank == no_rank) return no_rank;
    if (s.head != head || s.len != n) continue;
    if (n <= 8) return s.rank;
    std::uint64_t sp = spans_[s.rank];
    if (std::memcmp(arena_.data() + (sp >> 16) + 8, token.data() + 8, n - 8) == 0) return s.rank;
  }
}

std::string_view RankTable::bytes_of(std::uint32_t rank) const noexcept {
  if (rank >= spans_.size()) return {};
  std::uint64_t sp = spans_[rank];
  return std::string_view(arena_.data() + (sp >> 16), sp & 0xFFFF);
}

// ---- merge ----------------------------------------------------------------------------------

namespace {

// Emit the rank of each part; a part is always a token (a byte or a merged pair), but if a
// malformed table lacks one, fall back to its bytes so nothing is lost.
void emit_part(const RankTable& t, std::string_view part, std::vector<std::uint32_t>& out) {
  std::uint32_t r = part.size() == 1 ? t.byte_rank(static_cast<unsigned char>(part[0]))
                                     : t.find(part);
  if (r != no_rank) {
    out.push_back(r);
    return;
  }
  for (char c : part) {
    std::uint32_t b = t.byte_rank(static_cast<unsigned char>(c));
    if (b != no_rank) out.push_back(b);
  }
}

// Direct scan: parts[i] is the start of part i, rank[i] the rank of part i joined with part i+1.
void merge_small(const RankTable& t, std::string_view piece, std::vector<std::uint32_t>& out,
                 MergeStats* stats) {
  std::array<std::uint32_t, small_piece_limit + 2> start{};
  std::array<std::uint32_t, small_piece_limit + 2> rank{};
  std::size_t n = piece.size();
  std::size_t parts = n;  // start[parts] == n is the end sentinel
  for (std::size_t i = 0; i <= n; ++i) start[i] = static_cast<std::uint32_t>(i);
  auto pair_rank = [&](std::size_t i) -> std::uint32_t {
    if (i + 2 > parts) return no_rank;
    return t.find(piece.substr(start[i], start[i + 2] - start[i]));
  };
  for (std::size_t i = 0; i + 1 < parts; ++i) rank[i] = pair_rank(i);
  rank[parts - 1] = no_rank;
  std::size_t steps = 0;
  while (parts > 1) {
    std::uint32_t best = no_rank;
    std::size_t at = 0;
    for (std::size_t i = 0; i + 1 < parts; ++i) {
      if (rank[i] < best) {
        best = rank[i];
        at = i;
      }
    }
    steps += parts;
    if (best == no_rank) break;
    // Join part at+1 into part at: shift the tail left by one.
    for (std::size_t i = at + 1; i < parts; ++i) {
      start[i] = start[i + 1];
      rank[i] = rank[i + 1];
    }
    --parts;
    start[parts] = static_cast<std::uint32_t>(n);
    rank[at] = pair_rank(at);
    if (at > 0) rank[at - 1] = pair_rank(at - 1);
    rank[parts - 1] = no_rank;
  }
  if (stats) stats->scan_steps += steps;
  for (std::size_t i = 0; i < parts; ++i)
    emit_part(t, piece.substr(start[i], start[i + 1] - start[i]), out);
}

struct HeapEntry {
  std::uint32_t rank;
  std::uint32_t pos;  // start byte of the left part
  std::uint32_t len;  // bytes of left + right part when the entry was made
};
// std::*_heap builds a max-heap: "greater" puts the lowest rank (then leftmost) on top.
struct HeapAfter {
  bool operator()(const HeapEntry& a, const HeapEntry& b) const noexcept {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  }
};

// Heap merge: nodes are parts named by their first byte; next_[i] is the following part's
// first byte (n at the end). An entry is stale when its pair no longer spans `len` bytes:
// parts only grow, so any merge touching either side changes that span.
void merge_large(const RankTable& t, std::string_view piece, std::vector<std::uint32_t>& out,
                 MergeStats* stats) {
  const auto n = static_cast<std::uint32_t>(piece.size());
  std::vector<std::uint32_t> next(n), prev(n);
  std::vector<std::uint8_t> alive(n, 1);
  for (std::uint32_t i = 0; i < n; ++i) {
    next[i] = i + 1;
    prev[i] = i == 0 ? n : i - 1;
  }
  auto pair_entry = [&](std::uint32_t i, HeapEntry& e) {
    std::uint32_t j = next[i];
    if (j >= n) return false;
    std::uint32_t end = next[j];
    std::uint32_t r = t.find(piece.substr(i, end - i));
    if (r == no_rank) return false;
    e = HeapEntry{r, i, end - i};
    return true;
  };
  std::vector<HeapEntry> heap;
  heap.reserve(n);
  HeapEntry e{};
  for (std::uint32_t i = 0; i + 1 < n; ++i)
    if (pair_entry(i, e)) heap.push_back(e);
  std::make_heap(heap.begin(), heap.end(), HeapAfter{});
  std::size_t pushes = heap.size(), pops = 0;
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), HeapAfter{});
    HeapEntry top = heap.back();
    heap.pop_back();
    ++pops;
    std::uint32_t i = top.pos;
    if (!alive[i]) continue;
    std::uint32_t j = next[i];
    if (j >= n || next[j] - i != top.len) continue;
    alive[j] = 0;
    next[i] = next[j];
    if (next[j] < n) prev[next[j]] = i;
    if (pair_entry(i, e)) {
      heap.push_back(e);
      std::push_heap(heap.begin(), heap.end(), HeapAfter{});
      ++pushes;
    }
    if (prev[i] < n && pair_entry(prev[i], e)) {
      heap.push_back(e);
      std::push_heap(heap.begin(), heap.end(), HeapAfter{});
      ++pushes;
    }
  }
  if (stats) {
    stats->heap_pushes += pushes;
    stats->heap_pops += pops;
  }
  for (std::uint32_t i = 0; i < n; i = next[i]) emit_part(t, piece.substr(i, next[i] - i), out);
}

}  // namespace

void bpe_merge(const RankTable& table, std::string_view piece, std::vector<std::uint32_t>& out,
               MergeStats* stats) {
  if (piece.empty()) return;
  if (piece.size() == 1) {
    emit_part(table, piece, out);
    return;
  }
  if (std::uint32_t whole = table.find(piece); whole != no_rank) {
    out.push_back(whole);
    return;
  }
  if (piece.size() <= small_piece_limit)
    merge_small(table, piece, out, stats);
  else
    merge_large(table, piece, out, stats);
}

}  // namespace doctown::detail
