// The OpenAI-compatible /v1/embeddings embedder. It needs the shared blocking HTTP client
// (lib/net/http_client.hpp), which this build does not have yet: until it lands, the factory
// validates its options and then reports `unsupported`, so that `--embedder remote` fails at
// configuration time with a clear message instead of mid-run.
#include <cmath>

#include "doctown/embedder.hpp"

namespace doctown {

result<std::unique_ptr<Embedder>> make_remote_embedder(RemoteEmbedderOptions options) {
  if (options.base_url.empty())
    return fail(errc::invalid_argument, "the remote embedder needs a base URL ending in /v1",
                "base_url");
  if (options.model.empty())
    return fail(errc::invalid_argument, "the remote embedder needs a model name", "model");
  if (options.batch_size == 0 || options.max_attempts == 0 || !std::isfinite(options.timeout_s) ||
      options.timeout_s <= 0)
    return fail(errc::invalid_argument,
                "the remote embedder's batch size, attempts and timeout must be positive",
                options.base_url);
  return fail(errc::unsupported,
              "the remote embedder is not available in this build of libdoctown; use the local "
              "embedder (--embedder local, the default), which needs no download",
              options.base_url);
}

}  // namespace doctown
