// Error model: names of error codes and their CLI exit codes.
#include "doctown/error.hpp"

namespace doctown {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::ok: return "ok";
    case errc::invalid_argument: return "invalid_argument";
    case errc::not_found: return "not_found";
    case errc::unsupported: return "unsupported";
    case errc::io_error: return "io_error";
    case errc::parse_error: return "parse_error";
    case errc::network_error: return "network_error";
    case errc::timeout: return "timeout";
    case errc::http_status: return "http_status";
    case errc::unauthorized: return "unauthorized";
    case errc::rate_limited: return "rate_limited";
    case errc::limit_exceeded: return "limit_exceeded";
    case errc::cancelled: return "cancelled";
    case errc::internal: return "internal";
  }
  return "unknown";
}

int exit_code_for(errc code) noexcept {
  switch (code) {
    case errc::ok: return 0;
    case errc::invalid_argument:
    case errc::not_found:
    case errc::unsupported: return 2;
    case errc::cancelled: return 130;
    default: return 3;
  }
}

std::string error::what() const {
  if (where.empty()) return message;
  return message + " (" + where + ")";
}

}  // namespace doctown
