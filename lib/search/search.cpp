// BM25 search over a docpack. Names weigh more than prose (a user searching "area" wants
// Shape::area before a function whose description mentions areas); identifiers are split so
// "total" finds total_area and "parse shape" finds parseShape. Embedding similarity, when the
// caller can embed the query in the docpack's space, lifts symbols that match in meaning.
#include "doctown/search.hpp"

#include "doctown/embedder.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_map>

namespace doctown {

std::vector<std::string> search_terms(std::string_view text) {
  std::vector<std::string> out;
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_word(text[i])) {
      ++i;
      continue;
    }
    std::size_t b = i;
    while (i < text.size() && is_word(text[i])) ++i;
    std::string_view word = text.substr(b, i - b);
    // Parts at '_' and camelCase / letter-digit boundaries.
    std::vector<std::string> parts;
    std::string cur;
    for (std::size_t j = 0; j < word.size(); ++j) {
      char c = word[j];
      if (c == '_') {
        if (!cur.empty()) parts.push_back(cur);
        cur.clear();
        continue;
      }
      bool boundary = false;
      if (!cur.empty()) {
        char p = word[j - 1];
        bool up = std::isupper(static_cast<unsigned char>(c));
        bool p_low = std::islower(static_cast<unsigned char>(p));
        bool p_up = std::isupper(static_cast<unsigned char>(p));
        bool next_low = j + 1 < word.size() && std::islower(static_cast<unsigned char>(word[j + 1]));
        boundary = (up && p_low) || (up && p_up && next_low) ||
                   (std::isdigit(static_cast<unsigned char>(c)) != 0) !=
                       (std::isdigit(static_cast<unsigned char>(p)) != 0);
      }
      if (boundary) {
        parts.push_back(cur);
        cur.clear();
      }
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!cur.empty()) parts.push_back(cur);
    std::string whole;
    for (char c : word) whole += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back(whole);
    if (parts.size() > 1)
      for (auto& p : parts) out.push_back(std::move(p));
  }
  return out;
}

struct SearchIndex::Impl {
  struct Doc {
    const Symbol* symbol;
    std::string summary;
    double name_terms = 0;  // term count of the name field
    double text_terms = 0;  // term count of summary + description
  };
  struct Posting {
    std::uint32_t doc;
    double name_tf;
    double text_tf;
  };
  std::vector<Symbol> symbols;
  std::vector<Doc> docs;
  std::unordered_map<std::string, std::vector<Posting>> postings;
  EmbeddingMatrix embeddings;
};

SearchIndex::SearchIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SearchIndex::SearchIndex(SearchIndex&&) noexcept = default;
SearchIndex& SearchIndex::operator=(SearchIndex&&) noexcept = default;
SearchIndex::~SearchIndex() = default;

const std::string& SearchIndex::embedding_model() const { return impl_->embeddings.model; }
std::size_t SearchIndex::size() const { return impl_->docs.size(); }

SearchIndex SearchIndex::build(const Docpack& dp) {
  auto impl = std::make_unique<Impl>();
  impl->symbols = dp.symbols();
  impl->embeddings = dp.embeddings();
  for (std::size_t i = 0; i < impl->symbols.size(); ++i) {
    const Symbol& s = impl->symbols[i];
    Impl::Doc d{&s, {}, 0, 0};
    std::unordered_map<std::string, std::pair<double, double>> tf;
    for (auto& t : search_terms(s.qualified_name.empty() ? s.name : s.qualified_name)) {
      tf[t].first += 1;
      d.name_terms += 1;
    }
    auto text = [&](std::string_view v) {
      for (auto& t : search_terms(v)) {
        tf[t].second += 1;
        d.text_terms += 1;
      }
    };
    // The signature carries what prose no longer repeats: a class's bases ("class Circle :
    // public geo::Shape" is found by "shape"), a function's parameter types.
    text(s.signature);
    if (auto it = dp.docs().find(s.id); it != dp.docs().end()) {
      d.summary = it->second.summary;
      text(it->second.summary);
      text(it->second.description);
    } else {
      d.summary = s.brief;
      text(s.brief);
    }
    for (const auto& [term, f] : tf)
      impl->postings[term].push_back({static_cast<std::uint32_t>(i), f.first, f.second});
    impl->docs.push_back(std::move(d));
  }
  return SearchIndex(std::move(impl));
}

result<std::vector<SearchHit>> SearchIndex::search(std::string_view query,
                                                   const SearchOptions& o,
                                                   std::span<const float> qv) const {
  auto terms = search_terms(query);
  if (terms.empty())
    return fail(errc::invalid_argument, "the search query has no words", std::string(query));
  const Impl& m = *impl_;
  bool semantic = !qv.empty();
  if (semantic && (m.embeddings.rows != m.docs.size() || qv.size() != m.embeddings.dims))
    return fail(errc::invalid_argument,
                "query vector has " + std::to_string(qv.size()) + " dimensions, the docpack's "
                "embeddings have " + std::to_string(m.embeddings.dims),
                std::string(query));
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());

  // BM25F-style: name terms count name_boost times; lengths use the same weighting.
  const double n = static_cast<double>(m.docs.size());
  double avg = 0;
  for (const auto& d : m.docs) avg += d.name_terms * o.name_boost + d.text_terms;
  avg = n > 0 ? std::max(1.0, avg / n) : 1.0;
  std::vector<double> bm25(m.docs.size(), 0.0);
  for (const std::string& t : terms) {
    auto it = m.postings.find(t);
    if (it == m.postings.end()) continue;
    double df = static_cast<double>(it->second.size());
    double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    for (const Impl::Posting& p : it->second) {
      const auto& d = m.docs[p.doc];
      double f = p.name_tf * o.name_boost + p.text_tf;
      double len = (d.name_terms * o.name_boost + d.text_terms) / avg;
      bm25[p.doc] += idf * (f * (o.k1 + 1)) / (f + o.k1 * (1 - o.b + o.b * len));
    }
  }
  double max_bm25 = 0;
  for (double v : bm25) max_bm25 = std::max(max_bm25, v);

  std::vector<SearchHit> hits;
  double qnorm = 0;
  for (float x : qv) qnorm += static_cast<double>(x) * x;
  qnorm = std::sqrt(qnorm);
  for (std::size_t i = 0; i < m.docs.size(); ++i) {
    double sim = 0;
    if (semantic && qnorm > 0) {
      auto row = m.embeddings.row(i);
      double dot = 0, rn = 0;
      for (std::size_t j = 0; j < row.size(); ++j) {
        dot += static_cast<double>(row[j]) * qv[j];
        rn += static_cast<double>(row[j]) * row[j];
      }
      sim = rn > 0 ? dot / (std::sqrt(rn) * qnorm) : 0;
    }
    double lexical = max_bm25 > 0 ? bm25[i] / max_bm25 : 0;
    double score = semantic ? (1 - o.semantic_weight) * lexical + o.semantic_weight * std::max(0.0, sim)
                            : lexical;
    if (bm25[i] <= 0 && !(semantic && sim >= o.min_similarity)) continue;
    const Symbol& s = *m.docs[i].symbol;
    hits.push_back({s.id, s.name, s.qualified_name, std::string(to_string(s.kind)),
                    s.location.file, s.location.line, m.docs[i].summary, score, bm25[i], sim});
  }
  std::sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.id < b.id;
  });
  if (hits.size() > o.k) hits.resize(o.k);
  return hits;
}

result<std::vector<float>> local_query_embedding(const Docpack& dp, std::string_view query) {
  const EmbeddingMatrix& e = dp.embeddings();
  if (e.model != "doctown-local-hash-v1" || e.rows == 0 || e.dims == 0)
    return fail(errc::unsupported,
                "the docpack's embeddings come from '" + e.model +
                    "', which cannot be reproduced locally; ranking by BM25 only",
                e.model);
  LocalEmbedderOptions options;
  options.dims = e.dims;
  options.threads = 1;
  auto embedder = make_local_embedder(options);
  if (!embedder) return std::move(embedder).error();
  Codebase cb;
  cb.symbols = dp.symbols();
  if (auto fitted = (*embedder)->embed(cb, {}); !fitted) return std::move(fitted).error();
  std::vector<std::string> texts{std::string(query)};
  auto q = (*embedder)->embed_texts(texts, {});
  if (!q) return std::move(q).error();
  if (q->rows != 1 || q->dims != e.dims)
    return fail(errc::internal, "the local embedder returned an unexpected shape", e.model);
  return std::vector<float>(q->values.begin(), q->values.end());
}

QueryEmbedding embed_query(const Docpack& dp, std::string_view query,
                           const RemoteEmbedderOptions* server, const RunContext& ctx) {
  QueryEmbedding out;
  const EmbeddingMatrix& e = dp.embeddings();
  if (auto v = local_query_embedding(dp, query)) {
    out.vector = std::move(*v);
    out.ranking = "bm25+embedding";
    return out;
  }
  // Nothing to blend with: no embeddings at all, or the local model's (which failed above
  // only for an empty docpack). BM25 alone is then the whole answer, not a degradation.
  if (e.rows == 0 || e.dims == 0 || e.model.empty() || e.model == "doctown-local-hash-v1")
    return out;
  if (!server) {
    out.needs_server = true;
    out.note = "no embedding server given to embed the query with '" + e.model + "'";
    return out;
  }
  // Built with a remote model: only the same model at the same size lands in its space.
  RemoteEmbedderOptions ro = *server;
  ro.model = e.model;
  ro.dims = e.dims;
  ro.server.timeout_s = 60;
  ro.server.max_attempts = 3;
  auto embedder = make_remote_embedder(ro);
  if (!embedder) {
    out.note = embedder.error().what();
    return out;
  }
  auto q = (*embedder)->embed_texts(std::vector<std::string>{std::string(query)}, ctx);
  if (!q) {
    out.note = q.error().what();
  } else if (q->rows != 1 || q->dims != e.dims) {
    out.note = "the query embedding has " + std::to_string(q->dims) + " dimensions, the " +
               "docpack's " + std::to_string(e.dims);
  } else {
    out.vector.assign(q->values.begin(), q->values.end());
    out.ranking = "bm25+embedding";
  }
  return out;
}

}  // namespace doctown
