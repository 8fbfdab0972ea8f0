// Chat Completions wire format: request bodies (json_schema strict or json_object), completion
// envelopes, and the model's symbols JSON validated entry by entry so one bad entry costs one
// symbol, not the whole request.
#include "llm/chat_protocol.hpp"

#include <algorithm>
#include <cmath>

#include "core/json_util.hpp"

namespace doctown::detail {

namespace json = boost::json;

const std::string& default_response_schema() {
  static const std::string schema = [] {
    json::object str{{"type", "string"}};
    json::object param{{"type", "object"},
                       {"properties", json::object{{"name", str}, {"description", str}}},
                       {"required", json::array{"name", "description"}},
                       {"additionalProperties", false}};
    json::object entry{
        {"type", "object"},
        {"properties",
         json::object{{"id", str},
                      {"summary", str},
                      {"description", str},
                      {"params", json::object{{"type", "array"}, {"items", param}}},
                      {"returns", str},
                      {"throws", str},
                      {"notes", str},
                      {"examples", json::object{{"type", "array"}, {"items", str}}},
                      {"see_also", json::object{{"type", "array"}, {"items", str}}}}},
        {"required", json::array{"id", "summary", "description", "params", "returns", "throws",
                                 "notes", "examples", "see_also"}},
        {"additionalProperties", false}};
    json::object top{{"type", "object"},
                     {"properties",
                      json::object{{"symbols", json::object{{"type", "array"}, {"items", entry}}}}},
                     {"required", json::array{"symbols"}},
                     {"additionalProperties", false}};
    return json::serialize(top);
  }();
  return schema;
}

json::object build_chat_object(const Batch& batch, const ChatSettings& settings) {
  const std::string& schema_text =
      batch.response_schema.empty() ? default_response_schema() : batch.response_schema;
  boost::system::error_code ec;
  json::value schema = json::parse(schema_text, ec);
  if (ec) schema = json::parse(default_response_schema());

  std::string user = batch.user_prompt;
  json::object format;
  if (settings.format == ResponseFormat::json_schema) {
    format = json::object{{"type", "json_schema"},
                          {"json_schema", json::object{{"name", "symbol_docs"},
                                                       {"strict", true},
                                                       {"schema", schema}}}};
  } else {
    // json_object only promises JSON; the schema has to travel in the prompt (and OpenAI
    // requires the word JSON to appear in the messages).
    format = json::object{{"type", "json_object"}};
    user += "\n\nAnswer with one JSON object that matches this JSON schema exactly:\n" +
            json::serialize(schema);
  }
  json::array messages{json::object{{"role", "system"}, {"content", batch.system_prompt}},
                       json::object{{"role", "user"}, {"content", user}}};
  json::object body{{"model", settings.model}, {"messages", std::move(messages)}};
  if (batch.max_output_tokens > 0)
    body[settings.use_max_tokens ? "max_tokens" : "max_completion_tokens"] =
        static_cast<std::uint64_t>(batch.max_output_tokens);
  body["temperature"] = settings.temperature;
  if (settings.seed >= 0) body["seed"] = settings.seed;
  body["response_format"] = std::move(format);
  return body;
}

std::string build_chat_body(const Batch& batch, const ChatSettings& settings) {
  return json::serialize(build_chat_object(batch, settings));
}

TokenUsage parse_usage(const json::value& body) {
  TokenUsage u;
  if (!body.is_object()) return u;
  const auto* usage = body.get_object().if_contains("usage");
  if (!usage || !usage->is_object()) return u;
  const auto& o = usage->get_object();
  u.input = static_cast<std::uint64_t>(std::max(0LL, json_int(o, "prompt_tokens")));
  u.output = static_cast<std::uint64_t>(std::max(0LL, json_int(o, "completion_tokens")));
  if (const auto* d = o.if_contains("prompt_tokens_details"); d && d->is_object())
    u.cached = static_cast<std::uint64_t>(std::max(0LL, json_int(d->get_object(), "cached_tokens")));
  u.cached = std::min(u.cached, u.input);
  return u;
}

result<ChatAnswer> parse_chat_completion(std::string_view body) {
  auto v = parse_json(body, "chat completion answer");
  if (!v) return std::move(v).error();
  if (!v->is_object()) return fail(errc::parse_error, "chat completion answer is not an object");
  ChatAnswer a;
  a.usage = parse_usage(*v);
  const auto* choices = v->get_object().if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().empty() ||
      !choices->get_array()[0].is_object())
    return fail(errc::parse_error, "chat completion answer has no choices");
  const auto& choice = choices->get_array()[0].get_object();
  a.finish_reason = json_string(choice, "finish_reason");
  if (const auto* m = choice.if_contains("message"); m && m->is_object()) {
    const auto& msg = m->get_object();
    if (const auto* c = msg.if_contains("content"); c && c->is_string())
      a.content = std::string(c->get_string());
    a.refusal = json_string(msg, "refusal");
  }
  return a;
}

namespace {

bool has_type(const json::value& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "boolean") return v.is_bool();
  if (type == "null") return v.is_null();
  if (type == "integer")
    // A double is an integer when it has no fraction (1e300 is one); converting it to an
    // integer type to find out would be undefined beyond that type's range.
    return v.is_int64() || v.is_uint64() ||
           (v.is_double() && std::isfinite(v.get_double()) &&
            std::trunc(v.get_double()) == v.get_double());
  if (type == "number") return v.is_number();
  return true;
}

std::string kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: return "object";
    case json::kind::array: return "array";
    case json::kind::string: return "string";
    case json::kind::bool_: return "boolean";
    case json::kind::null: return "null";
    default: return "number";
  }
}

}  // namespace

std::string validate_json(const json::value& v, const json::value& schema, const std::string& path) {
  if (!schema.is_object()) return {};
  const auto& s = schema.get_object();
  if (const auto* t = s.if_contains("type")) {
    bool ok = false;
    std::string wanted;
    if (t->is_string()) {
      ok = has_type(v, t->get_string());
      wanted = std::string(t->get_string());
    } else if (t->is_array()) {
      for (const auto& e : t->get_array()) {
        if (!e.is_string()) continue;
        ok = ok || has_type(v, e.get_string());
        wanted += (wanted.empty() ? "" : "|") + std::string(e.get_string());
      }
    } else {
      ok = true;
    }
    if (!ok) return path + ": expected " + wanted + ", got " + kind_name(v);
  }
  if (const auto* e = s.if_contains("enum"); e && e->is_array()) {
    const auto& options = e->get_array();
    if (std::find(options.begin(), options.end(), v) == options.end())
      return path + ": value not in the schema's enum";
  }
  if (v.is_object()) {
    const auto& o = v.get_object();
    const json::object* props = nullptr;
    if (const auto* p = s.if_contains("properties"); p && p->is_object()) props = &p->get_object();
    if (const auto* r = s.if_contains("required"); r && r->is_array())
      for (const auto& name : r->get_array())
        if (name.is_string() && !o.contains(name.get_string()))
          return path + ": missing required field '" + std::string(name.get_string()) + "'";
    bool closed = false;
    if (const auto* a = s.if_contains("additionalProperties"); a && a->is_bool())
      closed = !a->get_bool();
    for (const auto& kv : o) {
      std::string sub = path + "." + std::string(kv.key());
      if (props) {
        if (const auto* ps = props->if_contains(kv.key())) {
          if (auto err = validate_json(kv.value(), *ps, sub); !err.empty()) return err;
          continue;
        }
      }
      if (closed) return path + ": unexpected field '" + std::string(kv.key()) + "'";
    }
  }
  if (v.is_array()) {
    const auto& a = v.get_array();
    if (const auto* m = s.if_contains("minItems"); m && m->is_number()) {
      if (static_cast<double>(a.size()) < m->to_number<double>())
        return path + ": fewer items than minItems";
    }
    if (const auto* items = s.if_contains("items"))
      for (std::size_t i = 0; i < a.size(); ++i)
        if (auto err = validate_json(a[i], *items, path + "[" + std::to_string(i) + "]");
            !err.empty())
          return err;
  }
  return {};
}

result<ParsedDocs> parse_symbol_docs(std::string_view content, const json::value& schema_in) {
  static const json::value fallback = json::parse(default_response_schema());
  const json::value& schema = schema_in.is_object() ? schema_in : fallback;
  // Some servers wrap JSON in a Markdown fence even when asked for JSON.
  std::string_view text = content;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text.substr(first, 3) == "```") {
    auto nl = text.find('\n', first);
    auto close = text.rfind("```");
    if (nl != std::string_view::npos && close > nl) text = text.substr(nl + 1, close - nl - 1);
  }
  auto v = parse_json(text, "the model's answer");
  if (!v) return std::move(v).error();
  if (!v->is_object() || !v->get_object().contains("symbols") ||
      !v->get_object().at("symbols").is_array())
    return fail(errc::parse_error, "the model's answer has no \"symbols\" array");

  // The entry schema: properties.symbols.items of the request's schema.
  const json::value* entry_schema = nullptr;
  if (schema.is_object())
    if (const auto* props = schema.get_object().if_contains("properties"); props && props->is_object())
      if (const auto* sym = props->get_object().if_contains("symbols"); sym && sym->is_object())
        entry_schema = sym->get_object().if_contains("items");

  ParsedDocs out;
  const auto& entries = v->get_object().at("symbols").get_array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    std::string id = e.is_object() ? json_string(e.get_object(), "id") : std::string();
    if (!id.empty()) out.entry_chars.emplace_back(id, json::serialize(e).size());
    if (entry_schema) {
      if (auto err = validate_json(e, *entry_schema, "symbols[" + std::to_string(i) + "]");
          !err.empty()) {
        out.invalid.emplace_back(id, err);
        continue;
      }
    }
    if (!e.is_object() || id.empty()) {
      out.invalid.emplace_back(id, "symbols[" + std::to_string(i) + "]: no id");
      continue;
    }
    const auto& o = e.get_object();
    SymbolDoc d;
    d.id = id;
    d.summary = json_string(o, "summary");
    d.description = json_string(o, "description");
    d.returns = json_string(o, "returns");
    d.throws = json_string(o, "throws");
    d.notes = json_string(o, "notes");
    if (const auto* p = o.if_contains("params"); p && p->is_array())
      for (const auto& pe : p->get_array())
        if (pe.is_object())
          d.params.push_back({json_string(pe.get_object(), "name"),
                              json_string(pe.get_object(), "description")});
    auto strings = [](const json::value* a, std::vector<std::string>& dst) {
      if (!a || !a->is_array()) return;
      for (const auto& s : a->get_array())
        if (s.is_string()) dst.emplace_back(s.get_string());
    };
    strings(o.if_contains("examples"), d.examples);
    strings(o.if_contains("see_also"), d.see_also);
    d.source = "llm";
    out.docs.push_back(std::move(d));
  }
  return out;
}

std::optional<BatchResultLine> parse_batch_result_line(std::string_view line) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  BatchResultLine out;
  out.custom_id = json_string(o, "custom_id");
  if (const auto* response = o.if_contains("response"); response && response->is_object()) {
    const auto& r = response->get_object();
    out.has_response = true;
    out.status_code = static_cast<int>(json_int(r, "status_code", 0));
    if (const auto* b = r.if_contains("body"))
      out.body = b->is_string() ? std::string(b->get_string()) : json::serialize(*b);
  } else if (const auto* e = o.if_contains("error"); e && e->is_object()) {
    out.error_message = json_string(e->get_object(), "message");
  }
  return out;
}

}  // namespace doctown::detail
