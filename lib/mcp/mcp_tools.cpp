// The MCP tools and resources, answered from the docpack. Each tool is one entry of a table
// (name, description, argument list, output schema, handler): the input schema, argument
// validation and tools/list all come from that table. Symbol records use lib/format's mapping.
#include <algorithm>
#include <cmath>
#include <deque>
#include <set>

#include "core/file_util.hpp"
#include "core/json_util.hpp"
#include "core/utf8.hpp"
#include "format/format.hpp"
#include "mcp/mcp_impl.hpp"

namespace doctown {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

using detail::json_string;

long long int_arg(const json::object& args, std::string_view key, long long fallback) {
  auto* p = args.if_contains(key);
  return p && p->is_number() ? detail::json_int(args, key, fallback) : fallback;
}

json::object schema_object(json::object properties, std::vector<std::string> required) {
  json::array req;
  for (auto& r : required) req.emplace_back(r);
  return json::object{{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(req)}};
}

json::object ref_schema() {
  return json::object{{"type", "object"},
                      {"properties", json::object{{"id", {{"type", "string"}}},
                                                  {"kind", {{"type", "string"}}},
                                                  {"qualified_name", {{"type", "string"}}},
                                                  {"file", {{"type", "string"}}},
                                                  {"line", {{"type", "integer"}}}}},
                      {"required", json::array{"id", "kind", "qualified_name"}}};
}

json::object array_of(json::object items) {
  return json::object{{"type", "array"}, {"items", std::move(items)}};
}

const json::object& string_schema() {
  static const json::object s{{"type", "string"}};
  return s;
}

// The relation names of the `related` tool and how each maps onto the stored edges.
struct RelationWalk {
  const char* name;
  RelationKind kind;
  bool outgoing;
};
constexpr RelationWalk kWalks[] = {
    {"callers", RelationKind::calls, false},    {"callees", RelationKind::calls, true},
    {"bases", RelationKind::inherits, true},    {"derived", RelationKind::inherits, false},
    {"overrides", RelationKind::overrides, true}, {"members", RelationKind::contains, true}};

bool safe_relative(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.find('\0') != std::string_view::npos ||
      p.find('\\') != std::string_view::npos || (p.size() > 1 && p[1] == ':'))
    return false;
  for (const auto& part : fs::path(p))
    if (part == "..") return false;
  return true;
}

// Lines [first, last] (1-based, inclusive) of `text`, clamped; sets total to the line count.
std::string slice_lines(const std::string& text, int first, int last, int& total) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n' && i + 1 < text.size()) starts.push_back(i + 1);
  total = text.empty() ? 0 : static_cast<int>(starts.size());
  if (first > total || first > last) return {};
  std::size_t b = starts[static_cast<std::size_t>(first - 1)];
  std::size_t e = last >= total ? text.size() : starts[static_cast<std::size_t>(last)];
  return text.substr(b, e - b);
}

std::string percent_encode_path(std::string_view p) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::optional<RpcError> check_args(const std::vector<ToolArg>& spec, const json::object& args) {
  for (const auto& kv : args)
    if (std::none_of(spec.begin(), spec.end(), [&](const ToolArg& a) { return a.name == kv.key(); }))
      return RpcError{-32602, "unknown argument `" + std::string(kv.key()) + "`"};
  for (const ToolArg& a : spec) {
    auto* v = args.if_contains(a.name);
    if (!v || v->is_null()) {
      if (a.required) return RpcError{-32602, "missing required argument `" + a.name + "`"};
      continue;
    }
    if (a.type == "string") {
      if (!v->is_string()) return RpcError{-32602, "argument `" + a.name + "` must be a string"};
      if (!a.choices.empty() &&
          std::find(a.choices.begin(), a.choices.end(), v->get_string()) == a.choices.end()) {
        std::string all;
        for (const auto& c : a.choices) all += (all.empty() ? "" : ", ") + c;
        return RpcError{-32602, "argument `" + a.name + "` must be one of: " + all};
      }
    } else if (a.type == "integer") {
      bool integral = v->is_int64() || v->is_uint64() ||
                      (v->is_double() && std::floor(v->get_double()) == v->get_double());
      if (!integral) return RpcError{-32602, "argument `" + a.name + "` must be an integer"};
      double d = v->to_number<double>();
      if (a.max > a.min && (d < static_cast<double>(a.min) || d > static_cast<double>(a.max)))
        return RpcError{-32602, "argument `" + a.name + "` must be between " +
                                    std::to_string(a.min) + " and " + std::to_string(a.max)};
    }
  }
  return std::nullopt;
}

json::object input_schema(const std::vector<ToolArg>& spec) {
  json::object props;
  std::vector<std::string> required;
  for (const ToolArg& a : spec) {
    json::object p{{"type", a.type}, {"description", a.description}};
    if (!a.choices.empty()) {
      json::array e;
      for (const auto& c : a.choices) e.emplace_back(c);
      p["enum"] = std::move(e);
    }
    if (a.max > a.min) {
      p["minimum"] = a.min;
      p["maximum"] = a.max;
    }
    props[a.name] = std::move(p);
    if (a.required) required.push_back(a.name);
  }
  json::object s = schema_object(std::move(props), std::move(required));
  s["additionalProperties"] = false;
  return s;
}

const Symbol* McpServer::Impl::find_symbol(std::string_view key) const {
  const auto& syms = docpack.symbols();
  if (auto it = by_id.find(key); it != by_id.end()) return &syms[it->second];
  // Overloads share a name: the first in id order answers, the others are listed by the caller.
  if (auto it = by_qualified.find(key); it != by_qualified.end()) return &syms[it->second.front()];
  if (auto it = by_name.find(key); it != by_name.end()) return &syms[it->second.front()];
  return nullptr;
}

json::object McpServer::Impl::symbol_ref(const Symbol& s) const {
  json::object o{{"id", s.id},
                 {"kind", to_string(s.kind)},
                 {"qualified_name", s.qualified_name.empty() ? s.name : s.qualified_name},
                 {"file", s.location.file},
                 {"line", s.location.line}};
  if (auto d = docpack.docs().find(s.id); d != docpack.docs().end()) o["summary"] = d->second.summary;
  return o;
}

namespace {

using Handler = ToolResult (*)(McpServer::Impl&, const json::object&);

struct Tool {
  const char* name;
  const char* title;
  const char* description;
  std::vector<ToolArg> args;
  json::object (*output_schema)();
  Handler run;
};

json::array refs(McpServer::Impl& s, const std::vector<std::string>& ids) {
  json::array a;
  for (const auto& id : ids) {
    if (auto it = s.by_id.find(id); it != s.by_id.end())
      a.push_back(s.symbol_ref(s.docpack.symbols()[it->second]));
    else
      a.push_back(json::object{{"id", id}, {"kind", "external"}, {"qualified_name", id}});
  }
  return a;
}

const std::vector<std::string>& edges(McpServer::Impl& s, RelationKind k, bool outgoing,
                                      const std::string& id) {
  static const std::vector<std::string> none;
  const auto& m = outgoing ? s.out[static_cast<int>(k)] : s.in[static_cast<int>(k)];
  auto it = m.find(id);
  return it == m.end() ? none : it->second;
}

ToolResult run_search(McpServer::Impl& s, const json::object& a) {
  std::string query = json_string(a, "query"), kind = json_string(a, "kind");
  auto k = static_cast<std::size_t>(int_arg(a, "k", 10));
  SearchOptions opt;
  // A kind filter is applied after ranking, so rank everything the filter may need.
  opt.k = kind.empty() ? k : s.docpack.symbols().size() + 1;
  std::vector<float> qvec;
  if (auto v = local_query_embedding(s.docpack, query)) qvec = std::move(*v);
  auto hits = s.index.search(query, opt, qvec);
  if (!hits) return {{}, "search failed: " + hits.error().message};
  json::array out;
  for (const SearchHit& h : *hits) {
    if (!kind.empty() && h.kind != kind) continue;
    if (out.size() >= k) break;
    out.push_back(json::object{{"id", h.id},
                               {"kind", h.kind},
                               {"qualified_name", h.qualified_name.empty() ? h.name : h.qualified_name},
                               {"file", h.file},
                               {"line", h.line},
                               {"summary", h.summary},
                               {"score", h.score}});
  }
  return {json::object{{"query", query}, {"hits", std::move(out)}}, ""};
}

json::object search_schema() {
  json::object hit = ref_schema();
  hit["properties"].as_object()["summary"] = string_schema();
  hit["properties"].as_object()["score"] = json::object{{"type", "number"}};
  return schema_object(json::object{{"query", string_schema()}, {"hits", array_of(hit)}},
                       {"query", "hits"});
}

ToolResult run_get_symbol(McpServer::Impl& s, const json::object& a) {
  std::string key = a.contains("id") ? json_string(a, "id") : json_string(a, "name");
  if (key.empty()) return {{}, "get_symbol needs `id` or `name`"};
  const Symbol* sym = s.find_symbol(key);
  if (!sym) return {{}, "no symbol with id or name `" + key + "`; use search to find one"};
  json::object o = json::value_from(*sym).as_object();
  const SymbolDoc* doc = nullptr;
  if (auto d = s.docpack.docs().find(sym->id); d != s.docpack.docs().end()) doc = &d->second;
  // Parameters carry their documentation next to their type.
  json::array params;
  for (const Param& p : sym->params) {
    json::object po{{"name", p.name}, {"type", p.type}, {"default", p.default_value}};
    if (doc)
      for (const ParamDoc& pd : doc->params)
        if (pd.name == p.name) po["description"] = pd.description;
    params.push_back(std::move(po));
  }
  o["parameters"] = std::move(params);
  o["location"] = json::value_from(sym->location);
  o["docs"] = doc ? json::value_from(*doc) : json::value(nullptr);
  o["callers"] = refs(s, edges(s, RelationKind::calls, false, sym->id));
  o["callees"] = refs(s, edges(s, RelationKind::calls, true, sym->id));
  o["bases"] = refs(s, edges(s, RelationKind::inherits, true, sym->id));
  o["derived"] = refs(s, edges(s, RelationKind::inherits, false, sym->id));
  o["overrides"] = refs(s, edges(s, RelationKind::overrides, true, sym->id));
  o["overridden_by"] = refs(s, edges(s, RelationKind::overrides, false, sym->id));
  o["members"] = refs(s, edges(s, RelationKind::contains, true, sym->id));
  json::array examples;
  if (doc)
    for (const auto& e : doc->examples) examples.emplace_back(e);
  o["examples"] = std::move(examples);
  json::array others;
  if (sym->id != key)
    for (const auto* m : {&s.by_qualified, &s.by_name})
      if (auto it = m->find(key); it != m->end()) {
        for (std::size_t i : it->second)
          if (s.docpack.symbols()[i].id != sym->id) others.emplace_back(s.docpack.symbols()[i].id);
        break;
      }
  o["other_matches"] = std::move(others);
  return {std::move(o), ""};
}

json::object get_symbol_schema() {
  json::object refs_array = array_of(ref_schema());
  return schema_object(
      json::object{{"id", string_schema()},
                   {"kind", string_schema()},
                   {"qualified_name", string_schema()},
                   {"signature", string_schema()},
                   {"location", json::object{{"type", "object"}}},
                   {"parameters", array_of(json::object{{"type", "object"}})},
                   {"docs", json::object{{"type", json::array{"object", "null"}}}},
                   {"callers", refs_array},
                   {"callees", refs_array},
                   {"bases", refs_array},
                   {"overrides", refs_array},
                   {"examples", array_of(string_schema())}},
      {"id", "kind", "qualified_name", "signature", "location", "parameters", "callers",
       "callees", "bases", "overrides", "examples"});
}

std::vector<std::pair<std::string, double>> similar_to(McpServer::Impl& s, const Symbol& sym,
                                                      std::size_t k) {
  std::vector<std::pair<std::string, double>> out;
  for (const Relation& r : s.docpack.relations())
    if (r.kind == RelationKind::similar && (r.from == sym.id || r.to == sym.id))
      out.push_back({r.from == sym.id ? r.to : r.from, r.weight});
  const EmbeddingMatrix& m = s.docpack.embeddings();
  if (out.empty() && m.rows == s.docpack.symbols().size() && m.dims > 0) {
    // No stored similarity edges: rank by cosine over the stored embeddings.
    auto self = m.row(s.by_id.at(sym.id));
    auto norm = [](std::span<const float> v) {
      double n = 0;
      for (float x : v) n += double(x) * x;
      return std::sqrt(n);
    };
    double ns = norm(self);
    for (std::size_t i = 0; i < m.rows && ns > 0; ++i) {
      if (s.docpack.symbols()[i].id == sym.id) continue;
      auto r = m.row(i);
      double dot = 0, nr = norm(r);
      for (std::size_t j = 0; j < m.dims; ++j) dot += double(self[j]) * r[j];
      if (nr > 0) out.push_back({s.docpack.symbols()[i].id, dot / (ns * nr)});
    }
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.second > b.second; });
  if (out.size() > k) out.resize(k);
  return out;
}

ToolResult run_related(McpServer::Impl& s, const json::object& a) {
  std::string key = json_string(a, "symbol"), rel = json_string(a, "relation");
  const Symbol* sym = s.find_symbol(key);
  if (!sym) return {{}, "no symbol with id or name `" + key + "`; use search to find one"};
  int depth = static_cast<int>(int_arg(a, "depth", 1));
  json::array results;
  if (rel == "similar") {
    for (const auto& [id, score] : similar_to(s, *sym, s.options.max_results)) {
      json::object r = refs(s, {id}).front().as_object();
      r["depth"] = 1;
      r["score"] = score;
      results.push_back(std::move(r));
    }
  } else {
    const RelationWalk* walk =
        std::find_if(std::begin(kWalks), std::end(kWalks), [&](auto& w) { return rel == w.name; });
    // Breadth first, each symbol once, nearest first: depth 2 callers are callers' callers.
    std::set<std::string> seen{sym->id};
    std::deque<std::pair<std::string, int>> queue{{sym->id, 0}};
    while (!queue.empty() && results.size() < s.options.max_results) {
      auto [id, d] = queue.front();
      queue.pop_front();
      if (d >= depth) continue;
      for (const auto& next : edges(s, walk->kind, walk->outgoing, id)) {
        if (!seen.insert(next).second || results.size() >= s.options.max_results) continue;
        json::object r = refs(s, {next}).front().as_object();
        r["depth"] = d + 1;
        r["via"] = id;
        results.push_back(std::move(r));
        queue.push_back({next, d + 1});
      }
    }
  }
  return {json::object{{"symbol", s.symbol_ref(*sym)},
                       {"relation", rel},
                       {"depth", depth},
                       {"results", std::move(results)}},
          ""};
}

json::object related_schema() {
  json::object item = ref_schema();
  item["properties"].as_object()["depth"] = json::object{{"type", "integer"}};
  return schema_object(json::object{{"symbol", ref_schema()},
                                    {"relation", string_schema()},
                                    {"depth", json::object{{"type", "integer"}}},
                                    {"results", array_of(item)}},
                       {"symbol", "relation", "results"});
}

// The text of `path`: the docpack's stored copy first (its lines match the docs), else the
// --source folder, never outside it.
std::optional<std::string> source_text(McpServer::Impl& s, const std::string& path,
                                       std::string& origin, std::string& why) {
  if (const DocpackFile* f = s.docpack.file(path); f && f->has_text) {
    origin = "docpack";
    return f->text;
  }
  if (s.source_root.empty()) {
    why = "the docpack does not store `" + path +
          "`; start the server with --source DIR to read files from the source tree";
    return std::nullopt;
  }
  std::error_code ec;
  fs::path p = fs::weakly_canonical(s.source_root / path, ec);
  auto [r, _] = std::mismatch(s.source_root.begin(), s.source_root.end(), p.begin(), p.end());
  if (ec || r != s.source_root.end()) {
    why = "`" + path + "` resolves outside the source folder; refused";
    return std::nullopt;
  }
  if (!fs::is_regular_file(p, ec)) {
    why = "`" + path + "` is not a file of the source folder";
    return std::nullopt;
  }
  if (fs::file_size(p, ec) > (std::uint64_t{16} << 20)) {
    why = "`" + path + "` is larger than 16 MiB";
    return std::nullopt;
  }
  auto text = detail::read_file(p);
  if (!text) {
    why = text.error().message;
    return std::nullopt;
  }
  detail::repair_utf8(*text);
  origin = "source";
  return std::move(*text);
}

ToolResult run_read_source(McpServer::Impl& s, const json::object& a) {
  std::string path = json_string(a, "path");
  if (!safe_relative(path))
    return {{}, "path `" + path + "` is refused: give a path relative to the source root, without .."};
  std::string origin, why;
  auto text = source_text(s, path, origin, why);
  if (!text) return {{}, why};
  int first = static_cast<int>(int_arg(a, "start_line", 1));
  int last = static_cast<int>(int_arg(a, "end_line", first + s.options.max_source_lines - 1));
  bool truncated = last - first + 1 > s.options.max_source_lines;
  if (truncated) last = first + s.options.max_source_lines - 1;
  int total = 0;
  std::string slice = slice_lines(*text, first, last, total);
  return {json::object{{"path", path},
                       {"origin", origin},
                       {"start_line", first},
                       {"end_line", std::min(last, total)},
                       {"total_lines", total},
                       {"truncated", truncated || (last < total && !a.contains("end_line"))},
                       {"text", std::move(slice)}},
          ""};
}

json::object read_source_schema() {
  return schema_object(json::object{{"path", string_schema()},
                                    {"origin", string_schema()},
                                    {"start_line", json::object{{"type", "integer"}}},
                                    {"end_line", json::object{{"type", "integer"}}},
                                    {"total_lines", json::object{{"type", "integer"}}},
                                    {"truncated", json::object{{"type", "boolean"}}},
                                    {"text", string_schema()}},
                       {"path", "start_line", "end_line", "total_lines", "text"});
}

ToolResult run_outline(McpServer::Impl& s, const json::object& a) {
  std::string path = json_string(a, "path");
  if (path.empty()) {
    json::array files;
    std::set<std::string> listed;
    for (const DocpackFile& f : s.docpack.files()) {
      auto it = s.by_file.find(f.path);
      files.push_back(json::object{{"path", f.path},
                                   {"language", f.language},
                                   {"symbols", it == s.by_file.end() ? 0 : it->second.size()},
                                   {"stored", f.has_text}});
      listed.insert(f.path);
    }
    for (const auto& [file, idx] : s.by_file)  // docpacks without filestructure.json
      if (!file.empty() && !listed.count(file))
        files.push_back(json::object{
            {"path", file}, {"language", ""}, {"symbols", idx.size()}, {"stored", false}});
    return {json::object{{"files", std::move(files)}}, ""};
  }
  auto it = s.by_file.find(path);
  if (it == s.by_file.end())
    return {{}, "no symbols in `" + path + "`; call outline without a path to list the files"};
  std::vector<std::size_t> idx = it->second;
  const auto& syms = s.docpack.symbols();
  std::sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) {
    return syms[x].location.line < syms[y].location.line;
  });
  json::array out;
  for (std::size_t i : idx) {
    json::object r = s.symbol_ref(syms[i]);
    r["end_line"] = syms[i].location.end_line;
    r["parent"] = syms[i].parent_id;
    out.push_back(std::move(r));
  }
  return {json::object{{"path", path}, {"symbols", std::move(out)}}, ""};
}

json::object outline_schema() {
  return schema_object(json::object{{"path", string_schema()},
                                    {"files", array_of(json::object{{"type", "object"}})},
                                    {"symbols", array_of(ref_schema())}},
                       {});
}

ToolResult run_overview(McpServer::Impl& s, const json::object&) {
  json::array highlights;
  for (const auto& h : s.docpack.highlights()) highlights.emplace_back(h);
  const Manifest& m = s.docpack.manifest();
  return {json::object{{"name", m.name},
                       {"architecture", s.docpack.architecture_overview()},
                       {"highlights", std::move(highlights)},
                       {"files", s.docpack.files().size()},
                       {"symbols", s.docpack.symbols().size()},
                       {"documented", s.docpack.docs().size()},
                       {"generated_at", m.generated_at}},
          ""};
}

json::object overview_schema() {
  return schema_object(json::object{{"name", string_schema()},
                                    {"architecture", string_schema()},
                                    {"highlights", array_of(string_schema())},
                                    {"files", json::object{{"type", "integer"}}},
                                    {"symbols", json::object{{"type", "integer"}}}},
                       {"name", "architecture", "highlights"});
}

const std::vector<Tool>& tools() {
  static const std::vector<Tool> t{
      {"search", "Search symbols",
       "Hybrid (BM25 + embedding) search over the documented symbols: id, kind, qualified name, "
       "location and summary of the best matches.",
       {{"query", "string", "Words or identifiers to look for", true, {}, 0, 0},
        {"k", "integer", "Most hits (default 10)", false, {}, 1, 50},
        {"kind", "string", "Only symbols of this kind (function, class, method, ...)", false, {}, 0, 0}},
       search_schema, run_search},
      {"get_symbol", "Get a symbol",
       "One symbol by id or (qualified) name: signature, docs, location, parameters, callers, "
       "callees, bases, overrides and usage examples.",
       {{"id", "string", "Symbol id (from search or outline)", false, {}, 0, 0},
        {"name", "string", "Qualified or plain name, when the id is not known", false, {}, 0, 0}},
       get_symbol_schema, run_get_symbol},
      {"related", "Related symbols",
       "Symbols related to one symbol: callers, callees, bases, derived classes, overridden "
       "methods, members, or the most similar symbols; depth follows the relation transitively.",
       {{"symbol", "string", "Symbol id or name", true, {}, 0, 0},
        {"relation", "string", "Which relation", true,
         {"callers", "callees", "bases", "derived", "overrides", "members", "similar"}, 0, 0},
        {"depth", "integer", "Steps to follow (default 1)", false, {}, 1, 5}},
       related_schema, run_related},
      {"read_source", "Read source",
       "Lines of a source file (path relative to the source root), from the docpack's stored "
       "text or the --source folder. Paths outside the source are refused.",
       {{"path", "string", "File path relative to the source root", true, {}, 0, 0},
        {"start_line", "integer", "First line (1-based, default 1)", false, {}, 1, 100000000},
        {"end_line", "integer", "Last line (inclusive)", false, {}, 1, 100000000}},
       read_source_schema, run_read_source},
      {"outline", "Outline",
       "Without a path: the files of the project. With a path: the symbols of that file in line "
       "order.",
       {{"path", "string", "File path relative to the source root", false, {}, 0, 0}},
       outline_schema, run_outline},
      {"overview", "Architecture overview",
       "The architecture page: how the project is organised, its central parts and highlights.",
       {}, overview_schema, run_overview}};
  return t;
}

}  // namespace

json::array McpServer::Impl::tool_list(bool structured) const {
  json::array list;
  for (const Tool& t : tools()) {
    json::object o{{"name", t.name},
                   {"title", t.title},
                   {"description", t.description},
                   {"inputSchema", input_schema(t.args)},
                   {"annotations", json::object{{"readOnlyHint", true}, {"openWorldHint", false}}}};
    if (structured) o["outputSchema"] = t.output_schema();
    list.push_back(std::move(o));
  }
  return list;
}

ToolResult McpServer::Impl::call_tool(const std::string& name, const json::object& args) {
  const auto& all = tools();
  auto it = std::find_if(all.begin(), all.end(), [&](const Tool& t) { return name == t.name; });
  if (it == all.end()) throw RpcError{-32602, "unknown tool: " + name + " (tools/list names them)"};
  if (auto bad = check_args(it->args, args)) throw *bad;
  return it->run(*this, args);
}

json::array McpServer::Impl::resource_list() const {
  json::array list;
  auto add = [&](std::string uri, std::string name, std::string title, std::string description) {
    list.push_back(json::object{{"uri", std::move(uri)},
                               {"name", std::move(name)},
                               {"title", std::move(title)},
                               {"description", std::move(description)},
                               {"mimeType", "text/markdown"}});
  };
  add("doctown://overview", "overview", "Architecture overview",
      "How the project is organised, generated from its code");
  if (!docpack.readme().empty())
    add("doctown://readme", "readme", "Docpack summary", "What the docpack holds");
  for (const auto& [file, idx] : by_file)
    if (!file.empty())
      add("doctown://file/" + percent_encode_path(file), file, file,
          "Documentation of the " + std::to_string(idx.size()) + " symbols of " + file);
  return list;
}

std::optional<std::string> McpServer::Impl::resource_text(std::string_view uri) const {
  if (uri == "doctown://overview") {
    std::string md = "# " + docpack.manifest().name + " architecture\n\n" +
                     docpack.architecture_overview() + "\n";
    if (!docpack.highlights().empty()) md += "\n## Highlights\n\n";
    for (const auto& h : docpack.highlights()) md += "- " + h + "\n";
    return md;
  }
  if (uri == "doctown://readme" && !docpack.readme().empty()) return docpack.readme();
  constexpr std::string_view prefix = "doctown://file/";
  if (uri.substr(0, prefix.size()) != prefix) return std::nullopt;
  // Match against the URIs we hand out rather than decoding the client's text.
  for (const auto& [file, idx] : by_file) {
    if (file.empty() || percent_encode_path(file) != uri.substr(prefix.size())) continue;
    std::vector<std::size_t> order = idx;
    const auto& syms = docpack.symbols();
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
      return syms[x].location.line < syms[y].location.line;
    });
    std::string md = "# " + file + "\n";
    for (std::size_t i : order) {
      const Symbol& s = syms[i];
      md += "\n## " + std::string(to_string(s.kind)) + " `" +
            (s.qualified_name.empty() ? s.name : s.qualified_name) + "`\n\n";
      if (!s.signature.empty()) md += "```\n" + s.signature + "\n```\n\n";
      if (auto d = docpack.docs().find(s.id); d != docpack.docs().end()) {
        if (!d->second.summary.empty()) md += d->second.summary + "\n\n";
        if (!d->second.description.empty()) md += d->second.description + "\n\n";
        for (const ParamDoc& p : d->second.params)
          md += "- `" + p.name + "`: " + p.description + "\n";
        if (!d->second.returns.empty()) md += "\nReturns: " + d->second.returns + "\n";
      }
      md += "\nDefined at " + file + ":" + std::to_string(s.location.line) + "\n";
    }
    return md;
  }
  return std::nullopt;
}

}  // namespace doctown
