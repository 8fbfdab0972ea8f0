// The Streamable HTTP transport of the MCP server: POST carries one JSON-RPC message (or a
// batch) and is answered with application/json; GET (a server-initiated SSE stream) is not
// offered (405), DELETE ends a session. initialize creates a session whose Mcp-Session-Id the
// client sends back; the MCP-Protocol-Version header must name a version we speak. Requests
// with a foreign Origin are refused (DNS rebinding). One io_context thread runs every
// connection as a coroutine, so the server and its sessions need no locks.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <random>

#include "mcp/mcp_impl.hpp"

namespace doctown {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

std::string new_session_id() {
  std::random_device rd;
  std::string id;
  static const char* hex = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) id += hex[rd() & 15];
  return id;
}

// An Origin names the page that made a browser send the request; only local pages may.
bool local_origin(std::string_view origin) {
  if (origin.empty() || origin == "null") return true;
  auto scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view host = origin.substr(scheme + 3);
  host = host.substr(0, host.find('/'));
  if (host.starts_with("[")) host = host.substr(0, host.find(']') + 1);
  else host = host.substr(0, host.find(':'));
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

struct HttpServer {
  McpServer& server;
  const McpHttpOptions& opts;
  std::size_t max_body;
  std::map<std::string, McpSession> sessions;

  Response reply(const Request& req, http::status status, std::string body,
                 std::string_view type = "application/json") {
    Response res{status, req.version()};
    res.set(http::field::server, "doctown-mcp");
    res.keep_alive(req.keep_alive());
    if (!body.empty()) res.set(http::field::content_type, type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  Response error(const Request& req, http::status status, const std::string& message) {
    // The body is a JSON-RPC error so that clients reading it as one see the reason.
    boost::json::object e{{"jsonrpc", "2.0"},
                          {"id", nullptr},
                          {"error", boost::json::object{{"code", -32600}, {"message", message}}}};
    return reply(req, status, boost::json::serialize(e));
  }

  Response handle(const Request& req) {
    std::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));
    if (target != opts.path) return error(req, http::status::not_found, "the MCP endpoint is " + opts.path);
    if (!local_origin(std::string_view(req[http::field::origin])))
      return error(req, http::status::forbidden, "requests from this Origin are refused");
    if (req.method() == http::verb::get)
      return error(req, http::status::method_not_allowed, "this server offers no SSE stream; POST messages");
    if (req.method() != http::verb::post && req.method() != http::verb::delete_)
      return error(req, http::status::method_not_allowed, "use POST (or DELETE to end a session)");
    std::string sid(req["Mcp-Session-Id"]);
    std::string version(req["MCP-Protocol-Version"]);
    if (!version.empty()) {
      const auto& v = McpServer::protocol_versions();
      if (std::find(v.begin(), v.end(), version) == v.end())
        return error(req, http::status::bad_request, "unsupported MCP-Protocol-Version " + version);
    }
    if (req.method() == http::verb::delete_) {
      if (!sessions.erase(sid)) return error(req, http::status::not_found, "unknown session");
      return reply(req, http::status::ok, "");
    }
    // initialize opens a session; everything else must name a live one.
    boost::system::error_code pec;
    boost::json::value body = boost::json::parse(req.body(), pec);
    const boost::json::value* method =
        !pec && body.is_object() ? body.get_object().if_contains("method") : nullptr;
    bool init = method && method->is_string() && method->get_string() == "initialize";
    McpSession* session = nullptr;
    McpSession fresh;
    if (!sid.empty()) {
      auto it = sessions.find(sid);
      if (it == sessions.end())
        return error(req, http::status::not_found, "unknown or ended session; initialize again");
      session = &it->second;
    } else if (init) {
      session = &fresh;
    } else {
      return error(req, http::status::bad_request, "missing Mcp-Session-Id header; initialize first");
    }
    std::string answer = server.handle_message(req.body(), *session);
    Response res = answer.empty() ? reply(req, http::status::accepted, "")
                                  : reply(req, http::status::ok, std::move(answer));
    if (session == &fresh && !fresh.protocol_version.empty()) {
      sid = new_session_id();
      sessions[sid] = fresh;
      res.set("Mcp-Session-Id", sid);
    }
    return res;
  }

  asio::awaitable<void> connection(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      // An idle or slow client is dropped after a minute; the next request reconnects.
      stream.expires_after(std::chrono::seconds(60));
      http::request_parser<http::string_body> parser;
      parser.body_limit(max_body);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
      if (ec == http::error::body_limit) {
        Request head{parser.get().method(), parser.get().target(), parser.get().version()};
        Response res = error(head, http::status::payload_too_large, "message too large");
        res.keep_alive(false);
        co_await http::async_write(stream, res, use_tuple);
        break;
      }
      if (ec) break;
      Request req = parser.release();
      Response res = handle(req);
      auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
      if (wec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  // The stop token is polled, not watched with a stop_callback: the CLI requests the stop from
  // its SIGINT handler, where io_context::stop (it takes a lock) must not run.
  asio::awaitable<void> watch_stop(asio::io_context& io, tcp::acceptor& acceptor,
                                   std::stop_token stop) {
    asio::steady_timer timer(acceptor.get_executor());
    while (!stop.stop_requested()) {
      timer.expires_after(std::chrono::milliseconds(100));
      co_await timer.async_wait(use_tuple);
    }
    beast::error_code ignored;
    acceptor.close(ignored);
    io.stop();
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;
      asio::co_spawn(acceptor.get_executor(), connection(std::move(socket)), asio::detached);
    }
  }
};

}  // namespace

result<void> McpServer::serve_http(const McpHttpOptions& http_opts, const RunContext& ctx) {
  asio::io_context io;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(http_opts.host, ec);
  if (ec)
    return fail(errc::invalid_argument, "not an IP address (use 127.0.0.1 or ::1)", http_opts.host);
  tcp::acceptor acceptor(io);
  tcp::endpoint ep(address, http_opts.port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(errc::network_error, "cannot listen: " + ec.message(),
                http_opts.host + ":" + std::to_string(http_opts.port));
  HttpServer srv{*this, http_opts, impl_->options.max_message_bytes, {}};
  asio::co_spawn(io, srv.accept_loop(acceptor), asio::detached);
  asio::co_spawn(io, srv.watch_stop(io, acceptor, ctx.stop), asio::detached);
  if (http_opts.on_listening)
    http_opts.on_listening(acceptor.local_endpoint().address().to_string(),
                           acceptor.local_endpoint().port());
  if (ctx.stop_requested()) return fail(errc::cancelled, "MCP server stopped");
  io.run();
  return fail(errc::cancelled, "MCP server stopped");
}

}  // namespace doctown
