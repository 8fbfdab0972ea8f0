// Analyzer stage tests: libclang facts on the sample project and fixtures (symbols, merge of
// declaration and definition, relations, doc comments, public API, determinism, recovery),
// ctags languages, documents, file selection.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "doctown/analyzer.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
namespace fs = std::filesystem;

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
  // A plain // comment is not documentation.
  CHECK(by_qname(cb, "geo::kind_name", SymbolKind::function).doc_comment.empty());
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
