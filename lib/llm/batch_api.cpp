// Batch API mode of the OpenAI-compatible client: the requests become one JSONL file, uploaded
// to /files (purpose "batch"), run as a batch (/batches, 24h window), polled with backoff, and
// the output and error files are mapped back through the same answer handling as the chat mode.
// What failed goes into a follow-up batch (or the chat mode when batch_fallback == "sync").
// The file and batch ids are saved in state_dir, keyed by the hash of the JSONL, so a later run
// with the same requests picks up a batch that is still running on the server instead of paying
// for it twice.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/file_util.hpp"
#include "core/json_util.hpp"
#include "llm/openai_run.hpp"

namespace doctown::detail {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t max_batch_rounds = 3;
constexpr const char* state_file_name = "llm_batch_state.json";

struct BatchRecord {
  std::string key;
  std::string input_file_id;
  std::string batch_id;
};

std::vector<BatchRecord> load_state(const fs::path& path) {
  std::vector<BatchRecord> records;
  if (path.empty() || !fs::exists(path)) return records;
  auto text = read_file(path);
  if (!text) return records;
  auto v = parse_json(*text, path.string());
  if (!v || !v->is_object()) return records;
  const auto* list = v->get_object().if_contains("batches");
  if (!list || !list->is_array()) return records;
  for (const auto& e : list->get_array()) {
    if (!e.is_object()) continue;
    const auto& o = e.get_object();
    records.push_back({json_string(o, "key"), json_string(o, "input_file_id"),
                       json_string(o, "batch_id")});
  }
  return records;
}

result<void> save_state(const fs::path& path, const std::vector<BatchRecord>& records) {
  if (path.empty()) return {};
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  json::array list;
  for (const auto& r : records)
    list.push_back(json::object{{"key", r.key},
                                {"input_file_id", r.input_file_id},
                                {"batch_id", r.batch_id},
                                {"saved_at", utc_now_iso8601()}});
  return write_file_atomic(path, pretty_json(json::object{{"batches", std::move(list)}}) + "\n");
}

fs::path batch_state_path(const std::string& state_dir) {
  return state_dir.empty() ? fs::path() : fs::path(state_dir) / state_file_name;
}

result<json::object> parse_object(const net::HttpResponse& r, std::string_view what) {
  auto v = parse_json(r.body, what);
  if (!v) return std::move(v).error();
  if (!v->is_object()) return fail(errc::parse_error, std::string(what) + " is not a JSON object");
  return std::move(v->get_object());
}

}  // namespace

// Calls to the files/batches endpoints, one at a time on the shared request loop, unpaced
// (the limits are the chat endpoint's): transport failures, 429s (after the wait they ask for)
// and 408/409/5xx retry; 401/403 and an exhausted quota stop the run; other statuses are
// errors naming the endpoint. A call already sent finishes even when the run is cancelled, so
// that a submitted batch is always recorded.
result<net::HttpResponse> OpenAiRun::call(net::HttpRequest req, std::string_view what) {
  auth_headers(req);
  const std::string where = net::redact_url(req.url);
  const std::string doing(what);
  std::optional<error> stop;
  std::optional<net::HttpResponse> got;
  net::RateLimiter unpaced(0, 0, 60);
  net::RequestLoop<Call> loop({.http = http_options(),
                               .workers = 1,
                               .max_attempts = opt_.server.max_attempts,
                               .api_key = opt_.server.api_key,
                               .mask_url = base_url_,
                               .label = "",
                               .drain_s = opt_.server.timeout_s},
                              unpaced, backoff_, stop);
  auto& h = loop.hooks();
  h.build = [](Call& c) { return c.request; };
  h.answer = [&got](Call, net::HttpResponse& r, bool) { got = std::move(r); };
  h.failed = [&](Call, errc code, const std::string& why) {
    loop.halt(fail(code, doing + " failed: " + why, where));
  };
  h.rejected = [&](Call, const net::Refusal& r) {
    loop.halt(fail(errc::http_status, doing + " failed with " + r.what, where));
  };
  h.retrying = [this](const Call&, double, const std::string&) { ++out_.retries; };
  h.refused = [&](const net::Refusal& r) {
    if (r.kind == net::StatusClass::unauthorized)
      return fail(errc::unauthorized,
                  "the server refused the credentials (" + r.what + "); check OPENAI_API_KEY",
                  redact_url(base_url_));
    return fail(errc::rate_limited, doing + " failed with " + r.what, where);
  };
  h.cancelled = [] { return fail(errc::cancelled, "the run was cancelled"); };
  Call c;
  c.id = 1;
  c.request = std::move(req);
  loop.queue().push_back(std::move(c));
  if (auto r = loop.run(ctx_); !r) return std::move(r).error();
  if (got) return std::move(*got);
  if (stop) return *stop;
  return fail(errc::internal, doing + " ended without an answer", where);
}

// Resume the batch an earlier run submitted for these requests (`key`), or upload the JSONL
// and create a new one; returns the batch id. Each id is saved as soon as it is known.
result<std::string> OpenAiRun::submit_batch(const std::string& jsonl, const std::string& key,
                                            std::size_t count) {
  const fs::path state_path = batch_state_path(opt_.state_dir);
  auto records = load_state(state_path);
  auto rec = std::find_if(records.begin(), records.end(),
                          [&](const BatchRecord& r) { return r.key == key; });
  if (rec != records.end() && !rec->batch_id.empty()) {
    batch_submitted_ = true;
    ctx_.note("llm", "resuming Batch API batch " + rec->batch_id + " submitted by an earlier run");
    return rec->batch_id;
  }
  std::string boundary = "doctown-" + key.substr(0, 24);
  net::HttpRequest up;
  up.method = "POST";
  up.url = url("/files");
  up.headers.emplace_back("Content-Type", "multipart/form-data; boundary=" + boundary);
  up.body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n" +
            "--" + boundary +
            "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"doctown-batch.jsonl\"\r\n"
            "Content-Type: application/jsonl\r\n\r\n" +
            jsonl + "\r\n--" + boundary + "--\r\n";
  auto resp = call(std::move(up), "uploading the Batch API input file");
  if (!resp) return std::move(resp).error();
  auto file = parse_object(*resp, "the /files answer");
  if (!file) return std::move(file).error();
  std::string file_id = json_string(*file, "id");
  if (file_id.empty()) return fail(errc::parse_error, "the /files answer has no id", redact_url(url("/files")));
  records.push_back({key, file_id, ""});
  if (auto s = save_state(state_path, records); !s) return std::move(s).error();

  net::HttpRequest create;
  create.method = "POST";
  create.url = url("/batches");
  create.headers.emplace_back("Content-Type", "application/json");
  create.body = json::serialize(json::object{{"input_file_id", file_id},
                                             {"endpoint", "/v1/chat/completions"},
                                             {"completion_window", "24h"},
                                             {"metadata", json::object{{"source", "doctown"}}}});
  auto bresp = call(std::move(create), "creating the Batch API batch");
  if (!bresp) return std::move(bresp).error();
  auto batch = parse_object(*bresp, "the /batches answer");
  if (!batch) return std::move(batch).error();
  std::string batch_id = json_string(*batch, "id");
  if (batch_id.empty()) return fail(errc::parse_error, "the /batches answer has no id", redact_url(url("/batches")));
  records.back().batch_id = batch_id;
  batch_submitted_ = true;
  if (auto s = save_state(state_path, records); !s) return std::move(s).error();
  ctx_.note("llm", "submitted Batch API batch " + batch_id + " with " + std::to_string(count) +
                       " requests");
  return batch_id;
}

// Poll with backoff until the batch reaches a final status; returns its status object.
result<json::object> OpenAiRun::poll_batch(const std::string& batch_id) {
  auto cancelled = [&] {
    return fail(errc::cancelled,
                "the run was cancelled; Batch API batch " + batch_id +
                    " keeps running on the server and a run with the same state folder resumes it",
                opt_.state_dir);
  };
  double interval = std::max(0.01, opt_.batch_poll_s);
  std::string last_note;
  for (;;) {
    net::HttpRequest poll;
    poll.url = url("/batches/" + batch_id);
    auto resp = call(std::move(poll), "polling the Batch API batch");
    if (!resp) return resp.error().code == errc::cancelled ? cancelled() : std::move(resp).error();
    auto obj = parse_object(*resp, "the batch status");
    if (!obj) return std::move(obj).error();
    std::string status = json_string(*obj, "status");
    if (status == "completed" || status == "failed" || status == "expired" || status == "cancelled")
      return obj;
    std::string note = "Batch API batch " + batch_id + ": " + status;
    if (const auto* c = obj->if_contains("request_counts"); c && c->is_object())
      note += " (" + std::to_string(json_int(c->get_object(), "completed")) + "/" +
              std::to_string(json_int(c->get_object(), "total")) + " done)";
    if (note != last_note) ctx_.note("llm", note);
    last_note = note;
    auto until = Clock::now() + net::seconds_of(interval);
    while (Clock::now() < until && !ctx_.stop_requested())
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (ctx_.stop_requested()) return cancelled();
    interval = std::min(60.0, interval * 1.5);
  }
}

// Download a Batch API output or error file and hand each line to the answer handling, as if
// it had come back from the chat endpoint.
result<void> OpenAiRun::map_batch_file(const std::string& file_id, BatchRun& run) {
  if (file_id.empty()) return {};
  net::HttpRequest get;
  get.url = url("/files/" + file_id + "/content");
  auto resp = call(std::move(get), "downloading Batch API results");
  if (!resp) return std::move(resp).error();
  std::string_view text = resp->body;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
    auto result = parse_batch_result_line(line);
    if (!result) {
      diagnostic("skipped an unreadable line of Batch API file " + file_id);
      continue;
    }
    auto it = run.by_custom_id.find(result->custom_id);
    if (it == run.by_custom_id.end() || run.answered[it->second]) {
      diagnostic("skipped a Batch API result for an unknown or repeated custom_id");
      continue;
    }
    run.answered[it->second] = true;
    Work w = run.works[it->second];
    if (result->has_response) {
      net::HttpResponse r;
      r.status = result->status_code;
      r.body = std::move(result->body);
      loop_.deliver(std::move(w), r, false);
    } else {
      std::string msg = "the Batch API reported an error";
      if (!result->error_message.empty()) msg += ": " + result->error_message;
      retry(std::move(w), 0, net::mask_secrets(msg, opt_.server.api_key));
    }
  }
  return {};
}

result<void> OpenAiRun::batch_round(std::vector<Work>& works, std::size_t round) {
  // 1. The JSONL. custom_ids are positions, so the same requests give the same file (and key).
  BatchRun run{works, {}, std::vector<bool>(works.size(), false)};
  std::string jsonl;
  for (std::size_t i = 0; i < works.size(); ++i) {
    Work& w = works[i];
    w.sent_max_completion_tokens = !settings_.use_max_tokens;
    w.sent_json_schema = settings_.format == ResponseFormat::json_schema;
    ++w.attempts;
    std::string custom_id = "doctown-r" + std::to_string(round) + "-" + std::to_string(i);
    run.by_custom_id[custom_id] = i;
    jsonl += json::serialize(json::object{{"custom_id", custom_id},
                                          {"method", "POST"},
                                          {"url", "/v1/chat/completions"},
                                          {"body", build_chat_object(w.batch, settings_)}});
    jsonl += "\n";
  }
  out_.requests += works.size();
  std::string key = sha256_hex(base_url_ + "\n" + opt_.model + "\n" + jsonl);

  // 2. Resume a batch submitted by an earlier run, or submit a new one; 3. wait for it.
  auto batch_id = submit_batch(jsonl, key, works.size());
  if (!batch_id) return std::move(batch_id).error();
  auto status_obj = poll_batch(*batch_id);
  if (!status_obj) return std::move(status_obj).error();
  std::string status = json_string(*status_obj, "status");
  ctx_.note("llm", "Batch API batch " + *batch_id + ": " + status);

  // 4. Download and map the output and error files.
  auto file_id = [&](std::string_view k) {
    const auto* v = status_obj->if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  if (auto r = map_batch_file(file_id("output_file_id"), run); !r) return r;
  if (auto r = map_batch_file(file_id("error_file_id"), run); !r) return r;
  for (std::size_t i = 0; i < works.size(); ++i)
    if (!run.answered[i])
      retry(works[i], 0, "no result in Batch API batch " + *batch_id + " (" + status + ")");

  // 5. This batch is done with: forget it, so a later run does not map it twice.
  const fs::path state_path = batch_state_path(opt_.state_dir);
  auto records = load_state(state_path);
  std::erase_if(records, [&](const BatchRecord& r) { return r.key == key; });
  if (auto s = save_state(state_path, records); !s) diagnostic(s.error().what());
  return {};
}

LlmOutcome OpenAiRun::run_batch_api() {
  std::map<std::size_t, std::size_t> rounds;  // per wave
  bool unavailable = false;
  while (!fatal_) {
    if (ctx_.stop_requested()) {
      fatal_ = fail(errc::cancelled, "the run was cancelled; finished docs are kept");
      break;
    }
    std::erase_if(queue(), [&](const Work& w) { return pending_ids(w.batch).empty(); });
    if (queue().empty()) break;
    // One batch per wave, in wave order: the next wave's prompts may depend on this one.
    std::size_t wave = SIZE_MAX;
    for (const auto& w : queue()) wave = std::min(wave, w.batch.wave);
    std::size_t& round = rounds[wave];
    if (unavailable || (round > 0 && opt_.batch_fallback == "sync")) {
      drive_sync(wave);
      continue;
    }
    std::vector<Work> works;
    for (auto it = queue().begin(); it != queue().end();) {
      if (it->batch.wave == wave) {
        works.push_back(std::move(*it));
        it = queue().erase(it);
      } else {
        ++it;
      }
    }
    if (round >= max_batch_rounds) {
      for (const auto& w : works)
        fail_work(w, "still failing after " + std::to_string(max_batch_rounds) + " Batch API rounds");
      continue;
    }
    batch_submitted_ = false;
    auto r = batch_round(works, round++);
    if (!r) {
      if (!batch_submitted_ && r.error().code == errc::http_status &&
          opt_.batch_fallback == "sync") {
        diagnostic("the Batch API is not available (" + r.error().message +
                   "); documenting through chat completions instead");
        unavailable = true;
        for (auto& w : works) {
          --w.attempts;
          queue().push_back(std::move(w));
        }
        out_.requests -= works.size();
        continue;
      }
      fatal_ = r.error();
    }
  }
  return finish();
}

}  // namespace doctown::detail
