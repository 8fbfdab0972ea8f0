// Docpack::open: loads a docpack fully and validates it member by member. Every structural
// problem (missing member, invalid JSON, wrong types, embeddings of the wrong size) becomes an
// error naming the docpack and the member, so `doctown inspect` can say what to rebuild.
#include <bit>
#include <cstring>
#include <limits>
#include <set>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "doctown/docpack.hpp"
#include "output/zip_io.hpp"

namespace doctown {

namespace json = boost::json;
namespace fs = std::filesystem;

class DocpackLoader {
 public:
  static result<Docpack> load(const fs::path& path);
};

namespace {

using detail::json_int;
using detail::json_string;

struct Ctx {
  const fs::path& path;
  error bad(const std::string& member, const std::string& what) const {
    return fail(errc::parse_error,
                member + ": " + what + "; the docpack is damaged or not from doctown, rebuild it",
                path.string());
  }
};

result<json::value> parse_member(const Ctx& c, const detail::ZipMember& m) {
  auto v = detail::parse_json(m.data, m.name);
  if (!v) return c.bad(m.name, v.error().message);
  return std::move(v).value();
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto* p = o.if_contains(key); p && p->is_array())
    for (const auto& e : p->get_array())
      if (e.is_string()) out.emplace_back(e.get_string());
  return out;
}

std::vector<Param> params(const json::object& o, std::string_view key) {
  std::vector<Param> out;
  if (auto* p = o.if_contains(key); p && p->is_array())
    for (const auto& e : p->get_array())
      if (e.is_object()) {
        const auto& po = e.get_object();
        out.push_back({json_string(po, "name"), json_string(po, "type"),
                       json_string(po, "default")});
      }
  return out;
}

std::uint32_t flags_from(const json::object& extra) {
  static constexpr std::pair<std::uint32_t, std::string_view> kNames[] = {
      {flags::is_static, "static"},       {flags::is_virtual, "virtual"},
      {flags::is_pure, "pure"},           {flags::is_override, "override"},
      {flags::is_const, "const"},         {flags::is_noexcept, "noexcept"},
      {flags::is_constexpr, "constexpr"}, {flags::is_inline, "inline"},
      {flags::is_deleted, "deleted"},     {flags::is_defaulted, "defaulted"},
      {flags::is_deprecated, "deprecated"}, {flags::is_template, "template"},
      {flags::is_definition, "definition"}};
  std::uint32_t f = 0;
  for (const std::string& n : strings(extra, "flags"))
    for (const auto& [bit, name] : kNames)
      if (n == name) f |= bit;
  return f;
}

Access access_from(const std::string& s) {
  if (s == "public") return Access::public_;
  if (s == "protected") return Access::protected_;
  if (s == "private") return Access::private_;
  return Access::none;
}

}  // namespace

result<Docpack> DocpackLoader::load(const fs::path& path) {
  Ctx c{path};
  auto members = detail::read_zip(path);
  if (!members) return std::move(members).error();
  Docpack dp;
  std::map<std::string, const detail::ZipMember*> by_name;
  for (const auto& m : *members) {
    dp.members_.push_back(m.name);
    by_name[m.name] = &m;
  }
  for (const char* required : {"manifest.json", "chunks.json", "embeddings.bin", "graph.json",
                               "documentation.json"})
    if (!by_name.count(required))
      return fail(errc::parse_error,
                  std::string("member ") + required +
                      " is missing (truncated or not a docpack); rebuild it with `doctown build`",
                  path.string());

  // manifest.json
  auto man = parse_member(c, *by_name["manifest.json"]);
  if (!man) return std::move(man).error();
  if (!man->is_object()) return c.bad("manifest.json", "expected a JSON object");
  const auto& mo = man->get_object();
  dp.version_ = json_string(mo, "docpack_version");
  if (dp.version_.empty()) return c.bad("manifest.json", "docpack_version is missing");
  dp.manifest_json_ = by_name["manifest.json"]->data;

  // chunks.json
  auto ch = parse_member(c, *by_name["chunks.json"]);
  if (!ch) return std::move(ch).error();
  if (!ch->is_array()) return c.bad("chunks.json", "expected a JSON array of chunks");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < ch->get_array().size(); ++i) {
    const auto& v = ch->get_array()[i];
    std::string at = "chunk " + std::to_string(i);
    if (!v.is_object()) return c.bad("chunks.json", at + " is not an object");
    const auto& o = v.get_object();
    Symbol s;
    s.id = json_string(o, "chunk_id");
    if (s.id.empty()) return c.bad("chunks.json", at + " has no chunk_id");
    if (!ids.insert(s.id).second) return c.bad("chunks.json", "duplicate chunk_id " + s.id);
    s.location.file = json_string(o, "path");
    s.location.line = static_cast<int>(json_int(o, "start"));
    s.location.end_line = static_cast<int>(json_int(o, "end"));
    s.source_text = json_string(o, "text");
    static const json::object empty;
    const json::object* meta = &empty;
    if (auto* p = o.if_contains("metadata"); p && p->is_object()) meta = &p->get_object();
    const json::object* extra = &empty;
    if (auto* p = meta->if_contains("extra"); p && p->is_object()) extra = &p->get_object();
    s.language = json_string(*meta, "language");
    s.name = json_string(*meta, "symbol_name");
    s.qualified_name = json_string(*meta, "qualified_name");
    s.kind = symbol_kind_from_string(json_string(*meta, "symbol_kind")).value_or(SymbolKind::other);
    s.access = access_from(json_string(*meta, "visibility"));
    s.params = params(*meta, "parameters");
    s.return_type = json_string(*meta, "return_type");
    s.doc_comment = json_string(*meta, "doc_comment");
    s.signature = json_string(*extra, "signature");
    s.brief = json_string(*extra, "brief");
    s.flags = flags_from(*extra);
    s.complexity = static_cast<int>(json_int(*extra, "complexity"));
    s.nesting_depth = static_cast<int>(json_int(*extra, "nesting_depth"));
    s.is_public_api = detail::json_bool(*extra, "is_public_api");
    s.parent_id = json_string(*extra, "parent_id");
    s.template_params = params(*extra, "template_parameters");
    if (auto* p = extra->if_contains("declaration"); p && p->is_object()) {
      const auto& d = p->get_object();
      s.declaration = SourceRange{json_string(d, "file"), static_cast<int>(json_int(d, "line")),
                                  static_cast<int>(json_int(d, "end_line"))};
    }
    dp.symbols_.push_back(std::move(s));
  }

  // embeddings.bin
  {
    const std::string& bin = by_name["embeddings.bin"]->data;
    const json::object* emb = nullptr;
    if (auto* p = mo.if_contains("embedding"); p && p->is_object()) emb = &p->get_object();
    if (!emb) return c.bad("manifest.json", "embedding section is missing");
    long long dims = json_int(*emb, "dims", -1);
    if (dims < 0) return c.bad("manifest.json", "embedding.dims is missing");
    if (json_string(*emb, "dtype", "float32") != "float32")
      return c.bad("manifest.json", "embedding.dtype is not float32");
    std::size_t rows = dp.symbols_.size();
    if (bin.size() % 4 != 0)
      return c.bad("embeddings.bin", "size " + std::to_string(bin.size()) +
                                         " is not a multiple of 4 (truncated)");
    // rows x dims x 4 must not wrap around: a wrapped product could match a small file while
    // dims promises far more values than there are, and every later row() would read past them.
    const auto udims = static_cast<std::size_t>(dims);
    if (udims != 0 && rows > std::numeric_limits<std::size_t>::max() / 4 / udims)
      return c.bad("manifest.json", "embedding.dims " + std::to_string(dims) +
                                        " is impossibly large for " + std::to_string(rows) +
                                        " chunks");
    std::size_t expect = rows * udims * 4;
    if (bin.size() != expect && !(bin.empty()))
      return c.bad("embeddings.bin", "size " + std::to_string(bin.size()) + " bytes, expected " +
                                         std::to_string(rows) + " rows x " +
                                         std::to_string(dims) + " dims x 4");
    dp.embeddings_.model = json_string(*emb, "model");
    dp.embeddings_.dims = bin.empty() ? 0 : static_cast<std::size_t>(dims);
    dp.embeddings_.rows = bin.empty() ? 0 : rows;
    dp.embeddings_.values.resize(bin.size() / 4);
    for (std::size_t i = 0; i < dp.embeddings_.values.size(); ++i) {
      std::uint32_t bits;
      std::memcpy(&bits, bin.data() + i * 4, 4);
      if constexpr (std::endian::native == std::endian::big)
        bits = ((bits & 0xffu) << 24) | ((bits & 0xff00u) << 8) | ((bits >> 8) & 0xff00u) |
               (bits >> 24);
      dp.embeddings_.values[i] = std::bit_cast<float>(bits);
    }
  }

  // graph.json
  auto gr = parse_member(c, *by_name["graph.json"]);
  if (!gr) return std::move(gr).error();
  if (!gr->is_object()) return c.bad("graph.json", "expected a JSON object");
  {
    const auto& go = gr->get_object();
    auto* nodes = go.if_contains("nodes");
    auto* edges = go.if_contains("edges");
    if (!nodes || !nodes->is_array()) return c.bad("graph.json", "nodes is not an array");
    if (!edges || !edges->is_array()) return c.bad("graph.json", "edges is not an array");
    for (const auto& n : nodes->get_array()) {
      if (!n.is_object()) return c.bad("graph.json", "a node is not an object");
      const auto& no = n.get_object();
      dp.pagerank_[json_string(no, "id")] = detail::json_double(no, "pagerank");
    }
    for (const auto& e : edges->get_array()) {
      if (!e.is_object()) return c.bad("graph.json", "an edge is not an object");
      const auto& eo = e.get_object();
      auto kind = relation_kind_from_string(json_string(eo, "edge_type"));
      if (!kind) continue;  // edge types of other docpack producers: kept out of relations
      dp.relations_.push_back({json_string(eo, "from"), json_string(eo, "to"), *kind,
                               detail::json_double(eo, "score", 1.0)});
    }
  }

  // documentation.json
  auto doc = parse_member(c, *by_name["documentation.json"]);
  if (!doc) return std::move(doc).error();
  if (!doc->is_object()) return c.bad("documentation.json", "expected a JSON object");
  {
    const auto& dobj = doc->get_object();
    auto* sums = dobj.if_contains("summaries");
    if (!sums || !sums->is_array())
      return c.bad("documentation.json", "summaries is not an array");
    for (const auto& v : sums->get_array()) {
      if (!v.is_object()) return c.bad("documentation.json", "a summary is not an object");
      const auto& o = v.get_object();
      SymbolDoc d;
      d.id = json_string(o, "symbol_id");
      if (d.id.empty()) return c.bad("documentation.json", "a summary has no symbol_id");
      d.summary = json_string(o, "summary");
      d.description = json_string(o, "description");
      if (auto* p = o.if_contains("params"); p && p->is_array())
        for (const auto& pv : p->get_array())
          if (pv.is_object())
            d.params.push_back({json_string(pv.get_object(), "name"),
                                json_string(pv.get_object(), "description")});
      d.returns = json_string(o, "returns");
      d.throws = json_string(o, "throws");
      d.notes = json_string(o, "notes");
      d.examples = strings(o, "examples");
      d.see_also = o.contains("see_also") ? strings(o, "see_also") : strings(o, "related");
      d.source = json_string(o, "source");
      dp.docs_[d.id] = std::move(d);
    }
    dp.architecture_overview_ = json_string(dobj, "architecture_overview");
    dp.highlights_ = strings(dobj, "highlights");
    if (auto* p = dobj.if_contains("verification"); p && p->is_object()) {
      const auto& vo = p->get_object();
      dp.verified_ratio_ = detail::json_double(vo, "ratio", 1.0);
    }
  }
  if (auto it = by_name.find("README.md"); it != by_name.end()) dp.readme_ = it->second->data;
  return dp;
}

result<Docpack> Docpack::open(const fs::path& path) {
  try {
    return DocpackLoader::load(path);
  } catch (const std::exception& e) {
    return fail(errc::parse_error, std::string("reading the docpack failed: ") + e.what(),
                path.string());
  }
}

}  // namespace doctown
