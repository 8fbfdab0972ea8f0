/// URLs as doctown shows and requests them: the one redaction routine every message and
/// output goes through, and the one way an endpoint path is added to a base URL.
#pragma once

#include <string>
#include <string_view>

namespace doctown {

/// "scheme://host[:port]/path" of a URL: user info (user:password@), query (?api-key=...)
/// and fragment removed, so it can be printed and written into outputs. A string that does
/// not parse as a URL gives "<malformed URL>" (it may hold a secret we cannot locate).
/// Thread-safe; linear in the URL's length.
std::string redact_url(std::string_view url);

/// `base` with `path` appended to its path, the query and fragment kept at the end:
/// ("http://h/v1?api-key=K", "/chat/completions") gives "http://h/v1/chat/completions?api-key=K".
/// A trailing '/' of the base path is not doubled. A base that does not parse is returned
/// with `path` appended (the request then fails with a message about the URL).
std::string url_with_path(std::string_view base, std::string_view path);

/// `text` with every secret `url` carries replaced by "***": its user name and password and
/// the value of each query parameter (values under 4 characters are left: too common to be
/// secrets, and masking them would garble the text). For server messages that may echo the
/// request URL back.
std::string mask_url_secrets(std::string text, std::string_view url);

}  // namespace doctown
