// Fuzz entry: what an OpenAI-compatible server sends back. The input is read as a chat
// completion body (envelope, then the model's content as {"symbols":[...]} validated against
// the agreed schema), as the content itself, as Batch API result lines, and as an error body
// (whose message must come back with the API key masked). Parsed as JSON, it is also checked
// against itself used as a schema, which exercises the validator with arbitrary schemas.
#include <boost/json.hpp>

#include "fuzz_entries.hpp"
#include "llm/chat_protocol.hpp"
#include "net/server_error.hpp"

namespace doctown::fuzz {

namespace {

void check_docs(const detail::ParsedDocs& parsed) {
  for (const auto& d : parsed.docs) {
    DOCTOWN_FUZZ_CHECK(!d.id.empty(), "a valid entry has an id");
    DOCTOWN_FUZZ_CHECK(d.source == "llm", "docs from the model are marked as such");
  }
  for (const auto& [id, why] : parsed.invalid)
    DOCTOWN_FUZZ_CHECK(!why.empty(), "an invalid entry says what is wrong");
}

}  // namespace

int fuzz_llm_answer(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);
  static const boost::json::value agreed = boost::json::parse(detail::default_response_schema());
  int accepted = 0;

  if (auto answer = detail::parse_chat_completion(text)) {
    DOCTOWN_FUZZ_CHECK(answer->usage.cached <= answer->usage.input, "cached tokens are input");
    if (answer->content) {
      if (auto parsed = detail::parse_symbol_docs(*answer->content, agreed)) {
        check_docs(*parsed);
        accepted = 1;
      }
    }
  }
  if (auto parsed = detail::parse_symbol_docs(text, boost::json::value())) {
    check_docs(*parsed);
    accepted = 1;
  }

  for (std::string_view rest = text; !rest.empty();) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (auto r = detail::parse_batch_result_line(line); r && r->has_response) {
      if (auto answer = detail::parse_chat_completion(r->body); answer && answer->content)
        if (auto parsed = detail::parse_symbol_docs(*answer->content, agreed)) {
          check_docs(*parsed);
          accepted = 1;
        }
    }
  }

  const std::string key = "sk-fuzz-0123456789abcdef";
  std::string message = net::server_error_message(text, key);
  DOCTOWN_FUZZ_CHECK(message.find(key) == std::string::npos, "the API key is masked");
  (void)net::server_error_code(text);

  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (!ec) (void)detail::validate_json(v, v);
  return accepted;
}

}  // namespace doctown::fuzz
