// The libFuzzer side of one fuzz target: DOCTOWN_FUZZ_ENTRY names the fuzz_<name> entry
// function (tests/fuzz/fuzz_<name>.cpp), which does the work and knows nothing of libFuzzer.
#include <cstddef>
#include <cstdint>

#include "fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The entry's result (input accepted or not) matters to the corpus test, not to libFuzzer,
  // which wants 0 for every input it may keep.
  (void)doctown::fuzz::DOCTOWN_FUZZ_ENTRY(data, size);
  return 0;
}
