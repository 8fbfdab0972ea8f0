// Fuzz entry: archive extraction (resolve_source on a .tar.gz path; libarchive detects zip, tar
// and the compression from the bytes). Besides "no crash", the check that matters: nothing is
// written outside the extraction folder, and no link in it resolves outside it.
#include <string>

#include "doctown/source.hpp"
#include "fuzz_entries.hpp"

namespace doctown::fuzz {

namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& p, const fs::path& dir) {
  auto rel = p.lexically_normal().lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

int fuzz_archive(const std::uint8_t* data, std::size_t size) {
  // base/ holds the input and work/; everything the extraction writes must stay in
  // work/archive-*/. Nested so an escape by a few ".." still lands where the walk looks.
  static const fs::path base = [] {
    std::error_code ec;
    fs::path b = scratch() / "archive" / "a" / "b";
    fs::create_directories(b, ec);
    return fs::canonical(b, ec);
  }();
  const fs::path outer = base.parent_path().parent_path();
  const fs::path input = base / "input.tar.gz";
  const fs::path work = base / "work";
  std::error_code ec;
  fs::remove_all(work, ec);
  write_bytes(input, as_text(data, size));

  SourceOptions options;
  options.work_dir = work;
  options.max_extracted_bytes = 16u << 20;
  options.max_entries = 2000;
  auto resolved = resolve_source(input.string(), options, RunContext{});

  // The extraction folder is the one folder under work/; nothing else may exist.
  fs::path dest;
  for (fs::recursive_directory_iterator it(outer, fs::directory_options::none, ec), end;
       !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    if (p == base || p == base.parent_path() || p == input || p == work) continue;
    if (dest.empty() && p.parent_path() == work &&
        p.filename().string().rfind("archive-", 0) == 0 && it->is_directory()) {
      dest = p;
      continue;
    }
    DOCTOWN_FUZZ_CHECK(!dest.empty() && inside(p, dest),
                       ("written outside the extraction folder: " + p.string()).c_str());
    if (it->is_symlink()) {
      std::error_code lec;
      fs::path target = fs::weakly_canonical(p, lec);
      DOCTOWN_FUZZ_CHECK(lec || inside(target, dest),
                         ("a link leaves the extraction folder: " + p.string()).c_str());
    }
  }
  DOCTOWN_FUZZ_CHECK(!ec, "the scratch folder can be walked");
  if (!resolved) {
    DOCTOWN_FUZZ_CHECK(dest.empty() || fs::is_empty(dest, ec),
                       "a refused archive leaves no partial extraction");
    return 0;
  }
  DOCTOWN_FUZZ_CHECK(!dest.empty() && (resolved->root == dest || inside(resolved->root, dest)),
                     "the root to analyse is the extraction folder or inside it");
  return 1;
}

}  // namespace doctown::fuzz
