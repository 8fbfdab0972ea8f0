// Analyzer fidelity on C/C++ as real projects write it: plain comments above (and in C
// headers below) declarations, trailing member comments, banners and commented-out code left
// out, header and definition comments merged, every macro, typedef'd anonymous structs and
// enums, template spellings, public API from where a declaration is written, deep code.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <string>

#include "analyzer/analyzer_impl.hpp"
#include "doctown/analyzer.hpp"
#include "support/test_paths.hpp"

using namespace doctown;
namespace fs = std::filesystem;

extern "C" const char* __lsan_default_suppressions() {
  return "leak:llvm::SmallVectorBase<unsigned int>::grow_pod\n";
}

namespace {

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

Codebase analyze(const fs::path& root) {
  auto an = make_clang_analyzer({.jobs = 2});
  REQUIRE(an);
  auto r = (*an)->analyze(root, {});
  if (!r) FAIL(r.error().what());
  return std::move(*r);
}

const Symbol& named(const Codebase& cb, std::string_view qname, SymbolKind kind) {
  for (const auto& s : cb.symbols)
    if (s.qualified_name == qname && s.kind == kind) return s;
  std::string all;
  for (const auto& s : cb.symbols) all += std::string(to_string(s.kind)) + " " + s.qualified_name + "\n";
  FAIL("no " << to_string(kind) << " " << qname << " among:\n" << all);
  throw std::logic_error("unreachable");
}

std::string comment(std::string_view text, std::string_view decl, detail::CommentPlaces places = {}) {
  auto b = text.find(decl);
  REQUIRE(b != std::string_view::npos);
  return detail::comment_for_declaration(text, b, b + decl.size(), places);
}

}  // namespace

TEST_CASE("comment placement rules on plain text", "[analyzer][comments]") {
  // Plain // lines directly above; a blank line cuts the block.
  CHECK(comment("// Unrelated.\n\n// Adds two numbers.\n// Overflow wraps.\nint add(int, int);",
                "int add") == "Adds two numbers.\nOverflow wraps.");
  CHECK(comment("// Far away.\n\nint f();", "int f").empty());
  // A /* */ block above, its stars stripped.
  CHECK(comment("int x;\n/*\n * Opens the file.\n */\nint open_it();", "int open_it") ==
        "Opens the file.");
  // A banner at the top of the file or with a copyright is not documentation.
  CHECK(comment("/* Parser.\n */\nint first();", "int first").empty());
  CHECK(comment("int x;\n// Copyright 2020 Someone. Licensed under MIT.\nint g();", "int g").empty());
  // Commented-out code is not documentation.
  CHECK(comment("int x;\n// old_call(a, b);\n// return 0;\nint h();", "int h").empty());
  // A trailing comment of the previous line's code is not ours.
  CHECK(comment("int a; /* about a */\nint b;", "int b").empty());
  // Trailing ///< and //< always; a plain trailing comment only where asked (members).
  CHECK(comment("int n; ///< count of items\n", "int n") == "count of items");
  CHECK(comment("int n; //< count of items\n", "int n") == "count of items");
  CHECK(comment("int next_in; /* next input byte */\n", "int next_in").empty());
  CHECK(comment("int next_in; /* next input byte */\n", "int next_in", {.trailing_plain = true}) ==
        "next input byte");
  // Below a prototype, followed by a blank line (zlib's style), only where asked.
  const std::string zlib_style =
      "int deflate(int flush);\n/*\n    deflate compresses as much data as possible.\n*/\n\n"
      "int other(void);\n/* Belongs to the next one. */\nint next(void);\n";
  CHECK(comment(zlib_style, "int deflate(int flush)", {.below = true}) ==
        "deflate compresses as much data as possible.");
  CHECK(comment(zlib_style, "int deflate(int flush)").empty());
  CHECK(comment(zlib_style, "int other(void)", {.below = true}).empty());
  CHECK(comment(zlib_style, "int next(void)") == "Belongs to the next one.");
  // A #define's comment sits above its '#' line.
  CHECK(comment("int x;\n/// Library version.\n#define LIB_VERSION 3\n", "LIB_VERSION 3") ==
        "Library version.");
  CHECK(comment("int x;\n// Parsing state.\ntypedef struct {\n} pb;", "struct {") == "Parsing state.");
  CHECK(comment("int x;\n// About a.\nint a; int b;", "int b").empty());
  // Commented-out statements are not docs; a sentence ending in ';' is.
  CHECK(comment("int x;\n// y = f(x);\n// return y;\nint g();", "int g").empty());
  CHECK(comment("int x;\n/*\n * Ascii write with the << operator;\n */\nint put();", "int put") ==
        "Ascii write with the << operator;");
  CHECK(detail::merge_comments("How to use.", "How it works.") == "How to use.\n\nHow it works.");
  CHECK(detail::merge_comments("Same.", "Same.") == "Same.");
}

TEST_CASE("C and C++ as projects write it: comments, macros, typedef structs, templates, API",
          "[analyzer][comments]") {
  auto dir = test::scratch_dir("fidelity");
  write(dir / "include/lib/api.h",
        "/* api.h -- the library\n * Copyright (C) 2024 Somebody\n */\n"
        "#ifndef LIB_API_H\n#define LIB_API_H\n\n"
        "#ifndef LIB_EXPORT\n#define LIB_EXPORT\n#endif\n"
        "typedef unsigned long lib_size; /* 32 bits or more */\n"
        "#define LIB_VERSION_MAJOR 1\n#define FLAG_X (1 << 0) /* first flag */\n"
        "#define LIB_MAX(a, b) ((a) > (b) ? (a) : (b))\n\n"
        "// Parsing state.\ntypedef struct {\n  int depth; // how deep we are\n  const char* p;\n} parse_buffer;\n\n"
        "typedef enum { RED, GREEN } color;\n"
        "enum { LIB_A = 1, LIB_B, LIB_C };\n\n"
        "// Adds two numbers.\nint lib_add(int a, int b);\n\n"
        "#ifdef __cplusplus\nnamespace lib {\ntemplate <typename Char> struct view {};\n"
        "template <typename Char>\nclass text {\n public:\n  // Builds an empty text.\n  text();\n"
        "  operator view<Char>() const;\n\n private:\n  int hidden_;\n};\n"
        "class Slice;\n"
        "class __attribute__((visibility(\"hidden\"))) Secret {};\n"
        "}  // namespace lib\n#endif\n#endif\n");
  write(dir / "include/lib/slice.h",
        "#pragma once\nnamespace lib {\n/// A view of bytes.\nclass Slice {\n public:\n  int size() const;\n};\n}\n");
  write(dir / "src/impl.cpp",
        "#include \"lib/api.h\"\n#include \"lib/slice.h\"\n#define LOCAL_LIMIT 64\n"
        "namespace lib {\nint Slice::size() const { return LOCAL_LIMIT; }\n}\n"
        "// Implementation: plain sum.\nint lib_add(int a, int b) { return a + b; }\n");
  auto cb = analyze(dir);

  const auto& add = named(cb, "lib_add", SymbolKind::function);
  CHECK(add.doc_comment == "Adds two numbers.\n\nImplementation: plain sum.");
  CHECK(add.brief == "Adds two numbers.");
  CHECK(add.is_public_api);

  // Every macro but the include guard, with value or parameters, in headers and sources.
  CHECK(named(cb, "LIB_VERSION_MAJOR", SymbolKind::macro).signature == "#define LIB_VERSION_MAJOR 1");
  const auto& flag = named(cb, "FLAG_X", SymbolKind::macro);
  CHECK(flag.signature == "#define FLAG_X ( 1 << 0 )");
  CHECK(flag.doc_comment == "first flag");
  CHECK(named(cb, "LIB_MAX", SymbolKind::macro).signature == "#define LIB_MAX(a, b)");
  CHECK_FALSE(named(cb, "LOCAL_LIMIT", SymbolKind::macro).is_public_api);
  for (const auto& s : cb.symbols) CHECK(s.name != "LIB_API_H");
  // An export macro defaulting to nothing looks like a guard, but is not the file's first one.
  CHECK(named(cb, "LIB_EXPORT", SymbolKind::macro).is_public_api);
  CHECK(named(cb, "lib_size", SymbolKind::typedef_).doc_comment == "32 bits or more");

  // typedef struct { ... } parse_buffer: a struct with its fields as members.
  const auto& pb = named(cb, "parse_buffer", SymbolKind::struct_);
  CHECK(pb.doc_comment == "Parsing state.");
  const auto& depth = named(cb, "parse_buffer::depth", SymbolKind::field);
  CHECK(depth.parent_id == pb.id);
  CHECK(depth.doc_comment == "how deep we are");
  CHECK(named(cb, "color", SymbolKind::enum_).parent_id.empty());
  const auto& unnamed = named(cb, "enum {LIB_A, LIB_B, ...}", SymbolKind::enum_);
  CHECK(named(cb, "LIB_B", SymbolKind::enumerator).parent_id == unnamed.id);

  // Templates as written; a private member is not API; a hidden class is not API.
  const auto& conv = named(cb, "lib::text::operator view<Char>", SymbolKind::conversion);
  CHECK(conv.signature.find("type-parameter") == std::string::npos);
  CHECK(named(cb, "lib::text::text", SymbolKind::constructor).doc_comment == "Builds an empty text.");
  CHECK_FALSE(named(cb, "lib::text::hidden_", SymbolKind::field).is_public_api);
  CHECK_FALSE(named(cb, "lib::Secret", SymbolKind::class_).is_public_api);

  // The namespace is first seen in... whichever file; its API is public all the same, and a
  // forward declaration in another header is not where Slice is declared.
  CHECK(named(cb, "lib", SymbolKind::namespace_).is_public_api);
  const auto& slice = named(cb, "lib::Slice", SymbolKind::class_);
  CHECK(slice.is_public_api);
  CHECK(slice.location.file == "include/lib/slice.h");
  CHECK_FALSE(slice.declaration.has_value());
  CHECK(slice.doc_comment == "A view of bytes.");
  CHECK(named(cb, "lib::Slice::size", SymbolKind::method).is_public_api);

  for (const auto& s : cb.symbols) {
    CHECK_FALSE(s.name.empty());
    CHECK(s.qualified_name.find("type-parameter-") == std::string::npos);
    CHECK(s.signature.find("type-parameter-") == std::string::npos);
    CHECK(s.doc_comment.find("Copyright") == std::string::npos);
  }
}

TEST_CASE("deep code does not crash the analyzer and its symbol is still documented",
          "[analyzer][deep]") {
  auto dir = test::scratch_dir("deep");
  std::string sum = "int callee() { return 1; }\n// Sums many ones.\nint f() { return callee()";
  for (int i = 0; i < 10000; ++i) sum += "+1";
  sum += "; }\n";
  write(dir / "deep.cpp", sum);
  std::string nest = "int g(int a) {\n";
  for (int i = 0; i < 3000; ++i) nest += "if (a) ";
  nest += "return 1;\n  return 0;\n}\n";
  write(dir / "nested.cpp", nest);
  auto cb = analyze(dir);
  const auto& f = named(cb, "f", SymbolKind::function);
  CHECK(f.doc_comment == "Sums many ones.");
  CHECK(named(cb, "g", SymbolKind::function).kind == SymbolKind::function);
  CHECK(std::any_of(cb.relations.begin(), cb.relations.end(), [&](const Relation& r) {
    return r.from == f.id && r.kind == RelationKind::calls;
  }));
}

TEST_CASE("a C++20 module interface unit that includes the headers hides none of their API",
          "[analyzer][modules]") {
  // As {fmt}'s src/fmt.cc does: `export module x;`, then the library's headers in its purview.
  auto dir = test::scratch_dir("module-unit");
  write(dir / "include/shapes/shapes.h",
        "#pragma once\nnamespace shapes {\n// A circle of a given radius.\nclass Circle {\n"
        " public:\n  // Its area.\n  double area() const;\n  double r = 1;\n};\n"
        "// Makes a unit circle.\nCircle unit_circle();\n}  // namespace shapes\n");
  write(dir / "src/shapes.cc",
        "module;\n#define SHAPES_MODULE 1\nexport module shapes;\n#include \"shapes/shapes.h\"\n");
  write(dir / "src/circle.cpp",
        "#include \"shapes/shapes.h\"\nnamespace shapes {\ndouble Circle::area() const { return 3 * r * r; }\n"
        "Circle unit_circle() { return {}; }\n}  // namespace shapes\n");
  auto cb = analyze(dir);
  const auto& circle = named(cb, "shapes::Circle", SymbolKind::class_);
  CHECK(circle.is_public_api);
  CHECK(circle.location.file == "include/shapes/shapes.h");
  CHECK(circle.doc_comment == "A circle of a given radius.");
  const auto& area = named(cb, "shapes::Circle::area", SymbolKind::method);
  CHECK(area.is_public_api);
  CHECK(area.doc_comment == "Its area.");
  const auto& make = named(cb, "shapes::unit_circle", SymbolKind::function);
  CHECK(make.is_public_api);
  CHECK(make.doc_comment == "Makes a unit circle.");
  for (const auto& s : cb.symbols) {
    INFO(s.qualified_name);
    CHECK(s.signature.find("__module_private__") == std::string::npos);
    CHECK(s.return_type.find("__module_private__") == std::string::npos);
  }
}
