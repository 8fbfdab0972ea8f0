// The library's one URL redaction routine and endpoint joining (doctown/url.hpp).
#include <catch2/catch.hpp>

#include "doctown/url.hpp"

TEST_CASE("redact_url drops user info, query and fragment", "[url]") {
  CHECK(doctown::redact_url("http://alice:s3cret@host:8080/v1?api-key=K#frag") ==
        "http://host:8080/v1");
  CHECK(doctown::redact_url("https://api.openai.com/v1") == "https://api.openai.com/v1");
  CHECK(doctown::redact_url("https://token@host/v1/") == "https://host/v1/");
  // Unparseable text may hold a secret in a place we cannot find: none of it is shown.
  CHECK(doctown::redact_url("http://[bad host/x?k=SECRET") == "<malformed URL>");
}

TEST_CASE("url_with_path puts the endpoint before the query", "[url]") {
  CHECK(doctown::url_with_path("http://h/v1?api-key=K", "/chat/completions") ==
        "http://h/v1/chat/completions?api-key=K");
  CHECK(doctown::url_with_path("http://h/v1/", "/embeddings") == "http://h/v1/embeddings");
  CHECK(doctown::url_with_path("https://h:8443/openai/deployments/x?api-version=2024-06-01",
                               "/chat/completions") ==
        "https://h:8443/openai/deployments/x/chat/completions?api-version=2024-06-01");
  CHECK(doctown::url_with_path("http://u:p@h/v1#f", "/files") == "http://u:p@h/v1/files#f");
}

TEST_CASE("mask_url_secrets hides what a server echoes of the URL", "[url]") {
  CHECK(doctown::mask_url_secrets("sent to /v1?api-key=QUERYSECRET by alice:s3cr3t",
                                  "http://alice:s3cr3t@h/v1?api-key=QUERYSECRET&v=1") ==
        "sent to /v1?api-key=*** by ***:***");
  CHECK(doctown::mask_url_secrets("plain", "not a url ::") == "plain");
}
