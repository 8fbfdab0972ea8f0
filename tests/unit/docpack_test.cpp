// Docpack writer and reader: the 6.1 layout, consistency between members, round trip, and
// clear errors (never crashes) for damaged docpacks.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <cstring>
#include <fstream>
#include <set>

#include "core/file_util.hpp"
#include "doctown/docpack.hpp"
#include "doctown/writer.hpp"
#include "output/docpack/zip_io.hpp"
#include "support/output_fixture.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using doctown::test::OutputFixture;

namespace {

fs::path write_docpack(const doctown::DocSet& d, const fs::path& dir, const std::string& name) {
  auto w = doctown::make_writer("docpack");
  REQUIRE(w);
  auto path = (*w)->write(d, dir, name, {});
  INFO((path ? std::string() : path.error().what()));
  REQUIRE(path);
  return *path;
}

std::map<std::string, std::string> members_of(const fs::path& p) {
  auto members = doctown::detail::read_zip(p);
  INFO((members ? std::string() : members.error().what()));
  REQUIRE(members);
  std::map<std::string, std::string> out;
  for (auto& m : *members) out[m.name] = m.data;
  return out;
}

json::value parse(const std::string& s) { return json::parse(s); }

}  // namespace

TEST_CASE("docpack has the 6.1 members and consistent contents", "[docpack]") {
  OutputFixture fx;
  fs::path dir = doctown::test::scratch_dir("docpack");
  fs::path path = write_docpack(fx.docset(), dir, "geo");
  CHECK(path == dir / "geo.docpack");
  // Written under a temporary name then renamed: nothing else is left in the folder.
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 1);

  auto m = members_of(path);
  for (const char* name : {"manifest.json", "filestructure.json", "chunks.json", "embeddings.bin",
                           "graph.json", "documentation.json", "sources.json", "README.md"})
    CHECK(m.count(name) == 1);

  auto manifest = parse(m["manifest.json"]).as_object();
  CHECK(manifest["docpack_version"] == "6.1");
  CHECK(manifest["generated_at"] == "2026-11-27T14:00:00Z");
  CHECK(manifest["source"].as_object()["type"] == "local");
  CHECK(manifest["source"].as_object()["path"] == "/src/geo-project");
  auto emb = manifest["embedding"].as_object();
  CHECK(emb["model"] == "doctown-local-hash-v1");
  CHECK(emb["dims"].to_number<std::size_t>() == 32);
  CHECK(emb["dtype"] == "float32");
  CHECK(emb["byte_order"] == "little");
  auto gen = manifest["generator"].as_object();
  CHECK(gen["name"] == "doctown");
  CHECK(gen["llm_model"] == "test-model");
  CHECK(gen["mode"] == "sync");
  auto scoring = manifest["doc_scoring"].as_object();
  CHECK(scoring["threshold"].to_number<double>() == Approx(0.65));
  CHECK(scoring["weights"].as_object()["structural"].to_number<double>() == Approx(0.5));
  CHECK(scoring["statistics"].as_object()["scored"].to_number<std::size_t>() ==
        fx.codebase.symbols.size());
  CHECK(manifest["totals"].as_object()["symbols"].to_number<std::size_t>() ==
        fx.codebase.symbols.size());
  CHECK(manifest["generation_stats"].as_object()["requests"].to_number<int>() == 3);

  // embeddings.bin: rows x dims x 4 bytes, little-endian float32, row i = chunks[i].
  auto chunks = parse(m["chunks.json"]).as_array();
  REQUIRE(chunks.size() == fx.codebase.symbols.size());
  CHECK(m["embeddings.bin"].size() == chunks.size() * 32 * 4);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    CHECK(chunks[i].as_object()["chunk_id"] == fx.codebase.symbols[i].id.c_str());
    unsigned char b[4];
    std::memcpy(b, m["embeddings.bin"].data() + i * 32 * 4, 4);
    std::uint32_t bits = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
    float v;
    std::memcpy(&v, &bits, 4);
    CHECK(v == fx.embeddings.values[i * 32]);
  }

  // Doctown's chunk field names, with our facts.
  std::set<std::string> chunk_ids;
  for (auto& c : chunks) chunk_ids.insert(std::string(c.as_object().at("chunk_id").as_string()));
  const json::object* total_area = nullptr;
  for (auto& c : chunks)
    if (c.as_object().at("metadata").as_object().at("qualified_name") == "geo::total_area")
      total_area = &c.as_object();
  REQUIRE(total_area);
  CHECK(total_area->at("path") == "src/algorithms.cpp");
  CHECK(total_area->at("start").to_number<int>() == 10);
  CHECK(total_area->at("end").to_number<int>() == 16);
  CHECK(total_area->at("type") == "code");
  auto meta = total_area->at("metadata").as_object();
  for (const char* key : {"language", "line_start", "line_end", "symbol_name", "qualified_name",
                          "symbol_kind", "visibility", "parameters", "return_type", "doc_comment",
                          "calls", "called_by", "extends", "implements", "uses_types", "extra"})
    CHECK(meta.contains(key));
  CHECK(meta["symbol_kind"] == "function");
  CHECK(meta["calls"].as_array().size() == 1);
  CHECK(meta["called_by"].as_array().size() == 1);
  CHECK(meta["parameters"].as_array()[0].as_object()["name"] == "shapes");
  CHECK(meta["extra"].as_object().contains("doc_score"));

  // Every documented symbol id exists among the chunks.
  auto doc = parse(m["documentation.json"]).as_object();
  auto summaries = doc["summaries"].as_array();
  CHECK(summaries.size() == fx.docs.size());
  for (auto& s : summaries) {
    auto o = s.as_object();
    CHECK(chunk_ids.count(std::string(o["symbol_id"].as_string())) == 1);
    for (const char* key : {"summary", "description", "details", "related"}) CHECK(o.contains(key));
  }
  // related holds resolved ids: "Shape" in Circle's see-also resolves to geo::Shape's USR.
  for (auto& s : summaries)
    if (s.as_object().at("symbol_id") == fx.id_of("geo::Circle").c_str())
      CHECK(s.as_object().at("related").as_array()[0] == fx.id_of("geo::Shape").c_str());

  // A real architecture overview from the facts (the DocSet carries none).
  std::string overview(doc["architecture_overview"].as_string());
  CHECK(overview.find("`geo::Shape`") != std::string::npos);
  CHECK(overview.find("base of `geo::Circle`") != std::string::npos);
  CHECK(overview.find("src/algorithms.cpp") != std::string::npos);
  CHECK(!doc["highlights"].as_array().empty());
  auto ver = doc["verification"].as_object();
  CHECK(ver["checked"].to_number<std::size_t>() == fx.docs.size());
  CHECK(ver["ratio"].to_number<double>() == Approx(1.0));

  // graph.json: typed edges and PageRank per node.
  auto graph = parse(m["graph.json"]).as_object();
  CHECK(graph["nodes"].as_array().size() == fx.graph.nodes.size());
  bool saw_inherits = false;
  for (auto& e : graph["edges"].as_array())
    if (e.as_object().at("edge_type") == "inherits") saw_inherits = true;
  CHECK(saw_inherits);
  REQUIRE_FALSE(graph["nodes"].as_array().empty());
  for (auto& n : graph["nodes"].as_array()) CHECK(n.as_object().at("pagerank").to_number<double>() > 0);

  auto fsj = parse(m["filestructure.json"]).as_object();
  CHECK(fsj["node_type"] == "directory");
  CHECK(m["README.md"].find("# geo docpack") == 0);
}

TEST_CASE("docpack round-trips through Docpack::open", "[docpack]") {
  OutputFixture fx;
  doctown::DocSet d = fx.docset();
  d.architecture_overview = "Written by the model: `geo::Shape` is the root.";
  fs::path path = write_docpack(d, doctown::test::scratch_dir("docpack-rt"), "geo");
  auto dp = doctown::Docpack::open(path);
  INFO((dp ? std::string() : dp.error().what()));
  REQUIRE(dp);
  CHECK(dp->version() == "6.1");
  REQUIRE(dp->symbols().size() == fx.codebase.symbols.size());
  for (std::size_t i = 0; i < fx.codebase.symbols.size(); ++i) {
    const auto& a = fx.codebase.symbols[i];
    const auto& b = dp->symbols()[i];
    CHECK(a.id == b.id);
    CHECK(a.kind == b.kind);
    CHECK(a.qualified_name == b.qualified_name);
    CHECK(a.location.file == b.location.file);
    CHECK(a.location.line == b.location.line);
    CHECK(a.signature == b.signature);
    CHECK(a.flags == b.flags);
    CHECK(a.params.size() == b.params.size());
    CHECK(a.return_type == b.return_type);
  }
  CHECK(dp->embeddings().rows == fx.embeddings.rows);
  CHECK(dp->embeddings().dims == fx.embeddings.dims);
  CHECK(dp->embeddings().values == fx.embeddings.values);
  CHECK(dp->embeddings().model == "doctown-local-hash-v1");
  REQUIRE(dp->docs().size() == fx.docs.size());
  for (const auto& [id, doc] : fx.docs) {
    const auto& back = dp->docs().at(id);
    CHECK(back.summary == doc.summary);
    CHECK(back.description == doc.description);
    CHECK(back.params.size() == doc.params.size());
    CHECK(back.returns == doc.returns);
    CHECK(back.throws == doc.throws);
    CHECK(back.examples == doc.examples);
    CHECK(back.see_also == doc.see_also);
  }
  CHECK(dp->relations().size() == fx.graph.edges.size());
  CHECK(dp->pagerank().size() == fx.graph.nodes.size());
  CHECK(dp->pagerank().at(fx.id_of("geo::Shape::area")) > dp->pagerank().at(fx.id_of("geo::summarize")));
  CHECK(dp->architecture_overview() == "Written by the model: `geo::Shape` is the root.");
  CHECK(dp->verified_ratio() == Approx(1.0));
  CHECK(dp->members().size() == 8);
}

TEST_CASE("damaged docpacks give clear errors naming the problem", "[docpack]") {
  OutputFixture fx;
  fs::path dir = doctown::test::scratch_dir("docpack-bad");
  fs::path good = write_docpack(fx.docset(), dir, "geo");
  auto bytes = doctown::detail::read_file(good);
  REQUIRE(bytes);

  SECTION("missing file") {
    auto dp = doctown::Docpack::open(dir / "nope.docpack");
    REQUIRE(!dp);
    CHECK(dp.error().code == doctown::errc::not_found);
    CHECK(dp.error().where == (dir / "nope.docpack").string());
  }
  SECTION("not a zip") {
    fs::path p = dir / "text.docpack";
    REQUIRE(doctown::detail::write_file_atomic(p, "hello, I am not a zip archive"));
    auto dp = doctown::Docpack::open(p);
    REQUIRE(!dp);
    CHECK(dp.error().code == doctown::errc::parse_error);
    CHECK(dp.error().where == p.string());
  }
  SECTION("truncated at many lengths: always an error, never a crash") {
    int errors = 0;
    for (int k = 1; k < 40; ++k) {
      std::size_t len = bytes->size() * static_cast<std::size_t>(k) / 40;
      fs::path p = dir / ("cut" + std::to_string(k) + ".docpack");
      REQUIRE(doctown::detail::write_file_atomic(p, std::string_view(*bytes).substr(0, len)));
      auto dp = doctown::Docpack::open(p);
      if (!dp) {
        ++errors;
        CHECK(dp.error().where == p.string());
        CHECK(!dp.error().message.empty());
      }
    }
    CHECK(errors == 39);
  }
  SECTION("truncated mid-way names a member") {
    fs::path p = dir / "half.docpack";
    REQUIRE(doctown::detail::write_file_atomic(p, std::string_view(*bytes).substr(0, bytes->size() / 2)));
    auto dp = doctown::Docpack::open(p);
    REQUIRE(!dp);
    std::string msg = dp.error().message;
    INFO(msg);
    bool names_member = false;
    for (const char* m : {"manifest.json", "filestructure.json", "chunks.json", "embeddings.bin",
                          "graph.json", "documentation.json"})
      if (msg.find(m) != std::string::npos) names_member = true;
    CHECK(names_member);
  }
  auto members = doctown::detail::read_zip(good);
  REQUIRE(members);
  auto rewrite = [&](const std::string& member, std::optional<std::string> data) {
    std::vector<doctown::detail::ZipMember> out;
    for (auto m : *members) {
      if (m.name == member) {
        if (!data) continue;
        m.data = *data;
      }
      out.push_back(m);
    }
    fs::path p = dir / ("edited-" + member + ".docpack");
    REQUIRE(doctown::detail::write_zip_atomic(p, out, 0));
    return doctown::Docpack::open(p);
  };
  SECTION("a missing member is named") {
    auto dp = rewrite("graph.json", std::nullopt);
    REQUIRE(!dp);
    CHECK(dp.error().message.find("graph.json") != std::string::npos);
    CHECK(dp.error().message.find("missing") != std::string::npos);
  }
  SECTION("invalid JSON is named") {
    auto dp = rewrite("chunks.json", std::string("[{\"chunk_id\": "));
    REQUIRE(!dp);
    CHECK(dp.error().message.find("chunks.json") != std::string::npos);
  }
  SECTION("embeddings of the wrong size are named") {
    auto dp = rewrite("embeddings.bin", std::string(12, '\0'));
    REQUIRE(!dp);
    CHECK(dp.error().message.find("embeddings.bin") != std::string::npos);
  }
  SECTION("stored source texts of the wrong shape are named") {
    auto dp = rewrite("sources.json", std::string("{\"files\": [{\"path\": \"a.cpp\", \"text\": 5}]}"));
    REQUIRE(!dp);
    CHECK(dp.error().message.find("sources.json") != std::string::npos);
  }
  SECTION("a docpack without sources.json (older writers) still opens") {
    auto dp = rewrite("sources.json", std::nullopt);
    REQUIRE(dp);
    CHECK(!dp->files().empty());
    for (const auto& f : dp->files()) CHECK(!f.has_text);
  }
  SECTION("a documentation entry of the wrong type is named") {
    auto dp = rewrite("documentation.json", std::string("{\"summaries\": 3}"));
    REQUIRE(!dp);
    CHECK(dp.error().message.find("documentation.json") != std::string::npos);
  }
}

namespace {

std::uint32_t le32(const std::string& b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}
std::uint16_t le16(const std::string& b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                    static_cast<unsigned char>(b[at + 1]) << 8);
}

// Where one member's bytes and CRC-32 copies are in a zip, read from its central directory.
struct MemberSpan {
  std::string name;
  std::size_t data = 0, size = 0;  // compressed data
  std::vector<std::size_t> crc_at;  // central directory, local header, data descriptor
};

std::vector<MemberSpan> member_spans(const std::string& zip) {
  std::size_t eocd = zip.rfind(std::string("PK\x05\x06", 4));
  REQUIRE(eocd != std::string::npos);
  std::size_t count = le16(zip, eocd + 10), cd = le32(zip, eocd + 16);
  std::vector<MemberSpan> out;
  for (std::size_t i = 0; i < count; ++i) {
    REQUIRE(le32(zip, cd) == 0x02014b50u);
    MemberSpan m;
    std::uint16_t flags = le16(zip, cd + 8);
    m.size = le32(zip, cd + 20);
    std::size_t name_len = le16(zip, cd + 28), extra = le16(zip, cd + 30), comment = le16(zip, cd + 32);
    std::size_t local = le32(zip, cd + 42);
    m.name = zip.substr(cd + 46, name_len);
    REQUIRE(le32(zip, local) == 0x04034b50u);
    m.data = local + 30 + le16(zip, local + 26) + le16(zip, local + 28);
    m.crc_at = {cd + 16, local + 14};
    if (flags & 8) {  // a data descriptor follows the data, with or without its signature
      std::size_t dd = m.data + m.size;
      m.crc_at.push_back(le32(zip, dd) == 0x08074b50u ? dd + 4 : dd);
    }
    out.push_back(m);
    cd += 46 + name_len + extra + comment;
  }
  return out;
}

}  // namespace

TEST_CASE("a one-byte flip in a stored member is detected and never read as valid", "[docpack]") {
  OutputFixture fx;
  fs::path dir = doctown::test::scratch_dir("docpack-flip");
  fs::path good = write_docpack(fx.docset(), dir, "geo");
  auto bytes = doctown::detail::read_file(good);
  REQUIRE(bytes);
  auto spans = member_spans(*bytes);
  REQUIRE(spans.size() >= 7);
  std::size_t tried = 0;
  for (const MemberSpan& m : spans) {
    INFO(m.name);
    REQUIRE(m.size > 0);
    // 1. A wrong CRC-32 with intact data: only the checksum can tell.
    {
      std::string bad = *bytes;
      for (std::size_t at : m.crc_at) bad[at] = static_cast<char>(bad[at] ^ 0x01);
      fs::path p = dir / ("crc-" + m.name + ".docpack");
      REQUIRE(doctown::detail::write_file_atomic(p, bad));
      auto dp = doctown::Docpack::open(p);
      REQUIRE(!dp);
      CHECK(dp.error().message.find(m.name) != std::string::npos);
      ++tried;
    }
    // 2. One flipped bit in the compressed data, at three places. (Not the last byte: its high
    // bits may be deflate's padding, which no reader can notice.)
    for (std::size_t at : {m.data, m.data + m.size / 2, m.data + m.size * 3 / 4}) {
      std::string bad = *bytes;
      bad[at] = static_cast<char>(bad[at] ^ 0x10);
      fs::path p = dir / ("flip-" + m.name + "-" + std::to_string(at) + ".docpack");
      REQUIRE(doctown::detail::write_file_atomic(p, bad));
      auto members = doctown::detail::read_zip(p);
      CHECK(!members);
      auto dp = doctown::Docpack::open(p);
      CHECK(!dp);
      ++tried;
    }
  }
  CHECK(tried == spans.size() * 4);
}

TEST_CASE("writers validate their input and names", "[docpack]") {
  OutputFixture fx;
  fs::path dir = doctown::test::scratch_dir("docpack-val");
  auto w = doctown::make_docpack_writer();
  REQUIRE(w);
  doctown::DocSet d = fx.docset();
  doctown::EmbeddingMatrix wrong = fx.embeddings;
  wrong.rows -= 1;
  wrong.values.resize(wrong.rows * wrong.dims);
  d.embeddings = &wrong;
  auto r = (*w)->write(d, dir, "geo", {});
  REQUIRE(!r);
  CHECK(r.error().code == doctown::errc::invalid_argument);
  CHECK(r.error().message.find("embedding rows") != std::string::npos);
  CHECK(!fs::exists(dir / "geo.docpack"));

  doctown::DocSet null_docs = fx.docset();
  null_docs.docs = nullptr;
  auto r2 = (*w)->write(null_docs, dir, "geo", {});
  REQUIRE(!r2);
  CHECK(r2.error().message.find("docs") != std::string::npos);

  // Writers publish verification, they never run it: an unverified DocSet is refused.
  doctown::DocSet unverified = fx.docset();
  unverified.verification = nullptr;
  auto r3 = (*w)->write(unverified, dir, "geo", {});
  REQUIRE(!r3);
  CHECK(r3.error().code == doctown::errc::invalid_argument);
  CHECK(r3.error().message.find("verify_docs") != std::string::npos);
  CHECK(!fs::exists(dir / "geo.docpack"));

  auto bad_name = (*w)->write(fx.docset(), dir, "../escape", {});
  REQUIRE(!bad_name);
  CHECK(bad_name.error().code == doctown::errc::invalid_argument);

  auto unknown = doctown::make_writer("pdf");
  REQUIRE(!unknown);
  CHECK(unknown.error().code == doctown::errc::not_found);
  CHECK(unknown.error().message.find("docpack, markdown or html") != std::string::npos);
}


TEST_CASE("an empty codebase still gives valid outputs", "[docpack]") {
  doctown::Codebase cb;
  cb.name = "empty";
  cb.root = "/empty";
  doctown::EmbeddingMatrix emb;
  emb.model = "doctown-local-hash-v1";
  emb.dims = 256;
  doctown::Graph g;
  std::vector<doctown::DocScore> scores;
  std::map<std::string, doctown::SymbolDoc> docs;
  std::vector<doctown::SymbolFailure> failures;
  std::vector<doctown::VerifyResult> verification;
  doctown::DocSet d;
  d.verification = &verification;
  d.codebase = &cb;
  d.embeddings = &emb;
  d.graph = &g;
  d.scores = &scores;
  d.docs = &docs;
  d.failures = &failures;
  fs::path dir = doctown::test::scratch_dir("docpack-empty");
  for (const char* format : {"docpack", "markdown", "html"}) {
    auto w = doctown::make_writer(format);
    REQUIRE(w);
    auto p = (*w)->write(d, dir, "empty", {});
    INFO(format << ": " << (p ? std::string() : p.error().what()));
    CHECK(p);
  }
  auto dp = doctown::Docpack::open(dir / "empty.docpack");
  INFO((dp ? std::string() : dp.error().what()));
  REQUIRE(dp);
  CHECK(dp->symbols().empty());
  CHECK(dp->embeddings().rows == 0);
  CHECK(fs::exists(dir / "empty" / "markdown" / "index.md"));
  CHECK(fs::exists(dir / "empty" / "html" / "index.html"));
}
