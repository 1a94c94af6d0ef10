#pragma once
// The provider interface: everything that differs between upstream API schemas. A provider turns
// the parsed OpenAI request into the upstream request, and the upstream answer back into OpenAI's
// shape. Translation happens per attempt, so a fallback may cross providers.

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/http_message.hpp"
#include "core/result.hpp"

namespace switchyard::providers {

// The client's request, parsed once and shared by all attempts.
struct ChatRequest {
  const boost::json::object* body = nullptr;  // the whole OpenAI request body
  std::string_view model;                     // the body's `model`
  bool stream = false;
  bool includeUsage = false;  // stream_options.include_usage
};

// What a provider needs to know about the backend chosen for this attempt.
struct BackendTarget {
  std::string_view model;  // upstream model: modelNameOverride, else the requested model
  std::string_view
      project;  // Vertex: GCP project (BackendSecurityPolicy gcpCredentials.projectName)
  std::string_view region;      // Vertex: GCP region / location
  std::string_view pathPrefix;  // OpenAI schema: AIServiceBackend schema.prefix (e.g. "/v1")
};

// Values that make a translation deterministic in tests.
struct ResponseContext {
  std::int64_t nowSeconds = 0;  // `created` when the upstream gives no time
  std::string_view requestId;   // basis for ids when the upstream gives none
};

struct Usage {
  std::int64_t promptTokens = 0;
  std::int64_t completionTokens = 0;  // includes reasoning tokens
  std::int64_t totalTokens = 0;
  std::int64_t cachedTokens = 0;
  std::int64_t reasoningTokens = 0;
};

struct TranslatedResponse {
  std::string body;           // OpenAI chat.completion JSON
  std::string responseModel;  // model reported to the client
  Usage usage;
};

// Turns one upstream response stream into OpenAI chat.completion.chunk events, event by event.
// One per streamed attempt; it keeps the id, created time, tool-call index and usage across events.
class StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;

  // One upstream SSE event's data. Appends zero or more complete `data: {...}\n\n` frames to `out`.
  // An event that cannot be read is UpstreamBadResponse; an in-stream upstream error object is
  // UpstreamStatus with the upstream's message.
  virtual core::Result<void> onEvent(std::string_view data, std::string& out) = 0;

  // The upstream body ended cleanly. Appends the closing frames (the finish chunk if not yet sent,
  // the usage chunk when include_usage, then `data: [DONE]\n\n`). A stream that ended without a
  // finish reason is UpstreamBadResponse ("stream ended early").
  virtual core::Result<void> finish(std::string& out) = 0;

  virtual const Usage& usage() const = 0;              // last cumulative usage seen
  virtual std::string_view responseModel() const = 0;  // model reported in the chunks
};

class Provider {
 public:
  virtual ~Provider() = default;

  // Path, headers (not auth, not Host) and body of the upstream call. Errors are client errors
  // (InvalidRequest with param) found while translating, e.g. an unsafe model name.
  virtual core::Result<core::OutboundRequest> buildRequest(const ChatRequest& request,
                                                           const BackendTarget& target) const = 0;

  // A 2xx upstream body to an OpenAI chat.completion. A body that cannot be read is
  // UpstreamBadResponse; a blocked prompt is reported per the spec (never an empty 200).
  virtual core::Result<TranslatedResponse> translateResponse(
      std::string_view upstreamBody, const ChatRequest& request, const BackendTarget& target,
      const ResponseContext& context) const = 0;

  // For `stream: true`: a translator for one attempt's upstream event stream.
  virtual std::unique_ptr<StreamTranslator> newStreamTranslator(
      const ChatRequest& request, const BackendTarget& target,
      const ResponseContext& context) const = 0;

  // A non-2xx upstream answer to an Error of kind UpstreamStatus keeping status and message.
  virtual core::Error translateError(unsigned status, std::string_view upstreamBody) const = 0;
};

}  // namespace switchyard::providers
