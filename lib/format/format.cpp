// The JSON mappings of lib/format. Writers keep the key order of the formats they produce
// (docpack members are compared byte for byte by their readers' tests); readers go through
// the lenient json_* helpers so that a damaged field becomes a default, never an exception.
#include "format/format.hpp"

#include "core/json_util.hpp"

namespace doctown {

namespace json = boost::json;
using detail::json_bool;
using detail::json_double;
using detail::json_int;
using detail::json_string;

namespace {

constexpr std::pair<std::uint32_t, std::string_view> kFlagNames[] = {
    {flags::is_static, "static"},         {flags::is_virtual, "virtual"},
    {flags::is_pure, "pure"},             {flags::is_override, "override"},
    {flags::is_const, "const"},           {flags::is_noexcept, "noexcept"},
    {flags::is_constexpr, "constexpr"},   {flags::is_inline, "inline"},
    {flags::is_deleted, "deleted"},       {flags::is_defaulted, "defaulted"},
    {flags::is_deprecated, "deprecated"}, {flags::is_template, "template"},
    {flags::is_definition, "definition"}};

const json::object& empty_object() {
  static const json::object empty;
  return empty;
}

const json::object& object_or_empty(const json::value* v) {
  return v && v->is_object() ? v->get_object() : empty_object();
}

const json::object& as_object(const json::value& v) { return object_or_empty(&v); }

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

template <class T>
std::vector<T> array_of(const json::object& o, std::string_view key) {
  std::vector<T> out;
  if (auto* p = o.if_contains(key); p && p->is_array())
    for (const auto& e : p->get_array())
      if (e.is_object()) out.push_back(json::value_to<T>(e));
  return out;
}

// The chunk layout always writes "default" (Doctown 6.1 readers expect the key).
json::array chunk_params(const std::vector<Param>& ps) {
  json::array a;
  for (const Param& p : ps)
    a.push_back(json::object{{"name", p.name}, {"type", p.type}, {"default", p.default_value}});
  return a;
}

std::uint64_t u64(const json::object& o, std::string_view key) {
  long long v = json_int(o, key);
  return v < 0 ? 0 : static_cast<std::uint64_t>(v);
}

std::optional<double> opt_double(const json::object& o, std::string_view key) {
  if (auto* p = o.if_contains(key); p && p->is_number()) return json_double(o, key);
  return std::nullopt;
}

}  // namespace

std::vector<std::string> string_list(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto* p = o.if_contains(key); p && p->is_array())
    for (const auto& e : p->get_array())
      if (e.is_string()) out.emplace_back(e.get_string());
  return out;
}

std::span<const std::pair<std::uint32_t, std::string_view>> flag_table() noexcept {
  return kFlagNames;
}

json::array flags_to_json(std::uint32_t f) {
  json::array a;
  for (const auto& [bit, name] : kFlagNames)
    if (f & bit) a.emplace_back(name);
  return a;
}

std::uint32_t flags_from_json(const json::value* names) {
  std::uint32_t f = 0;
  if (!names || !names->is_array()) return f;
  for (const auto& n : names->get_array())
    if (n.is_string())
      for (const auto& [bit, name] : kFlagNames)
        if (n.get_string() == name) f |= bit;
  return f;
}

Access access_from_string(std::string_view s) noexcept {
  for (Access a : {Access::public_, Access::protected_, Access::private_})
    if (s == to_string(a)) return a;
  return Access::none;
}

void tag_invoke(json::value_from_tag, json::value& v, const Param& p) {
  json::object o{{"name", p.name}, {"type", p.type}};
  if (!p.default_value.empty()) o["default"] = p.default_value;
  v = std::move(o);
}

Param tag_invoke(json::value_to_tag<Param>, const json::value& v) {
  const auto& o = as_object(v);
  return {json_string(o, "name"), json_string(o, "type"), json_string(o, "default")};
}

void tag_invoke(json::value_from_tag, json::value& v, const SourceRange& r) {
  v = json::object{{"file", r.file}, {"line", r.line}, {"end_line", r.end_line}};
}

SourceRange tag_invoke(json::value_to_tag<SourceRange>, const json::value& v) {
  const auto& o = as_object(v);
  return {json_string(o, "file"), static_cast<int>(json_int(o, "line")),
          static_cast<int>(json_int(o, "end_line"))};
}

void tag_invoke(json::value_from_tag, json::value& v, const Relation& r) {
  json::object o{{"from", r.from}, {"to", r.to}, {"kind", to_string(r.kind)}};
  if (r.kind == RelationKind::similar) o["weight"] = r.weight;
  v = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& v, const ParamDoc& p) {
  v = json::object{{"name", p.name}, {"description", p.description}};
}

ParamDoc tag_invoke(json::value_to_tag<ParamDoc>, const json::value& v) {
  const auto& o = as_object(v);
  return {json_string(o, "name"), json_string(o, "description")};
}

void tag_invoke(json::value_from_tag, json::value& v, const SymbolDoc& d) {
  v = json::object{{"symbol_id", d.id},
                   {"summary", d.summary},
                   {"description", d.description},
                   {"params", json::value_from(d.params)},
                   {"returns", d.returns},
                   {"throws", d.throws},
                   {"notes", d.notes},
                   {"examples", string_array(d.examples)},
                   {"see_also", string_array(d.see_also)},
                   {"source", d.source}};
}

SymbolDoc tag_invoke(json::value_to_tag<SymbolDoc>, const json::value& v) {
  const auto& o = as_object(v);
  SymbolDoc d;
  d.id = json_string(o, "symbol_id");
  d.summary = json_string(o, "summary");
  d.description = json_string(o, "description");
  d.params = array_of<ParamDoc>(o, "params");
  d.returns = json_string(o, "returns");
  d.throws = json_string(o, "throws");
  d.notes = json_string(o, "notes");
  d.examples = string_list(o, "examples");
  // Other producers only write `related` (resolved ids); ours writes both.
  d.see_also = o.contains("see_also") ? string_list(o, "see_also") : string_list(o, "related");
  d.source = json_string(o, "source");
  return d;
}

void tag_invoke(json::value_from_tag, json::value& v, const Symbol& s) {
  json::object o{{"id", s.id},
                 {"kind", to_string(s.kind)},
                 {"name", s.name},
                 {"qualified_name", s.qualified_name},
                 {"language", s.language},
                 {"file", s.location.file},
                 {"line", s.location.line},
                 {"end_line", s.location.end_line}};
  if (s.declaration) o["declaration"] = json::value_from(*s.declaration);
  o["signature"] = s.signature;
  o["doc_comment"] = s.doc_comment;
  o["brief"] = s.brief;
  o["access"] = to_string(s.access);
  o["public"] = s.is_public_api;
  o["complexity"] = s.complexity;
  o["parent"] = s.parent_id;
  if (is_callable(s.kind)) {
    o["params"] = json::value_from(s.params);
    o["return_type"] = s.return_type;
  }
  if (!s.template_params.empty()) o["template_params"] = json::value_from(s.template_params);
  o["flags"] = flags_to_json(s.flags);
  v = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& v, const Diagnostic& d) {
  v = json::object{{"file", d.file},
                   {"line", d.line},
                   {"severity", to_string(d.severity)},
                   {"message", d.message}};
}

void tag_invoke(json::value_from_tag, json::value& v, const RunStats& s) {
  json::object st;
  for (const auto& [k, sec] : s.stage_seconds) st[k] = sec;
  v = json::object{
      {"symbols", s.symbols},   {"selected", s.selected},     {"documented", s.documented},
      {"cached", s.cached},     {"failed", s.failed},         {"requests", s.requests},
      {"retries", s.retries},   {"not_started", s.not_started}, {"rate_limited", s.rate_limited},
      {"tokens", json::object{{"input", s.tokens.input},
                              {"cached", s.tokens.cached},
                              {"output", s.tokens.output}}},
      {"cost_usd", s.cost_usd}, {"wall_s", s.wall_s},         {"stage_seconds", std::move(st)}};
}

RunStats tag_invoke(json::value_to_tag<RunStats>, const json::value& v) {
  const auto& o = as_object(v);
  RunStats s;
  s.symbols = u64(o, "symbols");
  s.selected = u64(o, "selected");
  s.documented = u64(o, "documented");
  s.cached = u64(o, "cached");
  s.failed = u64(o, "failed");
  s.requests = u64(o, "requests");
  s.retries = u64(o, "retries");
  s.not_started = u64(o, "not_started");
  s.rate_limited = u64(o, "rate_limited");
  const auto& t = object_or_empty(o.if_contains("tokens"));
  s.tokens = {u64(t, "input"), u64(t, "cached"), u64(t, "output")};
  s.cost_usd = json_double(o, "cost_usd");
  s.wall_s = json_double(o, "wall_s");
  for (const auto& kv : object_or_empty(o.if_contains("stage_seconds")))
    if (kv.value().is_number()) s.stage_seconds[std::string(kv.key())] = kv.value().to_number<double>();
  return s;
}

namespace {

json::object doc_scoring_json(const Manifest::DocScoring& d) {
  json::object stats{{"scored", d.scored}, {"selected", d.selected}};
  if (d.min) stats["min"] = *d.min;
  if (d.max) stats["max"] = *d.max;
  if (d.mean) stats["mean"] = *d.mean;
  if (d.median) stats["median"] = *d.median;
  return json::object{{"enabled", d.enabled},
                      {"threshold", d.threshold},
                      {"weights", json::object{{"structural", d.structural},
                                               {"semantic", d.semantic},
                                               {"complexity", d.complexity}}},
                      {"statistics", std::move(stats)}};
}

Manifest::DocScoring doc_scoring_from(const json::object& o) {
  Manifest::DocScoring d;
  d.enabled = json_bool(o, "enabled", true);
  d.threshold = json_double(o, "threshold");
  const auto& w = object_or_empty(o.if_contains("weights"));
  d.structural = json_double(w, "structural");
  d.semantic = json_double(w, "semantic");
  d.complexity = json_double(w, "complexity");
  const auto& st = object_or_empty(o.if_contains("statistics"));
  d.scored = u64(st, "scored");
  d.selected = u64(st, "selected");
  d.min = opt_double(st, "min");
  d.max = opt_double(st, "max");
  d.mean = opt_double(st, "mean");
  d.median = opt_double(st, "median");
  return d;
}

}  // namespace

void tag_invoke(json::value_from_tag, json::value& v, const Manifest& m) {
  const SourceInfo& s = m.source;
  json::object source{{"type", s.type}, {"ref", s.ref}, {"commit", s.commit}};
  source[s.type == "github" || s.type == "git" ? "url" : "path"] = s.url_or_path;
  const Manifest::Totals& t = m.totals;
  const Manifest::Embedding& e = m.embedding;
  const Manifest::Generator& g = m.generator;
  v = json::object{
      {"docpack_version", m.docpack_version},
      {"name", m.name},
      {"source", std::move(source)},
      {"generated_at", m.generated_at},
      {"totals", json::object{{"files", t.files},
                              {"symbols", t.symbols},
                              {"chunks", t.chunks},
                              {"relations", t.relations},
                              {"documented", t.documented},
                              {"failed", t.failed},
                              {"graph_nodes", t.graph_nodes},
                              {"graph_edges", t.graph_edges}}},
      {"embedding", json::object{{"model", e.model},
                                 {"dims", e.dims},
                                 {"rows", e.rows},
                                 {"dtype", e.dtype},
                                 {"byte_order", e.byte_order}}},
      {"generator", json::object{{"name", g.name},
                                 {"version", g.version},
                                 {"llm_model", g.llm_model},
                                 {"mode", g.mode},
                                 {"language", g.language}}},
      {"doc_scoring", doc_scoring_json(m.doc_scoring)},
      {"generation_stats", json::value_from(m.generation_stats)},
      {"members", string_array(m.members)}};
}

Manifest tag_invoke(json::value_to_tag<Manifest>, const json::value& v) {
  const auto& o = as_object(v);
  Manifest m;
  m.docpack_version = json_string(o, "docpack_version");
  m.name = json_string(o, "name");
  const auto& src = object_or_empty(o.if_contains("source"));
  m.source.type = json_string(src, "type");
  m.source.url_or_path = src.contains("url") ? json_string(src, "url") : json_string(src, "path");
  m.source.ref = json_string(src, "ref");
  m.source.commit = json_string(src, "commit");
  m.generated_at = json_string(o, "generated_at");
  const auto& t = object_or_empty(o.if_contains("totals"));
  m.totals = {u64(t, "files"),     u64(t, "symbols"),    u64(t, "chunks"),
              u64(t, "relations"), u64(t, "documented"), u64(t, "failed"),
              u64(t, "graph_nodes"), u64(t, "graph_edges")};
  const auto& e = object_or_empty(o.if_contains("embedding"));
  m.embedding = {json_string(e, "model"), u64(e, "dims"), u64(e, "rows"),
                 json_string(e, "dtype", "float32"), json_string(e, "byte_order", "little")};
  const auto& g = object_or_empty(o.if_contains("generator"));
  m.generator = {json_string(g, "name"), json_string(g, "version"), json_string(g, "llm_model"),
                 json_string(g, "mode"), json_string(g, "language", "en")};
  m.doc_scoring = doc_scoring_from(object_or_empty(o.if_contains("doc_scoring")));
  if (auto* p = o.if_contains("generation_stats")) m.generation_stats = json::value_to<RunStats>(*p);
  m.members = string_list(o, "members");
  return m;
}

json::object chunk_json(const Symbol& s) {
  json::object extra{{"signature", s.signature},
                     {"brief", s.brief},
                     {"flags", flags_to_json(s.flags)},
                     {"complexity", s.complexity},
                     {"nesting_depth", s.nesting_depth},
                     {"is_public_api", s.is_public_api},
                     {"parent_id", s.parent_id},
                     {"template_parameters", chunk_params(s.template_params)}};
  if (s.declaration) extra["declaration"] = json::value_from(*s.declaration);
  json::object meta{{"language", s.language},
                    {"line_start", s.location.line},
                    {"line_end", s.location.end_line},
                    {"symbol_name", s.name},
                    {"qualified_name", s.qualified_name},
                    {"symbol_kind", to_string(s.kind)},
                    {"visibility", to_string(s.access)},
                    {"parameters", chunk_params(s.params)},
                    {"return_type", s.return_type},
                    {"doc_comment", s.doc_comment},
                    {"extra", std::move(extra)}};
  return json::object{{"chunk_id", s.id},
                      {"path", s.location.file},
                      {"type", s.kind == SymbolKind::document ? "docs" : "code"},
                      {"text", s.source_text.empty() ? s.signature : s.source_text},
                      {"start", s.location.line},
                      {"end", s.location.end_line},
                      {"metadata", std::move(meta)}};
}

Symbol symbol_from_chunk(const json::object& o) {
  Symbol s;
  s.id = json_string(o, "chunk_id");
  s.location.file = json_string(o, "path");
  s.location.line = static_cast<int>(json_int(o, "start"));
  s.location.end_line = static_cast<int>(json_int(o, "end"));
  s.source_text = json_string(o, "text");
  const json::object& meta = object_or_empty(o.if_contains("metadata"));
  const json::object& extra = object_or_empty(meta.if_contains("extra"));
  s.language = json_string(meta, "language");
  s.name = json_string(meta, "symbol_name");
  s.qualified_name = json_string(meta, "qualified_name");
  s.kind = symbol_kind_from_string(json_string(meta, "symbol_kind")).value_or(SymbolKind::other);
  s.access = access_from_string(json_string(meta, "visibility"));
  s.params = array_of<Param>(meta, "parameters");
  s.return_type = json_string(meta, "return_type");
  s.doc_comment = json_string(meta, "doc_comment");
  s.signature = json_string(extra, "signature");
  s.brief = json_string(extra, "brief");
  s.flags = flags_from_json(extra.if_contains("flags"));
  s.complexity = static_cast<int>(json_int(extra, "complexity"));
  s.nesting_depth = static_cast<int>(json_int(extra, "nesting_depth"));
  s.is_public_api = json_bool(extra, "is_public_api");
  s.parent_id = json_string(extra, "parent_id");
  s.template_params = array_of<Param>(extra, "template_parameters");
  if (auto* p = extra.if_contains("declaration"); p && p->is_object())
    s.declaration = json::value_to<SourceRange>(*p);
  return s;
}

json::object graph_edge_json(const Relation& r) {
  return json::object{
      {"from", r.from}, {"to", r.to}, {"edge_type", to_string(r.kind)}, {"score", r.weight}};
}

std::optional<Relation> relation_from_graph_edge(const json::object& e) {
  auto kind = relation_kind_from_string(json_string(e, "edge_type"));
  if (!kind) return std::nullopt;
  return Relation{json_string(e, "from"), json_string(e, "to"), *kind,
                  json_double(e, "score", 1.0)};
}

}  // namespace doctown

// The public text-level entry points (include/doctown/format.hpp).
namespace doctown {

std::string codebase_to_json(const Codebase& cb) {
  json::array files;
  for (const auto& f : cb.files) files.emplace_back(f.path);
  return json::serialize(json::object{
      {"root", cb.root},
      {"files", std::move(files)},
      {"symbols", json::value_from(cb.symbols)},
      {"relations", json::value_from(cb.relations)},
      {"diagnostics", json::value_from(cb.diagnostics)},
      {"stats", json::object{{"files", cb.stats.files},
                             {"translation_units", cb.stats.translation_units},
                             {"symbols", cb.symbols.size()},
                             {"seconds", cb.stats.seconds}}}});
}

std::string symbol_to_json(const Symbol& s) { return json::serialize(json::value_from(s)); }

std::string manifest_to_json(const Manifest& m) { return json::serialize(json::value_from(m)); }

result<Manifest> manifest_from_json(std::string_view text, std::string_view origin) {
  auto v = detail::parse_json(text, origin);
  if (!v) return std::move(v).error();
  if (!v->is_object()) return fail(errc::parse_error, "expected a JSON object", std::string(origin));
  return json::value_to<Manifest>(*v);
}

}  // namespace doctown
