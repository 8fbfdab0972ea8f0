// JSON-RPC 2.0 and the MCP lifecycle: message validation, initialize with version
// negotiation, ping, tools, resources, cancellation, and the stdio transport. Every message is
// untrusted: anything malformed becomes an error answer and the server carries on.
#include <algorithm>
#include <istream>
#include <ostream>

#include "core/json_util.hpp"
#include "doctown/version.hpp"
#include "mcp/mcp_impl.hpp"

namespace doctown {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr int kParseError = -32700, kInvalidRequest = -32600, kMethodNotFound = -32601,
              kInvalidParams = -32602, kInternal = -32603, kResourceNotFound = -32002;

json::object error_answer(const json::value& id, int code, std::string message) {
  return json::object{{"jsonrpc", "2.0"},
                      {"id", id},
                      {"error", json::object{{"code", code}, {"message", std::move(message)}}}};
}

bool valid_id(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64(); }

// structuredContent and outputSchema arrived with 2025-06-18; older clients get text only.
bool structured_for(const McpSession& s) { return s.protocol_version >= "2025-06-18"; }

}  // namespace

const std::vector<std::string>& McpServer::protocol_versions() {
  static const std::vector<std::string> v{"2025-06-18", "2025-03-26", "2024-11-05"};
  return v;
}

McpServer::Impl::Impl(Docpack dp, McpOptions opts)
    : docpack(std::move(dp)), options(std::move(opts)), index(SearchIndex::build(docpack)) {
  const auto& syms = docpack.symbols();
  for (std::size_t i = 0; i < syms.size(); ++i) {
    by_id[syms[i].id] = i;
    by_name[syms[i].name].push_back(i);
    by_qualified[syms[i].qualified_name].push_back(i);
    by_file[syms[i].location.file].push_back(i);
  }
  for (const Relation& r : docpack.relations()) {
    out[static_cast<int>(r.kind)][r.from].push_back(r.to);
    in[static_cast<int>(r.kind)][r.to].push_back(r.from);
  }
}

result<std::unique_ptr<McpServer>> McpServer::create(Docpack docpack, McpOptions options) {
  fs::path root;
  if (!options.source_dir.empty()) {
    std::error_code ec;
    root = fs::canonical(options.source_dir, ec);
    if (ec || !fs::is_directory(root))
      return fail(errc::invalid_argument,
                  "--source must name the folder the docpack was built from", options.source_dir);
  }
  if (options.max_message_bytes < 1024 || options.max_source_lines < 1 || options.max_results < 1)
    return fail(errc::invalid_argument, "MCP limits must be positive (message >= 1 KiB)");
  try {
    auto impl = std::make_unique<Impl>(std::move(docpack), std::move(options));
    impl->source_root = root;
    return std::unique_ptr<McpServer>(new McpServer(std::move(impl)));
  } catch (const std::exception& e) {
    return fail(errc::internal, std::string("building the MCP server failed: ") + e.what());
  }
}

McpServer::McpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
McpServer::~McpServer() = default;

json::value McpServer::Impl::answer(const std::string& method, const json::object& params,
                                    McpSession& session) {
  if (method == "initialize") {
    // Negotiation: echo the client's version when we speak it, else offer our preferred one
    // (the client then decides whether it can go on).
    const auto& versions = protocol_versions();
    std::string asked = detail::json_string(params, "protocolVersion");
    bool known = std::find(versions.begin(), versions.end(), asked) != versions.end();
    session.protocol_version = known ? asked : versions.front();
    session.initialized = false;
    return json::object{
        {"protocolVersion", session.protocol_version},
        {"capabilities", json::object{{"tools", json::object{{"listChanged", false}}},
                                      {"resources", json::object{{"listChanged", false},
                                                                 {"subscribe", false}}}}},
        {"serverInfo", json::object{{"name", options.server_name}, {"version", version_string}}},
        {"instructions",
         "Documentation of " + docpack.manifest().name +
             ": use search to find symbols, get_symbol for one symbol's docs and relations, "
             "related to walk callers/callees/bases, read_source for code, outline for files, "
             "overview for the architecture."}};
  }
  if (method == "ping") return json::object{};
  if (method == "tools/list")
    return json::object{{"tools", tool_list(structured_for(session))}};
  if (method == "tools/call") {
    auto* name = params.if_contains("name");
    if (!name || !name->is_string()) throw RpcError{kInvalidParams, "tools/call needs a string `name`"};
    const json::value* args = params.if_contains("arguments");
    if (args && !args->is_object() && !args->is_null())
      throw RpcError{kInvalidParams, "tools/call `arguments` must be an object"};
    static const json::object no_args;
    ToolResult r = call_tool(std::string(name->get_string()),
                             args && args->is_object() ? args->get_object() : no_args);
    if (!r.error.empty())
      return json::object{{"content", json::array{json::object{{"type", "text"}, {"text", r.error}}}},
                          {"isError", true}};
    json::object res{{"content", json::array{json::object{
                                     {"type", "text"}, {"text", json::serialize(r.structured)}}}},
                     {"isError", false}};
    if (structured_for(session)) res["structuredContent"] = std::move(r.structured);
    return res;
  }
  if (method == "resources/list") return json::object{{"resources", resource_list()}};
  if (method == "resources/templates/list") return json::object{{"resourceTemplates", json::array{}}};
  if (method == "resources/read") {
    auto* uri = params.if_contains("uri");
    if (!uri || !uri->is_string()) throw RpcError{kInvalidParams, "resources/read needs a string `uri`"};
    auto text = resource_text(uri->get_string());
    if (!text)
      throw RpcError{kResourceNotFound,
                     "resource not found: " + std::string(uri->get_string()) +
                         " (resources/list names the pages)"};
    return json::object{{"contents", json::array{json::object{{"uri", uri->get_string()},
                                                              {"mimeType", "text/markdown"},
                                                              {"text", std::move(*text)}}}}};
  }
  throw RpcError{kMethodNotFound, "method not found: " + method};
}

std::optional<json::value> McpServer::Impl::dispatch(const json::value& msg, McpSession& session) {
  if (!msg.is_object()) return error_answer(nullptr, kInvalidRequest, "a message must be a JSON object");
  const auto& o = msg.get_object();
  const json::value* id = o.if_contains("id");
  json::value reply_id = id && valid_id(*id) ? *id : json::value(nullptr);
  auto* version = o.if_contains("jsonrpc");
  if (!version || !version->is_string() || version->get_string() != "2.0")
    return error_answer(reply_id, kInvalidRequest, "jsonrpc must be \"2.0\"");
  auto* method = o.if_contains("method");
  if (!method) {
    if (o.contains("result") || o.contains("error")) return std::nullopt;  // a client's answer
    return error_answer(reply_id, kInvalidRequest, "a request needs a string `method`");
  }
  if (!method->is_string()) return error_answer(reply_id, kInvalidRequest, "`method` must be a string");
  const std::string name(method->get_string());
  auto* params = o.if_contains("params");
  if (params && !params->is_object() && !params->is_null())
    return id ? std::optional<json::value>(
                    error_answer(reply_id, kInvalidParams, "`params` must be an object"))
              : std::nullopt;
  if (!id) {
    // Notifications: initialized ends the handshake; cancelled names a request that, with one
    // message handled at a time, has already been answered, so there is nothing to stop.
    if (name == "notifications/initialized") session.initialized = true;
    return std::nullopt;
  }
  if (!valid_id(*id))
    return error_answer(nullptr, kInvalidRequest, "`id` must be a string or an integer");
  static const json::object no_params;
  try {
    json::value result =
        answer(name, params && params->is_object() ? params->get_object() : no_params, session);
    return json::object{{"jsonrpc", "2.0"}, {"id", *id}, {"result", std::move(result)}};
  } catch (const RpcError& e) {
    return error_answer(*id, e.code, e.message);
  } catch (const std::exception& e) {
    return error_answer(*id, kInternal, std::string("internal error: ") + e.what());
  }
}

std::string McpServer::handle_message(std::string_view message, McpSession& session) {
  try {
    boost::system::error_code ec;
    json::value msg = json::parse(message, ec);
    if (ec)
      return json::serialize(error_answer(nullptr, kParseError, "parse error: " + ec.message()));
    if (msg.is_array()) {  // a batch (2025-03-26); answers in order, notifications omitted
      if (msg.get_array().empty())
        return json::serialize(error_answer(nullptr, kInvalidRequest, "empty batch"));
      json::array answers;
      for (const auto& m : msg.get_array())
        if (auto a = impl_->dispatch(m, session)) answers.push_back(std::move(*a));
      return answers.empty() ? std::string() : json::serialize(answers);
    }
    auto a = impl_->dispatch(msg, session);
    return a ? json::serialize(*a) : std::string();
  } catch (const std::exception& e) {
    return json::serialize(error_answer(nullptr, kInternal, std::string("internal error: ") + e.what()));
  }
}

result<void> McpServer::serve_stdio(std::istream& in, std::ostream& out, const RunContext& ctx) {
  McpSession session;
  std::string line;
  std::streambuf* buf = in.rdbuf();
  const std::size_t limit = impl_->options.max_message_bytes;
  while (!ctx.stop_requested()) {
    // Read one line, keeping at most `limit` bytes of it: a huge line costs no memory.
    line.clear();
    bool too_long = false, eof = false;
    for (;;) {
      int c = buf->sbumpc();
      if (c == std::char_traits<char>::eof()) {
        eof = true;
        break;
      }
      if (c == '\n') break;
      if (line.size() < limit)
        line.push_back(static_cast<char>(c));
      else
        too_long = true;
    }
    if (eof && line.empty()) return {};
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string reply;
    if (too_long)
      reply = json::serialize(error_answer(
          nullptr, kParseError,
          "message longer than " + std::to_string(limit) + " bytes was skipped"));
    else if (line.find_first_not_of(" \t") != std::string::npos)
      reply = handle_message(line, session);
    if (!reply.empty()) {
      out << reply << '\n';
      out.flush();
      if (!out) return fail(errc::io_error, "the MCP client closed its input (stdout)");
    }
    if (eof) return {};
  }
  return fail(errc::cancelled, "MCP server stopped");
}

}  // namespace doctown
