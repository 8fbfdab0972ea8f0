// The OpenAI-compatible LlmClient: Chat Completions with N requests in flight on the shared
// request loop (lib/net/request_loop.hpp: pacing by a client-side RPM/TPM limiter tuned from
// the server's headers; 429s honour retry-after, 5xx and transport failures retry with
// full-jitter backoff, 401/403 stop the run at once). This file keeps the chat client's part:
// the request builder, how many to keep in flight, and what answers mean. Answers are
// validated per entry; missing ids are asked again, truncated or unreadable answers are split
// in halves down to single symbols, so every symbol ends documented or failed with a reason.
// The HTTP work runs on this thread inside HttpClientPool::wait, so callbacks (on_docs,
// progress) happen on the caller's thread without locks.
#include <algorithm>
#include <boost/url/parse.hpp>
#include <cmath>
#include <set>

#include "core/json_util.hpp"
#include "doctown/models.hpp"
#include "llm/openai_run.hpp"
#include "planner/prompt.hpp"

#include "doctown/url.hpp"
#include "net/retry.hpp"

namespace doctown {
namespace detail {

namespace json = boost::json;
using Clock = OpenAiRun::Clock;

namespace {

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trimmed_base_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

OpenAiRun::OpenAiRun(const LlmOptions& options, const LlmJob& job, const RunContext& ctx,
                     ClientState& state)
    : opt_(options), job_(job), ctx_(ctx), base_url_(trimmed_base_url(options.server.base_url)),
      backoff_(options.server,
               static_cast<std::uint64_t>(options.seed >= 0 ? options.seed : 7) * 0x9E3779B97F4A7C15ULL + 1),
      st_(state), limiter_(state.limiter), model_(options.models.lookup(options.model)),
      loop_(loop_options(), state.limiter, backoff_, fatal_) {
  set_loop_hooks();
  settings_.model = opt_.model;
  settings_.temperature = opt_.temperature;
  settings_.seed = opt_.seed;
  settings_.format = opt_.response_format == doctown::ResponseFormat::json_object
                         ? ResponseFormat::json_object
                         : ResponseFormat::json_schema;
  for (const auto& b : job_.batches) {
    for (const auto& id : b.symbol_ids)
      if (syms_.emplace(id, Sym{}).second) order_.push_back(id);
    enqueue(b);
  }
}

std::optional<std::deque<Work>> OpenAiRun::replan(
    const std::vector<std::vector<std::string>>& groups) {
  if (!job_.rebatch) return std::nullopt;
  std::deque<Work> out;
  std::size_t wanted = 0, covered = 0;
  for (const auto& ids : groups) {
    wanted += ids.size();
    auto batches = job_.rebatch(ids);
    if (!batches || batches->empty()) return std::nullopt;
    for (auto& b : *batches) {
      covered += b.symbol_ids.size();
      Work w;
      w.id = next_work_id_++;
      w.batch = std::move(b);
      out.push_back(std::move(w));
    }
  }
  if (covered != wanted) return std::nullopt;  // the re-planner disagrees: keep the plan
  return out;
}

void OpenAiRun::pick_probe() {
  // The first request probes the server's limits and nothing else starts until it answers,
  // so it should answer soon: the smallest batch of the first wave goes first, cut down to a
  // couple of symbols when others wait behind it (an answer's time grows with its symbols).
  constexpr std::size_t probe_symbols = 2;
  auto& q = queue();
  if (st_.heard_back || q.size() < 2 || opt_.server.concurrency == 1) return;
  auto smallest = std::min_element(q.begin(), q.end(), [](const Work& a, const Work& b) {
    return std::pair(a.batch.wave, a.batch.symbol_ids.size()) <
           std::pair(b.batch.wave, b.batch.symbol_ids.size());
  });
  std::rotate(q.begin(), smallest, std::next(smallest));
  const auto& ids = q.front().batch.symbol_ids;
  // Cutting pays when the probe at least halves (its prompt is sent once more).
  if (ids.size() < 2 * probe_symbols) return;
  auto parts = replan({{ids.begin(), ids.begin() + probe_symbols},
                       {ids.begin() + probe_symbols, ids.end()}});
  if (!parts) return;
  q.pop_front();
  for (auto w = parts->rbegin(); w != parts->rend(); ++w) q.push_front(std::move(*w));
}

void OpenAiRun::balance_wave() {
  // A wave ends with its slowest answer, and an answer's time grows with its symbols. At the
  // wave's start its requests are re-cut:
  // - when the TPM bucket takes all of them now, to even sizes (a probe or a short tail leaves
  //   them uneven), the same number of requests, so about the same tokens;
  // - when it does not, the ones that wait for tokens (and only then generate) should be the
  //   small ones: tail_sizes weighs moving symbols into the requests that go now, and one or
  //   two requests more (a smaller last one), against the prefix tokens that adds.
  if (!st_.heard_back || !job_.rebatch || limiter_.tpm() <= 0 || st_.s_per_symbol <= 0) return;
  for (const auto& [id, w] : loop_.in_flight())
    if (w.batch.wave == min_wave_) return;  // only at the wave's start
  auto& q = queue();
  std::vector<std::deque<Work>::iterator> wave;
  for (auto it = q.begin(); it != q.end(); ++it)
    if (it->batch.wave == min_wave_) {
      if (it->attempts > 0 || it->balanced) return;
      wave.push_back(it);
    }
  if (wave.empty() || wave.size() > in_flight_target()) return;
  for (auto it : wave) it->balanced = true;
  const double window = opt_.server.rate_window_s > 0 ? opt_.server.rate_window_s : 60;
  const double rate = limiter_.tpm() / window, room = limiter_.tokens_available(Clock::now());
  std::vector<std::vector<std::string>> groups;
  std::vector<std::size_t> sizes;
  double total = 0;
  std::size_t symbols = 0;
  for (auto it : wave) {
    groups.push_back(pending_ids(it->batch));
    sizes.push_back(groups.back().size());
    total += static_cast<double>(expected_cost(*it));
    symbols += groups.back().size();
  }
  if (symbols == 0) return;
  if (total <= room) {
    if (sizes.size() < 2) return;
    for (std::size_t i = 0; i < sizes.size(); ++i)
      sizes[i] = symbols / sizes.size() + (i < symbols % sizes.size() ? 1 : 0);
  } else {
    sizes = tail_sizes(sizes, total, room, rate, wave.front()->batch);
    if (sizes.empty()) return;
  }
  regroup_wave(wave, groups, sizes);
}

std::vector<std::size_t> OpenAiRun::tail_sizes(const std::vector<std::size_t>& sizes,
                                               double total, double room, double rate,
                                               const Batch& sample) const {
  // Each request repeats the system prompt (with the project preamble); the rest of the
  // wave's cost is shared out per symbol.
  std::size_t symbols = 0, largest = 0;
  for (std::size_t n : sizes) symbols += n, largest = std::max(largest, n);
  WaveShape shape;
  shape.room = room;
  shape.rate = rate;
  shape.request_cost = std::ceil(static_cast<double>(sample.system_prompt.size()) / 4);
  shape.symbol_cost = std::max(
      1.0, (total - shape.request_cost * static_cast<double>(sizes.size())) / static_cast<double>(symbols));
  shape.s_per_symbol = st_.s_per_symbol;
  shape.most_per_request = job_.max_batch_symbols ? job_.max_batch_symbols : largest;
  // One request more must end the wave at least 5% sooner (its prefix costs money), and, while
  // later waves follow, also pay back the time its prefix takes from their bucket.
  const double now_end = wave_end_s(shape, sizes);
  const double per_extra_s = 0.05 * now_end + (job_.symbols_after > 0 ? shape.request_cost / rate : 0);
  std::vector<std::size_t> best;
  double best_end = now_end - 0.05;  // a re-cut must gain something
  for (std::size_t m = sizes.size(); m <= sizes.size() + 2; ++m) {
    auto cut = fastest_sizes(shape, symbols, m);
    if (cut.empty()) continue;
    double extra = cut.size() > sizes.size() ? static_cast<double>(cut.size() - sizes.size()) : 0;
    double end = wave_end_s(shape, cut) + extra * per_extra_s;
    if (end < best_end) best = std::move(cut), best_end = end;
  }
  return best;
}

void OpenAiRun::regroup_wave(const std::vector<std::deque<Work>::iterator>& wave,
                             const std::vector<std::vector<std::string>>& groups,
                             std::vector<std::size_t> sizes) {
  std::vector<std::string> ids;
  for (const auto& g : groups) ids.insert(ids.end(), g.begin(), g.end());
  std::vector<std::size_t> before;
  for (const auto& g : groups) before.push_back(g.size());
  // The planner may not take a group that large (its batch size or token limit): each step
  // back moves one symbol less out of the largest group, and the plan stays when none fits.
  for (unsigned tries = 0; tries < 4 && sizes != before; ++tries) {
    std::vector<std::vector<std::string>> cut;
    std::size_t from = 0;
    for (std::size_t n : sizes) {
      cut.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(from),
                       ids.begin() + static_cast<std::ptrdiff_t>(from + n));
      from += n;
    }
    auto parts = replan(cut);
    if (parts && parts->size() == sizes.size()) {
      for (auto& w : *parts) w.balanced = true;
      auto& q = queue();
      auto at = q.erase(wave.front(), std::next(wave.back()));
      q.insert(at, std::make_move_iterator(parts->begin()), std::make_move_iterator(parts->end()));
      return;
    }
    auto big = std::max_element(sizes.begin(), sizes.end());
    auto small = std::min_element(sizes.begin(), sizes.end());
    if (*big <= *small + 1) return;
    --*big, ++*small;
  }
}

void OpenAiRun::spread_wave() {
  // A wave ends with its slowest answer, and an answer takes longer the more symbols it
  // covers. When the limits admit more requests at once than the wave has queued (its start
  // on a large account, or its last round), the largest queued requests are halved, so that
  // every slot takes a share. Each half repeats the prompt's prefix, so this is done only on
  // a server that states its limits, and only while the TPM bucket keeps half its size after
  // the wave's queue: on a small account those tokens are better left to the next waves.
  constexpr std::size_t min_part = 2;
  if (!st_.heard_back || opt_.server.concurrency == 1 || !job_.rebatch) return;
  if (limiter_.rpm() <= 0 && limiter_.tpm() <= 0) return;
  auto& q = queue();
  auto in_wave = [this](const Work& w) { return w.batch.wave == min_wave_ && w.attempts == 0; };
  std::size_t queued = static_cast<std::size_t>(std::count_if(q.begin(), q.end(), in_wave));
  const std::size_t target = in_flight_target();
  if (queued == 0 || queued >= target) return;
  double room = limiter_.tpm() > 0 ? limiter_.tokens_available(Clock::now()) : 0;
  double queued_cost = 0;
  for (const auto& w : q)
    if (in_wave(w)) queued_cost += static_cast<double>(expected_cost(w));
  while (queued < target) {
    auto largest = q.end();
    std::size_t most = 2 * min_part - 1;
    for (auto it = q.begin(); it != q.end(); ++it)
      if (in_wave(*it) && !it->unsplit && it->batch.symbol_ids.size() > most) {
        most = it->batch.symbol_ids.size();
        largest = it;
      }
    if (largest == q.end()) return;
    // The halves together cost at most twice the whole (each carries the prefix once more).
    double cost = static_cast<double>(expected_cost(*largest));
    if (limiter_.tpm() > 0 && room - queued_cost - cost < limiter_.tpm() / 2) return;
    auto ids = pending_ids(largest->batch);
    auto half = ids.begin() + static_cast<std::ptrdiff_t>(ids.size() / 2);
    auto parts = ids.size() >= 2 * min_part ? replan({{ids.begin(), half}, {half, ids.end()}})
                                            : std::nullopt;
    if (!parts) {
      largest->unsplit = true;
      continue;
    }
    for (const auto& w : *parts) queued_cost += static_cast<double>(expected_cost(w));
    queued_cost -= cost;
    queued += parts->size() - 1;
    auto at = q.erase(largest);
    q.insert(at, std::make_move_iterator(parts->begin()), std::make_move_iterator(parts->end()));
  }
}

// The endpoint goes into the base URL's path, before any query (`/v1?api-version=X` gives
// `/v1/chat/completions?api-version=X`); messages show it through redact_url only.
std::string OpenAiRun::url(std::string_view path) const { return url_with_path(base_url_, path); }

void OpenAiRun::auth_headers(net::HttpRequest& r) const {
  if (!opt_.server.api_key.empty())
    r.headers.emplace_back("Authorization", "Bearer " + opt_.server.api_key);
}

net::HttpOptions OpenAiRun::http_options() const { return net::http_options(opt_.server); }

void OpenAiRun::enqueue(Batch batch) {
  Work w;
  w.id = next_work_id_++;
  w.batch = std::move(batch);
  queue().push_back(std::move(w));
}

std::vector<std::string> OpenAiRun::pending_ids(const Batch& batch) const {
  std::vector<std::string> ids;
  for (const auto& id : batch.symbol_ids) {
    auto it = syms_.find(id);
    if (it != syms_.end() && it->second.state == SymState::pending &&
        std::find(ids.begin(), ids.end(), id) == ids.end())
      ids.push_back(id);
  }
  return ids;
}

void OpenAiRun::diagnostic(const std::string& message) {
  ctx_.diagnostic("llm", Diagnostic::Severity::warning, message);
}

void OpenAiRun::fail_ids(const std::vector<std::string>& ids, const std::string& reason) {
  for (const auto& id : ids) {
    auto it = syms_.find(id);
    if (it == syms_.end() || it->second.state != SymState::pending) continue;
    it->second.state = SymState::failed;
    out_.failures.push_back({id, reason});
    ++finished_;
  }
  ctx_.item_done("llm", finished_, syms_.size());
}

void OpenAiRun::commit(std::vector<SymbolDoc> docs) {
  if (docs.empty()) return;
  for (const auto& d : docs) syms_[d.id].state = SymState::documented;
  finished_ += docs.size();
  if (job_.on_docs) job_.on_docs(docs);
  for (auto& d : docs) out_.docs.push_back(std::move(d));
  ctx_.item_done("llm", finished_, syms_.size());
}

void OpenAiRun::enqueue_rebatch(const std::vector<std::string>& ids, const std::string& why) {
  if (ids.empty()) return;
  if (!job_.rebatch) {
    fail_ids(ids, why + "; no re-planner was given to ask again");
    return;
  }
  auto batches = job_.rebatch(ids);
  if (!batches) {
    fail_ids(ids, why + "; re-planning failed: " + batches.error().what());
    return;
  }
  std::set<std::string> covered;
  for (auto& b : *batches) {
    for (const auto& id : b.symbol_ids) covered.insert(id);
    // Follow-ups go first: they finish symbols that are already late.
    Work w;
    w.id = next_work_id_++;
    w.batch = std::move(b);
    queue().push_front(std::move(w));
  }
  std::vector<std::string> lost;
  for (const auto& id : ids)
    if (!covered.count(id)) lost.push_back(id);
  fail_ids(lost, why + "; the re-planner returned no request for it");
}

double OpenAiRun::backoff_s(unsigned attempt) {
  return backoff_.after_failure(attempt);
}

const json::value& OpenAiRun::schema_of(const Batch& batch) {
  const std::string& text =
      batch.response_schema.empty() ? default_response_schema() : batch.response_schema;
  auto it = schemas_.find(text);
  if (it == schemas_.end()) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) v = json::parse(default_response_schema());
    it = schemas_.emplace(text, std::move(v)).first;
  }
  return it->second;
}

std::uint64_t OpenAiRun::prompt_tokens_by_chars(const Batch& batch) const {
  std::size_t chars = batch.system_prompt.size() + batch.user_prompt.size();
  if (settings_.format == ResponseFormat::json_object)
    chars += (batch.response_schema.empty() ? default_response_schema().size()
                                            : batch.response_schema.size()) + 80;
  return (chars + 3) / 4 + chat_message_overhead_tokens;
}

std::uint64_t OpenAiRun::counted_tokens(const Batch& batch) const {
  // Servers count a request as OpenAI documents it: about one token per 4 characters of the
  // messages, plus max_completion_tokens; exact BPE can be lower than that, so the limiter
  // takes whichever is higher and never undercounts against the server's bucket, until the
  // server has shown that it charges by characters (learn_counting).
  std::uint64_t by_chars = prompt_tokens_by_chars(batch);
  std::uint64_t prompt = st_.counts_by_chars ? by_chars : std::max<std::uint64_t>(batch.input_tokens, by_chars);
  return prompt + batch.max_output_tokens;
}

void OpenAiRun::learn_counting(const Work& w,
                               const std::function<std::string_view(std::string_view)>& header) {
  if (w.id != st_.probe_id || st_.probe_id == 0) return;
  st_.probe_id = 0;  // one reading, from the one request that was alone in the bucket
  double limit = net::RateLimiter::parse_number(header("x-ratelimit-limit-tokens"));
  double remaining = net::RateLimiter::parse_number(header("x-ratelimit-remaining-tokens"));
  if (limit <= 0 || remaining < 0 || remaining > limit) return;
  // A bucket that was not full (another client on the key) makes the charge look larger,
  // never smaller, so a misreading can only keep the cautious count.
  double charged = limit - remaining;
  double by_chars = static_cast<double>(st_.probe_by_chars);
  if (st_.probe_by_chars < st_.probe_exact && charged <= by_chars * 1.02 + 8)
    st_.counts_by_chars = true;
}

std::uint64_t OpenAiRun::expected_cost(const Work& w) const {
  // counted_tokens is prompt + max_output_tokens: swap in the right-sized figure without
  // copying the batch's prompts (this runs for every queued request of a wave's tail).
  return counted_tokens(w.batch) - w.batch.max_output_tokens + right_sized_output(w);
}

std::size_t OpenAiRun::right_sized_output(const Work& w) const {
  std::size_t planned = w.planned_output ? w.planned_output : w.batch.max_output_tokens;
  if (planned == 0) return planned;
  // The answer's envelope ({"symbols":[...]}) is shared out among its entries when learning,
  // so a few tokens more cover it for a request of another size.
  if (auto learned = learned_reserve(w))
    return std::clamp<std::size_t>(static_cast<std::size_t>(std::ceil(*learned)) + 16, 32, planned);
  if (st_.output_ratio <= 0) return planned;
  // Headroom over the highest recent ratio; an answer cut at the limit is split and asked
  // again, so a tight reservation costs a retry, never a symbol.
  double want = static_cast<double>(planned) * st_.output_ratio * 1.2 + 24;
  return std::clamp<std::size_t>(static_cast<std::size_t>(std::ceil(want)), 32, planned);
}

std::optional<double> OpenAiRun::learned_reserve(const Work& w) const {
  if (!job_.codebase || st_.output_model.samples() == 0) return std::nullopt;
  std::vector<OutputModel::Item> items;
  items.reserve(w.batch.symbol_ids.size());
  for (const auto& id : w.batch.symbol_ids) {
    const Symbol* s = job_.codebase->find(id);
    if (!s) return std::nullopt;
    items.push_back({s->kind, static_cast<double>(expected_output_tokens(*s))});
  }
  return st_.output_model.reserve(items);
}

void OpenAiRun::learn_symbol_outputs(const Work& w, const ParsedDocs& parsed,
                                     std::uint64_t completion_tokens) {
  if (!job_.codebase || completion_tokens == 0) return;
  std::set<std::string_view> asked(w.batch.symbol_ids.begin(), w.batch.symbol_ids.end());
  double chars = 0;
  for (const auto& e : parsed.entry_chars) chars += static_cast<double>(e.second);
  if (chars <= 0) return;
  for (const auto& [id, n] : parsed.entry_chars) {
    const Symbol* s = asked.count(id) ? job_.codebase->find(id) : nullptr;
    if (!s) continue;
    st_.output_model.observe(s->kind, static_cast<double>(expected_output_tokens(*s)),
                             static_cast<double>(completion_tokens) * static_cast<double>(n) / chars);
  }
}

void OpenAiRun::learn_output(const Work& w, std::uint64_t completion_tokens, bool cut) {
  if (cut) st_.output_model.on_cut();
  if (w.planned_output == 0) return;
  double ratio = static_cast<double>(completion_tokens) / static_cast<double>(w.planned_output);
  if (cut) {
    st_.output_ratio = std::max(st_.output_ratio, ratio) * 1.5;  // the answer wanted more
    return;
  }
  // The highest ratio seen, decaying slowly so that one long answer does not fix it for good.
  st_.output_ratio = st_.output_ratio <= 0 ? ratio : std::max(ratio, st_.output_ratio * 0.97);
}

double OpenAiRun::price_usd(const TokenUsage& u, bool batch_api) const {
  return cost_usd(model_, u, batch_api);
}

bool OpenAiRun::over_budget(const Work& w, std::uint64_t input_tokens) {
  if (opt_.max_cost_usd <= 0) return false;
  double worst = price_usd({input_tokens, 0, w.batch.max_output_tokens}, false);
  if (st_.spent_usd + st_.committed_usd + worst <= opt_.max_cost_usd) return false;
  if (st_.committed_usd > 0) return true;  // answers in flight may cost less than reserved
  char text[160];
  std::snprintf(text, sizeof text,
                "stopped before a request that could take the spend over --max-cost $%.4f "
                "(spent $%.4f, the next request may cost up to $%.4f)",
                opt_.max_cost_usd, st_.spent_usd, worst);
  fatal_ = fail(errc::limit_exceeded,
                std::string(text) + "; finished docs are kept and cached: raise --max-cost and "
                                    "run again to finish",
                "--max-cost");
  return true;
}

std::size_t OpenAiRun::in_flight_target() const {
  std::size_t cap = opt_.server.concurrency > 0 ? opt_.server.concurrency : 64;
  // Until the first answer shows the server's limits (or that it sends none), one request.
  if (!st_.heard_back) return 1;
  std::size_t target = cap;
  const bool limits_known = limiter_.rpm() > 0 || limiter_.tpm() > 0;
  if (opt_.server.concurrency == 0 && st_.latency_s > 0 && limits_known) {
    // Little's law: in flight = arrival rate × time in system. The rate is what the limits
    // admit; twice that rate × latency keeps the pipe full through latency swings.
    double window = opt_.server.rate_window_s > 0 ? opt_.server.rate_window_s : 60;
    double rate = limiter_.rpm() > 0 ? limiter_.rpm() / window : 1e9;
    if (limiter_.tpm() > 0 && st_.avg_cost > 0)
      rate = std::min(rate, limiter_.tpm() / window / st_.avg_cost);
    target = static_cast<std::size_t>(std::ceil(2 * rate * st_.latency_s)) + 1;
    // A bucket with room (a wave starting after the last one drained) takes that room at once:
    // the limiter still meters every send, so a burst cannot overrun it. The bucket's level is
    // already net of the requests in flight, so the room adds to them.
    if (limiter_.tpm() > 0 && st_.avg_cost > 0)
      target = std::max(target, loop_.in_flight().size() +
                                    static_cast<std::size_t>(
                                        limiter_.tokens_available(Clock::now()) / st_.avg_cost));
  } else if (opt_.server.concurrency == 0 && limiter_.rpm() == 0 && limiter_.tpm() == 0) {
    target = 8;  // a server that states no limits (llama.cpp, vLLM): a modest fixed number
  }
  target = static_cast<std::size_t>(std::floor(static_cast<double>(target) * st_.pressure));
  return std::clamp<std::size_t>(target, 1, cap);
}

net::HttpRequest OpenAiRun::chat_request(Work& w) {
  w.sent_max_completion_tokens = !settings_.use_max_tokens;
  w.sent_json_schema = settings_.format == ResponseFormat::json_schema;
  net::HttpRequest r;
  r.method = "POST";
  r.url = url("/chat/completions");
  r.headers.emplace_back("Content-Type", "application/json");
  auth_headers(r);
  r.body = build_chat_body(w.batch, settings_);
  return r;
}

void OpenAiRun::retry(Work w, double delay_s, const std::string& reason) {
  loop_.retry(std::move(w), delay_s, errc::http_status, reason);
}

void OpenAiRun::split_or_fail(Work w, const std::string& reason, bool retry_single) {
  auto ids = pending_ids(w.batch);
  if (ids.empty()) return;
  if (ids.size() > 1 && job_.rebatch) {
    std::size_t half = ids.size() / 2;
    diagnostic("request " + std::to_string(w.batch.index) + ": " + reason + "; splitting its " +
               std::to_string(ids.size()) + " symbols in halves");
    std::vector<std::string> a(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(half));
    std::vector<std::string> b(ids.begin() + static_cast<std::ptrdiff_t>(half), ids.end());
    enqueue_rebatch(b, reason);
    enqueue_rebatch(a, reason);
    return;
  }
  if ((ids.size() > 1 || retry_single) && w.attempts < opt_.server.max_attempts) {
    retry(std::move(w), 0, reason);
    return;
  }
  fail_ids(ids, reason);
}

net::LoopOptions OpenAiRun::loop_options() const {
  return {.http = http_options(),
          .workers = opt_.server.concurrency ? opt_.server.concurrency : 64u,
          .max_attempts = opt_.server.max_attempts,
          .api_key = opt_.server.api_key,
          .mask_url = base_url_,
          .label = " from " + redact_url(url("/chat/completions")),
          // Cancellation lets the requests already sent finish: their tokens are paid for.
          .drain_s = std::min(opt_.server.timeout_s, 30.0)};
}

void OpenAiRun::set_loop_hooks() {
  auto& h = loop_.hooks();
  h.target = [this] { return in_flight_target(); };
  h.round = [this] {
    min_wave_ = current_wave();
    spread_wave();
    balance_wave();
  };
  h.in_scope = [this](const Work& w) { return w.batch.wave <= max_wave_; };
  h.in_order = [this](const Work& w) { return w.batch.wave == min_wave_; };
  h.admit = [this](Work& w, std::uint64_t& cost) { return admit(w, cost); };
  h.build = [this](Work& w) { return chat_request(w); };
  h.sent = [this](Work& w, std::uint64_t cost) { on_sent(w, cost); };
  h.heard = [this](Work& w) { on_heard(w); };
  h.status = [this](const Work&, int status, net::StatusClass kind, bool live) {
    on_status(status, kind, live);
  };
  h.answer = [this](Work w, net::HttpResponse& r, bool live) {
    // Only an accepted request was charged: a 429's headers say nothing about its cost.
    if (live) learn_counting(w, [&r](std::string_view name) { return r.header(name); });
    if (live && r.status == 200) learn_pace(w);
    handle_answer(std::move(w), r.body, !live);
  };
  h.rejected = [this](Work w, const net::Refusal& r) { on_rejected(std::move(w), r); };
  // A transport failure that is not transient, or retries used up: this request fails.
  h.failed = [this](Work w, errc, const std::string& why) { fail_work(w, why); };
  h.retrying = [this](const Work&, double, const std::string&) { ++out_.retries; };
  h.refused = [this](const net::Refusal& r) { return refused_error(r); };
  h.cancelled = [] { return fail(errc::cancelled, "the run was cancelled; finished docs are kept"); };
}

std::size_t OpenAiRun::current_wave() const {
  std::size_t wave = SIZE_MAX;
  for (const auto& w : loop_.in_flight()) wave = std::min(wave, w.second.batch.wave);
  for (const auto& w : loop_.queue())
    wave = std::min(wave, w.batch.wave);
  return wave;
}

net::Admit OpenAiRun::admit(Work& w, std::uint64_t& cost) {
  if (pending_ids(w.batch).empty()) return net::Admit::drop;  // finished meanwhile by another answer
  if (w.planned_output == 0) w.planned_output = w.batch.max_output_tokens;
  w.batch.max_output_tokens = right_sized_output(w);
  cost = counted_tokens(w.batch);
  if (over_budget(w, cost - w.batch.max_output_tokens)) return net::Admit::hold;
  return net::Admit::send;
}

void OpenAiRun::on_sent(Work& w, std::uint64_t cost) {
  st_.avg_cost = st_.avg_cost <= 0 ? static_cast<double>(cost)
                                   : 0.8 * st_.avg_cost + 0.2 * static_cast<double>(cost);
  w.reserved_usd = price_usd({cost - w.batch.max_output_tokens, 0, w.batch.max_output_tokens}, false);
  st_.committed_usd += w.reserved_usd;
  ++out_.requests;
  if (!st_.heard_back && st_.probe_id == 0) {
    st_.probe_id = w.id;
    st_.probe_by_chars = prompt_tokens_by_chars(w.batch) + w.batch.max_output_tokens;
    st_.probe_exact = w.batch.input_tokens + w.batch.max_output_tokens;
  }
}

void OpenAiRun::on_heard(const Work& w) {
  st_.committed_usd = std::max(0.0, st_.committed_usd - w.reserved_usd);
  st_.heard_back = true;
  double took = std::chrono::duration<double>(Clock::now() - w.sent_at).count();
  st_.latency_s = st_.latency_s <= 0 ? took : 0.7 * st_.latency_s + 0.3 * took;
}

void OpenAiRun::learn_pace(const Work& w) {
  if (w.batch.symbol_ids.empty()) return;
  double took = std::chrono::duration<double>(Clock::now() - w.sent_at).count();
  double each = took / static_cast<double>(w.batch.symbol_ids.size());
  st_.s_per_symbol = st_.s_per_symbol <= 0 ? each : 0.7 * st_.s_per_symbol + 0.3 * each;
}

void OpenAiRun::on_status(int status, net::StatusClass kind, bool live) {
  // Each good answer regrows the in-flight target a little after errors halved it; overload
  // and server errors halve it. Batch API lines say nothing about the chat endpoint's load.
  if (live && kind == net::StatusClass::ok) st_.pressure = std::min(1.0, st_.pressure + 0.1);
  if (live && (status == 429 || status >= 500)) st_.pressure = std::max(0.125, st_.pressure / 2);
  if (status == 429) ++out_.rate_limited;
}

error OpenAiRun::refused_error(const net::Refusal& r) const {
  if (r.kind == net::StatusClass::no_quota)
    return fail(errc::rate_limited,
                "the account has no quota left (" + r.message + "); add credit and resume",
                redact_url(base_url_));
  return fail(errc::unauthorized,
              "the server refused the credentials (HTTP " + std::to_string(r.status) + ": " +
                  r.message + "); check OPENAI_API_KEY and the model's access",
              redact_url(base_url_));
}

void OpenAiRun::on_rejected(Work w, const net::Refusal& r) {
  if (r.status == 400) {
    std::string m = lower(r.message);
    if (w.sent_max_completion_tokens && contains(m, "max_completion_tokens")) {
      if (!settings_.use_max_tokens)
        diagnostic("the server does not accept max_completion_tokens; sending max_tokens instead");
      settings_.use_max_tokens = true;
      --w.attempts;
      queue().push_front(std::move(w));
      return;
    }
    if (w.sent_json_schema && opt_.response_format == doctown::ResponseFormat::automatic &&
        (contains(m, "response_format") || contains(m, "json_schema"))) {
      if (settings_.format == ResponseFormat::json_schema)
        diagnostic("the server does not support json_schema answers; using json_object with the "
                   "schema in the prompt");
      settings_.format = ResponseFormat::json_object;
      --w.attempts;
      queue().push_front(std::move(w));
      return;
    }
  }
  fail_work(w, r.what);
}

void OpenAiRun::handle_answer(Work w, std::string_view body, bool batch_api) {
  auto answer = parse_chat_completion(body);
  if (!answer) {
    // Count what the server billed even if the envelope is broken.
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (!ec) add_usage(parse_usage(v), batch_api);
    retry(std::move(w), batch_api ? 0 : backoff_s(w.attempts),
          "unreadable answer from " + redact_url(url("/chat/completions")) + ": " + answer.error().message);
    return;
  }
  add_usage(answer->usage, batch_api);
  if (!batch_api) learn_output(w, answer->usage.output, answer->finish_reason == "length");
  if (!answer->refusal.empty()) {
    split_or_fail(std::move(w),
                  "the model refused: " + net::mask_secrets(answer->refusal, opt_.server.api_key),
                  false);
    return;
  }
  if (answer->finish_reason == "content_filter") {
    split_or_fail(std::move(w), "the answer was withheld by the content filter", false);
    return;
  }
  if (answer->finish_reason == "length") {
    // One symbol cannot be split: its reservation was too small for it, so it is asked again
    // with twice as much (the planner's estimate is a guess, not a ceiling).
    if (pending_ids(w.batch).size() == 1 && w.attempts < opt_.server.max_attempts) {
      w.planned_output = std::max<std::size_t>(w.planned_output * 2, w.planned_output + 256);
      retry(std::move(w), 0,
            "the answer was cut at max_completion_tokens (" +
                std::to_string(w.batch.max_output_tokens) + "); asking again with more room");
      return;
    }
    split_or_fail(std::move(w),
                  "the answer was cut at max_completion_tokens (" +
                      std::to_string(w.batch.max_output_tokens) + ")",
                  false);
    return;
  }
  if (!answer->content) {
    split_or_fail(std::move(w), "the answer had no content", true);
    return;
  }
  auto parsed = parse_symbol_docs(*answer->content, schema_of(w.batch));
  if (!parsed) {
    split_or_fail(std::move(w), "the answer was not the expected JSON (" + parsed.error().message + ")",
                  true);
    return;
  }
  learn_symbol_outputs(w, *parsed, answer->usage.output);
  take_docs(w, *parsed);
}

void OpenAiRun::add_usage(const TokenUsage& u, bool batch_api) {
  st_.spent_usd += price_usd(u, batch_api);
  out_.tokens.input += u.input;
  out_.tokens.cached += u.cached;
  out_.tokens.output += u.output;
  if (batch_api) {
    batch_tokens_.input += u.input;
    batch_tokens_.cached += u.cached;
    batch_tokens_.output += u.output;
  }
}

// Keep the answer's docs for ids the request asked for (once each, if still pending); ask
// again for the ids it left out.
void OpenAiRun::take_docs(const Work& w, ParsedDocs& parsed) {
  std::set<std::string> wanted(w.batch.symbol_ids.begin(), w.batch.symbol_ids.end());
  std::set<std::string> seen;
  std::vector<SymbolDoc> fresh;
  std::string req = "request " + std::to_string(w.batch.index);
  for (auto& d : parsed.docs) {
    if (!wanted.count(d.id)) {
      diagnostic(req + ": dropped an answer for '" + d.id + "', which the request did not ask for");
      continue;
    }
    if (!seen.insert(d.id).second) {
      diagnostic(req + ": dropped a duplicate answer for '" + d.id + "'");
      continue;
    }
    if (syms_[d.id].state != SymState::pending) continue;  // documented by an earlier answer
    fresh.push_back(std::move(d));
  }
  for (const auto& [id, problem] : parsed.invalid)
    diagnostic(req + ": an entry" + (id.empty() ? "" : " for '" + id + "'") +
               " did not match the schema (" + problem + ")");
  commit(std::move(fresh));
  std::vector<std::string> missing;
  for (const auto& id : pending_ids(w.batch)) {
    Sym& s = syms_[id];
    if (++s.repairs > opt_.max_repairs)
      fail_ids({id}, "the model left it out of " + std::to_string(s.repairs) + " answers");
    else
      missing.push_back(id);
  }
  if (!missing.empty()) {
    diagnostic(req + ": " + std::to_string(missing.size()) +
               " symbol(s) missing from the answer; asking again");
    enqueue_rebatch(missing, "the model left it out of its answer");
  }
}

LlmOutcome OpenAiRun::finish() {
  std::string reason = fatal_ ? "not documented: " + fatal_->message
                              : std::string("not documented: the run ended without an answer");
  std::vector<std::string> left;
  for (const auto& id : order_)
    if (syms_[id].state == SymState::pending) left.push_back(id);
  // A cancellation leaves work for the rerun; only a real stop (401, quota) fails the rest.
  // Nor does a stop at --max-cost: the rest is left for a run with more budget.
  if (fatal_ && (fatal_->code == errc::cancelled || fatal_->code == errc::limit_exceeded))
    out_.not_started = std::move(left);
  else fail_ids(left, reason);
  out_.fatal = fatal_;
  out_.output_ratio = st_.output_ratio;
  out_.learned_output = st_.output_model.learned();
  // Priced from the options' table (built-ins plus --models), as the plan's estimate is.
  TokenUsage sync_tokens{out_.tokens.input - batch_tokens_.input,
                         out_.tokens.cached - batch_tokens_.cached,
                         out_.tokens.output - batch_tokens_.output};
  out_.cost_usd = price_usd(sync_tokens, false) + price_usd(batch_tokens_, true);
  return std::move(out_);
}

LlmOutcome OpenAiRun::run_sync() {
  pick_probe();
  drive_sync(SIZE_MAX);
  return finish();
}

void OpenAiRun::drive_sync(std::size_t max_wave) {
  max_wave_ = max_wave;
  if (auto r = loop_.run(ctx_); !r) fatal_ = r.error();
}

}  // namespace detail

namespace {

class OpenAiClient final : public LlmClient {
 public:
  explicit OpenAiClient(LlmOptions options) : options_(std::move(options)), state_(options_) {}
  LlmOutcome run(const LlmJob& job, const RunContext& ctx) override {
    try {
      detail::OpenAiRun run(options_, job, ctx, state_);
      return options_.mode == LlmMode::batch_api ? run.run_batch_api() : run.run_sync();
    } catch (const std::exception& e) {
      LlmOutcome out;
      out.fatal = fail(errc::internal, std::string("LLM client failed: ") + e.what());
      return out;
    }
  }
  std::string name() const override { return options_.model; }

 private:
  LlmOptions options_;
  detail::ClientState state_;  ///< limits, latency, answer sizes and spend, across runs
};

}  // namespace

result<std::unique_ptr<LlmClient>> make_openai_client(LlmOptions options) {
  auto u = boost::urls::parse_absolute_uri(options.server.base_url);
  if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host().empty())
    return fail(errc::invalid_argument,
                "malformed base URL; expected http(s)://host[:port]/v1 (for example "
                "https://api.openai.com/v1 or http://127.0.0.1:11434/v1)",
                "base_url");
  if (options.model.empty())
    return fail(errc::invalid_argument, "no model given; pass --model", "model");
  if (!(options.max_cost_usd >= 0))
    return fail(errc::invalid_argument, "--max-cost must be a positive amount in USD (0 = no limit)",
                "max_cost");
  if (options.server.max_attempts == 0)
    return fail(errc::invalid_argument, "max_attempts must be at least 1", "max_attempts");
  if (!(options.server.timeout_s > 0) || !(options.server.connect_timeout_s > 0))
    return fail(errc::invalid_argument, "timeouts must be positive", "timeout");
  const ServerOptions& s = options.server;
  if (s.rpm_limit < 0 || s.tpm_limit < 0 || !(s.rate_window_s > 0))
    return fail(errc::invalid_argument, "rate limits must be >= 0 and the window positive",
                "rpm_limit/tpm_limit");
  return std::unique_ptr<LlmClient>(new OpenAiClient(std::move(options)));
}

}  // namespace doctown
