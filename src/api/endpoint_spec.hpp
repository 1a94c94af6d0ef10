#pragma once
// An endpoint spec per inbound API: where it is served, where its model and stream flag come from,
// which translator of a provider serves it, how its errors are rendered (whole and mid-stream) and
// what its operation is called in metrics and traces. The gateway's one exchange drives every
// endpoint through this.

#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "providers/provider.hpp"

namespace switchyard::api {

using ErrorRenderer = std::string (*)(const core::Error& error);

struct EndpointSpec {
  enum class From : std::uint8_t { None, Body, Path };

  providers::Endpoint endpoint;
  std::string_view path;           // as documented, e.g. "/v1beta/models/{model}:generateContent"
  std::string_view operationName;  // gen_ai.operation.name: "chat", "embeddings", ...
  From model = From::Body;         // the body's `model`, or the `{model}` of the path
  From stream = From::None;        // the body's `stream`, the path's method, or never
  // The error body in this API's envelope (its status is core::httpStatusOf(error)), and the event
  // that ends a stream which failed after its first byte.
  ErrorRenderer renderError = nullptr;
  ErrorRenderer renderStreamError = nullptr;
  // Client headers the upstream call carries as the client sent them (the API's own feature
  // switches, e.g. `anthropic-beta`). Nothing else of the client's headers ever goes upstream.
  std::span<const std::string_view> forwardedHeaders = {};

  // The translator a backend of `provider` serves this endpoint with, or null.
  const providers::Translator* translatorOf(const providers::Provider& provider) const {
    return provider.translator(endpoint);
  }
};

// A request path matched to its endpoint, with what the path itself says.
struct EndpointMatch {
  const EndpointSpec* spec = nullptr;  // null: no endpoint serves this path
  std::string_view model;              // the path's `{model}` (From::Path)
  bool stream = false;                 // the path's method streams (From::Path)
};

// `path` is the request target without its query.
EndpointMatch matchEndpoint(std::string_view path);

// The envelope for an error on `path` when no endpoint matched it (or before one did): the API the
// path belongs to by its prefix (Anthropic, Google), else OpenAI's.
ErrorRenderer errorRendererFor(std::string_view path);

// The paths served, for the 404 message.
std::string endpointPaths();

}  // namespace switchyard::api
