// See code_spans.hpp.
#include "core/code_spans.hpp"

namespace doctown::detail {

std::vector<InlinePiece> scan_code_spans(std::string_view text) {
  std::vector<InlinePiece> out;
  std::string plain;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '`') {
      plain += text[i++];
      continue;
    }
    std::size_t run = 0;
    while (i + run < text.size() && text[i + run] == '`') ++run;
    std::string fence(run, '`');
    std::size_t close = text.find(fence, i + run);
    while (close != std::string_view::npos && close + run < text.size() &&
           text[close + run] == '`')
      close = text.find(fence, close + run + 1);
    if (close == std::string_view::npos) {
      plain.append(text.substr(i, run));
      i += run;
      continue;
    }
    if (!plain.empty()) out.push_back({false, std::move(plain), 0});
    plain.clear();
    out.push_back({true, std::string(text.substr(i + run, close - i - run)), run});
    i = close + run;
  }
  if (!plain.empty()) out.push_back({false, std::move(plain), 0});
  return out;
}

}  // namespace doctown::detail
