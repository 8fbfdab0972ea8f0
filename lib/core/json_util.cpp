// Boost.JSON helpers: tolerant field access (answers from servers and files vary) and a stable
// pretty printer for the JSON files we write.
#include "core/json_util.hpp"

#include <cmath>

namespace doctown::detail {

namespace json = boost::json;

result<json::value> parse_json(std::string_view text, std::string_view origin) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 256;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec)
    return fail(errc::parse_error, "invalid JSON: " + ec.message(), std::string(origin));
  return v;
}

std::string json_string(const json::object& o, std::string_view key, std::string_view fallback) {
  if (auto* p = o.if_contains(key); p && p->is_string()) return std::string(p->get_string());
  return std::string(fallback);
}

long long json_int(const json::object& o, std::string_view key, long long fallback) {
  const json::value* p = o.if_contains(key);
  if (!p) return fallback;
  if (p->is_int64()) return p->get_int64();
  if (p->is_uint64()) return static_cast<long long>(p->get_uint64());
  if (p->is_double() && std::isfinite(p->get_double()) && std::abs(p->get_double()) < 9e18)
    return static_cast<long long>(p->get_double());
  return fallback;
}

double json_double(const json::object& o, std::string_view key, double fallback) {
  const json::value* p = o.if_contains(key);
  if (!p) return fallback;
  if (p->is_double()) return p->get_double();
  if (p->is_int64()) return static_cast<double>(p->get_int64());
  if (p->is_uint64()) return static_cast<double>(p->get_uint64());
  return fallback;
}

bool json_bool(const json::object& o, std::string_view key, bool fallback) {
  if (auto* p = o.if_contains(key); p && p->is_bool()) return p->get_bool();
  return fallback;
}

namespace {
void pretty(std::string& out, const json::value& v, int indent) {
  auto pad = [&](int n) { out.append(static_cast<std::size_t>(n) * 2, ' '); };
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) { out += "{}"; return; }
      out += "{\n";
      bool first = true;
      for (const auto& kv : o) {
        if (!first) out += ",\n";
        first = false;
        pad(indent + 1);
        out += json::serialize(json::value(kv.key()));
        out += ": ";
        pretty(out, kv.value(), indent + 1);
      }
      out += "\n";
      pad(indent);
      out += "}";
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) { out += "[]"; return; }
      out += "[\n";
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out += ",\n";
        pad(indent + 1);
        pretty(out, a[i], indent + 1);
      }
      out += "\n";
      pad(indent);
      out += "]";
      return;
    }
    default:
      out += json::serialize(v);
  }
}
}  // namespace

std::string pretty_json(const json::value& v) {
  std::string out;
  pretty(out, v, 0);
  out += "\n";
  return out;
}

}  // namespace doctown::detail
