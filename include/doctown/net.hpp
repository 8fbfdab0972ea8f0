/// Talking to an OpenAI-compatible server (OpenAI, Ollama, llama.cpp server, vLLM): the
/// transport settings every client of such a server shares. LlmOptions and
/// RemoteEmbedderOptions each embed one, so the address, key, limits, retries, TLS and proxy
/// settings are written once and mean the same thing in both stages (lib/net/ implements them).
#pragma once

#include <string>
#include <vector>

namespace doctown {

/// Where the server is, how to reach it, and how hard to push it.
struct ServerOptions {
  /// Base URL ending in /v1; a query (`?api-version=X`) stays after the endpoint's path.
  std::string base_url = "https://api.openai.com/v1";
  /// Bearer key; empty for local servers without authentication (no Authorization is sent).
  std::string api_key;
  /// Most requests in flight at once; 0 = automatic (the LLM client grows toward what the
  /// limits admit, rate × latency, up to 64; the remote embedder keeps 4).
  unsigned concurrency = 0;
  /// Client-side requests-per-minute limit; 0 = none until the server's headers say.
  double rpm_limit = 0;
  /// Client-side tokens-per-minute limit (as each client counts a request); 0 = none.
  double tpm_limit = 0;
  /// Length in seconds of the window the rpm/tpm limits refer to (60 = per minute; tests and
  /// simulations scale it down).
  double rate_window_s = 60;
  /// Per-request timeout in seconds (connect + write + read).
  double timeout_s = 300;
  /// Connect timeout in seconds (resolve, connect, proxy CONNECT, TLS handshake).
  double connect_timeout_s = 30;
  /// Attempts per request for 429, 5xx, resets and timeouts.
  unsigned max_attempts = 5;
  /// First retry backoff in seconds (exponential with full jitter, capped by backoff_max_s).
  double backoff_base_s = 1;
  /// Longest retry backoff in seconds.
  double backoff_max_s = 60;
  /// Verify TLS certificates and host names.
  bool verify_tls = true;
  /// Extra CA bundle (PEM) trusted besides the system store; empty = none.
  std::string ca_file;
  /// HTTP proxy URL for https requests (tunnelled with CONNECT); empty = direct.
  std::string https_proxy;
  /// Hosts that bypass the proxy (exact or domain-suffix match, "*" = all).
  std::vector<std::string> no_proxy;
};

}  // namespace doctown
