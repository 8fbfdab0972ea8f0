// The C/C++ analyzer on real projects (zlib, tinyxml2, spdlog at fixed commits, from the
// realcode corpus next to the repository): the facts a reader looks for first — public API
// names, their comments, macros, relations — and none of clang's internal spellings. Each
// project is extracted to a scratch folder and only the files a fact needs are analysed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <cctype>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "doctown/analyzer.hpp"
#include "doctown/source.hpp"
#include "support/skip.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
namespace fs = std::filesystem;

extern "C" const char* __lsan_default_suppressions() {
  return "leak:llvm::SmallVectorBase<unsigned int>::grow_pod\n";
}

namespace {

fs::path realcode_dir() {
  if (const char* d = std::getenv("DOCTOWN_REALCODE_DIR")) return d;
  return fs::path(DOCTOWN_TEST_SOURCE_DIR).parent_path() / "shared/realcode";
}

// The extracted project, or empty (with the ctest skip marker printed) when the corpus is not
// on this machine.
fs::path extract(const std::string& project) {
  fs::path tarball = realcode_dir() / (project + ".tar.gz");
  if (!fs::exists(tarball)) {
    test::skip_test("the realcode corpus is not at " + tarball.string());
  }
  auto work = test::scratch_dir("realcode-" + project);
  auto r = resolve_source(tarball.string(), {.work_dir = work}, {});
  if (!r) FAIL(r.error().what());
  fs::path root = r->root;
  if (fs::is_directory(root / project)) root /= project;
  return root;
}

Codebase analyze(const fs::path& root, std::vector<std::string> globs) {
  auto an = make_clang_analyzer({.jobs = 2, .include_globs = std::move(globs)});
  REQUIRE(an);
  auto r = (*an)->analyze(root, {});
  if (!r) FAIL(r.error().what());
  return std::move(*r);
}

const Symbol& named(const Codebase& cb, std::string_view qname, SymbolKind kind) {
  for (const auto& s : cb.symbols)
    if (s.qualified_name == qname && s.kind == kind) return s;
  FAIL("no " << to_string(kind) << " " << qname);
  throw std::logic_error("unreachable");
}

bool has_relation(const Codebase& cb, const std::string& from, const std::string& to,
                  RelationKind kind) {
  return std::find(cb.relations.begin(), cb.relations.end(), Relation{from, to, kind, 1.0}) !=
         cb.relations.end();
}

// What must hold on every project: names, no compiler-internal spellings, no banners.
void check_clean(const Codebase& cb) {
  for (const auto& s : cb.symbols) {
    INFO(s.qualified_name << " at " << s.location.file << ":" << s.location.line);
    CHECK_FALSE(s.name.empty());
    CHECK(s.qualified_name.find("::::") == std::string::npos);
    CHECK(s.qualified_name.substr(s.qualified_name.size() >= 2 ? s.qualified_name.size() - 2 : 0) != "::");
    for (const std::string* t : {&s.name, &s.qualified_name, &s.signature, &s.return_type}) {
      CHECK(t->find("type-parameter-") == std::string::npos);
      CHECK(t->find("__module_private__") == std::string::npos);
    }
    CHECK(s.doc_comment.find("Copyright") == std::string::npos);
  }
}

// Share of public callables and records with a comment.
double commented_share(const Codebase& cb) {
  std::size_t n = 0, with = 0;
  for (const auto& s : cb.symbols) {
    if (!s.is_public_api || !(is_callable(s.kind) || is_record(s.kind))) continue;
    ++n;
    with += !s.doc_comment.empty();
  }
  return n ? static_cast<double>(with) / static_cast<double>(n) : 0.0;
}

// Of the public symbols whose line above (in the header) is a comment, the share that got
// a doc comment: the issue's "every comment directly above a public declaration" sampled on
// the whole header, not a hand-picked few.
double comments_above_captured(const Codebase& cb, const fs::path& root) {
  std::map<std::string, std::vector<std::string>> lines;
  std::size_t n = 0, captured = 0;
  for (const auto& s : cb.symbols) {
    // Enumerators often share their enum's line (`enum class mode { a, b };`): its comment.
    if (!s.is_public_api || s.kind == SymbolKind::namespace_ || s.kind == SymbolKind::enumerator)
      continue;
    const SourceRange& at = s.declaration ? *s.declaration : s.location;
    auto& text = lines[at.file];
    if (text.empty()) {
      std::ifstream in(root / at.file);
      for (std::string l; std::getline(in, l);) text.push_back(l);
    }
    if (at.line < 2 || static_cast<std::size_t>(at.line) > text.size()) continue;
    std::string above = text[static_cast<std::size_t>(at.line) - 2];
    above.erase(0, above.find_first_not_of(" \t"));
    while (!above.empty() && std::isspace(static_cast<unsigned char>(above.back()))) above.pop_back();
    bool comment = above.rfind("//", 0) == 0 ||
                   (above.size() >= 2 && above.substr(above.size() - 2) == "*/");
    if (!comment) continue;
    ++n;
    if (!s.doc_comment.empty()) ++captured;
    else UNSCOPED_INFO("not captured: " << s.qualified_name << " at " << at.file << ":" << at.line);
  }
  return n ? static_cast<double>(captured) / static_cast<double>(n) : 1.0;
}

}  // namespace

TEST_CASE("zlib: prototypes documented below, macros, z_stream fields", "[analyzer][realcode]") {
  auto root = extract("zlib");
  auto cb = analyze(root, {"zlib.h", "zconf.h", "zutil.h", "compress.c"});
  check_clean(cb);
  const auto& deflate = named(cb, "deflate", SymbolKind::function);
  CHECK(deflate.is_public_api);
  CHECK(deflate.location.file == "zlib.h");
  CHECK(deflate.doc_comment.rfind("deflate compresses as much data as possible", 0) == 0);
  CHECK(named(cb, "inflateInit_", SymbolKind::function).is_public_api);
  const auto& version = named(cb, "ZLIB_VERSION", SymbolKind::macro);
  CHECK(version.signature.rfind("#define ZLIB_VERSION \"1.3", 0) == 0);
  CHECK(version.is_public_api);
  CHECK(named(cb, "deflateInit", SymbolKind::macro).signature == "#define deflateInit(strm, level)");
  CHECK(named(cb, "Z_DEFLATED", SymbolKind::macro).doc_comment.find("deflate compression method") !=
        std::string::npos);
  const auto& next_in = named(cb, "z_stream_s::next_in", SymbolKind::field);
  CHECK(next_in.doc_comment == "next input byte");
  // compress2 (compress.c) calls deflate; its header comment and its definition are one symbol.
  const auto& compress2 = named(cb, "compress2", SymbolKind::function);
  CHECK(compress2.location.file == "compress.c");
  CHECK(compress2.declaration->file == "zlib.h");
  CHECK(has_relation(cb, compress2.id, deflate.id, RelationKind::calls));
  CHECK(commented_share(cb) > 0.6);  // the rest have no comment in zlib.h either
  CHECK(comments_above_captured(cb, root) >= 0.95);
  for (const auto& s : cb.symbols) CHECK(s.name != "ZLIB_H");  // include guard
}

TEST_CASE("tinyxml2: the XML classes, their methods and comments", "[analyzer][realcode]") {
  auto root = extract("tinyxml2");
  auto cb = analyze(root, {"tinyxml2.h", "tinyxml2.cpp"});
  check_clean(cb);
  const auto& load = named(cb, "tinyxml2::XMLDocument::LoadFile", SymbolKind::method);
  CHECK(load.is_public_api);
  CHECK(load.declaration->file == "tinyxml2.h");
  CHECK(load.location.file == "tinyxml2.cpp");
  CHECK(load.brief.find("Load an XML file from disk") != std::string::npos);
  const auto& doc = named(cb, "tinyxml2::XMLDocument", SymbolKind::class_);
  CHECK(doc.is_public_api);
  CHECK_FALSE(doc.doc_comment.empty());
  CHECK(has_relation(cb, doc.id, named(cb, "tinyxml2::XMLNode", SymbolKind::class_).id,
                     RelationKind::inherits));
  CHECK(named(cb, "TINYXML2_MAJOR_VERSION", SymbolKind::macro).is_public_api);
  CHECK(named(cb, "tinyxml2", SymbolKind::namespace_).is_public_api);
  // A private member is not API.
  for (const auto& s : cb.symbols)
    if (s.access == Access::private_) CHECK_FALSE(s.is_public_api);
  CHECK(commented_share(cb) > 0.5);  // overloads and accessors without comments
  CHECK(comments_above_captured(cb, root) >= 0.95);
}

TEST_CASE("spdlog: the logger class through a compile database", "[analyzer][realcode]") {
  auto root = extract("spdlog");
  // A compiled-library build (SPDLOG_COMPILED_LIB), as spdlog's CMake writes it.
  std::ofstream(root / "compile_commands.json")
      << R"([{"directory": ")" << root.string()
      << R"(", "file": "src/spdlog.cpp", "arguments": ["c++", "-std=c++17", "-DSPDLOG_COMPILED_LIB", )"
      << R"("-Iinclude", "-c", "src/spdlog.cpp"]}])";
  auto cb = analyze(root, {"include/spdlog/logger.h", "include/spdlog/logger-inl.h",
                           "include/spdlog/common.h", "include/spdlog/spdlog.h",
                           "src/spdlog.cpp"});
  check_clean(cb);
  const auto& logger = named(cb, "spdlog::logger", SymbolKind::class_);
  CHECK(logger.is_public_api);
  CHECK(logger.location.file == "include/spdlog/logger.h");
  CHECK(named(cb, "spdlog", SymbolKind::namespace_).is_public_api);
  const auto& flush = named(cb, "spdlog::logger::flush", SymbolKind::method);
  CHECK(flush.is_public_api);
  CHECK(named(cb, "SPDLOG_LEVEL_TRACE", SymbolKind::macro).signature == "#define SPDLOG_LEVEL_TRACE 0");
  const auto& log_it = named(cb, "spdlog::logger::log_it_", SymbolKind::method);
  CHECK(log_it.access == Access::protected_);
  CHECK(commented_share(cb) > 0.3);
  CHECK(comments_above_captured(cb, root) >= 0.95);
}
