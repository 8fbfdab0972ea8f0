// Docpack::open: loads a docpack fully and validates it member by member. Every structural
// problem (missing member, invalid JSON, wrong types, embeddings of the wrong size) becomes an
// error naming the docpack and the member, so `doctown inspect` can say what to rebuild.
#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <set>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "doctown/docpack.hpp"
#include "format/format.hpp"
#include "output/docpack/zip_io.hpp"

namespace doctown {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {
struct Ctx;
}

using Members = std::map<std::string, const detail::ZipMember*>;

class DocpackLoader {
 public:
  static result<Docpack> load(const fs::path& path);

 private:
  static result<void> load_chunks(const Ctx& c, const Members& by_name, Docpack& dp);
  static result<void> load_embeddings(const Ctx& c, const Members& by_name,
                                      const json::object& manifest, Docpack& dp);
  static result<void> load_graph(const Ctx& c, const Members& by_name, Docpack& dp);
  static result<void> load_docs(const Ctx& c, const Members& by_name, Docpack& dp);
  static result<void> load_files(const Ctx& c, const Members& by_name, Docpack& dp);
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

// filestructure.json is a tree; files() is its leaves in path order.
void collect_files(const json::value& node, std::vector<DocpackFile>& out, int depth) {
  if (!node.is_object() || depth > 256) return;
  const auto& o = node.get_object();
  if (json_string(o, "node_type") == "file") {
    DocpackFile f;
    f.path = json_string(o, "path");
    f.language = json_string(o, "language");
    f.size = static_cast<std::uint64_t>(std::max(0LL, json_int(o, "size")));
    f.sha256 = json_string(o, "sha256");
    if (!f.path.empty()) out.push_back(std::move(f));
  }
  if (auto* c = o.if_contains("children"); c && c->is_array())
    for (const auto& child : c->get_array()) collect_files(child, out, depth + 1);
}

}  // namespace

result<void> DocpackLoader::load_files(const Ctx& c, const Members& by_name, Docpack& dp) {
  if (auto it = by_name.find("filestructure.json"); it != by_name.end()) {
    auto fsj = parse_member(c, *it->second);
    if (!fsj) return std::move(fsj).error();
    collect_files(*fsj, dp.files_, 0);
  }
  std::sort(dp.files_.begin(), dp.files_.end(),
            [](const DocpackFile& a, const DocpackFile& b) { return a.path < b.path; });
  auto it = by_name.find("sources.json");
  if (it == by_name.end()) return {};
  auto src = parse_member(c, *it->second);
  if (!src) return std::move(src).error();
  if (!src->is_object()) return c.bad("sources.json", "expected a JSON object");
  auto* files = src->get_object().if_contains("files");
  if (!files || !files->is_array()) return c.bad("sources.json", "files is not an array");
  for (const auto& v : files->get_array()) {
    if (!v.is_object()) return c.bad("sources.json", "a file is not an object");
    const auto& o = v.get_object();
    auto* text = o.if_contains("text");
    if (!text || !text->is_string()) return c.bad("sources.json", "a file has no text");
    std::string path = json_string(o, "path");
    auto f = std::lower_bound(dp.files_.begin(), dp.files_.end(), path,
                              [](const DocpackFile& a, const std::string& p) { return a.path < p; });
    if (f == dp.files_.end() || f->path != path) {
      // A stored text of a file filestructure.json does not list: keep it, it is still source.
      f = dp.files_.insert(f, DocpackFile{path, "", 0, json_string(o, "sha256"), false, ""});
    }
    f->has_text = true;
    f->text = std::string(text->get_string());
  }
  return {};
}

result<void> DocpackLoader::load_chunks(const Ctx& c, const Members& by_name, Docpack& dp) {
  auto ch = parse_member(c, *by_name.at("chunks.json"));
  if (!ch) return std::move(ch).error();
  if (!ch->is_array()) return c.bad("chunks.json", "expected a JSON array of chunks");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < ch->get_array().size(); ++i) {
    const auto& v = ch->get_array()[i];
    std::string at = "chunk " + std::to_string(i);
    if (!v.is_object()) return c.bad("chunks.json", at + " is not an object");
    Symbol s = symbol_from_chunk(v.get_object());
    if (s.id.empty()) return c.bad("chunks.json", at + " has no chunk_id");
    if (!ids.insert(s.id).second) return c.bad("chunks.json", "duplicate chunk_id " + s.id);
    dp.symbols_.push_back(std::move(s));
  }
  return {};
}

result<void> DocpackLoader::load_embeddings(const Ctx& c, const Members& by_name,
                                            const json::object& manifest, Docpack& dp) {
  const std::string& bin = by_name.at("embeddings.bin")->data;
  const json::object* emb = nullptr;
  if (auto* p = manifest.if_contains("embedding"); p && p->is_object()) emb = &p->get_object();
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
  return {};
}

result<void> DocpackLoader::load_graph(const Ctx& c, const Members& by_name, Docpack& dp) {
  auto gr = parse_member(c, *by_name.at("graph.json"));
  if (!gr) return std::move(gr).error();
  if (!gr->is_object()) return c.bad("graph.json", "expected a JSON object");
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
    // Edge types of other docpack producers are kept out of relations.
    if (auto r = relation_from_graph_edge(e.get_object())) dp.relations_.push_back(std::move(*r));
  }
  return {};
}

result<void> DocpackLoader::load_docs(const Ctx& c, const Members& by_name, Docpack& dp) {
  auto doc = parse_member(c, *by_name.at("documentation.json"));
  if (!doc) return std::move(doc).error();
  if (!doc->is_object()) return c.bad("documentation.json", "expected a JSON object");
  const auto& dobj = doc->get_object();
  auto* sums = dobj.if_contains("summaries");
  if (!sums || !sums->is_array()) return c.bad("documentation.json", "summaries is not an array");
  for (const auto& v : sums->get_array()) {
    if (!v.is_object()) return c.bad("documentation.json", "a summary is not an object");
    SymbolDoc d = json::value_to<SymbolDoc>(v);
    if (d.id.empty()) return c.bad("documentation.json", "a summary has no symbol_id");
    std::string id = d.id;
    dp.docs_[id] = std::move(d);
  }
  dp.architecture_overview_ = json_string(dobj, "architecture_overview");
  dp.highlights_ = string_list(dobj, "highlights");
  if (auto* p = dobj.if_contains("verification"); p && p->is_object())
    dp.verified_ratio_ = detail::json_double(p->get_object(), "ratio", 1.0);
  return {};
}

result<Docpack> DocpackLoader::load(const fs::path& path) {
  Ctx c{path};
  auto members = detail::read_zip(path);
  if (!members) return std::move(members).error();
  Docpack dp;
  Members by_name;
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

  auto man = parse_member(c, *by_name["manifest.json"]);
  if (!man) return std::move(man).error();
  if (!man->is_object()) return c.bad("manifest.json", "expected a JSON object");
  const auto& mo = man->get_object();
  dp.version_ = json_string(mo, "docpack_version");
  if (dp.version_.empty()) return c.bad("manifest.json", "docpack_version is missing");
  dp.manifest_ = json::value_to<Manifest>(*man);
  dp.manifest_json_ = by_name["manifest.json"]->data;

  // Embeddings come after the chunks: their row count is the chunk count.
  if (auto ok = load_chunks(c, by_name, dp); !ok) return ok.error();
  if (auto ok = load_embeddings(c, by_name, mo, dp); !ok) return ok.error();
  if (auto ok = load_graph(c, by_name, dp); !ok) return ok.error();
  if (auto ok = load_docs(c, by_name, dp); !ok) return ok.error();
  if (auto ok = load_files(c, by_name, dp); !ok) return ok.error();
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

namespace doctown {

const DocpackFile* Docpack::file(std::string_view path) const {
  auto it = std::lower_bound(files_.begin(), files_.end(), path,
                             [](const DocpackFile& f, std::string_view p) { return f.path < p; });
  return it != files_.end() && it->path == path ? &*it : nullptr;
}

}  // namespace doctown
