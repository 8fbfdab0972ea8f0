// Fuzz entry: the docpack reader (Docpack::open). An input starting with "PK" is a whole .docpack
// file, which exercises the zip layer. Any other input is the members' contents, separated by
// lines "@@": manifest.json, chunks.json, embeddings.bin, graph.json, documentation.json,
// README.md, then extra members. They are zipped with the docpack writer's own zip code, so
// mutations reach the JSON and binary checks instead of dying at a zip checksum.
#include <set>

#include "doctown/docpack.hpp"
#include "fuzz_entries.hpp"
#include "output/docpack/zip_io.hpp"

namespace doctown::fuzz {

namespace fs = std::filesystem;

int fuzz_docpack(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);
  const fs::path file = scratch() / "fuzz.docpack";
  if (text.substr(0, 2) == "PK") {
    write_bytes(file, text);
  } else {
    const std::string order[] = {"manifest.json", "chunks.json",       "embeddings.bin",
                                 "graph.json",    "documentation.json", "README.md"};
    std::vector<detail::ZipMember> members;
    std::string_view rest = text;
    for (std::size_t i = 0;; ++i) {
      auto sep = rest.find("\n@@\n");
      std::string name = i < std::size(order) ? order[i] : "extra-" + std::to_string(i);
      members.push_back({name, std::string(rest.substr(0, sep))});
      if (sep == std::string_view::npos) break;
      rest.remove_prefix(sep + 4);
    }
    auto written = detail::write_zip_atomic(file, members, 0);
    DOCTOWN_FUZZ_CHECK(written, "the zip writer writes any members");
  }

  auto dp = Docpack::open(file);
  if (!dp) {
    DOCTOWN_FUZZ_CHECK(!dp.error().message.empty(), "an error says what is wrong");
    return 0;
  }
  DOCTOWN_FUZZ_CHECK(!dp->version().empty(), "an opened docpack has a version");
  const EmbeddingMatrix& e = dp->embeddings();
  DOCTOWN_FUZZ_CHECK(e.values.size() / (e.dims == 0 ? 1 : e.dims) == e.rows &&
                         e.values.size() == e.rows * e.dims,
                     "embeddings hold rows x dims values");
  DOCTOWN_FUZZ_CHECK(e.rows == 0 || e.rows == dp->symbols().size(),
                     "one embedding row per symbol");
  std::set<std::string> ids;
  for (const auto& s : dp->symbols()) {
    DOCTOWN_FUZZ_CHECK(!s.id.empty(), "symbols have ids");
    DOCTOWN_FUZZ_CHECK(ids.insert(s.id).second, "symbol ids are unique");
  }
  for (const auto& [id, doc] : dp->docs())
    DOCTOWN_FUZZ_CHECK(!id.empty() && id == doc.id, "docs are keyed by their symbol id");
  for (std::size_t r = 0; r < e.rows; ++r) DOCTOWN_FUZZ_CHECK(e.row(r).size() == e.dims, "rows");
  return 1;
}

}  // namespace doctown::fuzz
