// Error bodies, status classes and secret masking of OpenAI-compatible servers.
#include "net/server_error.hpp"

#include <boost/json.hpp>
#include <cctype>

#include "core/json_util.hpp"

namespace doctown::net {

namespace json = boost::json;

std::string mask_secrets(std::string text, std::string_view api_key) {
  if (api_key.size() >= 4) {
    for (auto pos = text.find(api_key); pos != std::string::npos; pos = text.find(api_key, pos))
      text.replace(pos, api_key.size(), "***");
  }
  // OpenAI echoes a partly masked key ("sk-abc***xyz"); drop what remains of it.
  for (auto pos = text.find("sk-"); pos != std::string::npos; pos = text.find("sk-", pos + 6)) {
    auto end = pos + 3;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != '.' && text[end] != ',' && text[end] != '"')
      ++end;
    text.replace(pos, end - pos, "sk-***");
  }
  return text;
}

std::string server_error_message(std::string_view body, std::string_view api_key) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  std::string msg;
  if (!ec && v.is_object()) {
    if (const auto* e = v.get_object().if_contains("error")) {
      if (e->is_object()) msg = detail::json_string(e->get_object(), "message");
      else if (e->is_string()) msg = std::string(e->get_string());
    }
  }
  if (msg.empty()) {
    msg = std::string(body.substr(0, 300));
    for (char& c : msg)
      if (c == '\n' || c == '\r') c = ' ';
  }
  if (msg.size() > 500) msg = msg.substr(0, 500) + "...";
  return mask_secrets(std::move(msg), api_key);
}

std::string server_error_code(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  const auto* e = v.get_object().if_contains("error");
  if (!e || !e->is_object()) return {};
  return detail::json_string(e->get_object(), "code");
}

StatusClass classify_status(int status, std::string_view body) {
  if (status >= 200 && status < 300) return StatusClass::ok;
  if (status == 401 || status == 403) return StatusClass::unauthorized;
  if (status == 429)
    return server_error_code(body) == "insufficient_quota" ? StatusClass::no_quota
                                                           : StatusClass::rate_limited;
  if (status == 408 || status == 409 || status >= 500) return StatusClass::transient;
  return StatusClass::rejected;
}

}  // namespace doctown::net
