// Private: the one place where text from the analysed code (doc comments, names, file paths,
// LLM answers about them) becomes Markdown. Everything is hostile: the routines below make sure
// no raw HTML, no link with a scheme other than http(s), no unbalanced code span or fence and no
// stray table pipe can come out of it, whatever the input. The Markdown writer calls these at
// every point where it emits analysed text; nothing else may build Markdown from such text.
#pragma once

#include <string>
#include <string_view>

namespace doctown::detail::md {

/// Plain inline text: HTML (`<`, `>`, `&`), link brackets, backslashes, backticks, tildes and
/// emphasis-free punctuation that could open structure are backslash-escaped or turned into
/// entities, control characters other than newline and tab are dropped. Newlines are kept
/// (multi-line prose stays multi-line); use `inline_text` for a single line.
std::string escape_text(std::string_view text);

/// `escape_text` on one line: newlines and tabs become spaces (headings, list items, labels).
std::string inline_text(std::string_view text);

/// A code span that shows `code` verbatim: delimited by one more backtick than its longest
/// backtick run, padded with a space when it starts or ends with a backtick or a space, with
/// newlines turned into spaces (a newline would let the next line start a block).
std::string code_span(std::string_view code);

/// The fence for a fenced code block around `code`: backticks, longer than any backtick or tilde
/// run in it (at least three), so no line of the code can close the block early.
std::string fence_for(std::string_view code);

/// A whole fenced code block: fence, info string (reduced to [A-Za-z0-9_+.-]), the code, fence.
/// Ends with a newline.
std::string code_block(std::string_view code, std::string_view info);

/// A URL that is safe as a link destination: http(s) URLs and relative references are kept
/// (with spaces, parentheses, angle brackets, quotes, backslashes and control characters
/// percent-encoded); any other scheme (`javascript:`, `data:`, `file:`...) gives "".
std::string link_url(std::string_view url);

/// A link `[label](url)` where `label` is already Markdown (e.g. a code span) and `url` is
/// checked by `link_url`; when the URL is refused, just the label.
std::string link(std::string_view label_markdown, std::string_view url);

/// A table cell from inline Markdown already escaped by the routines above: newlines become
/// spaces and `|` is escaped (GFM splits cells before parsing code spans, and `\|` is read as
/// a literal pipe even inside a code span).
std::string table_cell(std::string_view inline_markdown);

/// Prose with Markdown structure kept where it is harmless: fenced code blocks (``` or ~~~ at
/// the start of a line) are re-emitted with a safe fence (an unclosed one ends at the end of
/// the text), and every other line goes through `render_inline`, a callback that turns plain
/// text with code spans into Markdown (the writer links symbol names there).
template <class RenderInline>
std::string prose(std::string_view text, RenderInline&& render_inline);

/// Splits `text` at line-start fences: calls on_text(chunk) for prose and on_code(code, info)
/// for each fenced block. Used by `prose`; exposed for the fuzz target and tests.
template <class OnText, class OnCode>
void split_fences(std::string_view text, OnText&& on_text, OnCode&& on_code);

// ---- implementation of the templates ----

/// Length of the fence that opens a fenced block on this line (0 when none) and its character.
std::size_t fence_opening(std::string_view line, char& fence_char);

template <class OnText, class OnCode>
void split_fences(std::string_view text, OnText&& on_text, OnCode&& on_code) {
  std::size_t pos = 0, chunk_start = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    char fc = 0;
    std::size_t len = fence_opening(text.substr(pos, next - pos), fc);
    if (len == 0) {
      pos = next;
      continue;
    }
    if (pos > chunk_start) on_text(text.substr(chunk_start, pos - chunk_start));
    std::string_view open_line = text.substr(pos, next - pos);
    std::size_t info_at = open_line.find(std::string(len, fc)) + len;
    std::string_view info = open_line.substr(info_at);
    // The block ends at a line holding only a fence of the same character, at least as long.
    std::size_t body = next, close = text.size(), after = text.size();
    for (std::size_t p = body; p < text.size();) {
      std::size_t e = text.find('\n', p);
      std::size_t n = e == std::string_view::npos ? text.size() : e + 1;
      std::string_view l = text.substr(p, n - p);
      char cc = 0;
      std::size_t cl = fence_opening(l, cc);
      if (cl >= len && cc == fc &&
          l.find_first_not_of(std::string(" \t\r\n") + fc) == std::string_view::npos) {
        close = p;
        after = n;
        break;
      }
      p = n;
    }
    std::string_view code = text.substr(body, close - body);
    if (!code.empty() && code.back() == '\n') code.remove_suffix(1);
    on_code(code, info);
    pos = chunk_start = after;
  }
  if (chunk_start < text.size()) on_text(text.substr(chunk_start));
}

template <class RenderInline>
std::string prose(std::string_view text, RenderInline&& render_inline) {
  std::string out;
  split_fences(
      text,
      [&](std::string_view chunk) {
        bool newline = !chunk.empty() && chunk.back() == '\n';
        if (newline) chunk.remove_suffix(1);
        out += render_inline(chunk);
        if (newline) out += '\n';
      },
      [&](std::string_view code, std::string_view info) {
        if (!out.empty() && out.back() != '\n') out += '\n';
        out += code_block(code, info);
      });
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace doctown::detail::md
