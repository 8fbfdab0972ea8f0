// Verifier: planted false claims (invented parameters, identifiers, references, missing or
// invented return values, throwing noexcept functions) are caught, and honest docs, including
// ones that mention literals, standard names, files and locals, are not flagged.
#include <catch2/catch.hpp>

#include <functional>

#include "doctown/llm_client.hpp"
#include "doctown/verify.hpp"
#include "doctown/analyzer.hpp"
#include "support/output_fixture.hpp"
#include "support/test_paths.hpp"

using doctown::SymbolDoc;
using doctown::VerifyIssueKind;
using doctown::test::OutputFixture;

namespace {

bool has_issue(const doctown::VerifyResult& r, VerifyIssueKind k) {
  for (const auto& i : r.issues)
    if (i.kind == k) return true;
  return false;
}

std::string describe(const doctown::VerifyResult& r) {
  std::string s = r.id + ":";
  for (const auto& i : r.issues) s += " [" + std::string(to_string(i.kind)) + " " + i.subject + "]";
  return s;
}

}  // namespace

TEST_CASE("honest docs pass verification", "[verify]") {
  OutputFixture fx;
  auto results = doctown::verify_docs(fx.docs, fx.codebase);
  REQUIRE(results.size() == fx.docs.size());
  for (const auto& r : results) {
    INFO(describe(r));
    CHECK(r.ok());
  }
  CHECK(doctown::verified_ratio(results) == Approx(1.0));

  // Realistic phrasing that mentions things other than symbols.
  doctown::Verifier v(fx.codebase);
  SymbolDoc d;
  d.id = fx.id_of("geo::total_area");
  d.summary = "Returns the sum of `Shape::area()` over `shapes`.";
  d.description =
      "Returns `0` (not `nullptr`) when `shapes.empty()` is `true`; otherwise adds each "
      "`s->area()` into `sum`. Declared in `include/geo/algorithms.hpp`; needs `<vector>`. "
      "Works with any `std::vector<std::unique_ptr<Shape>>` and never calls `this`. "
      "Like ``geo::Circle::area``, it is `const`-correct; `-1` is never returned. Pass "
      "`--verbose` to the tool for details, see `https://example.org/geo`.";
  d.params = {{"shapes", "Owned shapes; `nullptr` elements are not allowed."}};
  d.returns = "The total area as a `double`, `0.0` for none.";
  d.throws = "Nothing.";
  d.see_also = {"geo::Shape::area()", "Shape", "std::accumulate", "::geo::summarize"};
  auto r = v.check(d);
  INFO(describe(r));
  CHECK(r.ok());

  // A void function whose doc says it returns nothing, and a noexcept function whose doc
  // says it never throws.
  SymbolDoc s;
  s.id = fx.id_of("geo::summarize");
  s.summary = "Prints a summary.";
  s.returns = "Nothing.";
  s.params = {{"out", "Stream."}, {"shapes", "Shapes."}};
  CHECK(v.check(s).ok());
  SymbolDoc n;
  n.id = fx.id_of("geo::Circle::radius");
  n.summary = "The radius; this accessor does not throw.";
  n.returns = "The radius.";
  n.throws = "Never throws (noexcept).";
  n.description = "It cannot throw because it only reads `radius_`. Raising the radius later "
                  "raises the area too.";
  CHECK(v.check(n).ok());
}

TEST_CASE("planted false claims are caught (>= 95%)", "[verify]") {
  OutputFixture fx;
  doctown::Verifier v(fx.codebase);
  struct Plant {
    std::string name;
    VerifyIssueKind expected;
    std::function<bool(const doctown::Symbol&, SymbolDoc&)> apply;  // false: not applicable
  };
  std::vector<Plant> plants{
      {"renamed parameter", VerifyIssueKind::unknown_param,
       [](const doctown::Symbol& s, SymbolDoc& d) {
         if (d.params.empty() || s.params.empty()) return false;
         d.params[0].name = "input_" + d.params[0].name + "_value";
         return true;
       }},
      {"extra parameter", VerifyIssueKind::unknown_param,
       [](const doctown::Symbol& s, SymbolDoc& d) {
         if (!is_callable(s.kind)) return false;
         d.params.push_back({"verbose", "Print progress."});
         return true;
       }},
      {"invented helper in description", VerifyIssueKind::unknown_identifier,
       [](const doctown::Symbol&, SymbolDoc& d) {
         d.description += " Internally it delegates to `compute_bounding_volume`.";
         return true;
       }},
      {"invented class in summary", VerifyIssueKind::unknown_identifier,
       [](const doctown::Symbol&, SymbolDoc& d) {
         d.summary += " Also works for `geo::Triangle`.";
         return true;
       }},
      {"invented member call", VerifyIssueKind::unknown_identifier,
       [](const doctown::Symbol&, SymbolDoc& d) {
         d.notes = "Call `Shape::normalize()` first.";
         return true;
       }},
      {"invented identifier in a parameter description", VerifyIssueKind::unknown_identifier,
       [](const doctown::Symbol&, SymbolDoc& d) {
         if (d.params.empty()) return false;
         d.params[0].description += " Validated by `check_shape_invariants`.";
         return true;
       }},
      {"invented see-also", VerifyIssueKind::unknown_reference,
       [](const doctown::Symbol&, SymbolDoc& d) {
         d.see_also.push_back("geo::Hexagon");
         return true;
       }},
      {"return dropped", VerifyIssueKind::missing_return,
       [](const doctown::Symbol& s, SymbolDoc& d) {
         if (!is_callable(s.kind) || s.return_type.empty() || s.return_type == "void" ||
             s.kind == doctown::SymbolKind::constructor)
           return false;
         d.returns = "";
         return true;
       }},
      {"return invented for void", VerifyIssueKind::return_on_void,
       [](const doctown::Symbol& s, SymbolDoc& d) {
         if (s.return_type != "void") return false;
         d.returns = "The number of lines written.";
         return true;
       }},
      {"throws claimed for noexcept", VerifyIssueKind::throws_noexcept,
       [](const doctown::Symbol& s, SymbolDoc& d) {
         if (!s.has(doctown::flags::is_noexcept)) return false;
         d.throws = "`std::out_of_range` when the circle is empty.";
         return true;
       }},
      {"throwing described in prose for noexcept", VerifyIssueKind::throws_noexcept,
       [](const doctown::Symbol& s, SymbolDoc& d) {
         if (!s.has(doctown::flags::is_noexcept)) return false;
         d.description += " It throws an exception when the radius is NaN.";
         return true;
       }},
  };
  std::size_t planted = 0, caught = 0;
  std::vector<std::string> missed;
  for (const auto& [id, base] : fx.docs) {
    const doctown::Symbol* s = fx.codebase.find(id);
    REQUIRE(s);
    for (const Plant& p : plants) {
      SymbolDoc d = base;
      if (!p.apply(*s, d)) continue;
      ++planted;
      auto r = v.check(d, *s);
      if (has_issue(r, p.expected)) ++caught;
      else missed.push_back(p.name + " in " + s->qualified_name + " -> " + describe(r));
    }
  }
  for (const auto& m : missed) UNSCOPED_INFO(m);
  CHECK(planted >= 50);
  double ratio = static_cast<double>(caught) / static_cast<double>(planted);
  CHECK(ratio >= 0.95);
  // Each planted doc is flagged for the claim planted, not just for anything.
  CHECK(missed.empty());
}

TEST_CASE("verification results say what is wrong", "[verify]") {
  OutputFixture fx;
  doctown::Verifier v(fx.codebase);
  SymbolDoc d = fx.docs.at(fx.id_of("geo::Circle::Circle"));
  d.params = {{"diameter", "Twice the radius."}};
  auto r = v.check(d);
  REQUIRE(r.issues.size() == 1);
  CHECK(r.issues[0].kind == VerifyIssueKind::unknown_param);
  CHECK(r.issues[0].subject == "diameter");
  CHECK(r.issues[0].message.find("diameter") != std::string::npos);

  SymbolDoc ghost;
  ghost.id = "c:@N@geo@S@Ghost";
  auto g = v.check(ghost);
  CHECK(has_issue(g, VerifyIssueKind::unknown_symbol));

  // One-off form agrees with the Verifier.
  auto one = doctown::verify_doc(d, *fx.codebase.find(d.id), fx.codebase);
  CHECK(one.issues.size() == 1);

  std::vector<doctown::VerifyResult> mixed{r, doctown::VerifyResult{"x", {}}};
  CHECK(doctown::verified_ratio(mixed) == Approx(0.5));
  CHECK(doctown::verified_ratio({}) == Approx(1.0));
}

TEST_CASE("the offline writer's docs pass verification by construction", "[verify]") {
  OutputFixture fx;
  auto writer = doctown::make_offline_writer();
  REQUIRE(writer);
  doctown::Batch b;
  for (const auto& s : fx.codebase.symbols) b.symbol_ids.push_back(s.id);
  std::vector<doctown::Batch> batches{b};
  doctown::LlmJob job;
  job.batches = batches;
  job.codebase = &fx.codebase;
  job.graph = &fx.graph;
  auto outcome = (*writer)->run(job, {});
  REQUIRE(outcome.docs.size() == fx.codebase.symbols.size());
  doctown::Verifier v(fx.codebase);
  for (const auto& d : outcome.docs) {
    auto r = v.check(d);
    INFO(describe(r));
    CHECK(r.ok());
  }
}

TEST_CASE("offline docs of the real sample project pass verification", "[verify]") {
  auto analyzer = doctown::make_clang_analyzer({});
  REQUIRE(analyzer);
  auto cb = (*analyzer)->analyze(doctown::test::sample_project(), {});
  INFO((cb ? std::string() : cb.error().what()));
  REQUIRE(cb);
  REQUIRE(cb->symbols.size() > 10);
  auto writer = doctown::make_offline_writer();
  REQUIRE(writer);
  doctown::Batch b;
  for (const auto& s : cb->symbols) b.symbol_ids.push_back(s.id);
  std::vector<doctown::Batch> batches{b};
  doctown::LlmJob job;
  job.batches = batches;
  job.codebase = &*cb;
  auto outcome = (*writer)->run(job, {});
  REQUIRE(!outcome.docs.empty());
  std::map<std::string, SymbolDoc> docs;
  for (auto& d : outcome.docs) docs[d.id] = d;
  auto results = doctown::verify_docs(docs, *cb);
  for (const auto& r : results) {
    INFO(describe(r));
    CHECK(r.ok());
  }
}

// Issue 16 item 6: the analyzer lists receivers, patterns and variadics as each language
// writes them (`&mut self`, `mut x`, `*args`); the verifier must read them by the same rule.
TEST_CASE("receivers, patterns and variadics are one parameter name for analyzer and verifier", "[verify]") {
  using doctown::Param;
  using doctown::SymbolKind;
  doctown::Codebase cb;
  doctown::Symbol rs;
  rs.id = "rust:src/lib.rs:Buffer::push:method";
  rs.kind = SymbolKind::method;
  rs.name = "push";
  rs.qualified_name = "Buffer::push";
  rs.language = "rust";
  rs.signature = "pub fn push(&mut self, mut item: T, ...)";
  rs.params = {Param{"&mut self", "", ""}, Param{"mut item", "T", ""}};
  doctown::Symbol py;
  py.id = "python:pkg/session.py:pkg.session.Session.get:method";
  py.kind = SymbolKind::method;
  py.name = "get";
  py.qualified_name = "pkg.session.Session.get";
  py.language = "python";
  py.signature = "def get(self, url, timeout: float = 3.0, *args, **kwargs)";
  py.params = {Param{"self", "", ""}, Param{"url", "", ""}, Param{"timeout", "float", "3.0"},
               Param{"*args", "", ""}, Param{"**kwargs", "", ""}};
  doctown::Symbol cpp;
  cpp.id = "c:@S@Shape@F@area#";
  cpp.kind = SymbolKind::method;
  cpp.name = "area";
  cpp.qualified_name = "Shape::area";
  cpp.language = "c++";
  cpp.return_type = "void";
  cb.symbols = {rs, py, cpp};

  SymbolDoc d;
  d.id = rs.id;
  d.summary = "Appends an item.";
  d.params = {{"item", "The item."}};
  CHECK(doctown::verify_doc(d, rs, cb).ok());  // the receiver left out
  d.params.push_back({"self", "The buffer."});
  d.params.push_back({"`mut item`", "Spelled as the signature spells it."});
  CHECK(doctown::verify_doc(d, rs, cb).ok());
  d.params.push_back({"capacity", "Invented."});
  CHECK(has_issue(doctown::verify_doc(d, rs, cb), VerifyIssueKind::unknown_param));

  d = SymbolDoc{};
  d.id = py.id;
  d.summary = "Sends a GET request.";
  d.params = {{"url", "Where."}, {"timeout", "Seconds."}, {"*args", "Passed on."},
              {"kwargs", "Passed on."}};
  CHECK(doctown::verify_doc(d, py, cb).ok());
  d.params.push_back({"cls", "Not a parameter of this method."});
  auto r = doctown::verify_doc(d, py, cb);
  REQUIRE(r.issues.size() == 1);
  CHECK(r.issues[0].subject == "cls");

  // C++ members: `this` is implied, never listed.
  d = SymbolDoc{};
  d.id = cpp.id;
  d.summary = "Computes the area.";
  d.params = {{"this", "The shape."}};
  CHECK(doctown::verify_doc(d, cpp, cb).ok());
  d.params = {{"self", "Not C++."}};
  CHECK_FALSE(doctown::verify_doc(d, cpp, cb).ok());
}

TEST_CASE("verification reads the code spans the pages show, past an unclosed backtick run",
          "[verify]") {
  // The pages render `made_up_helper` below as code (an unclosed ``` run stays plain text);
  // verification shares their scanner, so the invented name is caught, not skipped.
  OutputFixture fx;
  doctown::Verifier v(fx.codebase);
  SymbolDoc d;
  d.id = fx.id_of("geo::total_area");
  d.summary = "Adds the areas.";
  d.description = "A stray ``` run, then a call to `made_up_helper` for each shape.";
  d.params = {{"shapes", "The shapes."}};
  d.returns = "The total area.";
  auto r = v.check(d);
  INFO(describe(r));
  REQUIRE(has_issue(r, VerifyIssueKind::unknown_identifier));
  bool named = false;
  for (const auto& i : r.issues) named = named || i.subject == "made_up_helper";
  CHECK(named);
}
