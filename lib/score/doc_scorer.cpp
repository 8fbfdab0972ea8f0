// DocScore: which symbols deserve documentation. The seed's formula, 0.50 structural + 0.35
// semantic + 0.15 complexity against a 0.65 threshold, with its defects fixed:
//  - structural uses the graph's real PageRank (rank-normalised, so one giant hub does not
//    squash everyone else to 0), fan-in/fan-out over dependency edges, public API and size;
//  - semantic is centrality in embedding space: the mean cosine to every *other* symbol,
//    computed exactly through the sum vector (v·Σv − v·v)/(N−1) in O(N·d) — no N×N matrix and
//    no self-similarity — plus hubness, how often the symbol is among others' k-NN;
//  - complexity reads the analyzer's cyclomatic complexity and nesting depth, estimating them
//    from the body only when the analyzer gave none;
//  - a one-symbol codebase selects its symbol instead of dividing by zero.
// Which kinds are documentable: records, enums, callables, aliases, macros, concepts, modules,
// variables, constants and properties. Fields, enumerators and namespaces are documented as
// part of their parent (they rarely say more than their name alone); documents are not code.
#include "doctown/doc_scorer.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string_view>
#include <tuple>

namespace doctown {
namespace {

bool documentable(SymbolKind k) {
  switch (k) {
    case SymbolKind::namespace_:
    case SymbolKind::enumerator:
    case SymbolKind::field:
    case SymbolKind::document:
    case SymbolKind::other:
      return false;
    default:
      return true;
  }
}

// Public API is never dropped merely for being small: a user who calls `area()` needs its doc
// as much as the user of a 200-line function, yet size, fan-in and complexity all rate it low.
// So a public symbol with a doc-worthy signature is selected whatever its score. Doc-worthy
// excludes what has nothing to explain: defaulted functions, destructors and parameterless
// constructors. A deleted function does explain something ("cannot be copied").
bool doc_worthy_public_api(const Symbol& s) {
  if (!s.is_public_api || s.access == Access::private_) return false;
  if (s.has(flags::is_deleted)) return s.kind == SymbolKind::constructor || documentable(s.kind);
  if (s.has(flags::is_defaulted)) return false;
  if (s.kind == SymbolKind::destructor) return false;
  if (s.kind == SymbolKind::constructor) return !s.params.empty();
  return documentable(s.kind);
}

bool is_dependency(RelationKind k) {
  return k == RelationKind::calls || k == RelationKind::inherits || k == RelationKind::overrides ||
         k == RelationKind::uses_type;
}

// Rank normalisation to [0, 1] with ties sharing their mean rank; a single value maps to 1.
std::vector<double> rank_normalize(const std::vector<double>& v) {
  const std::size_t n = v.size();
  std::vector<double> out(n, 1.0);
  if (n < 2) return out;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && v[order[j + 1]] == v[order[i]]) ++j;
    double r = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 / static_cast<double>(n - 1);
    for (std::size_t t = i; t <= j; ++t) out[order[t]] = r;
    i = j + 1;
  }
  return out;
}

// log(1+x)/log(1+max): counts are heavy-tailed, a linear scale would zero out all but the top.
std::vector<double> log_normalize(const std::vector<double>& v) {
  double top = v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
  std::vector<double> out(v.size(), 0.0);
  if (top <= 0) return out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out[i] = std::log1p(std::max(0.0, v[i])) / std::log1p(top);
  return out;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Fallback when the analyzer gave no AST complexity: decision points counted in the text
// (if/for/while/case/catch/&&/||/?) and the deepest brace nesting below the body's own braces.
// Comments and strings are not skipped: this is an estimate, used only without the AST.
std::pair<int, int> estimate_complexity(std::string_view body) {
  int decisions = 0, depth = 0, deepest = 0;
  static constexpr std::string_view kKeywords[] = {"if", "for", "while", "case", "catch"};
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '{')
      deepest = std::max(deepest, ++depth);
    else if (c == '}')
      depth = std::max(0, depth - 1);
    else if ((c == '&' || c == '|') && i + 1 < body.size() && body[i + 1] == c)
      ++decisions, ++i;
    else if (c == '?')
      ++decisions;
    else if (std::isalpha(static_cast<unsigned char>(c)) &&
             (i == 0 || !is_word_char(body[i - 1]))) {
      std::size_t j = i;
      while (j < body.size() && is_word_char(body[j])) ++j;
      std::string_view word = body.substr(i, j - i);
      for (auto k : kKeywords) decisions += word == k;
      i = j - 1;
    }
  }
  return {1 + decisions, std::max(0, deepest - 1)};
}

class DefaultDocScorer final : public DocScorer {
 public:
  explicit DefaultDocScorer(DocScoreOptions o) : o_(o) {}

  result<std::vector<DocScore>> score(const Codebase& cb, const Graph& graph,
                                      const EmbeddingMatrix& emb, const RunContext& ctx) override {
    const std::size_t n = cb.symbols.size();
    std::vector<DocScore> out(n);
    std::vector<std::size_t> docs;  // documentable symbol indices
    for (std::size_t i = 0; i < n; ++i) {
      out[i].id = cb.symbols[i].id;
      if (documentable(cb.symbols[i].kind)) {
        docs.push_back(i);
      } else {
        out[i].rule = "not_documentable";
        out[i].reason = "not documentable on its own (" +
                        std::string(to_string(cb.symbols[i].kind)) +
                        "): documented with its parent";
      }
    }
    if (ctx.stop_requested()) return fail(errc::cancelled, "scoring cancelled");
    const std::size_t m = docs.size();

    // Structural evidence.
    std::vector<double> fan_in(n, 0), fan_out(n, 0), members(n, 0);
    std::vector<double> hub(n, 0);
    bool graph_has_similar = false;
    for (const auto& e : graph.edges) {
      auto f = cb.index_of(e.from), t = cb.index_of(e.to);
      if (is_dependency(e.kind)) {
        if (t && f != t) fan_in[*t] += 1;
        if (f && f != t && (e.kind == RelationKind::calls || e.kind == RelationKind::uses_type))
          fan_out[*f] += 1;
      } else if (e.kind == RelationKind::contains && f && t) {
        members[*f] += 1;
      } else if (e.kind == RelationKind::similar && f && t) {
        graph_has_similar = true;
        hub[*t] += std::max(0.0, e.weight);
      }
    }
    const bool have_vectors = emb.rows == n && emb.dims > 0 && n > 1;
    if (have_vectors && !graph_has_similar) {
      // The graph came without k-NN edges (a custom builder): find them here, still O(N·k).
      auto nn = knn(emb, KnnOptions{});
      for (std::size_t i = 0; i < n; ++i)
        for (const auto& nb : nn[i]) hub[nb.index] += nb.score;
    }
    std::vector<double> centrality(n, 0);
    if (have_vectors) {
      std::vector<double> sum(emb.dims, 0.0);
      for (std::size_t i = 0; i < n; ++i) {
        auto r = emb.row(i);
        for (std::size_t d = 0; d < emb.dims; ++d) sum[d] += r[d];
      }
      for (std::size_t i = 0; i < n; ++i) {
        auto r = emb.row(i);
        double with_self = 0, self = 0;
        for (std::size_t d = 0; d < emb.dims; ++d) {
          with_self += r[d] * sum[d];
          self += double(r[d]) * r[d];
        }
        centrality[i] = (with_self - self) / static_cast<double>(n - 1);
      }
    }

    std::vector<double> pr(m), fin(m), fout(m), size(m), cent(m), hubs(m);
    for (std::size_t j = 0; j < m; ++j) {
      const Symbol& s = cb.symbols[docs[j]];
      pr[j] = graph.pagerank(s.id);
      fin[j] = fan_in[docs[j]];
      fout[j] = fan_out[docs[j]];
      size[j] = std::max(1, s.location.end_line - s.location.line + 1);
      cent[j] = centrality[docs[j]];
      hubs[j] = hub[docs[j]];
    }
    auto pr_n = rank_normalize(pr);
    auto fin_n = log_normalize(fin), fout_n = log_normalize(fout), size_n = log_normalize(size);
    auto cent_n = rank_normalize(cent);
    auto hub_n = log_normalize(hubs);

    for (std::size_t j = 0; j < m; ++j) {
      const std::size_t i = docs[j];
      const Symbol& s = cb.symbols[i];
      DocScore& d = out[i];
      d.structural = 0.35 * pr_n[j] + 0.20 * fin_n[j] + 0.10 * fout_n[j] +
                     0.25 * (s.is_public_api ? 1.0 : 0.0) + 0.10 * size_n[j];
      d.semantic = have_vectors ? 0.6 * cent_n[j] + 0.4 * hub_n[j] : 0.0;
      d.complexity = complexity_of(s, members[i]);
      d.score =
          o_.structural * d.structural + o_.semantic * d.semantic + o_.complexity * d.complexity;
      decide(s, d, m);
    }
    return out;
  }

 private:
  static double complexity_of(const Symbol& s, double member_count) {
    if (is_callable(s.kind) || s.kind == SymbolKind::macro) {
      int cc = s.complexity, depth = s.nesting_depth;
      if (cc <= 0 && !s.source_text.empty())
        std::tie(cc, depth) = estimate_complexity(s.source_text);
      // Saturating curves: complexity 5 or nesting 2 is already "worth explaining".
      double c = 1.0 - std::exp(-std::max(0, cc - 1) / 4.0);
      double nd = 1.0 - std::exp(-std::max(0, depth) / 2.0);
      return 0.6 * c + 0.4 * nd;
    }
    if (is_record(s.kind)) return 1.0 - std::exp(-member_count / 6.0);
    if (s.kind == SymbolKind::enum_) return 0.5 * (1.0 - std::exp(-member_count / 8.0));
    return 0.0;
  }

  void decide(const Symbol& s, DocScore& d, std::size_t documentable_count) const {
    char buf[160];
    if (!o_.enabled) {
      d.selected = true;
      d.rule = "all";
      d.reason = "doc scorer disabled: every documentable symbol is selected";
    } else if (documentable_count == 1) {
      d.selected = true;
      d.rule = "score";
      d.reason = "the only documentable symbol of the codebase";
    } else if (d.score >= o_.threshold) {
      d.selected = true;
      d.rule = "score";
      const char* part = "structure";
      double top = o_.structural * d.structural;
      if (o_.semantic * d.semantic > top)
        part = "semantic centrality", top = o_.semantic * d.semantic;
      if (o_.complexity * d.complexity > top) part = "complexity";
      std::snprintf(buf, sizeof buf, "score %.2f >= %.2f, mostly from %s", d.score, o_.threshold,
                    part);
      d.reason = buf;
    } else if (doc_worthy_public_api(s)) {
      d.selected = true;
      d.rule = "public_api";
      std::snprintf(buf, sizeof buf, "public API (score %.2f < %.2f, selected regardless)", d.score,
                    o_.threshold);
      d.reason = buf;
    } else {
      d.rule = "below_threshold";
      std::snprintf(buf, sizeof buf, "score %.2f < %.2f", d.score, o_.threshold);
      d.reason = buf;
    }
  }

  DocScoreOptions o_;
};

}  // namespace

result<std::unique_ptr<DocScorer>> make_doc_scorer(DocScoreOptions o) {
  for (double w : {o.structural, o.semantic, o.complexity})
    if (!std::isfinite(w) || w < 0)
      return fail(errc::invalid_argument,
                  "DocScore weights must be finite and >= 0 (structural, semantic, complexity)");
  double sum = o.structural + o.semantic + o.complexity;
  if (std::abs(sum - 1.0) > 1e-6) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "DocScore weights must sum to 1 (structural %.3g + semantic %.3g + complexity "
                  "%.3g = %.6g); adjust --doc-score-structural/-semantic/-complexity",
                  o.structural, o.semantic, o.complexity, sum);
    return fail(errc::invalid_argument, buf);
  }
  if (!std::isfinite(o.threshold) || o.threshold < 0 || o.threshold > 1)
    return fail(errc::invalid_argument, "the DocScore threshold must lie in [0, 1] (default 0.65)",
                "--doc-score-threshold");
  return std::unique_ptr<DocScorer>(std::make_unique<DefaultDocScorer>(o));
}

}  // namespace doctown
