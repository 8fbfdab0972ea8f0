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

}  // namespace

result<void> OpenAiRun::batch_round(std::vector<Work>& works, std::size_t round) {
  const fs::path state_path =
      opt_.state_dir.empty() ? fs::path() : fs::path(opt_.state_dir) / state_file_name;
  net::HttpOptions http = http_options();

  // Calls to the files/batches endpoints, one at a time: transport failures, 429s (after the
  // wait they ask for) and 408/409/5xx retry; 401/403 and an exhausted quota stop the run;
  // other statuses are errors naming the endpoint.
  auto call = [&](net::HttpRequest req, std::string_view what) -> result<net::HttpResponse> {
    auth_headers(req);
    for (unsigned attempt = 1;; ++attempt) {
      auto resp = net::http_request(req, http);
      double delay = 0;
      if (!resp) {
        bool again = resp.error().code == errc::network_error || resp.error().code == errc::timeout;
        if (!again || attempt >= opt_.server.max_attempts) return std::move(resp).error();
        delay = backoff_s(attempt);
      } else {
        const net::StatusClass kind = net::classify_status(resp->status, resp->body);
        if (kind == net::StatusClass::ok) return resp;
        std::string status = "HTTP " + std::to_string(resp->status) + ": " +
                             mask_url_secrets(net::server_error_message(resp->body, opt_.server.api_key),
                                              base_url_);
        if (kind == net::StatusClass::unauthorized)
          return fail(errc::unauthorized,
                      "the server refused the credentials (" + status + "); check OPENAI_API_KEY",
                      redact_url(base_url_));
        bool limited = kind == net::StatusClass::rate_limited || kind == net::StatusClass::no_quota;
        bool again = kind == net::StatusClass::rate_limited || kind == net::StatusClass::transient;
        if (!again || attempt >= opt_.server.max_attempts)
          return fail(limited ? errc::rate_limited : errc::http_status,
                      std::string(what) + " failed with " + status, net::redact_url(req.url));
        delay = kind == net::StatusClass::rate_limited
                    ? backoff_.after_rate_limit([&](std::string_view h) { return resp->header(h); },
                                                attempt)
                    : backoff_s(attempt);
      }
      ++out_.retries;
      auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(delay));
      while (Clock::now() < until && !ctx_.stop_requested())
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (ctx_.stop_requested()) return fail(errc::cancelled, "the run was cancelled");
    }
  };
  auto parse_object = [](const net::HttpResponse& r, std::string_view what) -> result<json::object> {
    auto v = parse_json(r.body, what);
    if (!v) return std::move(v).error();
    if (!v->is_object()) return fail(errc::parse_error, std::string(what) + " is not a JSON object");
    return std::move(v->get_object());
  };

  // 1. The JSONL. custom_ids are positions, so the same requests give the same file (and key).
  std::string jsonl;
  std::map<std::string, std::size_t> by_custom_id;
  for (std::size_t i = 0; i < works.size(); ++i) {
    Work& w = works[i];
    w.sent_max_completion_tokens = !settings_.use_max_tokens;
    w.sent_json_schema = settings_.format == ResponseFormat::json_schema;
    ++w.attempts;
    std::string custom_id = "doctown-r" + std::to_string(round) + "-" + std::to_string(i);
    by_custom_id[custom_id] = i;
    jsonl += json::serialize(json::object{{"custom_id", custom_id},
                                          {"method", "POST"},
                                          {"url", "/v1/chat/completions"},
                                          {"body", build_chat_object(w.batch, settings_)}});
    jsonl += "\n";
  }
  out_.requests += works.size();
  std::string key = sha256_hex(base_url_ + "\n" + opt_.model + "\n" + jsonl);

  // 2. Resume a batch submitted by an earlier run, or submit a new one.
  auto records = load_state(state_path);
  auto rec = std::find_if(records.begin(), records.end(),
                          [&](const BatchRecord& r) { return r.key == key; });
  std::string batch_id;
  if (rec != records.end() && !rec->batch_id.empty()) {
    batch_id = rec->batch_id;
    batch_submitted_ = true;
    ctx_.note("llm", "resuming Batch API batch " + batch_id + " submitted by an earlier run");
  } else {
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
    if (auto s = save_state(state_path, records); !s) return s;

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
    batch_id = json_string(*batch, "id");
    if (batch_id.empty()) return fail(errc::parse_error, "the /batches answer has no id", redact_url(url("/batches")));
    records.back().batch_id = batch_id;
    batch_submitted_ = true;
    if (auto s = save_state(state_path, records); !s) return s;
    ctx_.note("llm", "submitted Batch API batch " + batch_id + " with " +
                         std::to_string(works.size()) + " requests");
  }

  // 3. Poll with backoff until the batch reaches a final status.
  double interval = std::max(0.01, opt_.batch_poll_s);
  json::object status_obj;
  std::string status;
  std::string last_note;
  for (;;) {
    net::HttpRequest poll;
    poll.url = url("/batches/" + batch_id);
    auto resp = call(std::move(poll), "polling the Batch API batch");
    if (!resp) return std::move(resp).error();
    auto obj = parse_object(*resp, "the batch status");
    if (!obj) return std::move(obj).error();
    status_obj = std::move(*obj);
    status = json_string(status_obj, "status");
    if (status == "completed" || status == "failed" || status == "expired" || status == "cancelled")
      break;
    std::string note = "Batch API batch " + batch_id + ": " + status;
    if (const auto* c = status_obj.if_contains("request_counts"); c && c->is_object())
      note += " (" + std::to_string(json_int(c->get_object(), "completed")) + "/" +
              std::to_string(json_int(c->get_object(), "total")) + " done)";
    if (note != last_note) ctx_.note("llm", note);
    last_note = note;
    auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(interval));
    while (Clock::now() < until && !ctx_.stop_requested())
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (ctx_.stop_requested())
      return fail(errc::cancelled,
                  "the run was cancelled; Batch API batch " + batch_id +
                      " keeps running on the server and a run with the same state folder resumes it",
                  opt_.state_dir);
    interval = std::min(60.0, interval * 1.5);
  }
  ctx_.note("llm", "Batch API batch " + batch_id + ": " + status);

  // 4. Download and map the output and error files.
  std::vector<bool> answered(works.size(), false);
  auto map_file = [&](const std::string& file_id) -> result<void> {
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
      auto it = by_custom_id.find(result->custom_id);
      if (it == by_custom_id.end() || answered[it->second]) {
        diagnostic("skipped a Batch API result for an unknown or repeated custom_id");
        continue;
      }
      answered[it->second] = true;
      Work w = works[it->second];
      if (result->has_response) {
        handle_response(std::move(w), result->status_code, result->body,
                        [](std::string_view) { return std::string_view(); }, true);
      } else {
        std::string msg = "the Batch API reported an error";
        if (!result->error_message.empty()) msg += ": " + result->error_message;
        retry(std::move(w), 0, net::mask_secrets(msg, opt_.server.api_key));
      }
    }
    return {};
  };
  auto file_id = [&](std::string_view k) {
    const auto* v = status_obj.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  if (auto r = map_file(file_id("output_file_id")); !r) return r;
  if (auto r = map_file(file_id("error_file_id")); !r) return r;
  for (std::size_t i = 0; i < works.size(); ++i)
    if (!answered[i]) retry(works[i], 0, "no result in Batch API batch " + batch_id + " (" + status + ")");

  // 5. This batch is done with: forget it, so a later run does not map it twice.
  records = load_state(state_path);
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
    std::erase_if(queue_, [&](const Work& w) { return pending_ids(w.batch).empty(); });
    if (queue_.empty()) break;
    // One batch per wave, in wave order: the next wave's prompts may depend on this one.
    std::size_t wave = SIZE_MAX;
    for (const auto& w : queue_) wave = std::min(wave, w.batch.wave);
    std::size_t& round = rounds[wave];
    if (unavailable || (round > 0 && opt_.batch_fallback == BatchFallback::sync)) {
      drive_sync(wave);
      continue;
    }
    std::vector<Work> works;
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (it->batch.wave == wave) {
        works.push_back(std::move(*it));
        it = queue_.erase(it);
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
          opt_.batch_fallback == BatchFallback::sync) {
        diagnostic("the Batch API is not available (" + r.error().message +
                   "); documenting through chat completions instead");
        unavailable = true;
        for (auto& w : works) {
          --w.attempts;
          queue_.push_back(std::move(w));
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
