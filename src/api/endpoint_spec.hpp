#pragma once
// An endpoint spec per inbound API: where it is served, which fields its parse checks, which
// translator of a provider serves it, how its errors are rendered and what its operation is
// called in metrics and traces. The gateway's one exchange drives every endpoint through this.

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "providers/provider.hpp"

namespace switchyard::api {

struct EndpointSpec {
  providers::Endpoint endpoint;
  std::string_view path;           // e.g. "/v1/chat/completions"
  std::string_view operationName;  // gen_ai.operation.name: "chat", "embeddings"
  bool streams = false;            // `stream` / `stream_options` are read (else ignored)
  // The error body in this API's envelope (its status is core::httpStatusOf(error)).
  std::string (*renderError)(const core::Error& error) = nullptr;

  // The translator a backend of `provider` serves this endpoint with, or null.
  const providers::Translator* translatorOf(const providers::Provider& provider) const {
    return provider.translator(endpoint);
  }
};

// The spec served at `path` (exact, without the query), or null.
const EndpointSpec* findEndpoint(std::string_view path);

// The paths served, for the 404 message ("/v1/chat/completions, /v1/embeddings").
std::string endpointPaths();

}  // namespace switchyard::api
