// `doctown mcp <docpack> [--source DIR] [--http HOST:PORT]`: start the library's MCP server
// over a docpack, on stdio (the default, for clients that spawn it) or Streamable HTTP.
// Protocol messages go to stdout only; notes go to stderr.
#include <fmt/format.h>

#include <iostream>

#include "cli.hpp"
#include "doctown/mcp.hpp"

namespace doctown::cli {
namespace {

struct McpArgs {
  std::string docpack;
  std::string source;
  std::string http;  ///< HOST:PORT, empty = stdio
};

// HOST:PORT, [IPv6]:PORT or a bare PORT (loopback).
result<McpHttpOptions> parse_listen(const std::string& s) {
  McpHttpOptions o;
  std::string host = "127.0.0.1", port = s;
  if (auto colon = s.rfind(':'); colon != std::string::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
  }
  unsigned long p = 0;
  try {
    std::size_t used = 0;
    p = std::stoul(port, &used);
    if (used != port.size() || p > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return fail(errc::invalid_argument, "--http wants HOST:PORT (e.g. 127.0.0.1:8765)", s);
  }
  o.host = host.empty() ? "127.0.0.1" : host;
  o.port = static_cast<std::uint16_t>(p);
  return o;
}

int run_mcp(const McpArgs& a, Cli& cli) {
  auto dp = Docpack::open(a.docpack);
  if (!dp) return cli.report(dp.error());
  auto server = McpServer::create(std::move(*dp), McpOptions{.source_dir = a.source});
  if (!server) return cli.report(server.error());
  RunContext ctx = cli.context();
  if (a.http.empty()) {
    auto ok = (*server)->serve_stdio(std::cin, std::cout, ctx);
    return ok ? Exit::ok : cli.report(ok.error());
  }
  auto listen = parse_listen(a.http);
  if (!listen) return cli.report(listen.error());
  listen->on_listening = [](const std::string& host, std::uint16_t port) {
    bool v6 = host.find(':') != std::string::npos;
    fmt::print(stderr, "doctown: MCP server listening on http://{}{}{}:{}/mcp\n", v6 ? "[" : "",
               host, v6 ? "]" : "", port);
  };
  auto ok = (*server)->serve_http(*listen, ctx);
  if (!ok && ok.error().code == errc::cancelled) return Exit::ok;  // stopped by Ctrl-C
  return ok ? Exit::ok : cli.report(ok.error());
}

const bool registered = register_command(
    "mcp", "Serve a .docpack to AI agents over the Model Context Protocol", [](CLI::App& sub) -> Runner {
      auto a = std::make_shared<McpArgs>();
      sub.add_option("docpack", a->docpack, "The .docpack file")->required();
      sub.add_option("--source", a->source,
                     "Source folder, for files the docpack does not store (read_source stays inside it)");
      sub.add_option("--http", a->http,
                     "Serve Streamable HTTP on HOST:PORT (default: stdio; port 0 picks one)");
      return [a](Cli& cli) { return run_mcp(*a, cli); };
    });

}  // namespace
}  // namespace doctown::cli
