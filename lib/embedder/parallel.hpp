// A minimal fork-join loop for the embedder, k-NN and scorer: split [0, n) into contiguous
// chunks handed to `threads` workers. Results written by index are deterministic whatever the
// thread count, because each index is computed by exactly one worker from the same inputs.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace doctown::detail {

/// Number of workers for `threads` (0 = hardware concurrency), never more than `work_items`.
inline unsigned worker_count(unsigned threads, std::size_t work_items) {
  unsigned t = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  if (work_items < t) t = static_cast<unsigned>(std::max<std::size_t>(1, work_items));
  return t;
}

/// Calls fn(begin, end, worker) over chunks of `chunk` indices pulled dynamically by workers.
/// `fn` must not throw (it runs on worker threads).
template <class Fn>
void parallel_chunks(std::size_t n, std::size_t chunk, unsigned threads, Fn&& fn) {
  if (n == 0) return;
  chunk = std::max<std::size_t>(1, chunk);
  const std::size_t chunks = (n + chunk - 1) / chunk;
  const unsigned workers = worker_count(threads, chunks);
  std::atomic<std::size_t> next{0};
  auto run = [&](unsigned worker) {
    for (std::size_t c; (c = next.fetch_add(1)) < chunks;)
      fn(c * chunk, std::min(n, (c + 1) * chunk), worker);
  };
  if (workers == 1) {
    run(0);
    return;
  }
  std::vector<std::jthread> pool;
  pool.reserve(workers - 1);
  for (unsigned w = 1; w < workers; ++w) pool.emplace_back(run, w);
  run(0);
}

}  // namespace doctown::detail
