// Terminal-safe text: a small ECMA-48 scanner. Sequences are dropped whole (not just their ESC
// byte), or "ESC[2J" would leave "[2J" and an unterminated OSC would leak its payload.
#include "doctown/terminal.hpp"

namespace doctown {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[i], 0 when none.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                             : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 3 && ((c == 0xE0 && b(i + 1) < 0xA0) || (c == 0xED && b(i + 1) > 0x9F))) return 0;
  if (n == 4 && ((c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) > 0x8F))) return 0;
  return n;
}

// Where a control string (OSC, DCS, SOS, PM, APC) starting at `i` ends: after BEL, ESC \ or the
// C1 ST (U+009C); the end of the text when it is never terminated.
std::size_t skip_control_string(std::string_view s, std::size_t i) {
  for (; i < s.size(); ++i) {
    if (s[i] == '\a') return i + 1;
    if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '\\') return i + 2;
    if (s[i] == '\xC2' && i + 1 < s.size() && s[i + 1] == '\x9C') return i + 2;
  }
  return s.size();
}

// Where a CSI sequence's parameters starting at `i` end (after its final byte 0x40..0x7E).
std::size_t skip_csi(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i++]);
    if (c >= 0x40 && c <= 0x7E) return i;
    if (c < 0x20 || c > 0x3F) return i - 1;  // malformed: the byte is not part of it
  }
  return i;
}

// Skips the escape sequence introduced by `intro` (the byte after ESC, or the C1 code minus
// 0x40), whose body starts at `i`.
std::size_t skip_sequence(std::string_view s, char intro, std::size_t i) {
  if (intro == '[') return skip_csi(s, i);
  if (intro == ']' || intro == 'P' || intro == 'X' || intro == '^' || intro == '_')
    return skip_control_string(s, i);
  if (intro < 0x20 || intro > 0x2F) return i;  // a two-byte escape (ESC 7, ESC c...)
  // nF escapes (ESC ( B...): more intermediate bytes, then one final byte.
  while (i < s.size() && s[i] >= 0x20 && s[i] <= 0x2F) ++i;
  return i < s.size() ? i + 1 : i;
}

}  // namespace

std::string terminal_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n' || c == '\t') {
      out += s[i++];
    } else if (c == 0x1b) {
      i = i + 1 < s.size() ? skip_sequence(s, s[i + 1], i + 2) : s.size();
    } else if (c < 0x20 || c == 0x7f) {
      ++i;
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      // A C1 control: CSI (U+009B), OSC (U+009D) and friends open sequences like ESC [ / ESC ].
      char intro = static_cast<char>(static_cast<unsigned char>(s[i + 1]) - 0x40);
      i = skip_sequence(s, intro, i + 2);
    } else if (std::size_t n = utf8_length(s, i); n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

}  // namespace doctown
