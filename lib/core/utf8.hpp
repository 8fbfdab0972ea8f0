// UTF-8 validity for text that comes from the analysed tree. Source files and file names are
// bytes, not always UTF-8 (Latin-1 comments, odd names); everything doctown writes — JSON,
// Markdown, HTML, prompts — must be valid UTF-8, so the analyzer repairs text once, here.
#pragma once

#include <string>
#include <string_view>

namespace doctown::detail {

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
/// U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

/// Replace every byte that does not start a well-formed sequence with U+FFFD. Returns true
/// when something was replaced. Valid text is left untouched (and is not copied).
bool repair_utf8(std::string& s);

}  // namespace doctown::detail
