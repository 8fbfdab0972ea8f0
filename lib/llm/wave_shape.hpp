// How to cut the requests of a wave that the TPM bucket cannot take at once. The requests that
// fit go now; the rest wait for the bucket to refill, and each then takes as long to answer as
// it has symbols. The wave ends with its latest answer, so the ones that wait should be small:
// given the bucket's room and rate, what a request costs (a fixed prompt prefix plus each
// symbol) and how long a symbol takes to answer, this finds the sizes that end the wave
// soonest, for a given number of requests. One request more repeats the prefix (its tokens
// delay the later requests), so the caller weighs what it saves against that.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace doctown::detail {

struct WaveShape {
  double room = 0;              ///< tokens the bucket holds now
  double rate = 0;              ///< tokens per second it refills
  double request_cost = 0;      ///< tokens of a request whatever its size (the prompt prefix)
  double symbol_cost = 0;       ///< tokens each symbol adds (its prompt and its reservation)
  double s_per_symbol = 0;      ///< seconds an answer takes per symbol
  std::size_t most_per_request = 0;  ///< the planner's batch size
};

/// Seconds until the last of these requests (sent in this order, each as soon as the bucket
/// holds its cost) has answered.
double wave_end_s(const WaveShape& shape, std::span<const std::size_t> sizes);

/// Sizes (largest first, at most `requests` of them, none empty) for `symbols` that end the
/// wave soonest; empty when they cannot be placed (`requests` × most_per_request too few).
std::vector<std::size_t> fastest_sizes(const WaveShape& shape, std::size_t symbols,
                                       std::size_t requests);

}  // namespace doctown::detail
