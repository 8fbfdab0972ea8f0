// Analyzer stage tests: libclang facts on the sample project and fixtures (symbols, merge of
// declaration and definition, relations, doc comments, public API, determinism, recovery),
// ctags languages, documents, file selection.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "doctown/analyzer.hpp"
#include "analyzer/analyzer_impl.hpp"
#include "support/skip.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
namespace fs = std::filesystem;

// LeakSanitizer hook (used only in sanitizer builds). libclang 14 keeps a few hundred bytes
// allocated inside its parser (llvm::SmallVector growth deep in Sema) when several analyses run
// in one process; no single analysis leaks, and nothing in the C API frees it. Only that frame
// is suppressed, so a CXString or token list we forget to dispose still fails the run.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:llvm::SmallVectorBase<unsigned int>::grow_pod\n";
}

namespace {

const Symbol& by_qname(const Codebase& cb, std::string_view qname, SymbolKind kind) {
  for (const auto& s : cb.symbols)
    if (s.qualified_name == qname && s.kind == kind) return s;
  FAIL("no symbol " << qname << " of kind " << to_string(kind));
  throw std::logic_error("unreachable");
}

bool has_relation(const Codebase& cb, const std::string& from, const std::string& to,
                  RelationKind kind) {
  return std::find(cb.relations.begin(), cb.relations.end(), Relation{from, to, kind, 1.0}) !=
         cb.relations.end();
}

// Analysed once: libclang runs take seconds, and every test reads the same facts.
const Codebase& sample() {
  static const Codebase cb = [] {
    auto an = make_clang_analyzer({});
    REQUIRE(an);
    auto r = (*an)->analyze(test::sample_project(), {});
    REQUIRE(r);
    return std::move(*r);
  }();
  return cb;
}

// The dump test reads its root from a file so it can be pointed at any tree while debugging.
fs::path dump_root() {
  std::ifstream in("/tmp/doctown-dump-root");
  std::string p;
  if (in && std::getline(in, p) && !p.empty()) return p;
  return test::sample_project();
}

}  // namespace

TEST_CASE("sample project: classes, methods, functions and enums with locations", "[analyzer]") {
  const auto& cb = sample();
  const auto& circle = by_qname(cb, "geo::Circle", SymbolKind::class_);
  CHECK(circle.id == "c:@N@geo@S@Circle");
  CHECK(circle.location.file == "include/geo/circle.hpp");
  CHECK(circle.location.line == 8);
  CHECK(circle.location.end_line == 22);
  CHECK(circle.language == "c++");
  CHECK(circle.signature == "class Circle : public geo::Shape");
  CHECK(circle.source_text.rfind("class Circle : public Shape {", 0) == 0);

  const auto& shape_kind = by_qname(cb, "geo::ShapeKind", SymbolKind::enum_);
  CHECK(shape_kind.location.line == 8);
  CHECK(shape_kind.signature.find('{') == std::string::npos);
  const auto& square_e = by_qname(cb, "geo::ShapeKind::square", SymbolKind::enumerator);
  CHECK(square_e.signature == "square = 2");
  CHECK(square_e.parent_id == shape_kind.id);

  const auto& ctor = by_qname(cb, "geo::Circle::Circle", SymbolKind::constructor);
  CHECK(ctor.signature == "explicit Circle(double radius)");
  REQUIRE(ctor.params.size() == 1);
  CHECK(ctor.params[0].name == "radius");
  CHECK(ctor.params[0].type == "double");
  CHECK(ctor.access == Access::public_);
  CHECK(by_qname(cb, "geo::Shape::~Shape", SymbolKind::destructor).has(flags::is_virtual));

  const auto& field = by_qname(cb, "geo::Circle::radius_", SymbolKind::field);
  CHECK(field.access == Access::private_);
  CHECK(field.location.line == 21);

  const auto& total = by_qname(cb, "geo::total_area", SymbolKind::function);
  CHECK(total.return_type == "double");
  REQUIRE(total.params.size() == 1);
  CHECK(total.params[0].type == "const geo::ShapeList &");
  CHECK(total.signature.find('{') == std::string::npos);

  // Anonymous-namespace helper: found, qualified without the anonymous scope, not public.
  const auto& kind_name = by_qname(cb, "geo::kind_name", SymbolKind::function);
  CHECK(kind_name.location.file == "src/shape.cpp");
  CHECK_FALSE(kind_name.is_public_api);
  CHECK(kind_name.complexity == 4);  // three cases + 1
  CHECK(kind_name.nesting_depth == 1);

  // Nothing from the standard library.
  for (const auto& s : cb.symbols) CHECK(s.qualified_name.rfind("std::", 0) != 0);
  CHECK(cb.stats.translation_units == 5);
  CHECK(cb.stats.symbols == cb.symbols.size());
  CHECK(std::is_sorted(cb.symbols.begin(), cb.symbols.end(),
                       [](const Symbol& a, const Symbol& b) { return a.id < b.id; }));
}

TEST_CASE("declaration in a header and definition in a source are one symbol", "[analyzer]") {
  const auto& cb = sample();
  const auto& area = by_qname(cb, "geo::Circle::area", SymbolKind::method);
  CHECK(area.location.file == "src/circle.cpp");
  CHECK(area.location.line == 11);
  REQUIRE(area.declaration);
  CHECK(area.declaration->file == "include/geo/circle.hpp");
  CHECK(area.declaration->line == 13);
  CHECK(area.signature == "double area() const override");
  CHECK(area.has(flags::is_const));
  CHECK(area.has(flags::is_override));
  CHECK(area.has(flags::is_definition));
  CHECK(area.source_text == "double Circle::area() const { return kPi * radius_ * radius_; }");
  CHECK(std::count_if(cb.symbols.begin(), cb.symbols.end(), [](const Symbol& s) {
          return s.qualified_name == "geo::Circle::area";
        }) == 1);

  const auto& summarize = by_qname(cb, "geo::summarize", SymbolKind::function);
  CHECK(summarize.location.file == "src/algorithms.cpp");
  CHECK(summarize.location.line == 45);
  CHECK(summarize.location.end_line == 54);
  REQUIRE(summarize.declaration);
  CHECK(summarize.declaration->file == "include/geo/algorithms.hpp");
  CHECK(summarize.declaration->line == 28);
  // The header's doc comment travels with the definition.
  CHECK(summarize.doc_comment ==
        "Count how many shapes of each kind there are and return a one-line report.");

  const auto& pure = by_qname(cb, "geo::Shape::area", SymbolKind::method);
  CHECK(pure.has(flags::is_pure));
  CHECK(pure.has(flags::is_virtual));
  CHECK_FALSE(pure.declaration);
  CHECK(pure.location.file == "include/geo/shape.hpp");
  CHECK(pure.location.line == 24);
}

TEST_CASE("relations: inherits, overrides, calls, contains, uses_type, includes", "[analyzer]") {
  const auto& cb = sample();
  const std::string circle = "c:@N@geo@S@Circle", shape = "c:@N@geo@S@Shape";
  CHECK(has_relation(cb, circle, shape, RelationKind::inherits));
  CHECK(has_relation(cb, "c:@N@geo@S@Square", "c:@N@geo@S@Rectangle", RelationKind::inherits));
  CHECK_FALSE(has_relation(cb, "c:@N@geo@S@Square", shape, RelationKind::inherits));
  CHECK(has_relation(cb, circle + "@F@area#1", shape + "@F@area#1", RelationKind::overrides));
  CHECK(has_relation(cb, "c:@N@geo@S@Square@F@kind#1", "c:@N@geo@S@Rectangle@F@kind#1",
                     RelationKind::overrides));

  const auto& summarize = by_qname(cb, "geo::summarize", SymbolKind::function);
  const auto& total = by_qname(cb, "geo::total_area", SymbolKind::function);
  const auto& largest = by_qname(cb, "geo::largest", SymbolKind::function);
  CHECK(has_relation(cb, summarize.id, total.id, RelationKind::calls));
  CHECK(has_relation(cb, summarize.id, largest.id, RelationKind::calls));
  CHECK(has_relation(cb, summarize.id, shape + "@F@describe#1", RelationKind::calls));
  CHECK(has_relation(cb, total.id, shape + "@F@area#1", RelationKind::calls));
  CHECK_FALSE(has_relation(cb, total.id, summarize.id, RelationKind::calls));
  // Constructor call through a base initialiser.
  CHECK(has_relation(cb, "c:@N@geo@S@Square@F@Square#d#", "c:@N@geo@S@Rectangle@F@Rectangle#d#d#",
                     RelationKind::calls));

  CHECK(has_relation(cb, "c:@N@geo", circle, RelationKind::contains));
  CHECK(has_relation(cb, circle, circle + "@F@area#1", RelationKind::contains));
  CHECK(has_relation(cb, largest.id, shape, RelationKind::uses_type));
  CHECK(has_relation(cb, "c:@N@geo@ShapeList", shape, RelationKind::uses_type));
  // The class qualifying an out-of-line definition is not a type use.
  CHECK_FALSE(has_relation(cb, circle + "@F@area#1", circle, RelationKind::uses_type));
  CHECK(has_relation(cb, "file:src/circle.cpp", "file:include/geo/circle.hpp",
                     RelationKind::includes));
  CHECK(has_relation(cb, "file:include/geo/circle.hpp", "file:include/geo/shape.hpp",
                     RelationKind::includes));
  // No edge points at something outside the codebase (std::, system headers).
  for (const auto& r : cb.relations) {
    if (r.kind == RelationKind::includes) continue;
    CHECK(cb.find(r.from) != nullptr);
    CHECK(cb.find(r.to) != nullptr);
  }
}

TEST_CASE("doc comments in ///, /** */, //! and ///< styles, markers stripped", "[analyzer]") {
  const auto& cb = sample();
  CHECK(by_qname(cb, "geo::Circle", SymbolKind::class_).doc_comment ==
        "A circle centred at the origin.");  // //!
  CHECK(by_qname(cb, "geo::Rectangle", SymbolKind::class_).doc_comment ==
        "An axis-aligned rectangle.");  // /** */ on one line
  const auto& shape = by_qname(cb, "geo::Shape", SymbolKind::class_);
  CHECK(shape.doc_comment ==
        "@brief Abstract base of every shape.\n\nA shape knows its area and perimeter and can "
        "describe itself.");
  CHECK(shape.brief == "Abstract base of every shape.");
  const auto& parse = by_qname(cb, "geo::parse_shape", SymbolKind::function);
  CHECK(parse.doc_comment ==
        "Parse a shape from text such as \"circle 2\" or \"rect 3 4\".\n\n@param text the "
        "description to parse\n@return the shape, or nullptr when the text is not understood");
  CHECK(parse.brief == "Parse a shape from text such as \"circle 2\" or \"rect 3 4\".");
  CHECK(by_qname(cb, "geo::ShapeKind::circle", SymbolKind::enumerator).doc_comment ==
        "A round shape defined by its radius.");  // ///<
  CHECK(by_qname(cb, "geo::Shape::describe", SymbolKind::method).brief ==
        "Human-readable description, e.g. \"circle of area 3.14\".");
  // A plain // comment directly above is documentation too, as readers take it.
  CHECK(by_qname(cb, "geo::kind_name", SymbolKind::function).doc_comment ==
        "Name used in descriptions.");
}

TEST_CASE("fallback flags are announced in a diagnostic", "[analyzer]") {
  const auto& cb = sample();
  bool found = std::any_of(cb.diagnostics.begin(), cb.diagnostics.end(), [](const Diagnostic& d) {
    return d.message.find("fallback flags") != std::string::npos &&
           d.message.find("no compile_commands.json") != std::string::npos;
  });
  CHECK(found);
  for (const auto& d : cb.diagnostics) CHECK(d.severity != Diagnostic::Severity::error);
}

TEST_CASE("public API: public headers, not private, not internal", "[analyzer]") {
  const auto& cb = sample();
  CHECK(by_qname(cb, "geo::Circle", SymbolKind::class_).is_public_api);
  CHECK(by_qname(cb, "geo::Circle::area", SymbolKind::method).is_public_api);
  CHECK(by_qname(cb, "geo::summarize", SymbolKind::function).is_public_api);
  CHECK_FALSE(by_qname(cb, "geo::Circle::radius_", SymbolKind::field).is_public_api);
  CHECK(by_qname(cb, "geo::Rectangle::width_", SymbolKind::field).is_public_api);  // protected
  CHECK_FALSE(by_qname(cb, "main", SymbolKind::function).is_public_api);
  CHECK_FALSE(by_qname(cb, "geo::kPi", SymbolKind::constant).is_public_api);
}

TEST_CASE("complexity and nesting come from the AST", "[analyzer]") {
  const auto& cb = sample();
  // for + if + || inside the if → 1 + 3 (the `!best ||` short-circuit counts).
  const auto& largest = by_qname(cb, "geo::largest", SymbolKind::function);
  CHECK(largest.complexity == 5);  // for, if(continue), if, || → 1 + 4
  CHECK(largest.nesting_depth == 2);
  const auto& parse = by_qname(cb, "geo::parse_shape", SymbolKind::function);
  // if / else if (||) / else if + three nested ifs → 1 + 3 + 1 + 3.
  CHECK(parse.complexity == 8);
  CHECK(parse.nesting_depth == 2);
  CHECK(by_qname(cb, "geo::Circle::area", SymbolKind::method).complexity == 1);
  CHECK(by_qname(cb, "geo::ShapeKind", SymbolKind::enum_).complexity == 0);
}

TEST_CASE("analysis is deterministic", "[analyzer]") {
  auto an = make_clang_analyzer({.jobs = 2});
  REQUIRE(an);
  auto again = (*an)->analyze(test::sample_project(), {});
  REQUIRE(again);
  const auto& first = sample();
  REQUIRE(again->symbols.size() == first.symbols.size());
  for (std::size_t i = 0; i < first.symbols.size(); ++i) {
    const auto& a = first.symbols[i];
    const auto& b = again->symbols[i];
    CHECK(a.id == b.id);
    CHECK(a.signature == b.signature);
    CHECK(a.location.line == b.location.line);
    CHECK(a.doc_comment == b.doc_comment);
    CHECK(a.flags == b.flags);
  }
  CHECK(again->relations == first.relations);
}

TEST_CASE("bad roots and options are refused with clear errors", "[analyzer]") {
  auto an = make_clang_analyzer({});
  REQUIRE(an);
  auto missing = (*an)->analyze("/nonexistent/doctown-analyzer-test", {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::not_found);
  CHECK(missing.error().where == "/nonexistent/doctown-analyzer-test");

  auto bad = make_default_analyzer({.jobs = 5000});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_argument);
}

namespace {

Codebase analyze_dir(const fs::path& root, AnalyzerOptions options = {}) {
  auto an = make_default_analyzer(std::move(options));
  REQUIRE(an);
  auto r = (*an)->analyze(root, {});
  if (!r) FAIL(r.error().what());
  return std::move(*r);
}

const Codebase& kinds() {
  static const Codebase cb = analyze_dir(test::data_dir() / "analyzer/kinds");
  return cb;
}

void copy_tree(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("every C++ symbol kind is extracted", "[analyzer]") {
  const auto& cb = kinds();
  CHECK(by_qname(cb, "kinds", SymbolKind::namespace_).is_public_api);
  CHECK(by_qname(cb, "kinds::Point", SymbolKind::struct_).signature == "struct Point");
  CHECK(by_qname(cb, "kinds::Number", SymbolKind::union_).location.line == 23);
  const auto& buffer = by_qname(cb, "kinds::Buffer", SymbolKind::class_);
  CHECK(buffer.has(flags::is_template));
  REQUIRE(buffer.template_params.size() == 2);
  CHECK(buffer.template_params[0].name == "T");
  CHECK(buffer.template_params[0].type == "typename");
  CHECK(buffer.template_params[1].name == "N");
  CHECK(buffer.template_params[1].type == "std::size_t");
  const auto& spec = by_qname(cb, "kinds::Buffer<T *, N>", SymbolKind::class_);
  CHECK(spec.location.line == 44);
  CHECK(spec.has(flags::is_template));
  const auto& max_of = by_qname(cb, "kinds::max_of", SymbolKind::function);
  CHECK(max_of.signature == "template <typename T> T max_of(T a, T b)");
  CHECK(max_of.template_params.size() == 1);
  CHECK(by_qname(cb, "kinds::Point::operator+", SymbolKind::operator_).has(flags::is_noexcept));
  CHECK(by_qname(cb, "kinds::Point::operator double", SymbolKind::conversion).return_type ==
        "double");
  CHECK(by_qname(cb, "kinds::LegacyPoint", SymbolKind::typedef_).signature ==
        "typedef kinds::Point LegacyPoint");
  CHECK(by_qname(cb, "kinds::Coord", SymbolKind::type_alias).signature == "using Coord = double");
  const auto& points_made = by_qname(cb, "kinds::points_made", SymbolKind::variable);
  CHECK(points_made.location.file == "src/kinds.cpp");
  REQUIRE(points_made.declaration);
  CHECK(points_made.declaration->file == "include/kinds/kinds.hpp");
  CHECK(by_qname(cb, "kinds::kOrigin", SymbolKind::constant).has(flags::is_constexpr));
  const auto& macro = by_qname(cb, "KINDS_SQUARE", SymbolKind::macro);
  CHECK(macro.signature == "#define KINDS_SQUARE(x)");
  CHECK(macro.doc_comment == "Square of a value, as a macro.");
  // Object-like macros are API too (versions, flags), with their value.
  CHECK(by_qname(cb, "KINDS_VERSION", SymbolKind::macro).signature == "#define KINDS_VERSION 3");
  const auto& kind_enum = by_qname(cb, "kinds::Geometry::Kind", SymbolKind::enum_);
  CHECK(kind_enum.access == Access::public_);
  CHECK(by_qname(cb, "kinds::Geometry::Kind::closed", SymbolKind::enumerator).signature ==
        "closed = 1");
  CHECK(by_qname(cb, "kinds::Point::x", SymbolKind::field).doc_comment == "horizontal");
  CHECK(by_qname(cb, "kinds::Buffer::Buffer", SymbolKind::constructor).name == "Buffer");
}

TEST_CASE("flags: static, virtual, const, noexcept, constexpr, inline, deleted, defaulted, "
          "deprecated",
          "[analyzer]") {
  const auto& cb = kinds();
  const auto& path_length = by_qname(cb, "kinds::Geometry::path_length", SymbolKind::method);
  CHECK(path_length.has(flags::is_static));
  CHECK(path_length.signature ==
        "static double path_length(const kinds::Point *points, std::size_t count)");
  const auto& size = by_qname(cb, "kinds::Buffer::size", SymbolKind::method);
  CHECK(size.has(flags::is_static));
  CHECK(size.has(flags::is_constexpr));
  CHECK(size.has(flags::is_inline));
  const auto& reset = by_qname(cb, "kinds::Geometry::reset", SymbolKind::method);
  CHECK(reset.has(flags::is_virtual));
  CHECK_FALSE(reset.has(flags::is_pure));
  CHECK(reset.access == Access::protected_);
  CHECK(by_qname(cb, "kinds::Point::operator double", SymbolKind::conversion).has(flags::is_const));
  bool deleted = false, defaulted = false;
  for (const auto& s : cb.symbols) {
    if (s.qualified_name != "kinds::Buffer::Buffer") continue;
    if (s.params.size() == 1) {
      deleted = s.has(flags::is_deleted);
      CHECK(s.signature.find("= delete") != std::string::npos);
    } else {
      defaulted = s.has(flags::is_defaulted);
    }
  }
  CHECK(deleted);
  CHECK(defaulted);
  CHECK(by_qname(cb, "kinds::Geometry::Geometry", SymbolKind::constructor).has(flags::is_defaulted));
  CHECK(by_qname(cb, "kinds::old_distance", SymbolKind::function).has(flags::is_deprecated));
  CHECK_FALSE(by_qname(cb, "kinds::distance", SymbolKind::function).has(flags::is_deprecated));
  const auto& distance = by_qname(cb, "kinds::distance", SymbolKind::function);
  REQUIRE(distance.params.size() == 2);
  CHECK(distance.params[1].default_value == "kOrigin");
  CHECK(distance.params[0].default_value.empty());
}

TEST_CASE("calls through templates, lambdas, operators and namespaces, detail is not public",
          "[analyzer]") {
  const auto& cb = kinds();
  const auto& path_length = by_qname(cb, "kinds::Geometry::path_length", SymbolKind::method);
  const auto& max_of = by_qname(cb, "kinds::max_of", SymbolKind::function);
  const auto& helper = by_qname(cb, "kinds::detail::helper", SymbolKind::function);
  const auto& distance = by_qname(cb, "kinds::distance", SymbolKind::function);
  CHECK(has_relation(cb, path_length.id, max_of.id, RelationKind::calls));  // template call
  CHECK(has_relation(cb, path_length.id, helper.id, RelationKind::calls));  // inside a lambda
  CHECK(has_relation(cb, path_length.id, distance.id, RelationKind::calls));
  CHECK(has_relation(cb, distance.id,
                     by_qname(cb, "kinds::Point::operator double", SymbolKind::conversion).id,
                     RelationKind::calls));
  CHECK(has_relation(cb, distance.id, "c:@N@kinds@S@Point", RelationKind::uses_type));
  CHECK(has_relation(cb, "c:@N@kinds@kOrigin", "c:@N@kinds@S@Point", RelationKind::uses_type));
  // for + if + && + while + ?: → 1 + 5; for > if > while → depth 3.
  CHECK(path_length.complexity == 6);
  CHECK(path_length.nesting_depth == 3);
  CHECK_FALSE(helper.is_public_api);
  CHECK(distance.is_public_api);
  CHECK_FALSE(by_qname(cb, "kinds::Buffer::data_", SymbolKind::field).is_public_api);
}

TEST_CASE("a translation unit with a missing include still yields its symbols", "[analyzer]") {
  auto cb = analyze_dir(test::data_dir() / "analyzer/broken");
  const auto& survivor = by_qname(cb, "survivor", SymbolKind::function);
  CHECK(survivor.location.line == 4);
  CHECK(survivor.doc_comment == "Still found although the include above is missing.");
  CHECK(has_relation(cb, by_qname(cb, "caller", SymbolKind::function).id, survivor.id,
                     RelationKind::calls));
  auto it = std::find_if(cb.diagnostics.begin(), cb.diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::error;
  });
  REQUIRE(it != cb.diagnostics.end());
  CHECK(it->file == "broken.cpp");
  CHECK(it->line == 1);
  CHECK(it->message.find("this_header_does_not_exist.hpp") != std::string::npos);
  CHECK(cb.stats.translation_units == 1);
}

TEST_CASE("compile_commands.json is honoured (root, build/, or named)", "[analyzer]") {
  auto dir = test::scratch_dir("cdb");
  copy_tree(test::data_dir() / "analyzer/cdb", dir);
  auto has_name = [](const Codebase& cb, std::string_view name) {
    return std::any_of(cb.symbols.begin(), cb.symbols.end(),
                       [&](const Symbol& s) { return s.name == name; });
  };
  // Without a database: fallback flags, no define.
  auto plain = analyze_dir(dir, {.use_ctags = false});
  CHECK(has_name(plain, "only_without_db"));
  CHECK_FALSE(has_name(plain, "only_with_db"));

  const std::string db = R"([{"directory": ")" + dir.string() +
                         R"(", "file": "src/flags.cpp", "command": "/usr/bin/g++ -DDOCTOWN_FROM_DB -Wshadow=local -o CMakeFiles/x.o -c src/flags.cpp"}])";
  fs::create_directories(dir / "build");
  std::ofstream(dir / "build/compile_commands.json") << db;
  auto with_db = analyze_dir(dir, {.use_ctags = false});
  CHECK(has_name(with_db, "only_with_db"));
  CHECK_FALSE(has_name(with_db, "only_without_db"));
  for (const auto& d : with_db.diagnostics) CHECK(d.message.find("fallback") == std::string::npos);
  CHECK(by_qname(with_db, "only_with_db", SymbolKind::function).location.line == 3);

  // Named explicitly, in "arguments" form, somewhere else.
  fs::remove(dir / "build/compile_commands.json");
  const std::string db2 = R"([{"directory": ")" + dir.string() +
                          R"(", "file": ")" + (dir / "src/flags.cpp").string() +
                          R"(", "arguments": ["clang++", "-DDOCTOWN_FROM_DB", "-c", "src/flags.cpp"]}])";
  fs::create_directories(dir / "elsewhere");
  std::ofstream(dir / "elsewhere/cc.json") << db2;
  auto named = analyze_dir(dir, {.compile_commands = dir / "elsewhere/cc.json", .use_ctags = false});
  CHECK(has_name(named, "only_with_db"));
}

TEST_CASE("this repository's own public classes, through a real compile database",
          "[analyzer]") {
  // The flags CMake gives lib/core/types.cpp, written as a compile database.
  const fs::path repo = fs::path(DOCTOWN_TEST_SOURCE_DIR);
  auto dir = test::scratch_dir("self");
  const std::string db = R"([{"directory": ")" + repo.string() + R"(", "file": "lib/core/types.cpp", )" +
                         R"("command": "/usr/bin/c++ -I)" + repo.string() + "/include -I" +
                         repo.string() + R"(/lib -O2 -std=c++20 -o types.o -c lib/core/types.cpp"}])";
  std::ofstream(dir / "compile_commands.json") << db;
  auto cb = analyze_dir(repo, {.compile_commands = dir / "compile_commands.json",
                               .include_globs = {"include/doctown/types.hpp", "lib/core/types.cpp"},
                               .use_ctags = false});
  // Expected lines come from the header itself, so the test follows edits to it.
  auto line_of = [&](std::string_view needle) {
    std::ifstream in(repo / "include/doctown/types.hpp");
    std::string line;
    for (int n = 1; std::getline(in, line); ++n)
      if (line.rfind(needle, 0) == 0) return n;
    return -1;
  };
  const auto& codebase = by_qname(cb, "doctown::Codebase", SymbolKind::struct_);
  CHECK(codebase.location.file == "include/doctown/types.hpp");
  CHECK(codebase.location.line == line_of("struct Codebase {"));
  CHECK(codebase.is_public_api);
  const auto& normalize = by_qname(cb, "doctown::Codebase::normalize", SymbolKind::method);
  CHECK(normalize.location.file == "lib/core/types.cpp");
  REQUIRE(normalize.declaration);
  CHECK(normalize.declaration->file == "include/doctown/types.hpp");
  CHECK(by_qname(cb, "doctown::Symbol", SymbolKind::struct_).location.line ==
        line_of("struct Symbol {"));
  CHECK(by_qname(cb, "doctown::SymbolKind", SymbolKind::enum_).is_public_api);
  for (const auto& d : cb.diagnostics) CHECK(d.severity != Diagnostic::Severity::error);
}

TEST_CASE("other languages through tree-sitter and ctags, documents by section", "[analyzer]") {
  if (!detail::tree_sitter_available())
    test::skip_test("this build has no tree-sitter grammars (run scripts/install-deps.sh)");
  auto cb = analyze_dir(test::data_dir() / "analyzer/mixed");
  const auto& greeter = by_qname(cb, "py.tool.Greeter", SymbolKind::class_);
  CHECK(greeter.id == "python:py/tool.py:py.tool.Greeter:class");
  CHECK(greeter.language == "python");
  CHECK(greeter.location.line == 4);
  CHECK(greeter.location.end_line == 12);
  CHECK(greeter.doc_comment == "Says hello.");
  const auto& greet = by_qname(cb, "py.tool.Greeter.greet", SymbolKind::method);
  CHECK(greet.parent_id == greeter.id);
  CHECK(has_relation(cb, greeter.id, greet.id, RelationKind::contains));
  REQUIRE(greet.params.size() == 2);  // the receiver is a parameter as Python writes it
  CHECK(greet.params[0].name == "self");
  CHECK(greet.params[1].name == "name");
  CHECK(greet.params[1].type == "str");
  CHECK(greet.params[1].default_value == "\"world\"");
  CHECK_FALSE(by_qname(cb, "py.tool.Greeter._secret", SymbolKind::method).is_public_api);
  CHECK(by_qname(cb, "py.tool", SymbolKind::module).doc_comment == "A small tool.");
  CHECK(by_qname(cb, "py.tool.main", SymbolKind::function).location.line == 16);
  // Without a docstring, the `# ...` block directly above is the doc (above the decorators
  // too); the docstring wins when both exist; tool directives and commented-out code are not.
  CHECK(by_qname(cb, "py.tool.main", SymbolKind::function).doc_comment == "Entry point of the tool.");
  CHECK(by_qname(cb, "py.tool.DEFAULT_NAME", SymbolKind::constant).doc_comment ==
        "Default greeting target,\nused when none is given.");
  CHECK(by_qname(cb, "py.tool.handler", SymbolKind::function).doc_comment ==
        "The docstring wins over the comment.");
  CHECK(by_qname(cb, "py.tool.lookup", SymbolKind::function).doc_comment == "Cached lookup of a greeter.");
  CHECK(by_qname(cb, "py.tool.lookup", SymbolKind::function).brief == "Cached lookup of a greeter.");
  CHECK(by_qname(cb, "py.tool.untouched", SymbolKind::function).doc_comment.empty());

  const auto& bump = by_qname(cb, "Counter::bump", SymbolKind::method);
  CHECK(bump.language == "rust");
  CHECK(bump.return_type == "u32");
  CHECK(bump.doc_comment == "Increment by one.");
  // `impl Named for Labelled`: the type implements the trait, its method overrides the trait's;
  // attributes around the doc comment stay in the signature.
  const auto& labelled = by_qname(cb, "Labelled", SymbolKind::struct_);
  const auto& named = by_qname(cb, "Named", SymbolKind::trait);
  CHECK(has_relation(cb, labelled.id, named.id, RelationKind::inherits));
  CHECK(has_relation(cb, by_qname(cb, "<Labelled as Named>::name", SymbolKind::method).id,
                     by_qname(cb, "Named::name", SymbolKind::method).id, RelationKind::overrides));
  CHECK(labelled.doc_comment == "A labelled counter.");
  CHECK(labelled.signature.find("#[derive(Debug, Default, Clone)]") != std::string::npos);
  CHECK(labelled.signature.find("#[must_use]") != std::string::npos);
  CHECK(by_qname(cb, "main.Add", SymbolKind::function).is_public_api);
  CHECK_FALSE(by_qname(cb, "main.hidden", SymbolKind::function).is_public_api);

  const auto* guide = cb.find("doc:docs/guide.md#user-guide");
  REQUIRE(guide);
  CHECK(guide->kind == SymbolKind::document);
  CHECK(guide->name == "User guide");
  CHECK(guide->location.line == 1);
  CHECK(guide->doc_comment == "How to use the tool.");
  const auto* install = cb.find("doc:docs/guide.md#install");
  REQUIRE(install);
  CHECK(install->location.line == 5);
  CHECK(install->location.end_line == 13);  // the fenced "# not a heading" stays inside
  CHECK(has_relation(cb, guide->id, install->id, RelationKind::contains));
  CHECK(cb.find("doc:docs/guide.md#usage-1") != nullptr);  // duplicate titles get suffixes
  CHECK(cb.find("doc:docs/guide.md#advanced") != nullptr);  // setext heading
  const auto* details = cb.find("doc:docs/notes.rst#details");
  REQUIRE(details);
  CHECK(details->parent_id == "doc:docs/notes.rst#design");
  CHECK(cb.find("doc:docs/notes.rst#notes")->doc_comment == "Top level notes.");
  CHECK(cb.stats.translation_units == 0);
}

TEST_CASE("without ctags the other languages are skipped with a warning", "[analyzer]") {
  auto cb = analyze_dir(test::data_dir() / "analyzer/mixed",
                        {.ctags_path = "/nonexistent/ctags-for-doctown-test"});
  REQUIRE_FALSE(cb.symbols.empty());  // the Markdown sections are still there
  // Python and Rust are parsed by tree-sitter when its grammars are built in; every other
  // language needs ctags and is skipped.
  for (const auto& s : cb.symbols) {
    bool own_parser = s.location.file.ends_with(".py") || s.location.file.ends_with(".rs");
    if (!own_parser) CHECK(s.kind == SymbolKind::document);
  }
  CHECK(std::any_of(cb.diagnostics.begin(), cb.diagnostics.end(), [](const Diagnostic& d) {
    return d.message.find("universal-ctags") != std::string::npos &&
           d.message.find("go") != std::string::npos &&
           d.severity == Diagnostic::Severity::warning;
  }));
}

TEST_CASE("the clang analyzer alone ignores other languages, progress is reported",
          "[analyzer]") {
  struct Sink : ProgressSink {
    std::vector<ProgressEvent> events;
    void on_event(const ProgressEvent& e) override { events.push_back(e); }
  } sink;
  auto an = make_clang_analyzer({.jobs = 2});
  REQUIRE(an);
  auto cb = (*an)->analyze(test::sample_project(), RunContext{&sink, {}});
  REQUIRE(cb);
  REQUIRE(cb->files.size() >= 9);  // the sample project's headers and sources
  REQUIRE_FALSE(cb->symbols.empty());
  for (const auto& f : cb->files) CHECK((f.language == "c++" || f.language == "c"));
  for (const auto& s : cb->symbols) CHECK(s.language == "c++");
  REQUIRE_FALSE(sink.events.empty());
  CHECK(sink.events.front().type == ProgressEvent::Type::stage_started);
  CHECK(sink.events.back().type == ProgressEvent::Type::stage_finished);
  auto last_done = std::find_if(sink.events.rbegin(), sink.events.rend(), [](const ProgressEvent& e) {
    return e.type == ProgressEvent::Type::item_done;
  });
  REQUIRE(last_done != sink.events.rend());
  CHECK(last_done->done == 5);
  CHECK(last_done->total == 5);
}

TEST_CASE("a cancelled run stops with errc::cancelled", "[analyzer]") {
  std::stop_source stop;
  stop.request_stop();
  auto an = make_clang_analyzer({});
  REQUIRE(an);
  auto r = (*an)->analyze(test::sample_project(), RunContext{nullptr, stop.get_token()});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::cancelled);
}

TEST_CASE("dump sample project", "[.dump]") {
  auto an = make_default_analyzer({});
  REQUIRE(an);
  auto cb = (*an)->analyze(dump_root(), {});
  REQUIRE(cb);
  for (const auto& s : cb->symbols) {
    std::cout << s.id << " | " << to_string(s.kind) << " | " << s.qualified_name << " | "
              << s.location.file << ":" << s.location.line << "-" << s.location.end_line;
    if (s.declaration) std::cout << " decl " << s.declaration->file << ":" << s.declaration->line;
    std::cout << " | sig=" << s.signature << " | ret=" << s.return_type << " | flags=" << s.flags
              << " | acc=" << to_string(s.access) << " | pub=" << s.is_public_api
              << " | cx=" << s.complexity << "/" << s.nesting_depth << " | parent=" << s.parent_id
              << " | params=";
    for (auto& p : s.params) std::cout << "[" << p.type << " " << p.name << "=" << p.default_value << "]";
    std::cout << " | brief=" << s.brief << "\n";
  }
  for (const auto& r : cb->relations)
    std::cout << "REL " << r.from << " -" << to_string(r.kind) << "-> " << r.to << "\n";
  for (const auto& d : cb->diagnostics)
    std::cout << "DIAG " << d.file << ":" << d.line << " " << to_string(d.severity) << " " << d.message << "\n";
  std::cout << "stats files=" << cb->stats.files << " tus=" << cb->stats.translation_units
            << " symbols=" << cb->stats.symbols << " s=" << cb->stats.seconds << "\n";
}
