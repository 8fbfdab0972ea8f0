#include "llm/wave_shape.hpp"

#include <algorithm>

namespace doctown::detail {

namespace {

double start_s(const WaveShape& s, double cost_so_far) {
  return std::max(0.0, (cost_so_far - s.room) / s.rate);
}

// Requests in order, each as large as can still start and answer by `deadline`; empty when
// `symbols` do not fit in `requests` of them.
std::vector<std::size_t> fill_by(const WaveShape& s, std::size_t symbols, std::size_t requests,
                                 double deadline) {
  std::vector<std::size_t> sizes;
  double cost = 0;
  std::size_t left = symbols;
  for (std::size_t r = 0; r < requests && left > 0; ++r) {
    std::size_t n = std::min(left, s.most_per_request);
    auto end = [&](std::size_t k) {
      return start_s(s, cost + s.request_cost + s.symbol_cost * static_cast<double>(k)) +
             s.s_per_symbol * static_cast<double>(k);
    };
    while (n > 0 && end(n) > deadline) --n;
    if (n == 0) return {};
    sizes.push_back(n);
    cost += s.request_cost + s.symbol_cost * static_cast<double>(n);
    left -= n;
  }
  if (left > 0) return {};
  return sizes;
}

}  // namespace

double wave_end_s(const WaveShape& s, std::span<const std::size_t> sizes) {
  double cost = 0, end = 0;
  for (std::size_t n : sizes) {
    cost += s.request_cost + s.symbol_cost * static_cast<double>(n);
    end = std::max(end, start_s(s, cost) + s.s_per_symbol * static_cast<double>(n));
  }
  return end;
}

std::vector<std::size_t> fastest_sizes(const WaveShape& s, std::size_t symbols,
                                       std::size_t requests) {
  if (symbols == 0 || requests == 0 || s.most_per_request == 0 || s.rate <= 0 ||
      requests * s.most_per_request < symbols)
    return {};
  // The latest end of any placement bounds the search; halving the interval 50 times is far
  // below a millisecond.
  double lo = 0, hi = s.s_per_symbol * static_cast<double>(s.most_per_request) +
                      start_s(s, s.request_cost * static_cast<double>(requests) +
                                     s.symbol_cost * static_cast<double>(symbols)) + 1;
  if (fill_by(s, symbols, requests, hi).empty()) return {};
  for (int i = 0; i < 50; ++i) {
    double mid = (lo + hi) / 2;
    (fill_by(s, symbols, requests, mid).empty() ? lo : hi) = mid;
  }
  return fill_by(s, symbols, requests, hi);
}

}  // namespace doctown::detail
