// Replays the fuzz corpora (tests/fuzz/corpus/<name>/) and the inputs that once crashed a fuzzer
// (tests/fuzz/regressions/<name>/) through the fuzz entry functions, in every build — so the
// sanitizer stage of CI checks them without Clang. A file named ok-* must be accepted by its
// parser, bad-* must be rejected with an error; other names only must not break a promise.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/file_util.hpp"
#include "fuzz_entries.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

void replay(const doctown::fuzz::Entry& entry, const fs::path& dir, bool need_files) {
  auto files = inputs(dir);
  if (need_files) REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    auto bytes = doctown::detail::read_file(f);
    REQUIRE(bytes);
    INFO(f.string());
    int accepted = entry.run(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size());
    const std::string name = f.filename().string();
    if (name.rfind("ok-", 0) == 0) CHECK(accepted == 1);
    if (name.rfind("bad-", 0) == 0) CHECK(accepted == 0);
  }
}

}  // namespace

TEST_CASE("every fuzz target's seed corpus and regressions replay cleanly", "[fuzz-corpus]") {
  const fs::path root = fs::path(DOCTOWN_TEST_SOURCE_DIR) / "tests" / "fuzz";
  for (const auto& entry : doctown::fuzz::entries) {
    DYNAMIC_SECTION(entry.name) {
      replay(entry, root / "corpus" / entry.name, true);
      replay(entry, root / "regressions" / entry.name, false);
    }
  }
}
