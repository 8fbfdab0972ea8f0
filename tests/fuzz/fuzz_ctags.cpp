// Fuzz entry: the reader of universal-ctags' JSON output. The input is the ctags output, then
// optionally a line "----" and the text of the tagged files (the same text for m.py, m.go and
// M.java), which the reader uses for doc comments and source text.
#include <map>
#include <set>

#include "analyzer/analyzer_impl.hpp"
#include "fuzz_entries.hpp"

namespace doctown::fuzz {

int fuzz_ctags(const std::uint8_t* data, std::size_t size) {
  std::string_view input = as_text(data, size);
  std::string_view tags = input, text;
  if (auto sep = input.find("\n----\n"); sep != std::string_view::npos) {
    tags = input.substr(0, sep);
    text = input.substr(sep + 6);
  }
  const SourceFile py{"m.py", "python", 0, ""}, go{"m.go", "go", 0, ""},
      java{"M.java", "java", 0, ""};
  const std::vector<const SourceFile*> files{&py, &go, &java};
  constexpr std::size_t max_text = 256;
  auto symbols = detail::symbols_from_ctags_json(
      tags, files, [&](const std::string&) { return std::string(text); }, max_text);

  std::set<std::string> ids;
  for (const auto& s : symbols) {
    DOCTOWN_FUZZ_CHECK(ids.insert(s.id).second, "symbol ids are unique");
    DOCTOWN_FUZZ_CHECK(s.location.file == "m.py" || s.location.file == "m.go" ||
                           s.location.file == "M.java",
                       "symbols only for the analysed files");
    DOCTOWN_FUZZ_CHECK(s.location.line <= s.location.end_line, "a range ends after it starts");
    DOCTOWN_FUZZ_CHECK(s.source_text.size() <= max_text, "source text is cut at the limit");
  }
  for (const auto& s : symbols)
    DOCTOWN_FUZZ_CHECK(s.parent_id.empty() || ids.count(s.parent_id), "parents exist");
  return symbols.empty() ? 0 : 1;
}

}  // namespace doctown::fuzz
