// `doctown check`: planted missing docs and contradicting comments are reported at their exact
// file:line:col in the compiler's format with exit 1; --json lists the same findings; the
// sample project (whose comments are kept clean) passes with exit 0. Real libclang analysis.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "doctown/check.hpp"
#include "support/test_paths.hpp"

using doctown::test::run_cli;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

fs::path planted() { return doctown::test::data_dir() / "check" / "planted"; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("check reports planted missing and contradicting docs at file:line:col", "[check][cli]") {
  auto r = run_cli({"check", planted().string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const std::vector<std::string> expected = {
      "include/planted/api.hpp:11:12: warning: `planted::add`: parameter `c` is described but "
      "the signature has no such parameter [doctown-check-unknown-param]",
      "include/planted/api.hpp:14:5: warning: function `planted::undocumented_function` is "
      "public API without documentation [doctown-check-undocumented]",
      "include/planted/api.hpp:18:4: warning: `planted::reset`: the doc describes a return value "
      "but the function returns void [doctown-check-return-on-void]",
      "include/planted/api.hpp:22:26: warning: `planted::store`: `scale_factor` is not a symbol "
      "or identifier of the codebase [doctown-check-unknown-identifier]",
      "include/planted/api.hpp:26:5: warning: `planted::flush`: the doc says it throws but the "
      "function is declared noexcept [doctown-check-throws-noexcept]",
      "include/planted/api.hpp:29:29: warning: `planted::lookup`: `nme` is not a symbol or "
      "identifier of the codebase [doctown-check-unknown-identifier]",
      "include/planted/api.hpp:31:10: warning: `planted::lookup`: see-also "
      "`planted::missing_helper` names no symbol [doctown-check-unknown-reference]",
      "include/planted/api.hpp:40:7: warning: method `planted::Widget::size` is public API "
      "without documentation [doctown-check-undocumented]",
      // A block comment whose lines have no leading '*'; `@sa get()` is the sibling method.
      "include/planted/api.hpp:54:11: warning: `planted::Holder::set`: see-also `forget_it` "
      "names no symbol [doctown-check-unknown-reference]",
  };
  CHECK(lines_of(r.out) == expected);
  CHECK(r.err.find("9 finding(s)") != std::string::npos);
}

TEST_CASE("check --json lists the same findings for machines", "[check][cli]") {
  auto r = run_cli({"check", planted().string(), "--json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  boost::system::error_code ec;
  json::value v = json::parse(r.out, ec);
  REQUIRE_FALSE(ec);
  const json::object& o = v.as_object();
  CHECK(o.at("ok").as_bool() == false);
  const json::array& findings = o.at("findings").as_array();
  REQUIRE(findings.size() == 9);
  std::size_t undocumented = 0;
  for (const auto& f : findings) {
    const json::object& fo = f.as_object();
    CHECK(fo.at("file").as_string() == "include/planted/api.hpp");
    CHECK(fo.at("line").as_int64() > 0);
    CHECK(fo.at("column").as_int64() > 0);
    if (fo.at("kind").as_string() == "undocumented") ++undocumented;
  }
  CHECK(undocumented == 2);
  const json::object& first = findings[0].as_object();
  CHECK(first.at("kind").as_string() == "unknown-param");
  CHECK(first.at("line").as_int64() == 11);
  CHECK(first.at("column").as_int64() == 12);
  CHECK(first.at("subject").as_string() == "c");
  CHECK(first.at("symbol").as_string().size() > 0);
}

TEST_CASE("check passes on the sample project with exit 0", "[check][cli]") {
  auto r = run_cli({"check", doctown::test::sample_project().string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.find("0 finding(s)") != std::string::npos);
}

TEST_CASE("check finds a defect planted in a copy of the sample project", "[check][cli]") {
  // The sample passing is only meaningful if the same tree with one bad comment fails.
  fs::path dir = doctown::test::scratch_dir("check-sample");
  fs::copy(doctown::test::sample_project(), dir / "sample", fs::copy_options::recursive);
  fs::path header = dir / "sample" / "include" / "geo" / "algorithms.hpp";
  std::string text = doctown::test::slurp(header);
  const std::string from = "@param text the description to parse";
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "@param txt the description to parse");
  std::ofstream(header, std::ios::binary | std::ios::trunc) << text;
  auto r = run_cli({"check", (dir / "sample").string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("include/geo/algorithms.hpp:", 0) == 0);
  CHECK(lines[0].find("[doctown-check-unknown-param]") != std::string::npos);
  CHECK(lines[0].find("`txt`") != std::string::npos);
}

TEST_CASE("doc comments are read into Doxygen and Sphinx fields", "[check]") {
  auto d = doctown::doc_from_comment(
      "Parses it.\n@param[in] a,b the inputs\n  continued here\n\\return the value\n"
      "@throws std::bad_alloc when out of memory\n\\sa other\n\nUses @p a.\n"
      "@code\nnot_a_name `zzz`\n@endcode\n:param x: sphinx\n:returns: thing",
      "id1");
  CHECK(d.id == "id1");
  REQUIRE(d.params.size() == 3);
  CHECK(d.params[0].name == "a");
  CHECK(d.params[1].name == "b");
  CHECK(d.params[1].description == "the inputs continued here");
  CHECK(d.params[2].name == "x");
  CHECK(d.returns == "the value thing");
  CHECK(d.throws == "std::bad_alloc when out of memory");
  REQUIRE(d.see_also.size() == 1);
  CHECK(d.see_also[0] == "other");
  CHECK(d.description == "Parses it. Uses `a`.");
  CHECK(d.description.find("zzz") == std::string::npos);
}
