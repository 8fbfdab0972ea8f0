// Text from the analysed repository (names, file paths, doc comments, LLM answers about them)
// printed on a terminal: escape sequences in it could move the cursor, rewrite the title,
// hide lines, or on some terminals write files or answer back. Every place of the CLI that
// prints such text passes it through `terminal_safe` first.
#pragma once

#include <string>
#include <string_view>

namespace doctown::cli {

/// `text` without terminal control: ESC sequences (CSI, OSC, DCS/SOS/PM/APC strings up to
/// their terminator, two-byte escapes), C0 controls except newline and tab, DEL, and C1
/// controls (as UTF-8 U+0080..U+009F, with the strings they open) are removed; bytes that are
/// not valid UTF-8 become U+FFFD. Printable text, newlines and tabs are kept.
std::string terminal_safe(std::string_view text);

}  // namespace doctown::cli
