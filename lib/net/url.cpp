// URL redaction and path joining on Boost.URL, so userinfo, query and fragment are found the
// way an HTTP client finds them (a hand-written split misses "user@host" inside a path or an
// encoded '?').
#include "doctown/url.hpp"

#include <boost/url.hpp>

#include <vector>

namespace doctown {

std::string redact_url(std::string_view url) {
  auto r = boost::urls::parse_uri_reference(url);
  if (!r) return "<malformed URL>";
  boost::urls::url u(*r);
  u.remove_userinfo();
  u.remove_query();
  u.remove_fragment();
  return std::string(u.buffer());
}

std::string url_with_path(std::string_view base, std::string_view path) {
  auto r = boost::urls::parse_uri_reference(base);
  if (!r) {
    std::string s(base);
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s + std::string(path);
  }
  boost::urls::url u(*r);
  std::string p(u.encoded_path());
  while (!p.empty() && p.back() == '/') p.pop_back();
  p += path;
  u.set_encoded_path(p);
  return std::string(u.buffer());
}

std::string mask_url_secrets(std::string text, std::string_view url) {
  auto r = boost::urls::parse_uri_reference(url);
  if (!r) return text;
  std::vector<std::string> secrets;
  if (r->has_userinfo()) {
    secrets.push_back(std::string(r->user()));
    secrets.push_back(std::string(r->password()));
    secrets.push_back(std::string(r->encoded_user()));
    secrets.push_back(std::string(r->encoded_password()));
  }
  for (auto p : r->params()) secrets.push_back(std::string(p.value));
  for (auto p : r->encoded_params()) secrets.push_back(std::string(p.value));
  for (const auto& s : secrets) {
    if (s.size() < 4) continue;
    for (auto at = text.find(s); at != std::string::npos; at = text.find(s, at + 3))
      text.replace(at, s.size(), "***");
  }
  return text;
}

}  // namespace doctown
