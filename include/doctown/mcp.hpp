// A Model Context Protocol server over a docpack: agents search symbols, read their docs,
// follow relations and read source through tools, and read the Markdown pages as resources.
// JSON-RPC 2.0 over stdio (one message per line) or Streamable HTTP (POST answered with
// application/json). Protocol versions 2025-06-18 (preferred), 2025-03-26 and 2024-11-05.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "doctown/docpack.hpp"
#include "doctown/error.hpp"
#include "doctown/progress.hpp"

namespace doctown {

/// Options of the MCP server.
struct McpOptions {
  /// Folder holding the analysed source, for files whose text the docpack does not store;
  /// empty = stored texts only. read_source never leaves this folder (symlinks included).
  std::string source_dir;
  /// Longest accepted message in bytes; a longer line or body is answered with a parse error
  /// and skipped, and the server goes on.
  std::size_t max_message_bytes = std::size_t{4} << 20;
  /// Most lines one read_source call returns.
  int max_source_lines = 2000;
  /// Most hits one search or related call returns.
  std::size_t max_results = 50;
  /// Name reported in serverInfo.
  std::string server_name = "doctown";
};

/// Where the Streamable HTTP transport listens.
struct McpHttpOptions {
  /// Address to bind; loopback unless the caller decides otherwise.
  std::string host = "127.0.0.1";
  /// Port; 0 picks a free one (reported through on_listening).
  std::uint16_t port = 0;
  /// Path of the MCP endpoint.
  std::string path = "/mcp";
  /// Called once the socket listens, with the bound address and port.
  std::function<void(const std::string& host, std::uint16_t port)> on_listening;
};

/// The state of one client connection (stdio: the process; HTTP: one Mcp-Session-Id).
struct McpSession {
  std::string protocol_version;  ///< negotiated by initialize; empty before
  bool initialized = false;      ///< notifications/initialized was received
};

/// A reusable MCP server over one opened docpack. handle_message is not thread-safe; the two
/// transports call it from one thread.
class McpServer {
 public:
  /// Build the server (the search index is built here, O(symbols)). invalid_argument when
  /// `source_dir` is set but is not a readable folder.
  static result<std::unique_ptr<McpServer>> create(Docpack docpack, McpOptions options = {});
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  /// Handle one JSON-RPC message (or batch) and return the answer's JSON text; empty when no
  /// answer is due (notifications, responses). Malformed input gets a JSON-RPC error answer
  /// (-32700 parse, -32600 invalid request, -32601 unknown method, -32602 invalid params);
  /// never throws.
  std::string handle_message(std::string_view message, McpSession& session);

  /// Serve newline-delimited JSON-RPC on `in`/`out` until `in` ends or a stop is requested.
  /// Returns success at end of input; lines longer than max_message_bytes are answered with
  /// a parse error and skipped.
  result<void> serve_stdio(std::istream& in, std::ostream& out, const RunContext& ctx);

  /// Serve Streamable HTTP until a stop is requested. network_error when the address cannot
  /// be bound. Sessions are created by initialize (Mcp-Session-Id header).
  result<void> serve_http(const McpHttpOptions& http, const RunContext& ctx);

  /// Protocol versions this server speaks, preferred first.
  static const std::vector<std::string>& protocol_versions();

  /// Opaque to users; lib/mcp's tool handlers and transport share it.
  struct Impl;

 private:
  explicit McpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace doctown
