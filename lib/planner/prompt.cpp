// Prompt text of the planner. The system prompt (instructions + the answer's JSON schema) is a
// constant so providers' prompt caching applies across requests; symbol blocks and context
// entries are rendered from facts only, never from the batch they end up in, so that their token
// counts can be computed once and a symbol's part of a prompt is stable (fingerprints).
#include "planner/prompt.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace doctown::detail {

namespace {

namespace json = boost::json;

json::object string_prop() { return json::object{{"type", "string"}}; }

json::object strict_object(json::object props) {
  json::array required;
  for (const auto& kv : props) required.emplace_back(kv.key());
  return json::object{{"type", "object"},
                      {"properties", std::move(props)},
                      {"required", std::move(required)},
                      {"additionalProperties", false}};
}

std::string build_schema() {
  json::object param = strict_object({{"name", string_prop()}, {"description", string_prop()}});
  json::object str_array{{"type", "array"}, {"items", string_prop()}};
  json::object symbol = strict_object({
      {"id", string_prop()},
      {"summary", string_prop()},
      {"description", string_prop()},
      {"params", json::object{{"type", "array"}, {"items", std::move(param)}}},
      {"returns", string_prop()},
      {"throws", string_prop()},
      {"notes", string_prop()},
      {"examples", str_array},
      {"see_also", str_array},
  });
  json::object root =
      strict_object({{"symbols", json::object{{"type", "array"}, {"items", std::move(symbol)}}}});
  return json::serialize(root);
}

std::string fence_language(std::string_view language) {
  if (language == "c++") return "cpp";
  if (language == "c") return "c";
  std::string s(language);
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '+' || c == ' '; }),
          s.end());
  return s;
}

// One line: newlines and runs of spaces folded, capped at `max_chars` (cut at a UTF-8 boundary).
std::string one_line(std::string_view s, std::size_t max_chars) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  if (out.size() > max_chars) {
    std::size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "…";
  }
  return out;
}

// Cut at a UTF-8 boundary so a truncated text stays valid.
std::string utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "…";
}

std::string location_text(const SourceRange& r) {
  std::string s = r.file;
  if (r.line > 0) {
    s += ":" + std::to_string(r.line);
    if (r.end_line > r.line) s += "-" + std::to_string(r.end_line);
  }
  return s;
}

std::string display_name(const Symbol& s) {
  return s.qualified_name.empty() ? (s.name.empty() ? s.id : s.name) : s.qualified_name;
}

std::string name_of(const Codebase& cb, const std::string& id) {
  if (const Symbol* s = cb.find(id)) return display_name(*s);
  return id;
}

}  // namespace

const std::string& response_schema_text() {
  static const std::string schema = build_schema();
  return schema;
}

const std::string& system_prompt_text() {
  static const std::string prompt =
      std::string(
          "You are a senior engineer writing reference documentation for a codebase.\n"
          "Each request lists symbols (functions, classes, methods, enums, ...) with their facts: "
          "id, kind, qualified name, location, signature, parameters, return type, existing doc "
          "comment and code, plus context: related symbols with their signatures and summaries, "
          "callers, callees, base classes, similar symbols, and the files' includes.\n"
          "Rules:\n"
          "- Document every symbol listed under \"Symbols to document\", exactly once, using its "
          "id verbatim. Document no other symbol.\n"
          "- summary: one sentence saying what the symbol is for. description: one or two short "
          "paragraphs on behaviour, invariants and how it relates to its callers and callees.\n"
          "- params: one entry per parameter, in order, with the parameter's name; [] when there "
          "are none. returns, throws, notes: a sentence, or \"\" when not applicable.\n"
          "- examples: short usage snippets in the symbol's language, or [] when an example would "
          "not help. see_also: qualified names of related symbols from the context, or [].\n"
          "- State only what the facts and code support; do not invent behaviour. Where code was "
          "cut (marked as omitted), do not guess the omitted part.\n"
          "- Answer with a single JSON object in the requested format, with no text around "
          "it.\n");
  return prompt;
}

std::string project_preamble(const Tokenizer& tokenizer, const Codebase& cb) {
  // Modules: top-level folders (two levels under src/, include/, lib/), by file count.
  std::map<std::string, std::size_t> modules;
  for (const auto& f : cb.files) {
    std::string_view p = f.path;
    std::size_t cut = p.find('/');
    if (cut != std::string_view::npos &&
        (p.substr(0, cut) == "src" || p.substr(0, cut) == "include" || p.substr(0, cut) == "lib")) {
      std::size_t second = p.find('/', cut + 1);
      if (second != std::string_view::npos) cut = second;
    }
    ++modules[cut == std::string_view::npos ? std::string(".") : std::string(p.substr(0, cut))];
  }
  // Central symbols: most referenced (calls, bases, uses) first; records before the rest.
  std::unordered_map<std::string_view, std::size_t> refs;
  for (const auto& r : cb.relations)
    if (r.kind != RelationKind::contains && r.kind != RelationKind::similar) ++refs[r.to];
  std::vector<const Symbol*> central;
  for (const auto& s : cb.symbols)
    if (is_record(s.kind) || is_callable(s.kind) || s.kind == SymbolKind::enum_) central.push_back(&s);
  auto score = [&](const Symbol* s) {
    auto it = refs.find(s->id);
    return (it == refs.end() ? 0 : it->second) * 4 + (is_record(s->kind) ? 3 : 0);
  };
  std::stable_sort(central.begin(), central.end(), [&](const Symbol* a, const Symbol* b) {
    auto sa = score(a), sb = score(b);
    return sa != sb ? sa > sb : a->id < b->id;
  });
  std::string text = "\n# The project\nName: " + one_line(cb.name, 200) + ". " +
                     std::to_string(cb.files.size()) + " files, " +
                     std::to_string(cb.symbols.size()) + " symbols.\nModules:";
  std::size_t shown = 0;
  for (const auto& [m, n] : modules) {
    if (++shown > 40) break;
    text += " " + one_line(m, 120) + " (" + std::to_string(n) + " files);";
  }
  text += "\nCentral types and functions (most used first):\n";
  std::size_t budget = preamble_max_tokens - 40, used = tokenizer.count(text);
  for (const Symbol* s : central) {
    std::string line = "- " + one_line(display_name(*s), 200) + " (" + std::string(to_string(s->kind)) + ")";
    if (!s->signature.empty()) line += ": `" + one_line(s->signature, 240) + "`";
    if (!s->doc_comment.empty()) line += " — " + one_line(s->doc_comment, 160);
    line += "\n";
    std::size_t n = tokenizer.count(line);
    if (used + n > budget) break;
    text += line;
    used += n;
  }
  return text;
}

std::size_t expected_output_tokens(const Symbol& s) {
  std::size_t lines = static_cast<std::size_t>(std::count(s.source_text.begin(), s.source_text.end(), '\n'));
  std::size_t id = s.id.size() / 4 + 4;  // the id is echoed verbatim
  if (is_callable(s.kind))
    return 110 + id + 25 * s.params.size() + std::min<std::size_t>(lines, 60);
  if (is_record(s.kind) || s.kind == SymbolKind::enum_) return 150 + id + std::min<std::size_t>(lines / 2, 60);
  switch (s.kind) {
    case SymbolKind::field: case SymbolKind::variable: case SymbolKind::enumerator:
    case SymbolKind::constant: case SymbolKind::typedef_: case SymbolKind::type_alias:
    case SymbolKind::property:
      return 70 + id;
    default:
      return 110 + id;
  }
}

std::string language_instruction(std::string_view language) {
  if (language.empty() || language == "en" || language.starts_with("en-")) return {};
  return "- Write every prose field (summary, description, params' descriptions, returns, throws, "
         "notes) in the language with BCP 47 tag \"" + std::string(language) +
         "\". Keep identifiers, code, examples' code and the JSON keys exactly as they are.\n";
}

std::string batch_header(std::size_t k) {
  return "Document the " + std::to_string(k) + (k == 1 ? " symbol" : " symbols") +
         " below; answer with exactly " + std::to_string(k) +
         (k == 1 ? " entry" : " entries") + " in \"symbols\", ids verbatim.\n";
}

bool is_test_or_third_party(std::string_view path) {
  static constexpr std::string_view folders[] = {
      "test", "tests", "testing", "__tests__", "spec", "specs", "third_party", "thirdparty",
      "third-party", "3rdparty", "vendor", "vendored", "external", "extern", "deps", "node_modules"};
  std::string lower;
  for (char c : path) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::size_t start = 0;
  while (start <= lower.size()) {
    std::size_t end = lower.find('/', start);
    bool last = end == std::string::npos;
    std::string_view part = std::string_view(lower).substr(start, last ? std::string::npos : end - start);
    if (!last) {
      for (auto f : folders)
        if (part == f) return true;
    } else {
      std::string_view stem = part.substr(0, part.find('.'));
      if (stem.starts_with("test_") || stem.ends_with("_test") || stem.ends_with("_tests") ||
          stem.ends_with("_unittest") || part.find(".test.") != std::string_view::npos ||
          part.find(".spec.") != std::string_view::npos || stem.ends_with("_spec"))
        return true;
    }
    if (last) break;
    start = end + 1;
  }
  return false;
}

std::vector<std::string> SymbolContext::related() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& id) {
    if (seen.insert(id).second) out.push_back(id);
  };
  // What the symbol builds on and works with first; look-alikes last.
  for (const auto& b : bases) add(b);
  for (const auto& c : callees) add(c);
  for (const auto& c : callers) add(c);
  for (const auto& s : similar) add(s.first);
  return out;
}

std::string cut_code(const Tokenizer& tokenizer, std::string_view code, std::size_t budget) {
  if (budget == 0) return {};
  if (code.size() <= budget) return std::string(code);  // a token is at least one byte
  std::vector<std::uint32_t> ids = tokenizer.encode(code);
  if (ids.size() <= budget) return std::string(code);
  constexpr std::size_t marker_tokens = 24;  // room for the marker line itself
  if (budget <= marker_tokens + 8) return "/* … doctown: code omitted (too long) … */";
  std::size_t room = budget - marker_tokens;
  std::size_t head_n = room * 2 / 3, tail_n = room - head_n;
  std::string head = tokenizer.decode(std::span<const std::uint32_t>(ids).first(head_n));
  std::string tail = tokenizer.decode(std::span<const std::uint32_t>(ids).last(tail_n));
  // Whole lines only: the head ends at its last line break, the tail starts after its first,
  // which also keeps both halves valid UTF-8.
  if (auto nl = head.rfind('\n'); nl != std::string::npos && nl > 0) head.resize(nl + 1);
  else head = utf8_prefix(head, head.size() > 4 ? head.size() - 4 : 0);
  if (auto nl = tail.find('\n'); nl != std::string::npos && nl + 1 < tail.size())
    tail.erase(0, nl + 1);
  else {
    std::size_t skip = 0;
    while (skip < tail.size() && (static_cast<unsigned char>(tail[skip]) & 0xC0) == 0x80) ++skip;
    tail.erase(0, skip);
  }
  std::size_t omitted_bytes = code.size() > head.size() + tail.size()
                                  ? code.size() - head.size() - tail.size()
                                  : 0;
  std::string_view middle = code.substr(std::min(head.size(), code.size()),
                                        omitted_bytes);
  auto lines = static_cast<std::size_t>(std::count(middle.begin(), middle.end(), '\n'));
  std::string out = head;
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  out += "/* … doctown: " + std::to_string(lines) + " lines (" +
         std::to_string(ids.size() - head_n - tail_n) + "+ tokens) omitted … */\n";
  out += tail;
  return out;
}

std::string render_block(const Tokenizer& tokenizer, const Codebase& codebase,
                         const Symbol& s, const SymbolContext& ctx, const BlockLimits& limits) {
  std::string b;
  b += "\n## " + one_line(display_name(s), 300) + "\n";
  b += "id: " + s.id + "\n";
  b += "kind: " + std::string(to_string(s.kind));
  if (s.access != Access::none) b += " (" + std::string(to_string(s.access)) + ")";
  b += "\nlocation: " + location_text(s.location);
  if (s.declaration && s.declaration->file != s.location.file)
    b += " (declared in " + location_text(*s.declaration) + ")";
  b += "\n";
  if (!s.signature.empty()) b += "signature: " + one_line(s.signature, limits.signature_chars) + "\n";
  if (!s.template_params.empty()) {
    b += "template parameters:";
    for (const auto& p : s.template_params) b += " " + one_line(p.type + " " + p.name, 200) + ";";
    b += "\n";
  }
  if (!s.params.empty()) {
    b += "parameters:\n";
    for (const auto& p : s.params) {
      b += "- " + (p.name.empty() ? std::string("(unnamed)") : p.name) + ": " +
           one_line(p.type, 300);
      if (!p.default_value.empty()) b += " = " + one_line(p.default_value, 200);
      b += "\n";
    }
  }
  if (!s.return_type.empty()) b += "returns: " + one_line(s.return_type, 300) + "\n";
  if (!s.doc_comment.empty())
    b += "existing doc comment:\n\"\"\"\n" + utf8_prefix(s.doc_comment, limits.doc_chars) +
         "\n\"\"\"\n";
  if (limits.code_tokens > 0 && !s.source_text.empty()) {
    std::string code = cut_code(tokenizer, s.source_text, limits.code_tokens);
    if (!code.empty()) {
      b += "code:\n```" + fence_language(s.language) + "\n" + code;
      if (code.back() != '\n') b += "\n";
      b += "```\n";
    }
  }
  if (limits.context) {
    std::string rel;
    auto list = [&](std::string_view label, const std::vector<std::string>& ids) {
      if (ids.empty()) return;
      rel += rel.empty() ? "" : "; ";
      rel += label;
      rel += ": ";
      for (std::size_t i = 0; i < ids.size(); ++i)
        rel += (i ? ", " : "") + one_line(name_of(codebase, ids[i]), 200);
    };
    list("bases", ctx.bases);
    list("calls", ctx.callees);
    list("called by", ctx.callers);
    if (!ctx.similar.empty()) {
      rel += rel.empty() ? "" : "; ";
      rel += "similar: ";
      for (std::size_t i = 0; i < ctx.similar.size(); ++i) {
        char score[16];
        std::snprintf(score, sizeof score, "%.2f", ctx.similar[i].second);
        rel += (i ? ", " : "") + one_line(name_of(codebase, ctx.similar[i].first), 200) + " (" +
               score + ")";
      }
    }
    if (!rel.empty()) b += "related: " + rel + "\n";
    if (!ctx.usages.empty()) {
      b += "used at:\n";
      for (const UsageSite& u : ctx.usages)
        b += "- " + one_line(u.file, 300) + ":" + std::to_string(u.line) + ": " +
             one_line(u.snippet, 240) + "\n";
    }
  }
  return b;
}

std::string render_related(const Symbol& s, std::string_view summary) {
  std::string line = "- " + one_line(display_name(s), 300) + " (" + std::string(to_string(s.kind)) +
                     ", " + location_text(s.location) + ")";
  if (!s.signature.empty()) line += ": `" + one_line(s.signature, 400) + "`";
  if (!summary.empty()) line += " — " + one_line(summary, 400);
  return line + "\n";
}

std::string render_file(std::string_view path, const std::vector<std::string>& includes,
                        const std::vector<std::string>& symbols) {
  std::string e = "- file " + std::string(path);
  if (!includes.empty()) {
    e += "; includes ";
    for (std::size_t i = 0; i < includes.size(); ++i) e += (i ? ", " : "") + includes[i];
  }
  if (!symbols.empty()) {
    e += "; defines ";
    for (std::size_t i = 0; i < symbols.size(); ++i) e += (i ? ", " : "") + symbols[i];
  }
  return e + "\n";
}

}  // namespace doctown::detail
