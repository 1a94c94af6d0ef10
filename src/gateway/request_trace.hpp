#pragma once
// One request's trace: the request span (OpenInference `ChatCompletion` / `CreateEmbeddings`, or
// GenAI `chat {model}` / `embeddings {model}`) and a child span per upstream attempt, so a fallback
// shows as two attempts in Phoenix. Built only when tracing is on and the caller's trace (if any)
// is sampled; the request path holds a null pointer otherwise and pays one branch per hook.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "gateway/request_info.hpp"
#include "http/server.hpp"
#include "providers/provider.hpp"
#include "telemetry/attribute_inputs.hpp"
#include "telemetry/attribute_settings.hpp"
#include "telemetry/span.hpp"
#include "telemetry/span_exporter.hpp"
#include "telemetry/stream_fold.hpp"

namespace switchyard::gateway {

struct BackendRuntime;

// Process-wide: where spans go (null: tracing off) and what they record.
struct TracingServices {
  telemetry::Exporter* exporter = nullptr;
  telemetry::AttributeSettings attributes;
};

class RequestTrace {
 public:
  // A trace for this request, or null when tracing is off or the caller's `traceparent` says its
  // trace is not sampled (then the caller's header is passed upstream unchanged).
  static std::unique_ptr<RequestTrace> begin(const TracingServices& services,
                                             telemetry::IdGenerator& ids,
                                             const http::Request& request);

  // The parsed request: name, request attributes (input, messages or embedding texts, tools,
  // parameters, headers); the endpoint decides which.
  void onRequest(const providers::ApiRequest& api, std::string_view operation,
                 std::string_view rawBody, const http::Request& request);

  // An attempt on `backend` starts; the backend attributes of the request span follow the latest
  // one.
  void beginAttempt(const BackendRuntime& backend, std::string_view upstreamModel);
  // W3C headers for the current attempt's upstream request: this attempt's span is the parent.
  std::string attemptTraceParent() const;
  const std::string& traceState() const { return request_.traceState; }
  // The current attempt ends: "ok", or how it failed.
  void endAttempt(std::string_view outcome, const core::Error* error);

  // What the stream translator produced for the client, in order (folded into output.value).
  void onStreamOutput(std::string_view frames);
  // The non-streamed answer sent to the client (a chat.completion, an embeddings list).
  void onResponse(std::string_view body);
  // The request failed (before the response or mid-stream).
  void onError(const core::Error& error);

  // Ends both spans and hands them to the exporter.
  void finish(const RequestInfo& info);

  RequestTrace(const TracingServices& services, telemetry::IdGenerator& ids,
               telemetry::Span request);

 private:
  const TracingServices& services_;
  telemetry::IdGenerator& ids_;
  telemetry::Span request_;
  std::optional<telemetry::Span> attempt_;
  std::vector<telemetry::Span> attempts_;  // ended, exported with the request span
  std::unique_ptr<telemetry::StreamFold> fold_;
  const telemetry::ProviderKind* provider_ = nullptr;  // of the latest attempt's backend
  providers::Endpoint endpoint_ = providers::Endpoint::ChatCompletions;
  // The endpoint's bodies go to the provider in their own API's shape (Anthropic, Gemini): the
  // span records them as they are.
  bool passthrough() const {
    return endpoint_ != providers::Endpoint::ChatCompletions &&
           endpoint_ != providers::Endpoint::Embeddings;
  }
  std::string upstreamModel_;
  bool sawBackend_ = false;
  bool failed_ = false;
};

// The caller's `traceparent` / `tracestate`, forwarded unchanged when there is no trace of ours.
void forwardCallerTraceContext(const http::Request& request, std::vector<core::Header>& headers);

}  // namespace switchyard::gateway
