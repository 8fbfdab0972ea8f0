// Rust and Python on real code (anyhow and requests at fixed commits, ../shared/realcode):
// the tree-sitter analyzer extracts what a reader looks for — types with their methods, trait
// impls and base classes as relations, calls, attributes kept out of docs, docstrings whole —
// and the verifier accepts true docs of their methods. Without the grammars (or the tarballs)
// these tests are ctest SKIPs (exit code 77), never passes.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "analyzer/analyzer_impl.hpp"
#include "doctown/analyzer.hpp"
#include "doctown/source.hpp"
#include "doctown/verify.hpp"
#include "support/skip.hpp"
#include "support/test_paths.hpp"

namespace fs = std::filesystem;
using namespace doctown;

namespace {

fs::path realcode_dir() { return fs::path(DOCTOWN_TEST_SOURCE_DIR) / ".." / "shared" / "realcode"; }

// The project extracted into a scratch folder (once per process) and analysed with defaults.
const Codebase& analysed(const std::string& project) {
  static std::map<std::string, Codebase> done;
  if (auto it = done.find(project); it != done.end()) return it->second;
  if (!detail::tree_sitter_available())
    test::skip_test("this build has no tree-sitter grammars (run scripts/install-deps.sh)");
  fs::path tarball = realcode_dir() / (project + ".tar.gz");
  if (!fs::exists(tarball)) test::skip_test(tarball.string() + " is missing");
  SourceOptions so;
  so.work_dir = test::scratch_dir("realcode-" + project);
  auto src = resolve_source(tarball.string(), so, RunContext{});
  REQUIRE(src);
  fs::path root = src->root;
  if (fs::exists(root / project)) root /= project;  // the tarball's top folder
  auto an = make_default_analyzer({});
  REQUIRE(an);
  auto cb = (*an)->analyze(root, RunContext{});
  REQUIRE(cb);
  return done.emplace(project, std::move(*cb)).first->second;
}

const Symbol* by_qname(const Codebase& cb, std::string_view q, std::optional<SymbolKind> k = {}) {
  for (const auto& s : cb.symbols)
    if (s.qualified_name == q && (!k || s.kind == *k)) return &s;
  return nullptr;
}

bool has_relation(const Codebase& cb, const Symbol* from, const Symbol* to, RelationKind k) {
  if (!from || !to) return false;
  for (const auto& r : cb.relations)
    if (r.from == from->id && r.to == to->id && r.kind == k) return true;
  return false;
}

std::map<RelationKind, std::size_t> relation_counts(const Codebase& cb) {
  std::map<RelationKind, std::size_t> n;
  for (const auto& r : cb.relations) ++n[r.kind];
  return n;
}

std::string run_python(const std::string& script, const fs::path& arg) {
  std::string cmd = "python3 '" + script + "' '" + arg.string() + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {};
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  if (pclose(p) != 0) return {};
  return out;
}

}  // namespace

TEST_CASE("anyhow: Error and its methods, the Context trait and its impls, calls", "[realcode][rust]") {
  const Codebase& cb = analysed("anyhow");
  const Symbol* error = by_qname(cb, "Error", SymbolKind::struct_);
  REQUIRE(error);
  CHECK(error->is_public_api);
  for (const char* m : {"Error::new", "Error::context", "Error::msg", "Error::downcast_ref",
                        "Error::chain", "Error::root_cause"}) {
    INFO(m);
    const Symbol* s = by_qname(cb, m, SymbolKind::method);
    REQUIRE(s);
    CHECK(s->parent_id == error->id);  // impl blocks in another file than the struct
    CHECK_FALSE(s->doc_comment.empty());
  }
  // `pub fn context<C>(self, context: C) -> Self`: the receiver as a parameter named `self`.
  const Symbol* ctx_m = by_qname(cb, "Error::context", SymbolKind::method);
  REQUIRE_FALSE(ctx_m->params.empty());
  CHECK(ctx_m->params.front().name == "self");
  CHECK(ctx_m->params.size() == 2);
  CHECK(ctx_m->params[1].name == "context");

  const Symbol* context = by_qname(cb, "Context", SymbolKind::trait);
  REQUIRE(context);
  const Symbol* trait_fn = by_qname(cb, "Context::context", SymbolKind::method);
  REQUIRE(trait_fn);
  // `impl<T, E> Context<T, E> for Result<T, E>` and `for Option<T>`: each method overrides
  // the trait's.
  std::size_t impls = 0;
  for (const auto& r : cb.relations)
    if (r.kind == RelationKind::overrides && r.to == trait_fn->id) ++impls;
  CHECK(impls >= 2);

  // Attributes are facts of the signature, never docs.
  std::size_t derives = 0;
  for (const auto& s : cb.symbols) {
    if (s.language != "rust") continue;
    INFO(s.qualified_name);
    // (Examples inside rustdoc may show `#[derive(...)]`; a doc never starts with one.)
    CHECK(s.doc_comment.rfind("#[", 0) != 0);
    CHECK(s.brief.find("#[") == std::string::npos);
    if (s.signature.find("#[derive(") != std::string::npos) ++derives;
  }
  CHECK(derives > 0);

  // rustdoc keeps its Markdown: the crate docs have `# Details` headings and ``` fences.
  const Symbol* crate = by_qname(cb, "anyhow", SymbolKind::module);
  REQUIRE(crate);
  CHECK(crate->doc_comment.find("\n# Details") != std::string::npos);
  CHECK(crate->doc_comment.find("```") != std::string::npos);

  auto counts = relation_counts(cb);
  CHECK(counts[RelationKind::calls] > 50);
  CHECK(counts[RelationKind::inherits] > 0);
  std::size_t rust_symbols = 0;
  for (const auto& s : cb.symbols) rust_symbols += s.language == "rust";
  std::printf("anyhow: %zu Rust symbols, relations: contains %zu, calls %zu, inherits %zu, "
              "overrides %zu\n",
              rust_symbols, counts[RelationKind::contains], counts[RelationKind::calls],
              counts[RelationKind::inherits], counts[RelationKind::overrides]);
}

TEST_CASE("requests: Session and its docstrings, base classes, no alias namespaces", "[realcode][python]") {
  const Codebase& cb = analysed("requests");
  const Symbol* session = by_qname(cb, "requests.sessions.Session", SymbolKind::class_);
  REQUIRE(session);
  const Symbol* request = by_qname(cb, "requests.sessions.Session.request", SymbolKind::method);
  REQUIRE(request);
  CHECK(request->parent_id == session->id);
  // The whole multi-line docstring, with its reST fields.
  CHECK(request->doc_comment.rfind("Constructs a :class:`Request <Request>`, prepares it and sends it.", 0) == 0);
  CHECK(request->doc_comment.find(":param method: method for the new :class:`Request` object.") != std::string::npos);
  CHECK(request->doc_comment.find(":rtype: requests.Response") != std::string::npos);
  REQUIRE_FALSE(request->params.empty());
  CHECK(request->params.front().name == "self");

  // `class Session(SessionRedirectMixin)` and `class HTTPError(RequestException)`.
  CHECK(has_relation(cb, session, by_qname(cb, "requests.sessions.SessionRedirectMixin"),
                     RelationKind::inherits));
  CHECK(has_relation(cb, by_qname(cb, "requests.exceptions.HTTPError"),
                     by_qname(cb, "requests.exceptions.RequestException"), RelationKind::inherits));
  // Session.request calls its own prepare_request and send.
  CHECK(has_relation(cb, request, by_qname(cb, "requests.sessions.Session.prepare_request"),
                     RelationKind::calls));
  CHECK(has_relation(cb, request, by_qname(cb, "requests.sessions.Session.send"),
                     RelationKind::calls));

  // Imports are not the project's namespaces; decorators are not docs.
  for (const auto& s : cb.symbols) {
    if (s.language != "python") continue;
    INFO(s.qualified_name);
    CHECK(s.kind != SymbolKind::namespace_);
    CHECK(s.doc_comment.rfind("@", 0) != 0);
  }
  const Symbol* prop = nullptr;
  for (const auto& s : cb.symbols)
    if (s.language == "python" && s.signature.rfind("@property\n", 0) == 0) prop = &s;
  CHECK(prop);

  // A `#` comment right above a def without a docstring is its doc; the docstring wins.
  const Symbol* copy = by_qname(cb, "requests.structures.CaseInsensitiveDict.copy", SymbolKind::method);
  REQUIRE(copy);
  CHECK(copy->doc_comment == "Copy is required");
  const Symbol* plh = by_qname(cb, "requests.utils.parse_list_header", SymbolKind::function);
  REQUIRE(plh);
  CHECK(plh->doc_comment.rfind("Parse lists as described by RFC 2068", 0) == 0);

  auto counts = relation_counts(cb);
  CHECK(counts[RelationKind::calls] > 100);
  CHECK(counts[RelationKind::inherits] > 10);
}

TEST_CASE("anyhow and requests: every symbol has a name, none a compiler-internal spelling",
          "[realcode]") {
  for (const char* project : {"anyhow", "requests"}) {
    const Codebase& cb = analysed(project);
    std::size_t n = 0;
    for (const auto& s : cb.symbols) {
      if (s.kind == SymbolKind::document) continue;
      ++n;
      INFO(project << ": " << s.qualified_name << " at " << s.location.file << ":" << s.location.line);
      CHECK_FALSE(s.name.empty());
      CHECK_FALSE(s.qualified_name.empty());
      for (const std::string* t : {&s.name, &s.qualified_name, &s.signature})
        CHECK(t->find("type-parameter-") == std::string::npos);
    }
    CHECK(n > 100);
  }
}

TEST_CASE("requests: at least 95% of the docstrings Python's ast sees are captured", "[realcode][python]") {
  const Codebase& cb = analysed("requests");
  const std::string truth =
      run_python(std::string(DOCTOWN_TEST_SOURCE_DIR) + "/tests/support/python_docstrings.py", cb.root);
  if (truth.empty()) test::skip_test("python3 is not available for the ground truth");
  std::set<std::pair<std::string, int>> documented;
  for (const auto& s : cb.symbols)
    if (s.language == "python" && !s.doc_comment.empty())
      documented.insert({s.location.file, s.location.line});
  std::istringstream in(truth);
  std::string line;
  std::size_t total = 0, found = 0;
  std::string missed;
  while (std::getline(in, line)) {
    auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    ++total;
    if (documented.count({line.substr(0, t1), std::stoi(line.substr(t1 + 1, t2 - t1 - 1))})) ++found;
    else if (missed.size() < 2000) missed += line + "\n";
  }
  std::printf("requests: %zu of %zu docstrings captured (%.1f%%)\n", found, total,
              total ? 100.0 * static_cast<double>(found) / static_cast<double>(total) : 0.0);
  INFO("missed:\n" << missed);
  REQUIRE(total > 200);
  CHECK(static_cast<double>(found) >= 0.95 * static_cast<double>(total));
}

TEST_CASE("true docs of Rust and Python methods pass verification, invented parameters do not", "[realcode][verify]") {
  const Codebase& rust = analysed("anyhow");
  const Codebase& py = analysed("requests");
  const Symbol* context = by_qname(rust, "Error::context", SymbolKind::method);
  const Symbol* request = by_qname(py, "requests.sessions.Session.request", SymbolKind::method);
  REQUIRE(context);
  REQUIRE(request);

  SymbolDoc rdoc;
  rdoc.id = context->id;
  rdoc.summary = "Wraps the error value with additional context.";
  rdoc.params = {{"context", "The context to attach."}};
  rdoc.returns = "The error with the context attached.";
  CHECK(verify_doc(rdoc, *context, rust).ok());
  rdoc.params.push_back({"self", "The error, consumed."});  // the receiver may be described too
  CHECK(verify_doc(rdoc, *context, rust).ok());
  rdoc.params.push_back({"&mut self", "Written as the signature writes it."});
  CHECK(verify_doc(rdoc, *context, rust).ok());
  rdoc.params.push_back({"ctx_value", "Invented."});
  CHECK_FALSE(verify_doc(rdoc, *context, rust).ok());

  SymbolDoc pdoc;
  pdoc.id = request->id;
  pdoc.summary = "Constructs a Request, prepares it and sends it.";
  pdoc.params = {{"method", "HTTP method."}, {"url", "URL to request."},
                 {"params", "Query parameters."}};
  pdoc.returns = "The response.";
  CHECK(verify_doc(pdoc, *request, py).ok());
  pdoc.params.push_back({"self", "The session."});
  CHECK(verify_doc(pdoc, *request, py).ok());
  pdoc.params.push_back({"retries", "Invented."});
  auto bad = verify_doc(pdoc, *request, py);
  CHECK_FALSE(bad.ok());
  REQUIRE(bad.issues.size() == 1);
  CHECK(bad.issues[0].subject == "retries");
}
