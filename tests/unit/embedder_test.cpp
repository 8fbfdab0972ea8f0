// Local embedder: identifier splitting, deterministic unit vectors, code-aware similarity
// (related identifiers closer than unrelated ones), queries in the same space, option checks,
// and on the sample project a method's neighbours.
#include "doctown/embedder.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <stop_token>

#include "doctown/analyzer.hpp"
#include "embedder/features.hpp"
#include "support/test_paths.hpp"

using namespace doctown;

namespace {

Symbol sym(std::string qualified, SymbolKind kind, std::string signature, std::string doc = {},
           std::string body = {}) {
  Symbol s;
  s.qualified_name = std::move(qualified);
  auto pos = s.qualified_name.rfind("::");
  s.name = pos == std::string::npos ? s.qualified_name : s.qualified_name.substr(pos + 2);
  s.id = "c++:x:" + s.qualified_name + ":" + std::string(to_string(kind));
  s.kind = kind;
  s.language = "c++";
  s.signature = std::move(signature);
  s.doc_comment = std::move(doc);
  s.source_text = std::move(body);
  return s;
}

Codebase sample() {
  Codebase cb;
  cb.symbols = {
      sym("geo::Circle::area", SymbolKind::method, "double area() const",
          "Area of the circle in square units.", "double area() const { return pi * r_ * r_; }"),
      sym("geo::Circle::perimeter", SymbolKind::method, "double perimeter() const",
          "Length of the outline of the circle.", "{ return 2 * pi * r_; }"),
      sym("geo::Rectangle::area", SymbolKind::method, "double area() const",
          "Area of the rectangle in square units.", "{ return w_ * h_; }"),
      sym("net::HttpClient::send_request", SymbolKind::method,
          "Response send_request(const Request & request)", "Sends one HTTP request.",
          "{ auto conn = pool_.acquire(); return conn.write(request); }"),
      sym("net::HttpClient::sendRequestAsync", SymbolKind::method,
          "Future sendRequestAsync(const Request & request)", "Sends a request without blocking.",
          "{ return executor_.run(send_request, request); }"),
      sym("db::open_database", SymbolKind::function, "Database open_database(const Path & file)",
          "Opens the SQLite database at a path.", "{ return Database(sqlite_open(file)); }"),
      sym("parse::tokenize_json", SymbolKind::function,
          "std::vector<Token> tokenize_json(std::string_view text)",
          "Splits JSON text into tokens.", "{ Lexer lexer(text); return lexer.all(); }"),
  };
  cb.normalize();
  return cb;
}

double cosine(const EmbeddingMatrix& m, std::size_t a, std::size_t b) {
  double s = 0;
  for (std::size_t d = 0; d < m.dims; ++d) s += double(m.row(a)[d]) * m.row(b)[d];
  return s;
}

std::size_t row_of(const Codebase& cb, std::string_view qualified) {
  for (std::size_t i = 0; i < cb.symbols.size(); ++i)
    if (cb.symbols[i].qualified_name == qualified) return i;
  FAIL("no symbol " << qualified);
  return 0;
}

EmbeddingMatrix embed_local(const Codebase& cb, LocalEmbedderOptions o = {}) {
  auto e = make_local_embedder(o);
  REQUIRE(e);
  auto m = (*e)->embed(cb, RunContext{});
  REQUIRE(m);
  return std::move(*m);
}

}  // namespace

TEST_CASE("identifiers split on camelCase, snake_case and digits", "[embedder]") {
  std::vector<std::string> parts;
  embed::split_identifier("parseHTTPHeader2D_value", parts);
  CHECK(parts == std::vector<std::string>{"parse", "http", "header", "2", "d", "value"});
  parts.clear();
  embed::split_identifier("total_area", parts);
  CHECK(parts == std::vector<std::string>{"total", "area"});
  parts.clear();
  embed::split_identifier("Vec3f", parts);
  CHECK(parts == std::vector<std::string>{"vec", "3", "f"});

  std::vector<std::string_view> ids;
  embed::identifiers("std::vector<Token> tokenize_json(x2, 3d)", ids);
  CHECK(ids == std::vector<std::string_view>{"std", "vector", "Token", "tokenize_json", "x2"});
  CHECK(embed::normalize_word("shapes") == "shape");
  CHECK(embed::normalize_word("class") == "class");
  // The feature hash is a fixed function of its input, unlike std::hash.
  CHECK(embed::feature_hash("w", "area") == embed::feature_hash("w", "area"));
  CHECK(embed::feature_hash("w", "area") != embed::feature_hash("i", "area"));
}

TEST_CASE("local embeddings are deterministic unit vectors", "[embedder]") {
  auto cb = sample();
  auto a = embed_local(cb, LocalEmbedderOptions{.threads = 1});
  auto b = embed_local(cb, LocalEmbedderOptions{.threads = 2});
  CHECK(a.rows == cb.symbols.size());
  CHECK(a.dims == 256);
  CHECK(a.model == "doctown-local-hash-v1");
  CHECK(a.values == b.values);  // bit-identical whatever the thread count
  for (std::size_t i = 0; i < a.rows; ++i) CHECK(cosine(a, i, i) == Approx(1.0).epsilon(1e-5));

  auto small = embed_local(cb, LocalEmbedderOptions{.dims = 64});
  CHECK(small.dims == 64);
  CHECK(small.values.size() == 64 * cb.symbols.size());
}

TEST_CASE("related symbols are closer than unrelated ones", "[embedder]") {
  auto cb = sample();
  auto m = embed_local(cb);
  auto circle_area = row_of(cb, "geo::Circle::area");
  auto circle_perimeter = row_of(cb, "geo::Circle::perimeter");
  auto rect_area = row_of(cb, "geo::Rectangle::area");
  auto send = row_of(cb, "net::HttpClient::send_request");
  auto send_async = row_of(cb, "net::HttpClient::sendRequestAsync");
  auto open_db = row_of(cb, "db::open_database");
  auto tokenize = row_of(cb, "parse::tokenize_json");

  // snake_case and camelCase spellings of the same words meet.
  CHECK(cosine(m, send, send_async) > cosine(m, send, circle_area));
  CHECK(cosine(m, send, send_async) > cosine(m, send, tokenize));
  // Same name, different class beats unrelated code.
  CHECK(cosine(m, circle_area, rect_area) > cosine(m, circle_area, open_db));
  // Class siblings are close.
  CHECK(cosine(m, circle_area, circle_perimeter) > cosine(m, circle_area, send));
  CHECK(cosine(m, circle_area, circle_perimeter) > cosine(m, circle_area, tokenize));
}

TEST_CASE("body identifiers weigh less than the name", "[embedder]") {
  Codebase cb;
  cb.symbols = {sym("a::compute_checksum", SymbolKind::function, "int compute_checksum()"),
                sym("a::checksum_of_file", SymbolKind::function, "int checksum_of_file()"),
                sym("a::render_page", SymbolKind::function, "void render_page()", {},
                    "{ compute_checksum(); }")};
  cb.normalize();
  auto m = embed_local(cb);
  auto compute = row_of(cb, "a::compute_checksum");
  CHECK(cosine(m, compute, row_of(cb, "a::checksum_of_file")) >
        cosine(m, compute, row_of(cb, "a::render_page")));
  // ...but they still pull a caller towards its callee.
  auto without_body = embed_local(cb, LocalEmbedderOptions{.body_weight = 0});
  CHECK(cosine(m, compute, row_of(cb, "a::render_page")) >
        cosine(without_body, compute, row_of(cb, "a::render_page")));
}

TEST_CASE("queries are embedded in the space of the codebase", "[embedder]") {
  auto cb = sample();
  auto e = make_local_embedder({});
  REQUIRE(e);
  auto m = (*e)->embed(cb, RunContext{});
  REQUIRE(m);
  std::vector<std::string> queries{"sendRequest", "open database", "zzqqxx"};
  auto q = (*e)->embed_texts(queries, RunContext{});
  REQUIRE(q);
  REQUIRE(q->rows == 3);
  auto best = [&](std::size_t query) {
    std::size_t arg = 0;
    double top = -2;
    for (std::size_t i = 0; i < m->rows; ++i) {
      double s = 0;
      for (std::size_t d = 0; d < m->dims; ++d) s += double(q->row(query)[d]) * m->row(i)[d];
      if (s > top) top = s, arg = i;
    }
    return cb.symbols[arg].qualified_name;
  };
  CHECK(best(0).find("HttpClient") != std::string::npos);
  CHECK(best(1) == "db::open_database");
  double norm = 0;
  for (float v : q->row(2)) norm += double(v) * v;
  CHECK(std::sqrt(norm) == Approx(1.0).epsilon(1e-5));  // unknown words still have a direction
}

TEST_CASE("embedder options are validated and cancellation is honoured", "[embedder]") {
  auto bad = make_local_embedder(LocalEmbedderOptions{.dims = 0});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_argument);
  CHECK_FALSE(make_local_embedder(LocalEmbedderOptions{.body_weight = -1}));

  auto e = make_local_embedder({});
  REQUIRE(e);
  std::stop_source stop;
  stop.request_stop();
  auto r = (*e)->embed(sample(), RunContext{nullptr, stop.get_token()});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::cancelled);

  auto empty = (*e)->embed(Codebase{}, RunContext{});
  REQUIRE(empty);
  CHECK(empty->rows == 0);

  auto remote = make_remote_embedder(RemoteEmbedderOptions{.server = {.base_url = ""}});
  REQUIRE_FALSE(remote);
  CHECK(remote.error().code == errc::invalid_argument);
}

TEST_CASE("embedding text holds the symbol's facts", "[embedder]") {
  auto s = sym("geo::Circle::area", SymbolKind::method, "double area() const",
               "Area of the circle.", "double area() const {\n  return pi * r_ * r_;\n}\n");
  auto text = embedding_text(s);
  CHECK(text.find("method geo::Circle::area") == 0);
  CHECK(text.find("double area() const") != std::string::npos);
  CHECK(text.find("Area of the circle.") != std::string::npos);
  CHECK(text.find("return pi * r_ * r_;") != std::string::npos);
  auto cut = embedding_text(s, 30);
  CHECK(cut.find("return pi * r_ * r_;") == std::string::npos);
  CHECK(cut.find("Area of the circle.") != std::string::npos);
}

TEST_CASE("sample project: a method's neighbours are its siblings and callees", "[embedder]") {
  auto analyzer = make_clang_analyzer({});
  REQUIRE(analyzer);
  auto cb = (*analyzer)->analyze(doctown::test::sample_project(), RunContext{});
  REQUIRE(cb);
  auto m = embed_local(*cb);
  const Symbol* describe = nullptr;
  for (const auto& s : cb->symbols)
    if (s.qualified_name == "geo::Shape::describe") describe = &s;
  REQUIRE(describe);
  const std::size_t row = *cb->index_of(describe->id);

  // Related: its class, the other members of Shape, and what describe() calls.
  std::set<std::string> related{describe->parent_id};
  for (const auto& s : cb->symbols)
    if (s.parent_id == describe->parent_id && s.id != describe->id) related.insert(s.id);
  for (const auto& r : cb->relations)
    if (r.from == describe->id && r.kind == RelationKind::calls) related.insert(r.to);
  REQUIRE(related.size() >= 3);

  // Every other symbol by similarity, best first.
  auto all = knn_exact(m, KnnOptions{.k = cb->symbols.size(), .min_similarity = -1.f});
  const auto& ranked = all[row];
  std::string listing;
  for (const auto& nb : ranked)
    listing += cb->symbols[nb.index].qualified_name + " " + std::to_string(nb.score) + "\n";
  INFO(listing);

  // The default k = 3 neighbours are all related, and related symbols rank ahead of unrelated
  // ones on average (mean rank of related vs the rest).
  for (std::size_t r = 0; r < 3 && r < ranked.size(); ++r)
    CHECK(related.count(cb->symbols[ranked[r].index].id) == 1);
  double related_rank = 0, other_rank = 0;
  std::size_t related_n = 0, other_n = 0;
  for (std::size_t r = 0; r < ranked.size(); ++r) {
    if (related.count(cb->symbols[ranked[r].index].id))
      related_rank += double(r), ++related_n;
    else
      other_rank += double(r), ++other_n;
  }
  CHECK(related_rank / double(related_n) < other_rank / double(other_n) / 2);
}
