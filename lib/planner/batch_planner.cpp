// The BatchPlanner: packs the selected symbols into LLM requests under the exact token limits
// (batch size, --max-batch-tokens, the model's context window and output limit), groups related
// symbols so the context they share is written once, orders symbols into dependency waves, and
// fingerprints each symbol's part of a prompt for the cache.
//
// Packing works on per-symbol pieces whose token counts are computed once: the symbol's block,
// the context lines of its related symbols, its file's entry. A batch's size is estimated by
// adding the counts of its distinct pieces; the final prompt is then rendered and counted
// exactly, and a symbol is taken back out in the rare case where joining pieces changed the
// count enough to cross a limit.
#include <algorithm>
#include <deque>
#include <mutex>
#include <numeric>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/file_util.hpp"
#include "doctown/batch_planner.hpp"
#include "planner/prompt.hpp"

namespace doctown {

namespace {

using detail::BlockLimits;
using detail::SymbolContext;

constexpr std::uint32_t none = 0xFFFFFFFFu;
// Caps on the relations shown per symbol, so one hub function cannot flood a prompt.
constexpr std::size_t max_callees = 8;
constexpr std::size_t max_callers = 5;
constexpr std::size_t max_bases = 4;
constexpr std::size_t max_file_includes = 12;
constexpr std::size_t max_file_symbols = 12;
// Smallest room a request must leave for one symbol's block (checked by the factory).
constexpr std::size_t min_symbol_room = 256;
// Candidates tried (and not fitting) before a batch is closed.
constexpr std::size_t max_misses = 24;

// Relations of the whole codebase by symbol index, and per-file context; built once per input.
struct ContextIndex {
  std::vector<std::vector<std::pair<std::uint32_t, float>>> similar;
  std::vector<std::vector<std::uint32_t>> callees, callers, bases;
  std::vector<std::uint32_t> file_of;  // per symbol: index into files
  std::vector<std::string> file_paths;
  std::vector<std::vector<std::string>> file_includes;
  std::vector<std::vector<std::string>> file_symbols;
  std::shared_ptr<const UsageIndex> usage;  // call sites, for the prompt's "used at" lines
};

bool file_level(const Symbol& s) {
  switch (s.kind) {
    case SymbolKind::class_: case SymbolKind::struct_: case SymbolKind::union_:
    case SymbolKind::enum_: case SymbolKind::function: case SymbolKind::typedef_:
    case SymbolKind::type_alias: case SymbolKind::concept_: case SymbolKind::interface:
    case SymbolKind::trait: case SymbolKind::macro: case SymbolKind::variable:
    case SymbolKind::constant:
      return true;
    default:
      return false;
  }
}

std::shared_ptr<const ContextIndex> build_index(const Codebase& cb, const Graph* graph,
                                                const EmbeddingMatrix* embeddings,
                                                std::size_t neighbors) {
  auto idx = std::make_shared<ContextIndex>();
  const std::size_t n = cb.symbols.size();
  idx->similar.resize(n);
  idx->callees.resize(n);
  idx->callers.resize(n);
  idx->bases.resize(n);
  idx->file_of.assign(n, none);
  idx->usage = std::make_shared<const UsageIndex>(cb);
  std::unordered_map<std::string_view, std::uint32_t> by_id;
  by_id.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) by_id.emplace(cb.symbols[i].id, i);
  auto lookup = [&](const std::string& id) {
    auto it = by_id.find(id);
    return it == by_id.end() ? none : it->second;
  };

  std::unordered_map<std::string, std::uint32_t> file_index;
  auto file_id = [&](const std::string& path) {
    auto [it, fresh] = file_index.emplace(path, static_cast<std::uint32_t>(idx->file_paths.size()));
    if (fresh) {
      idx->file_paths.push_back(path);
      idx->file_includes.emplace_back();
      idx->file_symbols.emplace_back();
    }
    return it->second;
  };
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return cb.symbols[a].location.line < cb.symbols[b].location.line;
  });
  for (std::uint32_t i : order) {
    const Symbol& s = cb.symbols[i];
    if (s.location.file.empty()) continue;
    std::uint32_t f = file_id(s.location.file);
    idx->file_of[i] = f;
    if (file_level(s) && idx->file_symbols[f].size() < max_file_symbols &&
        (s.parent_id.empty() || !cb.find(s.parent_id) || !is_record(cb.find(s.parent_id)->kind)))
      idx->file_symbols[f].push_back(s.qualified_name.empty() ? s.name : s.qualified_name);
  }

  const std::vector<Relation>& edges = graph ? graph->edges : cb.relations;
  for (const Relation& e : edges) {
    if (e.kind == RelationKind::includes) {
      std::string_view from = e.from, to = e.to;
      if (from.substr(0, 5) == "file:") from.remove_prefix(5);
      if (to.substr(0, 5) == "file:") to.remove_prefix(5);
      if (auto it = file_index.find(std::string(from)); it != file_index.end()) {
        auto& inc = idx->file_includes[it->second];
        if (inc.size() < max_file_includes) inc.emplace_back(to);
      }
      continue;
    }
    std::uint32_t f = lookup(e.from), t = lookup(e.to);
    if (f == none || t == none || f == t) continue;
    switch (e.kind) {
      case RelationKind::calls:
        idx->callees[f].push_back(t);
        idx->callers[t].push_back(f);
        break;
      case RelationKind::inherits:
      case RelationKind::overrides:
        idx->bases[f].push_back(t);
        break;
      case RelationKind::similar:
        idx->similar[f].emplace_back(t, static_cast<float>(e.weight));
        break;
      default:
        break;
    }
  }
  // Neighbours come from the graph's `similar` edges when it has them (already computed by the
  // graph stage); otherwise from a k-NN search over the embeddings, whose rows are the symbols.
  bool have_similar = std::any_of(idx->similar.begin(), idx->similar.end(),
                                  [](const auto& v) { return !v.empty(); });
  if (!have_similar && neighbors > 0 && embeddings && embeddings->rows == n &&
      embeddings->dims > 0 && embeddings->values.size() == n * embeddings->dims) {
    KnnOptions ko;
    ko.k = neighbors;
    auto nb = knn(*embeddings, ko);
    for (std::size_t i = 0; i < n && i < nb.size(); ++i)
      for (const Neighbor& x : nb[i])
        if (x.index < n && x.index != i) idx->similar[i].emplace_back(x.index, x.score);
  }
  auto dedupe = [](std::vector<std::uint32_t>& v, std::size_t cap) {
    std::vector<std::uint32_t> out;
    for (auto x : v)
      if (std::find(out.begin(), out.end(), x) == out.end() && out.size() < cap) out.push_back(x);
    v = std::move(out);
  };
  for (std::size_t i = 0; i < n; ++i) {
    dedupe(idx->callees[i], max_callees);
    dedupe(idx->callers[i], max_callers);
    dedupe(idx->bases[i], max_bases);
    auto& sim = idx->similar[i];
    std::stable_sort(sim.begin(), sim.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<std::pair<std::uint32_t, float>> kept;
    for (const auto& p : sim)
      if (kept.size() < neighbors &&
          std::none_of(kept.begin(), kept.end(), [&](const auto& k) { return k.first == p.first; }))
        kept.push_back(p);
    sim = std::move(kept);
  }
  return idx;
}

// A symbol of the wave being packed, with its pieces and their token counts.
struct Item {
  std::uint32_t sym = none;
  std::string block;
  std::size_t block_tokens = 0;
  std::vector<std::uint32_t> related;  // symbol indices shown as context lines
  std::uint32_t file = none;           // file entry shown as context
};

class TokenPlanner final : public BatchPlanner {
 public:
  TokenPlanner(PlannerOptions options, std::shared_ptr<const Tokenizer> tokenizer, ModelInfo model)
      : opt_(std::move(options)), tok_(std::move(tokenizer)), model_(std::move(model)) {
    system_ = detail::system_prompt_text() + detail::language_instruction(opt_.language);
    schema_ = detail::response_schema_text();
    // Packing counts the preamble at its largest; each request's input_tokens is exact.
    system_tokens_ = tok_->count(system_) + detail::preamble_max_tokens;
    context_heading_tokens_ = tok_->count(detail::context_heading);
    symbols_heading_tokens_ = tok_->count(detail::symbols_heading);
    per_symbol_out_ = std::min(opt_.output_tokens_per_symbol, model_.max_output_tokens);
    max_symbols_ = std::max<std::size_t>(
        1, std::min(opt_.batch_size, model_.max_output_tokens / per_symbol_out_));
    header_tokens_.resize(max_symbols_ + 1, 0);
    for (std::size_t k = 1; k <= max_symbols_; ++k)
      header_tokens_[k] = tok_->count(detail::batch_header(k));
  }

  /// Output budget of a request of k symbols.
  std::size_t output_for(std::size_t k) const {
    return std::min(k * per_symbol_out_, model_.max_output_tokens);
  }
  /// Input cap of a request of k symbols: the batch-token limit and what the context window
  /// leaves after the output budget.
  std::size_t input_cap(std::size_t k) const {
    std::size_t out = output_for(k);
    std::size_t window = model_.context_window > out ? model_.context_window - out : 0;
    return std::min(opt_.max_batch_tokens, window);
  }
  /// Fixed tokens of a request of k symbols (system, overhead, headings).
  std::size_t base_tokens(std::size_t k, bool has_context) const {
    return system_tokens_ + chat_message_overhead_tokens + header_tokens_[k] +
           symbols_heading_tokens_ + (has_context ? context_heading_tokens_ : 0);
  }
  std::size_t smallest_request() const { return base_tokens(1, true) + min_symbol_room; }

  // Most symbols in one request of a wave of `n`: up to wave_requests requests of at least
  // min_batch_symbols each, evenly filled (7 symbols make one request, not 6 + 1).
  std::size_t symbols_per_request(std::size_t n) const {
    if (opt_.wave_requests <= 1 || n == 0) return max_symbols_;
    std::size_t requests = std::clamp<std::size_t>(n / std::max<std::size_t>(1, opt_.min_batch_symbols),
                                                   1, opt_.wave_requests);
    return std::clamp<std::size_t>((n + requests - 1) / requests, 1, max_symbols_);
  }

  std::vector<std::vector<std::string>> waves(const PlanInput& input) const override {
    std::vector<std::string> unique;
    std::unordered_set<std::string_view> seen;
    for (const auto& id : input.selected)
      if (seen.insert(id).second) unique.push_back(id);
    if (unique.empty()) return {};
    if (!opt_.dependency_waves || !input.graph) return {std::move(unique)};
    auto waves = dependency_waves(*input.graph, unique);
    // Deep waves fold into the last one (not spread evenly): most dependency edges point at
    // the shallow levels (leaves and base types), and those summaries stay in every prompt.
    if (opt_.max_waves > 0 && waves.size() > opt_.max_waves) {
      auto& last = waves[opt_.max_waves - 1];
      for (std::size_t w = opt_.max_waves; w < waves.size(); ++w)
        last.insert(last.end(), std::make_move_iterator(waves[w].begin()),
                    std::make_move_iterator(waves[w].end()));
      waves.resize(opt_.max_waves);
    }
    return waves;
  }

  result<std::vector<Batch>> plan_wave(const PlanInput& input, std::span<const std::string> ids,
                                       std::size_t wave) const override {
    return pack(input, ids, wave, {});
  }

  std::string fingerprint(const PlanInput& input, const std::string& id) const override {
    std::string material(detail::prompt_version);
    material += "\nmodel=" + model_.name + "\nencoding=" + std::string(tok_->name()) +
                "\ncode_tokens=" + std::to_string(opt_.max_code_tokens) +
                "\ncontext=" + (opt_.semantic_context ? "1" : "0") +
                "\nneighbors=" + std::to_string(opt_.semantic_neighbors) +
                "\nsimilarity>=" + std::to_string(opt_.similarity_threshold) + "\n";
    // Docs in another language are other docs (English keeps the keys it always had).
    if (!detail::language_instruction(opt_.language).empty()) material += "language=" + opt_.language + "\n";
    const Symbol* s = input.codebase ? input.codebase->find(id) : nullptr;
    if (!s) return detail::sha256_hex(material + "unknown:" + id);
    auto idx = index_for(input);
    auto sym = static_cast<std::uint32_t>(*input.codebase->index_of(id));
    SymbolContext ctx = context_of(*input.codebase, *idx, sym);
    material += detail::render_block(*tok_, *input.codebase, *s, ctx, default_limits());
    if (opt_.semantic_context) {
      for (std::uint32_t r : related_of(*input.codebase, *idx, sym, ctx))
        material += related_text(input, r);
      if (idx->file_of[sym] != none) material += file_text(*idx, idx->file_of[sym]);
    }
    return detail::sha256_hex(material);
  }

  result<std::vector<Batch>> plan_wave_ahead(const PlanInput& input,
                                             std::span<const std::string> ids, std::size_t wave,
                                             const std::set<std::string>& earlier) const override {
    return pack(input, ids, wave, earlier);
  }

  std::size_t batch_token_limit() const override { return opt_.max_batch_tokens; }
  std::string model_name() const override { return model_.name; }

 private:
  BlockLimits default_limits() const {
    BlockLimits l;
    l.code_tokens = opt_.max_code_tokens;
    l.context = opt_.semantic_context;
    return l;
  }

  std::shared_ptr<const ContextIndex> index_for(const PlanInput& input) const {
    const Codebase& cb = *input.codebase;
    std::lock_guard<std::mutex> lock(cache_mutex_);
    std::size_t edges = input.graph ? input.graph->edges.size() : cb.relations.size();
    if (cache_.index && cache_.codebase == &cb && cache_.graph == input.graph &&
        cache_.embeddings == input.embeddings && cache_.symbols == cb.symbols.size() &&
        cache_.edges == edges)
      return cache_.index;
    cache_.index = build_index(cb, input.graph, opt_.semantic_context ? input.embeddings : nullptr,
                               opt_.semantic_neighbors);
    cache_.codebase = &cb;
    cache_.graph = input.graph;
    cache_.embeddings = input.embeddings;
    cache_.symbols = cb.symbols.size();
    cache_.edges = edges;
    return cache_.index;
  }

  SymbolContext context_of(const Codebase& cb, const ContextIndex& idx, std::uint32_t s) const {
    SymbolContext ctx;
    if (!opt_.semantic_context) return ctx;
    // Tests and third-party code say little about a project symbol, except where they call it
    // (usage examples); unless the symbol itself lives there.
    bool inside = detail::is_test_or_third_party(cb.symbols[s].location.file);
    auto noise = [&](std::uint32_t r) {
      return !inside && detail::is_test_or_third_party(cb.symbols[r].location.file);
    };
    for (auto b : idx.bases[s])
      if (!noise(b)) ctx.bases.push_back(cb.symbols[b].id);
    for (auto c : idx.callees[s])
      if (!noise(c)) ctx.callees.push_back(cb.symbols[c].id);
    for (auto c : idx.callers[s]) ctx.callers.push_back(cb.symbols[c].id);
    for (const auto& [r, score] : idx.similar[s])
      if (score >= opt_.similarity_threshold && !noise(r))
        ctx.similar.emplace_back(cb.symbols[r].id, score);
    if (idx.usage) ctx.usages = idx.usage->find(cb.symbols[s].id, 2);
    return ctx;
  }

  std::vector<std::uint32_t> related_of(const Codebase& cb, const ContextIndex&, std::uint32_t,
                                        const SymbolContext& ctx) const {
    std::vector<std::uint32_t> out;
    for (const auto& id : ctx.related())
      if (auto i = cb.index_of(id)) out.push_back(static_cast<std::uint32_t>(*i));
    return out;
  }

  std::string related_text(const PlanInput& input, std::uint32_t r) const {
    const Symbol& s = input.codebase->symbols[r];
    std::string_view summary = s.brief;
    if (input.known_docs)
      if (auto it = input.known_docs->find(s.id); it != input.known_docs->end())
        summary = it->second.summary;
    return detail::render_related(s, summary);
  }

  std::string file_text(const ContextIndex& idx, std::uint32_t f) const {
    return detail::render_file(idx.file_paths[f], idx.file_includes[f], idx.file_symbols[f]);
  }

  // The state of one batch being filled.
  struct Open {
    std::vector<std::size_t> members;                      // item indices
    std::unordered_set<std::uint32_t> member_syms;
    std::unordered_map<std::uint32_t, std::size_t> refs;   // related symbol → references
    std::unordered_set<std::uint32_t> files;
    std::size_t pieces = 0;  // blocks + distinct context entries not in the batch
    bool has_context = false;
  };

  // One wave being packed: its items, the token counts of their context pieces (computed on
  // first use, since most pieces are shared by several items), and which items are placed.
  struct Packing {
    const TokenPlanner& planner;
    const PlanInput& input;
    const ContextIndex& idx;
    const std::set<std::string>& pending;
    std::vector<Item> items;
    std::unordered_map<std::uint32_t, std::size_t> item_of;  // symbol → item
    std::unordered_map<std::uint32_t, std::size_t> related_tokens, file_tokens;
    std::vector<std::size_t> order;  // items in locality order
    std::vector<char> placed;
    std::size_t cursor = 0;          // first unplaced position in `order`
    std::size_t per_request = 1;     // most symbols in one request (symbols_per_request)

    std::size_t rel_cost(std::uint32_t r) {
      auto it = related_tokens.find(r);
      if (it != related_tokens.end()) return it->second;
      std::size_t t = planner.tok_->count(planner.related_text(input, r));
      if (pending.count(input.codebase->symbols[r].id)) t += planner.opt_.reserved_summary_tokens;
      related_tokens.emplace(r, t);
      return t;
    }
    std::size_t file_cost(std::uint32_t f) {
      auto it = file_tokens.find(f);
      if (it != file_tokens.end()) return it->second;
      std::size_t t = planner.tok_->count(planner.file_text(idx, f));
      file_tokens.emplace(f, t);
      return t;
    }

    // Tokens that adding item `i` to batch `b` adds (its block and the context pieces the
    // batch does not hold yet), and whether it brings the first context piece.
    std::size_t added_tokens(const Open& b, std::size_t i, bool& brings_context) {
      const Item& it = items[i];
      std::size_t t = it.block_tokens;
      brings_context = false;
      std::unordered_set<std::uint32_t> counted;
      for (std::uint32_t r : it.related) {
        if (b.member_syms.count(r) || b.refs.count(r) || !counted.insert(r).second) continue;
        t += rel_cost(r);
        brings_context = true;
      }
      if (it.file != none && !b.files.count(it.file)) {
        t += file_cost(it.file);
        brings_context = true;
      }
      // A symbol already shown as context of a member is now a member: its line goes away.
      if (auto r = b.refs.find(it.sym); r != b.refs.end()) t = t > rel_cost(it.sym) ? t - rel_cost(it.sym) : 0;
      return t;
    }
    bool fits(const Open& b, std::size_t i, std::size_t& new_pieces) {
      std::size_t k = b.members.size() + 1;
      if (k > per_request) return false;
      bool brings = false;
      new_pieces = b.pieces + added_tokens(b, i, brings);
      return planner.base_tokens(k, b.has_context || brings) + new_pieces <= planner.input_cap(k);
    }
    void add(Open& b, std::size_t i, std::size_t new_pieces) {
      const Item& it = items[i];
      bool brings = false;
      (void)added_tokens(b, i, brings);
      b.has_context = b.has_context || brings;
      b.pieces = new_pieces;
      b.members.push_back(i);
      b.member_syms.insert(it.sym);
      b.refs.erase(it.sym);
      for (std::uint32_t r : it.related)
        if (!b.member_syms.count(r)) ++b.refs[r];
      if (it.file != none) b.files.insert(it.file);
      placed[i] = 1;
      advance();
    }
    void advance() {
      while (cursor < order.size() && placed[order[cursor]]) ++cursor;
    }
  };

  // Items: one per distinct id, with its block rendered and counted.
  result<void> collect_items(Packing& p, std::span<const std::string> ids) const {
    const Codebase& cb = *p.input.codebase;
    for (const auto& id : ids) {
      auto i = cb.index_of(id);
      if (!i)
        return fail(errc::not_found,
                    "symbol to document is not in the analysed codebase; re-run the analysis",
                    id);
      auto sym = static_cast<std::uint32_t>(*i);
      if (p.item_of.count(sym)) continue;
      p.item_of.emplace(sym, p.items.size());
      Item it;
      it.sym = sym;
      SymbolContext ctx = context_of(cb, p.idx, sym);
      it.block = detail::render_block(*tok_, cb, cb.symbols[sym], ctx, default_limits());
      it.block_tokens = tok_->count(it.block);
      if (opt_.semantic_context) {
        it.related = related_of(cb, p.idx, sym, ctx);
        it.file = p.idx.file_of[sym];
      }
      p.items.push_back(std::move(it));
    }
    return {};
  }

  // Locality order: by file, then enclosing symbol, then line, so a class's members and a
  // file's functions are adjacent and share their context.
  static std::vector<std::size_t> locality_order(const Codebase& cb, const std::vector<Item>& items) {
    std::vector<std::size_t> order(items.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const Symbol& x = cb.symbols[items[a].sym];
      const Symbol& y = cb.symbols[items[b].sym];
      if (x.location.file != y.location.file) return x.location.file < y.location.file;
      if (x.parent_id != y.parent_id) return x.parent_id < y.parent_id;
      return x.location.line < y.location.line;
    });
    return order;
  }

  // Fills batch `b` (holding its seed) with the items that share the most context with it:
  // 1. the next symbol of the same file; 2. related symbols of the batch; 3. the next symbols
  // in order (skipping ones that do not fit, so the batch is filled).
  void fill_batch(Packing& p, Open& b) const {
    std::deque<std::size_t> affinity;
    // An added item's related symbols: they name it as context too (callers, subclasses).
    auto push_related = [&](std::size_t i) {
      for (std::uint32_t r : p.items[i].related)
        if (auto it = p.item_of.find(r); it != p.item_of.end() && !p.placed[it->second])
          affinity.push_back(it->second);
    };
    push_related(b.members.front());
    while (b.members.size() < p.per_request && p.cursor < p.order.size()) {
      std::size_t misses = 0;
      bool added = false;
      auto attempt = [&](std::size_t i) {
        if (p.placed[i]) return false;
        std::size_t np = 0;
        if (p.fits(b, i, np)) {
          p.add(b, i, np);
          push_related(i);
          return true;
        }
        ++misses;
        return false;
      };
      const Item& last = p.items[b.members.back()];
      if (p.cursor < p.order.size() && p.items[p.order[p.cursor]].file == last.file &&
          last.file != none)
        added = attempt(p.order[p.cursor]);
      while (!added && !affinity.empty() && misses < max_misses) {
        std::size_t i = affinity.front();
        affinity.pop_front();
        added = attempt(i);
      }
      for (std::size_t j = p.cursor; !added && j < p.order.size() && misses < max_misses; ++j)
        added = attempt(p.order[j]);
      if (!added) break;
    }
  }

  result<std::vector<Batch>> pack(const PlanInput& input, std::span<const std::string> ids,
                                  std::size_t wave,
                                  const std::set<std::string>& pending) const {
    if (!input.codebase)
      return fail(errc::invalid_argument, "the planner needs the analysed codebase (PlanInput::codebase)");
    auto idx = index_for(input);
    Packing p{*this, input, *idx, pending};
    if (auto ok = collect_items(p, ids); !ok) return ok.error();
    if (p.items.empty()) return std::vector<Batch>{};
    p.per_request = input.spread ? symbols_per_request(p.items.size()) : max_symbols_;
    p.order = locality_order(*input.codebase, p.items);
    p.placed.assign(p.items.size(), 0);

    std::vector<Batch> batches;
    p.advance();
    while (p.cursor < p.order.size()) {
      Open b;
      std::size_t seed = p.order[p.cursor];
      std::size_t np = 0;
      if (!p.fits(b, seed, np)) {
        // Too big alone: cut it to fit rather than drop it.
        auto shrunk = shrink(input, *idx, p.items[seed], pending);
        if (!shrunk) return std::move(shrunk).error();
        p.placed[seed] = 1;
        batches.push_back(std::move(*shrunk));
        batches.back().wave = wave;
        p.advance();
        continue;
      }
      p.add(b, seed, np);
      fill_batch(p, b);
      auto done = finish(input, *idx, p.items, b.members, pending);
      if (!done) return std::move(done).error();
      for (auto& batch : *done) {
        batch.wave = wave;
        batches.push_back(std::move(batch));
      }
      p.advance();
    }
    for (std::size_t i = 0; i < batches.size(); ++i) batches[i].index = i;
    return batches;
  }

  // Render the final prompt of `members` and count it exactly. If joining the pieces made it
  // cross a limit, the last symbol moves into a batch of its own (recursively checked).
  result<std::vector<Batch>> finish(const PlanInput& input, const ContextIndex& idx,
                                    const std::vector<Item>& items,
                                    std::vector<std::size_t> members,
                                    const std::set<std::string>& pending) const {
    std::vector<Batch> out;
    std::vector<std::size_t> spill;
    while (!members.empty()) {
      std::vector<const Item*> ptrs;
      for (auto i : members) ptrs.push_back(&items[i]);
      Batch b = render(input, idx, ptrs, pending);
      if (b.input_tokens <= input_cap(members.size()) || members.size() == 1) {
        if (b.input_tokens > input_cap(members.size())) {
          auto shrunk = shrink(input, idx, items[members.front()], pending);
          if (!shrunk) return std::move(shrunk).error();
          b = std::move(*shrunk);
        }
        out.push_back(std::move(b));
        break;
      }
      spill.push_back(members.back());
      members.pop_back();
    }
    if (!spill.empty()) {
      std::reverse(spill.begin(), spill.end());
      auto rest = finish(input, idx, items, spill, pending);
      if (!rest) return std::move(rest).error();
      for (auto& b : *rest) out.push_back(std::move(b));
    }
    return out;
  }

  Batch render(const PlanInput& input, const ContextIndex& idx,
               const std::vector<const Item*>& members,
               const std::set<std::string>& pending) const {
    const Codebase& cb = *input.codebase;
    Batch b;
    std::unordered_set<std::uint32_t> member_syms;
    for (const Item* it : members) member_syms.insert(it->sym);
    std::string files, related;
    std::unordered_set<std::uint32_t> seen_files, seen_related;
    std::size_t reserved = 0;
    for (const Item* it : members) {
      if (it->file != none && seen_files.insert(it->file).second) files += file_text(idx, it->file);
      for (std::uint32_t r : it->related) {
        if (member_syms.count(r) || !seen_related.insert(r).second) continue;
        related += related_text(input, r);
        if (pending.count(cb.symbols[r].id)) reserved += opt_.reserved_summary_tokens;
      }
    }
    std::string user = detail::batch_header(members.size());
    if (!files.empty() || !related.empty()) {
      user += detail::context_heading;
      user += files;
      user += related;
    }
    user += detail::symbols_heading;
    for (const Item* it : members) {
      user += it->block;
      b.symbol_ids.push_back(cb.symbols[it->sym].id);
    }
    b.system_prompt = system_ + preamble_of(*input.codebase);
    b.response_schema = schema_;
    b.input_tokens =
        tok_->count(b.system_prompt) + tok_->count(user) + chat_message_overhead_tokens + reserved;
    b.reserved_tokens = reserved;
    b.user_prompt = std::move(user);
    // What answers of these symbols take, with headroom, never above the per-symbol cap.
    std::size_t expected = 0;
    for (const Item* it : members) expected += detail::expected_output_tokens(cb.symbols[it->sym]);
    b.max_output_tokens = std::min(output_for(members.size()), detail::reserve_for(expected));
    return b;
  }

  // A batch of one symbol too large for a request: drop its context, then cut its code, then
  // its doc comment and signature, until it fits. Never drops the symbol.
  result<Batch> shrink(const PlanInput& input, const ContextIndex& idx, const Item& item,
                       const std::set<std::string>& pending) const {
    const Codebase& cb = *input.codebase;
    const Symbol& s = cb.symbols[item.sym];
    const std::size_t cap = input_cap(1);
    Item it = item;
    auto try_with = [&](const BlockLimits& l, bool keep_context) {
      it.block = detail::render_block(*tok_, cb, s, keep_context ? context_of(cb, idx, item.sym)
                                                                 : SymbolContext{},
                                      l);
      if (!keep_context) {
        it.related.clear();
        it.file = none;
      }
      return render(input, idx, {&it}, pending);
    };
    BlockLimits l = default_limits();
    Batch b = try_with(l, opt_.semantic_context);
    if (b.input_tokens <= cap) return b;
    l.context = false;
    b = try_with(l, false);
    if (b.input_tokens <= cap) return b;
    // Room for code: what is left with no code at all, less a margin for the fence lines.
    BlockLimits bare = l;
    bare.code_tokens = 0;
    Batch without_code = try_with(bare, false);
    if (without_code.input_tokens + 32 < cap) {
      l.code_tokens = std::min(l.code_tokens, cap - without_code.input_tokens - 32);
      while (l.code_tokens > 0) {
        b = try_with(l, false);
        if (b.input_tokens <= cap) return b;
        l.code_tokens = l.code_tokens > 64 ? l.code_tokens * 3 / 4 : 0;
      }
    }
    for (std::size_t doc : {2000u, 500u, 100u, 0u}) {
      bare.doc_chars = doc;
      bare.signature_chars = std::max<std::size_t>(doc, 200);
      b = try_with(bare, false);
      if (b.input_tokens <= cap) return b;
    }
    return fail(errc::limit_exceeded,
                "symbol cannot fit a request even without code and comments (" +
                    std::to_string(b.input_tokens) + " tokens > " + std::to_string(cap) +
                    "); raise --max-batch-tokens or use a model with a larger context",
                s.id);
  }

  PlannerOptions opt_;
  std::shared_ptr<const Tokenizer> tok_;
  ModelInfo model_;
  /// The preamble of the codebase last planned for: one text per run, so every request
  /// shares the same prefix.
  const std::string& preamble_of(const Codebase& cb) const {
    std::lock_guard lock(preamble_mu_);
    if (preamble_codebase_ != &cb || preamble_symbols_ != cb.symbols.size()) {
      preamble_ = detail::project_preamble(*tok_, cb);
      preamble_codebase_ = &cb;
      preamble_symbols_ = cb.symbols.size();
    }
    return preamble_;
  }
  mutable std::mutex preamble_mu_;
  mutable std::string preamble_;
  mutable const Codebase* preamble_codebase_ = nullptr;
  mutable std::size_t preamble_symbols_ = 0;
  std::string system_;
  std::string schema_;
  std::size_t system_tokens_ = 0;
  std::size_t context_heading_tokens_ = 0;
  std::size_t symbols_heading_tokens_ = 0;
  std::size_t per_symbol_out_ = 0;
  std::size_t max_symbols_ = 1;
  std::vector<std::size_t> header_tokens_;

  // The context index of the last input seen: fingerprint() is called once per symbol and must
  // not rebuild it each time. Guarded so concurrent const calls stay safe.
  struct IndexCache {
    const Codebase* codebase = nullptr;
    const Graph* graph = nullptr;
    const EmbeddingMatrix* embeddings = nullptr;
    std::size_t symbols = 0;
    std::size_t edges = 0;
    std::shared_ptr<const ContextIndex> index;
  };
  mutable std::mutex cache_mutex_;
  mutable IndexCache cache_;
};

}  // namespace

result<Plan> BatchPlanner::plan(const PlanInput& input) const {
  Plan plan;
  plan.model = model_name();
  plan.waves = waves(input);
  // Symbols of earlier waves get their summaries only when those waves have run: the
  // implementation counts a reserved budget for each such summary a later prompt shows.
  std::set<std::string> earlier;
  for (std::size_t w = 0; w < plan.waves.size(); ++w) {
    auto batches = plan_wave_ahead(input, plan.waves[w], w, earlier);
    if (!batches) return std::move(batches).error();
    for (auto& b : *batches) {
      b.index = plan.batches.size();
      plan.input_tokens += b.input_tokens;
      plan.max_output_tokens += b.max_output_tokens;
      plan.batches.push_back(std::move(b));
    }
    for (const auto& id : plan.waves[w])
      if (!input.known_docs || !input.known_docs->count(id)) earlier.insert(id);
  }
  std::size_t limit = std::max<std::size_t>(1, batch_token_limit());
  plan.lower_bound_requests = (plan.input_tokens + limit - 1) / limit;
  return plan;
}

result<std::unique_ptr<BatchPlanner>> make_batch_planner(PlannerOptions options,
                                                         std::shared_ptr<const Tokenizer> tokenizer,
                                                         ModelInfo model) {
  if (!tokenizer)
    return fail(errc::invalid_argument, "the batch planner needs a tokenizer (load_tokenizer)");
  if (options.batch_size == 0)
    return fail(errc::invalid_argument, "--batch-size must be at least 1", "batch_size");
  if (options.output_tokens_per_symbol == 0)
    return fail(errc::invalid_argument, "the output budget per symbol must be at least 1 token",
                "output_tokens_per_symbol");
  // A BCP 47 tag: letters, digits and hyphens, starting with a 2-3 letter language (it goes
  // into the system prompt, so nothing else may ride along).
  const std::string& lang = options.language;
  bool lang_ok = lang.empty() ||
                 (lang.size() <= 35 && std::isalpha(static_cast<unsigned char>(lang[0])) &&
                  std::all_of(lang.begin(), lang.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
                  }) &&
                  std::count_if(lang.begin(), lang.begin() + static_cast<std::ptrdiff_t>(
                                                                 std::min<std::size_t>(lang.find('-'), lang.size())),
                                [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }) >= 2 &&
                  std::min(lang.find('-'), lang.size()) <= 3);
  if (!lang_ok)
    return fail(errc::invalid_argument,
                "--language '" + lang + "' is not a BCP 47 language tag; use e.g. fr, de, zh-CN, pt-BR",
                "--language");
  if (model.name.empty())
    return fail(errc::invalid_argument, "no model given; pass --model", "model");
  auto p = std::make_unique<TokenPlanner>(options, std::move(tokenizer), model);
  std::size_t need = p->smallest_request();
  if (options.max_batch_tokens < need)
    return fail(errc::invalid_argument,
                "--max-batch-tokens " + std::to_string(options.max_batch_tokens) +
                    " is below the smallest request (system prompt and one symbol); use at least " +
                    std::to_string(need),
                "max_batch_tokens");
  if (p->input_cap(1) < need)
    return fail(errc::invalid_argument,
                "model '" + model.name + "' has a context window of " +
                    std::to_string(model.context_window) +
                    " tokens, too small for one symbol plus its output budget; pick a larger "
                    "model or describe it with --models FILE",
                model.name);
  return std::unique_ptr<BatchPlanner>(std::move(p));
}

}  // namespace doctown
