#pragma once
// The provider interface: everything that differs between upstream API schemas. A provider is a
// descriptor (who it is) and one translator per inbound endpoint it serves. A translator turns the
// parsed request into the upstream call(s), and the upstream answer (whole, streamed or an error)
// back into the endpoint's shape. Translation happens per attempt, so a fallback may cross
// providers.

#include <boost/container/small_vector.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.hpp"
#include "core/result.hpp"
#include "providers/descriptor.hpp"

namespace switchyard::providers {

// The client's request, parsed once by its endpoint spec and shared by all attempts.
struct ApiRequest {
  Endpoint endpoint = Endpoint::ChatCompletions;
  const boost::json::object* body = nullptr;  // the whole request body
  std::string_view model;  // the body's `model`, or the path's for the Gemini API
  bool stream = false;
  bool includeUsage = false;  // stream_options.include_usage
  std::string_view query;     // the client's query string (e.g. Gemini's `alt=sse`), without '?'
};

// What a provider needs to know about the backend chosen for this attempt.
struct BackendTarget {
  std::string_view model;          // upstream model: modelNameOverride, else the requested model
  std::string_view project;        // Vertex: GCP project (BackendSecurityPolicy gcpCredentials)
  std::string_view region;         // Vertex: GCP region / location
  std::string_view pathPrefix;     // AIServiceBackend schema.prefix (e.g. "/v1")
  std::string_view schemaVersion;  // AIServiceBackend schema.version (e.g. Anthropic's API version)
};

// Values that make a translation deterministic in tests.
struct ResponseContext {
  std::int64_t nowSeconds = 0;  // `created` when the upstream gives no time
  std::string_view requestId;   // basis for ids when the upstream gives none
};

// Token counts the OpenAI way: prompt includes the cached and the cache-creation tokens.
struct Usage {
  std::int64_t promptTokens = 0;
  std::int64_t completionTokens = 0;  // includes reasoning tokens
  std::int64_t totalTokens = 0;
  std::int64_t cachedTokens = 0;  // read from the prompt cache
  std::int64_t reasoningTokens = 0;
  // Written to the prompt cache (Anthropic's cache_creation_input_tokens). OpenAI's usage has no
  // such field, so it is not shown to OpenAI clients; it feeds CacheCreationInputToken costs.
  // Last, so brace-initialised Usages of the five counts above keep their meaning.
  std::int64_t cacheCreationTokens = 0;

  bool operator==(const Usage&) const = default;
};

struct TranslatedResponse {
  std::string body;           // the endpoint's JSON answer (e.g. an OpenAI chat.completion)
  std::string responseModel;  // model reported to the client
  Usage usage;
};

// The upstream calls of one attempt: one, except where the upstream caps a request's size (an
// embeddings batch over the model's instance limit), then several, sent concurrently.
using UpstreamCalls = boost::container::small_vector<core::OutboundRequest, 1>;

// Turns one upstream response stream into the endpoint's events, as the bytes arrive. One per
// streamed attempt; it keeps whatever state spans events (ids, indexes, usage). The framing of the
// upstream stream (SSE, or anything else) is the translator's own business.
class StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;

  // Upstream body bytes, split anywhere. Appends zero or more complete client frames to `out`.
  // An unreadable stream is UpstreamBadResponse; an in-stream upstream error object is
  // UpstreamStatus with the upstream's message. After an error the translator is not fed again.
  virtual core::Result<void> onBytes(std::string_view bytes, std::string& out) = 0;

  // The upstream body ended cleanly. Appends the closing frames; a stream cut short (inside an
  // event, or before its finish) is UpstreamBadResponse.
  virtual core::Result<void> finish(std::string& out) = 0;

  virtual const Usage& usage() const = 0;              // last cumulative usage seen
  virtual std::string_view responseModel() const = 0;  // model reported in the events
  // The client stream's content type (its framing is the translator's choice too).
  virtual std::string_view contentType() const { return "text/event-stream; charset=utf-8"; }

  // The stream failed after its first frame went out: append the frame that ends it, carrying
  // `errorBody` (the endpoint's whole error envelope), in this stream's own framing. False: the
  // endpoint's error event ends it (the SSE framings).
  virtual bool closeWithError(std::string_view errorBody, std::string& out) const { return false; }
};

// One (endpoint × schema) pair. Stateless: one instance serves every request.
class Translator {
 public:
  virtual ~Translator() = default;

  // Path, headers (not auth, not Host) and body of the upstream call(s). Errors are client errors
  // (InvalidRequest with param) found while translating, e.g. an unsafe model name.
  virtual core::Result<UpstreamCalls> buildRequest(const ApiRequest& request,
                                                   const BackendTarget& target) const = 0;

  // The 2xx upstream bodies, one per call built, in order, to the endpoint's answer. A body that
  // cannot be read is UpstreamBadResponse.
  virtual core::Result<TranslatedResponse> translateResponse(
      std::span<const std::string_view> upstreamBodies, const ApiRequest& request,
      const BackendTarget& target, const ResponseContext& context) const = 0;

  // For `stream: true`: a translator for one attempt's upstream stream; null when this endpoint
  // does not stream on this provider (the request is then refused before anything is sent).
  virtual std::unique_ptr<StreamTranslator> newStreamTranslator(
      const ApiRequest& request, const BackendTarget& target,
      const ResponseContext& context) const = 0;

  // A non-2xx upstream answer to an Error of kind UpstreamStatus keeping status and message, with
  // retryAfterSeconds from the body's details or the Retry-After header.
  virtual core::Error translateError(unsigned status, const std::vector<core::Header>& headers,
                                     std::string_view upstreamBody) const = 0;
};

// A backend schema: who it is, and its translator per endpoint (null: not served).
struct Provider {
  ProviderDescriptor descriptor;
  const Translator* translators[kEndpointCount] = {};

  const Translator* translator(Endpoint endpoint) const {
    return translators[static_cast<std::size_t>(endpoint)];
  }
};

// Retry-After in seconds (the delta-seconds form), -1 when absent or not a number.
int retryAfterSeconds(const std::vector<core::Header>& headers);

}  // namespace switchyard::providers
