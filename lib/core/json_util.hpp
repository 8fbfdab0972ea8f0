// Private helpers around Boost.JSON shared by the stages: safe field access and file I/O.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <string>
#include <string_view>

#include "doctown/error.hpp"

namespace doctown::detail {

/// Parse JSON text; errors name `origin` and the byte offset.
result<boost::json::value> parse_json(std::string_view text, std::string_view origin);

/// String field or `fallback` when missing or not a string.
std::string json_string(const boost::json::object& o, std::string_view key,
                        std::string_view fallback = {});
/// Integer field (int64 or uint64 or integral double) or `fallback`.
long long json_int(const boost::json::object& o, std::string_view key, long long fallback = 0);
/// Number field (any numeric kind) or `fallback`.
double json_double(const boost::json::object& o, std::string_view key, double fallback = 0);
/// Bool field or `fallback`.
bool json_bool(const boost::json::object& o, std::string_view key, bool fallback = false);

/// Pretty-print with two-space indentation and sorted-as-inserted keys (stable output).
std::string pretty_json(const boost::json::value& v);

}  // namespace doctown::detail
