// DocScore: fixtures rank in the expected order, public API survives being small, the semantic
// term excludes self-similarity, one-symbol codebases and the disabled scorer select sensibly,
// and weights are validated.
#include "doctown/doc_scorer.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "doctown/embedder.hpp"
#include "doctown/graph.hpp"

using namespace doctown;

namespace {

Symbol make(std::string qualified, SymbolKind kind, int lines, bool public_api = false) {
  Symbol s;
  s.id = "c++:fixture:" + qualified;
  s.qualified_name = qualified;
  auto pos = qualified.rfind("::");
  s.name = pos == std::string::npos ? qualified : qualified.substr(pos + 2);
  s.kind = kind;
  s.language = "c++";
  s.location = SourceRange{"src/" + s.name + ".cpp", 10, 10 + lines - 1};
  s.is_public_api = public_api;
  s.access = public_api ? Access::public_ : Access::none;
  s.signature = "void " + s.name + "(int value)";
  s.params = {Param{"value", "int", ""}};
  return s;
}

std::string id(std::string_view q) { return "c++:fixture:" + std::string(q); }

struct Scored {
  Codebase cb;
  std::vector<DocScore> scores;
  const DocScore& of(std::string_view q) const {
    auto i = cb.index_of(id(q));
    REQUIRE(i);
    return scores[*i];
  }
};

Scored run(Codebase cb, DocScoreOptions options = {}) {
  cb.normalize();
  auto embedder = make_local_embedder({});
  REQUIRE(embedder);
  auto emb = (*embedder)->embed(cb, RunContext{});
  REQUIRE(emb);
  auto builder = make_graph_builder({});
  REQUIRE(builder);
  auto graph = (*builder)->build(cb, *emb, RunContext{});
  REQUIRE(graph);
  auto scorer = make_doc_scorer(options);
  REQUIRE(scorer);
  auto scores = (*scorer)->score(cb, *graph, *emb, RunContext{});
  REQUIRE(scores);
  REQUIRE(scores->size() == cb.symbols.size());
  return Scored{std::move(cb), std::move(*scores)};
}

// An engine whose central, complex, much-called `run` is the heart of the codebase; request
// handlers call it; a tiny private helper nobody calls; a small public function; a class with a
// field; an enum with enumerators.
Codebase engine_fixture() {
  Codebase cb;
  auto run_method = make("core::Engine::run", SymbolKind::method, 80, true);
  run_method.complexity = 14;
  run_method.nesting_depth = 4;
  run_method.parent_id = id("core::Engine");
  run_method.doc_comment = "Runs the engine over every queued job.";
  cb.symbols.push_back(run_method);
  auto engine = make("core::Engine", SymbolKind::class_, 120, true);
  engine.params.clear();
  cb.symbols.push_back(engine);
  auto field = make("core::Engine::count_", SymbolKind::field, 1);
  field.parent_id = id("core::Engine");
  cb.symbols.push_back(field);
  for (const char* verb : {"login", "upload", "erase", "search", "export", "import"}) {
    auto h = make(std::string("app::on_") + verb, SymbolKind::function, 12);
    h.complexity = 3;
    h.nesting_depth = 1;
    h.source_text = "{ Job job = make_job(request); engine.run(job); }";
    cb.symbols.push_back(h);
    cb.relations.push_back({h.id, id("core::Engine::run"), RelationKind::calls, 1});
    cb.relations.push_back({h.id, id("core::Engine"), RelationKind::uses_type, 1});
  }
  auto helper = make("util::detail::clamp_index", SymbolKind::function, 2);
  helper.complexity = 1;
  helper.access = Access::private_;
  cb.symbols.push_back(helper);
  auto version = make("api::version", SymbolKind::function, 1, true);
  version.complexity = 1;
  version.params.clear();
  version.signature = "const char * version()";
  version.return_type = "const char *";
  cb.symbols.push_back(version);
  auto dtor = make("core::Engine::~Engine", SymbolKind::destructor, 1, true);
  dtor.parent_id = id("core::Engine");
  dtor.params.clear();
  cb.symbols.push_back(dtor);
  auto color = make("core::Color", SymbolKind::enum_, 5, true);
  cb.symbols.push_back(color);
  auto red = make("core::Color::red", SymbolKind::enumerator, 1, true);
  red.parent_id = color.id;
  cb.symbols.push_back(red);
  cb.relations.push_back({engine.id, run_method.id, RelationKind::contains, 1});
  cb.relations.push_back({engine.id, field.id, RelationKind::contains, 1});
  cb.relations.push_back({engine.id, dtor.id, RelationKind::contains, 1});
  cb.relations.push_back({color.id, red.id, RelationKind::contains, 1});
  return cb;
}

}  // namespace

TEST_CASE("DocScore ranks the fixture in the expected order", "[score]") {
  auto r = run(engine_fixture());
  const auto& run_s = r.of("core::Engine::run");
  const auto& handler = r.of("app::on_login");
  const auto& helper = r.of("util::detail::clamp_index");

  CHECK(run_s.score > handler.score);
  CHECK(handler.score > helper.score);
  CHECK(run_s.structural > handler.structural);
  CHECK(run_s.complexity > handler.complexity);
  CHECK(handler.complexity > helper.complexity);
  REQUIRE(r.scores.size() >= 3);  // the loop below must look at something
  for (const auto& s : r.scores) {
    CHECK(s.score >= 0.0);
    CHECK(s.score <= 1.0);
    CHECK_FALSE(s.reason.empty());
  }

  INFO(run_s.reason << " s=" << run_s.structural << " m=" << run_s.semantic
                    << " c=" << run_s.complexity);
  CHECK(run_s.selected);
  CHECK(run_s.reason.find(">= 0.65") != std::string::npos);
  CHECK_FALSE(helper.selected);
  CHECK(helper.reason.find("< 0.65") != std::string::npos);

  // Small public API is kept; the reason says why. A destructor has nothing to explain.
  const auto& version = r.of("api::version");
  CHECK(version.score < 0.65);
  CHECK(version.selected);
  CHECK(version.reason.find("public API") != std::string::npos);
  CHECK_FALSE(r.of("core::Engine::~Engine").selected);
  CHECK(r.of("core::Color").selected);

  // Fields and enumerators are documented with their parent.
  for (auto q : {"core::Engine::count_", "core::Color::red"}) {
    const auto& s = r.of(q);
    CHECK_FALSE(s.selected);
    CHECK(s.score == 0.0);
    CHECK(s.reason.find("not documentable") != std::string::npos);
  }
}

TEST_CASE("DocScore weights shift the ranking", "[score]") {
  // With all weight on complexity, the complex handler outranks the plain public function.
  auto r = run(engine_fixture(), DocScoreOptions{.structural = 0, .semantic = 0, .complexity = 1});
  CHECK(r.of("app::on_login").score > r.of("api::version").score);
  CHECK(r.of("app::on_login").score == Approx(r.of("app::on_login").complexity));
  auto s = run(engine_fixture(), DocScoreOptions{.structural = 1, .semantic = 0, .complexity = 0});
  CHECK(s.of("api::version").score > s.of("util::detail::clamp_index").score);  // public API
}

TEST_CASE("DocScore's semantic term has no self-similarity and no N×N matrix", "[score]") {
  Codebase cb;
  cb.symbols = {make("a", SymbolKind::function, 3), make("b", SymbolKind::function, 3),
                make("c", SymbolKind::function, 3)};
  cb.normalize();
  EmbeddingMatrix emb;
  emb.rows = 3;
  emb.dims = 2;
  // a and b coincide, c is orthogonal to both: c's mean similarity to the *others* is 0
  // (it would be 1/3 if its similarity to itself counted).
  for (const auto& s : cb.symbols) {
    bool is_c = s.name == "c";
    emb.values.push_back(is_c ? 0.f : 1.f);
    emb.values.push_back(is_c ? 1.f : 0.f);
  }
  Graph g;  // no `similar` edges: the scorer finds the k-NN itself
  auto scorer = make_doc_scorer({});
  REQUIRE(scorer);
  auto scores = (*scorer)->score(cb, g, emb, RunContext{});
  REQUIRE(scores);
  auto at = [&](const char* q) { return (*scores)[*cb.index_of(id(q))]; };
  CHECK(at("c").semantic == 0.0);
  CHECK(at("a").semantic > 0.5);
  CHECK(at("a").semantic == Approx(at("b").semantic));
}

TEST_CASE("DocScore handles one symbol, no embeddings and the disabled scorer", "[score]") {
  Codebase one;
  one.symbols = {make("only", SymbolKind::function, 3)};
  auto r = run(one);
  CHECK(r.scores[0].selected);
  CHECK(r.scores[0].reason.find("only documentable") != std::string::npos);

  auto off = run(engine_fixture(), DocScoreOptions{.enabled = false});
  for (std::size_t i = 0; i < off.cb.symbols.size(); ++i) {
    auto kind = off.cb.symbols[i].kind;
    bool documentable = kind != SymbolKind::field && kind != SymbolKind::enumerator;
    CHECK(off.scores[i].selected == documentable);
  }
  CHECK(off.of("util::detail::clamp_index").reason.find("disabled") != std::string::npos);

  // Without embeddings the semantic term is 0 and the others still rank.
  auto cb = engine_fixture();
  cb.normalize();
  auto scorer = make_doc_scorer({});
  REQUIRE(scorer);
  Graph g;
  auto scores = (*scorer)->score(cb, g, EmbeddingMatrix{}, RunContext{});
  REQUIRE(scores);
  REQUIRE_FALSE(cb.symbols.empty());
  REQUIRE(scores->size() == cb.symbols.size());
  for (const auto& s : *scores) CHECK(s.semantic == 0.0);
  CHECK((*scores)[*cb.index_of(id("core::Engine::run"))].complexity > 0.5);
}

TEST_CASE("DocScore weights must be valid and sum to one", "[score]") {
  CHECK(make_doc_scorer({}));
  auto off =
      make_doc_scorer(DocScoreOptions{.structural = 0.5, .semantic = 0.5, .complexity = 0.5});
  REQUIRE_FALSE(off);
  CHECK(off.error().code == errc::invalid_argument);
  CHECK(off.error().message.find("sum to 1") != std::string::npos);
  CHECK_FALSE(
      make_doc_scorer(DocScoreOptions{.structural = 1.2, .semantic = -0.2, .complexity = 0}));
  CHECK_FALSE(make_doc_scorer(DocScoreOptions{.threshold = 1.5}));
  CHECK(make_doc_scorer(DocScoreOptions{.structural = 0.2, .semantic = 0.3, .complexity = 0.5}));
}
