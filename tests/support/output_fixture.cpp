// Output fixture: symbols, relations, embeddings, a graph with PageRank, scores and docs
// written the way a careful LLM would (true statements with backticked names and see-also).
#include "support/output_fixture.hpp"

#include <cmath>
#include <stdexcept>

namespace doctown::test {

namespace {

Symbol sym(std::string id, SymbolKind kind, std::string name, std::string qname,
           std::string file, int line, int end_line, std::string signature) {
  Symbol s;
  s.id = std::move(id);
  s.kind = kind;
  s.name = std::move(name);
  s.qualified_name = std::move(qname);
  s.language = "c++";
  s.location = {std::move(file), line, end_line};
  s.signature = std::move(signature);
  return s;
}

}  // namespace

OutputFixture::OutputFixture() {
  Codebase& cb = codebase;
  cb.root = "/src/geo-project";
  cb.name = "geo-project";
  cb.source = {"local", "/src/geo-project", "", ""};
  for (const char* f : {"include/geo/shape.hpp", "include/geo/circle.hpp", "src/circle.cpp",
                        "include/geo/algorithms.hpp", "src/algorithms.cpp", "tools/gen.py"})
    cb.files.push_back({f, std::string(f).ends_with(".py") ? "python" : "c++", 100, "00"});

  Symbol ns = sym("c:@N@geo", SymbolKind::namespace_, "geo", "geo", "include/geo/shape.hpp", 5,
                  40, "namespace geo");
  ns.brief = "Geometry primitives.";
  cb.symbols.push_back(ns);

  Symbol kind = sym("c:@N@geo@E@ShapeKind", SymbolKind::enum_, "ShapeKind", "geo::ShapeKind",
                    "include/geo/shape.hpp", 8, 12, "enum class ShapeKind");
  kind.parent_id = "c:@N@geo";
  kind.brief = "Kinds of shapes the library knows about.";
  cb.symbols.push_back(kind);
  Symbol circle_kind = sym("c:@N@geo@E@ShapeKind@circle", SymbolKind::enumerator, "circle",
                           "geo::ShapeKind::circle", "include/geo/shape.hpp", 9, 9, "circle");
  circle_kind.parent_id = kind.id;
  cb.symbols.push_back(circle_kind);

  Symbol shape = sym("c:@N@geo@S@Shape", SymbolKind::class_, "Shape", "geo::Shape",
                     "include/geo/shape.hpp", 19, 35, "class Shape");
  shape.parent_id = "c:@N@geo";
  shape.brief = "Abstract base of every shape.";
  shape.is_public_api = true;
  cb.symbols.push_back(shape);

  Symbol area = sym("c:@N@geo@S@Shape@F@area#1", SymbolKind::method, "area", "geo::Shape::area",
                    "include/geo/shape.hpp", 24, 24, "virtual double area() const = 0");
  area.parent_id = shape.id;
  area.return_type = "double";
  area.flags = flags::is_virtual | flags::is_pure | flags::is_const;
  area.access = Access::public_;
  cb.symbols.push_back(area);

  Symbol describe = sym("c:@N@geo@S@Shape@F@describe#1", SymbolKind::method, "describe",
                        "geo::Shape::describe", "src/shape.cpp", 8, 14,
                        "std::string describe() const");
  describe.parent_id = shape.id;
  describe.return_type = "std::string";
  describe.source_text =
      "std::string Shape::describe() const {\n  std::ostringstream out;\n  out << name() << \" of "
      "area \" << area();\n  return out.str();\n}";
  cb.symbols.push_back(describe);

  Symbol circle = sym("c:@N@geo@S@Circle", SymbolKind::class_, "Circle", "geo::Circle",
                      "include/geo/circle.hpp", 9, 25, "class Circle : public Shape");
  circle.parent_id = "c:@N@geo";
  circle.brief = "A circle given by its radius.";
  cb.symbols.push_back(circle);

  Symbol ctor = sym("c:@N@geo@S@Circle@F@Circle#d#", SymbolKind::constructor, "Circle",
                    "geo::Circle::Circle", "src/circle.cpp", 7, 11,
                    "explicit Circle(double radius)");
  ctor.parent_id = circle.id;
  ctor.params = {{"radius", "double", ""}};
  ctor.source_text =
      "Circle::Circle(double radius) : radius_(radius) {\n  if (radius < 0) throw "
      "std::invalid_argument(\"negative radius\");\n}";
  cb.symbols.push_back(ctor);

  Symbol carea = sym("c:@N@geo@S@Circle@F@area#1", SymbolKind::method, "area",
                     "geo::Circle::area", "src/circle.cpp", 13, 13,
                     "double area() const override");
  carea.parent_id = circle.id;
  carea.return_type = "double";
  carea.flags = flags::is_const | flags::is_override | flags::is_virtual;
  carea.source_text = "double Circle::area() const { return kPi * radius_ * radius_; }";
  cb.symbols.push_back(carea);

  Symbol radius = sym("c:@N@geo@S@Circle@F@radius#1", SymbolKind::method, "radius",
                      "geo::Circle::radius", "include/geo/circle.hpp", 20, 20,
                      "double radius() const noexcept");
  radius.parent_id = circle.id;
  radius.return_type = "double";
  radius.flags = flags::is_const | flags::is_noexcept;
  radius.source_text = "double radius() const noexcept { return radius_; }";
  cb.symbols.push_back(radius);

  Symbol field = sym("c:@N@geo@S@Circle@FI@radius_", SymbolKind::field, "radius_",
                     "geo::Circle::radius_", "include/geo/circle.hpp", 23, 23, "double radius_");
  field.parent_id = circle.id;
  field.access = Access::private_;
  cb.symbols.push_back(field);

  Symbol total = sym("c:@N@geo@F@total_area#&1$@N@std@S@vector", SymbolKind::function,
                     "total_area", "geo::total_area", "src/algorithms.cpp", 10, 16,
                     "double total_area(const std::vector<std::unique_ptr<Shape>> &shapes)");
  total.parent_id = "c:@N@geo";
  total.return_type = "double";
  total.params = {{"shapes", "const std::vector<std::unique_ptr<Shape>> &", ""}};
  total.source_text =
      "double total_area(const std::vector<std::unique_ptr<Shape>>& shapes) {\n  double sum = "
      "0;\n  for (const auto& s : shapes) sum += s->area();\n  return sum;\n}";
  cb.symbols.push_back(total);

  Symbol parse = sym("c:@N@geo@F@parse_shape#&1$@N@std@S@basic_string", SymbolKind::function,
                     "parse_shape", "geo::parse_shape", "src/algorithms.cpp", 20, 34,
                     "std::unique_ptr<Shape> parse_shape(const std::string &text)");
  parse.parent_id = "c:@N@geo";
  parse.return_type = "std::unique_ptr<Shape>";
  parse.params = {{"text", "const std::string &", ""}};
  parse.source_text =
      "std::unique_ptr<Shape> parse_shape(const std::string& text) {\n  std::istringstream "
      "in(text);\n  std::string word;\n  in >> word;\n  if (word == \"circle\") { double r; in >> "
      "r; return std::make_unique<Circle>(r); }\n  throw std::invalid_argument(\"unknown shape: \" "
      "+ word);\n}";
  cb.symbols.push_back(parse);

  Symbol summarize = sym("c:@N@geo@F@summarize#", SymbolKind::function, "summarize",
                         "geo::summarize", "src/algorithms.cpp", 40, 48,
                         "void summarize(std::ostream &out, const std::vector<std::unique_ptr<Shape>> &shapes)");
  summarize.parent_id = "c:@N@geo";
  summarize.return_type = "void";
  summarize.params = {{"out", "std::ostream &", ""},
                      {"shapes", "const std::vector<std::unique_ptr<Shape>> &", ""}};
  summarize.source_text =
      "void summarize(std::ostream& out, const std::vector<std::unique_ptr<Shape>>& shapes) {\n"
      "  for (const auto& s : shapes) out << s->describe() << '\\n';\n  out << \"total \" << "
      "total_area(shapes);\n}";
  cb.symbols.push_back(summarize);

  Symbol py = sym("python:tools/gen.py:gen.main:function", SymbolKind::function, "main",
                  "gen.main", "tools/gen.py", 3, 9, "def main(argv)");
  py.language = "python";
  py.params = {{"argv", "", ""}};
  py.return_type = "int";
  py.source_text = "def main(argv):\n    count = len(argv)\n    return count";
  cb.symbols.push_back(py);

  auto id = [&](const char* q) {
    for (const Symbol& s : cb.symbols)
      if (s.qualified_name == q) return s.id;
    throw std::logic_error(q);
  };
  cb.relations = {
      {id("geo::Circle"), id("geo::Shape"), RelationKind::inherits, 1},
      {id("geo::Circle::area"), id("geo::Shape::area"), RelationKind::overrides, 1},
      {id("geo::total_area"), id("geo::Shape::area"), RelationKind::calls, 1},
      {id("geo::summarize"), id("geo::total_area"), RelationKind::calls, 1},
      {id("geo::summarize"), id("geo::Shape::describe"), RelationKind::calls, 1},
      {id("geo::parse_shape"), id("geo::Circle::Circle"), RelationKind::calls, 1},
      {id("geo::Shape::describe"), id("geo::Shape::area"), RelationKind::calls, 1},
      {id("geo::total_area"), id("geo::Shape"), RelationKind::uses_type, 1},
      {"file:src/circle.cpp", "file:include/geo/circle.hpp", RelationKind::includes, 1},
      {"file:include/geo/circle.hpp", "file:include/geo/shape.hpp", RelationKind::includes, 1},
      {"file:src/algorithms.cpp", "file:include/geo/algorithms.hpp", RelationKind::includes, 1},
      {id("geo::Circle"), id("geo::Circle::area"), RelationKind::contains, 1},
  };
  cb.normalize();

  // Embeddings from the real local embedder (deterministic), so searches can embed queries
  // in the same space.
  {
    doctown::LocalEmbedderOptions eo;
    eo.dims = 32;
    eo.threads = 1;
    auto embedder = doctown::make_local_embedder(eo);
    if (!embedder) throw std::runtime_error(embedder.error().what());
    auto m = (*embedder)->embed(cb, {});
    if (!m) throw std::runtime_error(m.error().what());
    embeddings = std::move(*m);
  }

  // Graph: every symbol and file, PageRank favouring what is depended upon.
  double total_pr = 0;
  for (const Symbol& s : cb.symbols) {
    double pr = 1;
    for (const Relation& r : cb.relations)
      if (r.to == s.id && r.kind != RelationKind::contains) pr += 2;
    graph.nodes.push_back({s.id, false, pr, 0});
    total_pr += pr;
  }
  for (const SourceFile& f : cb.files) {
    graph.nodes.push_back({"file:" + f.path, true, 1.5, 0});
    total_pr += 1.5;
  }
  for (GraphNode& n : graph.nodes) n.pagerank /= total_pr;
  graph.edges = cb.relations;
  graph.edges.push_back({id("geo::Shape::area"), id("geo::Circle::area"), RelationKind::similar, 0.9});
  graph.dependency_order = {id("geo::Shape::area"), id("geo::total_area"), id("geo::summarize")};

  for (std::size_t i = 0; i < cb.symbols.size(); ++i) {
    DocScore sc;
    sc.id = cb.symbols[i].id;
    sc.score = 0.5 + 0.03 * static_cast<double>(i);
    sc.structural = 0.6;
    sc.semantic = 0.4;
    sc.complexity = 0.2;
    sc.selected = sc.score >= 0.65;
    sc.reason = sc.selected ? "central" : "below threshold";
    scores.push_back(sc);
  }

  auto doc = [&](const char* q) -> SymbolDoc& {
    SymbolDoc& d = docs[id(q)];
    d.id = id(q);
    d.source = "llm";
    return d;
  };
  {
    SymbolDoc& d = doc("geo::Shape");
    d.summary = "Abstract base class of every shape in the `geo` namespace.";
    d.description =
        "A `Shape` knows its area and can describe itself. Concrete shapes such as `Circle` "
        "override `area`.";
    d.see_also = {"geo::Circle", "geo::total_area"};
  }
  {
    SymbolDoc& d = doc("geo::Shape::area");
    d.summary = "Area of the shape in square units.";
    d.description = "Pure virtual; each concrete shape computes its own area.";
    d.returns = "The area, never negative.";
    d.see_also = {"geo::Circle::area"};
  }
  {
    SymbolDoc& d = doc("geo::Circle");
    d.summary = "A circle defined by its radius.";
    d.description = "Derives from `geo::Shape`; stores the radius in `radius_`.";
    d.examples = {"geo::Circle c(2.0);\ndouble a = c.area();"};
    d.see_also = {"Shape"};
  }
  {
    SymbolDoc& d = doc("geo::Circle::Circle");
    d.summary = "Creates a circle with the given radius.";
    d.description = "Throws `std::invalid_argument` when `radius` is negative.";
    d.params = {{"radius", "Radius of the circle; must not be negative."}};
    d.throws = "`std::invalid_argument` if `radius < 0`.";
  }
  {
    SymbolDoc& d = doc("geo::Circle::radius");
    d.summary = "The radius of the circle.";
    d.description = "Returns the value of `radius_`. Never throws.";
    d.returns = "The radius given at construction.";
  }
  {
    SymbolDoc& d = doc("geo::total_area");
    d.summary = "Sums the areas of all shapes.";
    d.description = "Calls `Shape::area` on every element of `shapes` and adds the results.";
    d.params = {{"shapes", "The shapes to sum; may be empty."}};
    d.returns = "The total area, 0 for an empty vector.";
    d.see_also = {"geo::Shape::area", "geo::summarize"};
  }
  {
    SymbolDoc& d = doc("geo::parse_shape");
    d.summary = "Parses a shape from text such as `circle 2`.";
    d.description = "Reads the shape's `word` and its dimensions with a `std::istringstream`.";
    d.params = {{"text", "The description to parse."}};
    d.returns = "The parsed shape as a `std::unique_ptr<Shape>`.";
    d.throws = "`std::invalid_argument` for an unknown shape name.";
    d.see_also = {"geo::Circle"};
  }
  {
    SymbolDoc& d = doc("geo::summarize");
    d.summary = "Writes one line per shape and the total area to `out`.";
    d.description = "Uses `describe` for each shape and `total_area` for the sum.";
    d.params = {{"out", "Stream written to."}, {"shapes", "The shapes to summarise."}};
    d.see_also = {"geo::total_area"};
  }
  {
    SymbolDoc& d = doc("gen.main");
    d.summary = "Entry point of the generator script.";
    d.description = "Counts the arguments in `argv` with `len`.";
    d.params = {{"argv", "Command-line arguments."}};
    d.returns = "The number of arguments.";
  }
  failures.push_back({id("geo::Shape::describe"), "the model answered with invalid JSON"});
}

DocSet OutputFixture::docset() const {
  DocSet d;
  d.codebase = &codebase;
  d.embeddings = &embeddings;
  d.graph = &graph;
  d.scores = &scores;
  d.docs = &docs;
  d.failures = &failures;
  verification = verify_docs(docs, codebase);
  d.verification = &verification;
  d.stats.symbols = codebase.symbols.size();
  d.stats.documented = docs.size();
  d.stats.failed = failures.size();
  d.stats.requests = 3;
  d.stats.wall_s = 1.25;
  d.llm_model = "test-model";
  d.llm_mode = "sync";
  d.generated_at = "2026-11-27T14:00:00Z";
  return d;
}

std::string OutputFixture::id_of(const std::string& qualified_name) const {
  for (const Symbol& s : codebase.symbols)
    if (s.qualified_name == qualified_name) return s.id;
  throw std::logic_error("no symbol " + qualified_name);
}

}  // namespace doctown::test
