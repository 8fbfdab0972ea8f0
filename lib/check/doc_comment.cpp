// Doc comments as the authors wrote them, read into a SymbolDoc so that the verifier (which
// judges generated docs) can judge them too. Doxygen/Javadoc commands with either prefix and
// Sphinx fields are recognised; anything else is description. Code blocks are skipped: their
// contents are code, not claims about names.
#include <cctype>
#include <string>
#include <string_view>

#include "doctown/check.hpp"
#include "core/strings.hpp"

namespace doctown {

namespace {

enum class Section { description, param, returns, throws, see, notes, code };

using detail::trim;

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The command word after '@' or '\' at the start of `line` ("param" for "@param[in] x").
std::string_view command_of(std::string_view line) {
  if (line.size() < 2 || (line[0] != '@' && line[0] != '\\')) return {};
  std::size_t e = 1;
  while (e < line.size() && std::isalpha(static_cast<unsigned char>(line[e]))) ++e;
  return line.substr(1, e - 1);
}

// Splits the first word off `rest` (after an optional "[in,out]" direction).
std::string_view take_word(std::string_view& rest) {
  rest = trim(rest);
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    rest = trim(close == std::string_view::npos ? std::string_view{} : rest.substr(close + 1));
  }
  std::size_t e = 0;
  while (e < rest.size() && !std::isspace(static_cast<unsigned char>(rest[e]))) ++e;
  std::string_view w = rest.substr(0, e);
  rest = trim(rest.substr(e));
  return w;
}

// "@p name" and "\p name" (and @a) name a parameter inline: make them code spans so the
// verifier checks that the name exists.
std::string inline_refs_to_spans(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool cmd = (text[i] == '@' || text[i] == '\\') && i + 2 < text.size() &&
               (text[i + 1] == 'p' || text[i + 1] == 'a') && text[i + 2] == ' ' &&
               (i == 0 || !ident_char(text[i - 1]));
    if (!cmd) {
      out += text[i];
      continue;
    }
    std::size_t b = i + 3, e = b;
    while (e < text.size() && ident_char(text[e])) ++e;
    if (e == b) {
      out += text[i];
      continue;
    }
    out += '`';
    out.append(text.substr(b, e - b));
    out += '`';
    i = e - 1;
  }
  return out;
}

void append(std::string& to, std::string_view text) {
  if (text.empty()) return;
  if (!to.empty()) to += ' ';
  to.append(text);
}

struct Reader {
  SymbolDoc doc;
  Section section = Section::description;

  void add_text(std::string_view text) {
    switch (section) {
      case Section::description: append(doc.description, text); break;
      case Section::param: append(doc.params.back().description, text); break;
      case Section::returns: append(doc.returns, text); break;
      case Section::throws: append(doc.throws, text); break;
      case Section::see: append(doc.see_also.back(), text); break;
      case Section::notes: append(doc.notes, text); break;
      case Section::code: break;
    }
  }

  void start_params(std::string_view names, std::string_view rest) {
    // "@param x,y the point" documents two parameters.
    for (std::size_t b = 0; b <= names.size();) {
      auto e = names.find(',', b);
      if (e == std::string_view::npos) e = names.size();
      if (e > b) doc.params.push_back({std::string(trim(names.substr(b, e - b))), {}});
      b = e + 1;
    }
    if (doc.params.empty()) doc.params.push_back({});
    section = Section::param;
    add_text(rest);
  }

  // Returns true when the line was a command (and handled).
  bool doxygen_command(std::string_view line) {
    std::string_view cmd = command_of(line);
    if (cmd.empty()) return false;
    std::string_view rest = line.substr(1 + cmd.size());
    if (cmd == "param" || cmd == "tparam") {
      std::string_view name = take_word(rest);
      start_params(name, rest);
    } else if (cmd == "return" || cmd == "returns" || cmd == "result") {
      section = Section::returns;
      add_text(trim(rest));
    } else if (cmd == "retval") {
      section = Section::returns;
      add_text(trim(rest));
    } else if (cmd == "throw" || cmd == "throws" || cmd == "exception") {
      section = Section::throws;
      add_text(trim(rest));
    } else if (cmd == "see" || cmd == "sa") {
      section = Section::see;
      doc.see_also.emplace_back();
      add_text(trim(rest));
    } else if (cmd == "code" || cmd == "verbatim" || cmd == "dot" || cmd == "msc") {
      section = Section::code;
    } else if (cmd == "brief" || cmd == "short" || cmd == "details") {
      section = Section::description;
      add_text(trim(rest));
    } else {
      // @note, @warning, @pre, @since, ...: prose about the symbol.
      section = Section::notes;
      add_text(trim(rest));
    }
    return true;
  }

  // Sphinx fields: ":param x: ...", ":param int x: ...", ":returns: ...", ":raises E: ...".
  bool sphinx_field(std::string_view line) {
    if (line.size() < 3 || line.front() != ':') return false;
    auto close = line.find(':', 1);
    if (close == std::string_view::npos) return false;
    std::string_view field = line.substr(1, close - 1), rest = trim(line.substr(close + 1));
    std::string_view kind = field.substr(0, field.find(' '));
    std::string_view name = field.substr(field.rfind(' ') + 1);
    if (kind == "param" || kind == "parameter" || kind == "arg" || kind == "argument") {
      if (name == kind) return false;
      start_params(name, rest);
    } else if (kind == "returns" || kind == "return") {
      section = Section::returns;
      add_text(rest);
    } else if (kind == "raises" || kind == "raise" || kind == "except") {
      section = Section::throws;
      add_text(field);
      add_text(rest);
    } else {
      return false;
    }
    return true;
  }

  void line(std::string_view raw) {
    std::string_view l = trim(raw);
    if (section == Section::code) {
      std::string_view cmd = command_of(l);
      if (cmd == "endcode" || cmd == "endverbatim" || cmd == "enddot" || cmd == "endmsc")
        section = Section::description;
      return;
    }
    if (l.rfind("```", 0) == 0 || l.rfind("~~~", 0) == 0) {
      section = Section::code;  // a Markdown fence ends at the next fence: see below
      fenced_ = true;
      return;
    }
    if (l.empty()) {
      // A blank line ends a command's paragraph; what follows is description again.
      if (section != Section::description) section = Section::description;
      return;
    }
    if (doxygen_command(l) || sphinx_field(l)) return;
    add_text(inline_refs_to_spans(l));
  }

  bool fenced_ = false;
};

}  // namespace

SymbolDoc doc_from_comment(std::string_view comment, const std::string& id) {
  Reader r;
  r.doc.id = id;
  r.doc.source = "comment";
  std::size_t b = 0;
  while (b <= comment.size()) {
    auto e = comment.find('\n', b);
    if (e == std::string_view::npos) e = comment.size();
    std::string_view l = comment.substr(b, e - b);
    if (r.fenced_ && r.section == Section::code) {
      std::string_view t = trim(l);
      if (t.rfind("```", 0) == 0 || t.rfind("~~~", 0) == 0) {
        r.fenced_ = false;
        r.section = Section::description;
      }
    } else {
      r.line(l);
    }
    b = e + 1;
  }
  // Inline @p references in parameter, return and throw text are checked too.
  for (ParamDoc& p : r.doc.params) p.description = inline_refs_to_spans(p.description);
  r.doc.returns = inline_refs_to_spans(r.doc.returns);
  return std::move(r.doc);
}

}  // namespace doctown
