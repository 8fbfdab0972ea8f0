// UTF-8 validation and repair of text read from the analysed tree (lib/core/utf8.hpp).
#include <catch2/catch.hpp>

#include "core/utf8.hpp"

using doctown::detail::is_valid_utf8;
using doctown::detail::repair_utf8;

TEST_CASE("well-formed UTF-8 is accepted and left alone", "[utf8]") {
  for (std::string s : {std::string(""), std::string("plain ascii"), std::string("caf\xc3\xa9"),
                        std::string("\xe2\x82\xac euro"), std::string("\xf0\x9f\x98\x80 emoji"),
                        std::string("\xf4\x8f\xbf\xbf")}) {  // U+10FFFF, the last code point
    CHECK(is_valid_utf8(s));
    std::string copy = s;
    CHECK_FALSE(repair_utf8(copy));
    CHECK(copy == s);
  }
}

TEST_CASE("malformed sequences are rejected and become U+FFFD", "[utf8]") {
  const std::string fffd = "\xef\xbf\xbd";
  struct Case {
    std::string in, out;
  };
  for (const auto& c : std::vector<Case>{
           {"caf\xe9", "caf" + fffd},                          // Latin-1 byte
           {"\xc0\xaf", fffd + fffd},                           // overlong '/'
           {"\xe0\x80\xaf", fffd + fffd + fffd},                // overlong 3-byte form
           {"\xed\xa0\x80", fffd + fffd + fffd},                // UTF-16 surrogate
           {"\xf4\x90\x80\x80", fffd + fffd + fffd + fffd},     // past U+10FFFF
           {"ok\xe2\x82", "ok" + fffd + fffd},                  // truncated at the end
           {"\x80 lone continuation", fffd + " lone continuation"},
       }) {
    CHECK_FALSE(is_valid_utf8(c.in));
    std::string s = c.in;
    CHECK(repair_utf8(s));
    CHECK(s == c.out);
    CHECK(is_valid_utf8(s));
  }
}
