// lib/mcp: the MCP server (include/doctown/mcp.hpp). mcp_server.cpp speaks JSON-RPC and the
// protocol's lifecycle, mcp_tools.cpp answers the tools and resources from the docpack,
// mcp_http.cpp is the Streamable HTTP transport (Beast). Depends on lib/format (one JSON mapping),
// lib/search, lib/core and the public types; nothing in the library depends on it.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "doctown/mcp.hpp"
#include "doctown/search.hpp"

namespace doctown {

/// A JSON-RPC error raised while answering a request (code and message go to the client).
struct RpcError {
  int code = -32603;
  std::string message;
};

/// One argument of a tool: the input schema and the validation come from this one list.
struct ToolArg {
  std::string name;
  std::string type;  ///< "string" or "integer"
  std::string description;
  bool required = false;
  std::vector<std::string> choices;  ///< enum values, empty = any
  long long min = 0, max = 0;        ///< integer bounds when max > min
};

/// What a tool answers: structured content, or an error result (isError) with a message.
struct ToolResult {
  boost::json::object structured;
  std::string error;  ///< non-empty = isError result
};

struct McpServer::Impl {
  Docpack docpack;
  McpOptions options;
  SearchIndex index;
  std::filesystem::path source_root;  ///< canonical source_dir, empty when not given
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_name, by_qualified, by_file;
  std::map<std::string, std::size_t, std::less<>> by_id;
  // Relations by endpoint and kind: out[kind][from] -> to, in[kind][to] -> from.
  std::map<std::string, std::vector<std::string>, std::less<>> out[7], in[7];

  Impl(Docpack dp, McpOptions opts);

  // Protocol (mcp_server.cpp).
  std::optional<boost::json::value> dispatch(const boost::json::value& msg, McpSession& session);
  boost::json::value answer(const std::string& method, const boost::json::object& params,
                            McpSession& session);

  // Tools and resources (mcp_tools.cpp).
  boost::json::array tool_list(bool structured) const;
  ToolResult call_tool(const std::string& name, const boost::json::object& args);
  boost::json::array resource_list() const;
  std::optional<std::string> resource_text(std::string_view uri) const;

  const Symbol* find_symbol(std::string_view id_or_name) const;
  boost::json::object symbol_ref(const Symbol& s) const;
};

/// Validate `args` against `spec`; an RpcError -32602 naming the argument when they do not fit.
std::optional<RpcError> check_args(const std::vector<ToolArg>& spec,
                                   const boost::json::object& args);
/// The JSON Schema of `spec` (type object, properties, required).
boost::json::object input_schema(const std::vector<ToolArg>& spec);

}  // namespace doctown
