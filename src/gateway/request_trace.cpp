#include "gateway/request_trace.hpp"

#include "core/http_message.hpp"
#include "gateway/runtime.hpp"
#include "http/field_value.hpp"
#include "telemetry/attribute_semconv.hpp"
#include "telemetry/embedding_attributes.hpp"
#include "telemetry/passthrough_attributes.hpp"

namespace switchyard::gateway {

namespace {

using telemetry::AttributeList;
using telemetry::Span;

std::uint64_t nowUnixNano() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// OpenInference span names of the endpoints whose bodies pass through in their own API's shape.
std::string_view openInferenceNameOf(providers::Endpoint endpoint) {
  switch (endpoint) {
    case providers::Endpoint::AnthropicMessages:
      return "Messages";
    case providers::Endpoint::GeminiGenerateContent:
      return "GenerateContent";
    case providers::Endpoint::AnthropicCountTokens:
    case providers::Endpoint::GeminiCountTokens:
      return "CountTokens";
    default:
      return "ChatCompletion";
  }
}

bool genAi(const TracingServices& services) {
  return services.attributes.convention == telemetry::SemanticConvention::GenAi;
}

}  // namespace

RequestTrace::RequestTrace(const TracingServices& services, telemetry::IdGenerator& ids,
                           Span request)
    : services_(services), ids_(ids), request_(std::move(request)) {}

std::unique_ptr<RequestTrace> RequestTrace::begin(const TracingServices& services,
                                                  telemetry::IdGenerator& ids,
                                                  const http::Request& request) {
  if (!services.exporter) return nullptr;
  const auto caller = telemetry::parseTraceParent(http::fieldValue(request, "traceparent"),
                                                  http::fieldValue(request, "tracestate"));
  if (caller && !caller->sampled())
    return nullptr;  // the caller decided: no trace, just pass it on
  Span span = caller ? Span::childOf(*caller, ids) : Span::root(ids);
  span.kind = telemetry::SpanKind::Server;
  span.startTimeUnixNano = nowUnixNano();
  return std::make_unique<RequestTrace>(services, ids, std::move(span));
}

void RequestTrace::onRequest(const providers::ApiRequest& api, std::string_view operation,
                             std::string_view rawBody, const http::Request& request) {
  endpoint_ = api.endpoint;
  const auto& settings = services_.attributes;
  AttributeList attributes;
  const telemetry::ChatRequestView view{*api.body, rawBody, [&request](std::string_view name) {
                                          return http::fieldValue(request, name);
                                        }};
  if (endpoint_ == providers::Endpoint::Embeddings) {
    request_.name = telemetry::embeddingsSpanName(settings, api.model);
    telemetry::addEmbeddingsRequestAttributes(settings, view, attributes);
  } else if (passthrough()) {
    request_.name = telemetry::passthroughSpanName(settings, openInferenceNameOf(endpoint_),
                                                   operation, api.model);
    telemetry::addPassthroughRequestAttributes(settings, operation, api.model, view, attributes);
  } else {
    request_.name = telemetry::chatSpanName(settings, api.model);
    telemetry::addChatRequestAttributes(settings, view, attributes);
    if (api.stream) fold_ = std::make_unique<telemetry::StreamFold>();
  }
  telemetry::moveAttributes(std::move(attributes.entries()), request_.attributes);
}

void RequestTrace::beginAttempt(const BackendRuntime& backend, std::string_view upstreamModel) {
  Span span = Span::childOf(request_, ids_);
  span.kind = telemetry::SpanKind::Client;
  span.name = "upstream " + backend.config->name;
  span.startTimeUnixNano = nowUnixNano();
  span.add("switchyard.backend", backend.config->name);
  span.add("server.address", backend.target.host);
  span.add("server.port", static_cast<std::int64_t>(backend.target.port));
  span.add("switchyard.attempt.number", static_cast<std::int64_t>(attempts_.size() + 1));
  span.add("llm.model_name", telemetry::cappedIdentifier(upstreamModel));
  attempt_ = std::move(span);
  provider_ = &backend.provider->descriptor;
  upstreamModel_ = upstreamModel;
  sawBackend_ = true;
}

std::string RequestTrace::attemptTraceParent() const {
  return attempt_ ? attempt_->traceParent() : request_.traceParent();
}

void RequestTrace::endAttempt(std::string_view outcome, const core::Error* error) {
  if (!attempt_) return;
  Span& span = *attempt_;
  span.endTimeUnixNano = nowUnixNano();
  span.add("switchyard.attempt.outcome", std::string(outcome));
  if (error) {
    if (error->upstreamStatus > 0)
      span.add("http.response.status_code", static_cast<std::int64_t>(error->upstreamStatus));
    span.add("error.type", std::string(core::kindName(error->kind)));
    span.recordError(span.endTimeUnixNano, std::string(core::kindName(error->kind)),
                     error->message);
  } else {
    span.add("http.response.status_code", std::int64_t{200});
    span.status.code = telemetry::StatusCode::Ok;
  }
  attempts_.push_back(std::move(span));
  attempt_.reset();
}

void RequestTrace::onStreamOutput(std::string_view frames) {
  if (!fold_) return;
  const bool sawContent = fold_->sawContent();
  if (fold_->feedFrames(frames) && !sawContent) {
    const auto now = nowUnixNano();
    // The event the OpenInference instrumentations stamp on a stream's first token.
    request_.addEvent("First Token Stream Event", now);
    if (genAi(services_)) {
      request_.add("gen_ai.response.time_to_first_chunk",
                   static_cast<double>(now - request_.startTimeUnixNano) / 1e9);
    }
  }
}

void RequestTrace::onResponse(std::string_view body) {
  AttributeList attributes;
  if (endpoint_ == providers::Endpoint::Embeddings) {
    telemetry::addEmbeddingsResponseAttributes(services_.attributes, body, attributes);
  } else if (passthrough()) {
    telemetry::addPassthroughResponseAttributes(services_.attributes, body, attributes);
  } else {
    telemetry::addChatResponseAttributes(services_.attributes, body, attributes);
  }
  telemetry::moveAttributes(std::move(attributes.entries()), request_.attributes);
}

void RequestTrace::onError(const core::Error& error) {
  if (failed_) return;
  failed_ = true;
  AttributeList spanAttributes;
  AttributeList event;
  telemetry::addChatErrorAttributes(services_.attributes, error, spanAttributes, event);
  telemetry::moveAttributes(std::move(spanAttributes.entries()), request_.attributes);
  // The event's attributes come from the convention's own error function, not recordError's.
  auto& exception = request_.addEvent("exception", nowUnixNano());
  telemetry::moveAttributes(std::move(event.entries()), exception.attributes);
  request_.status = {telemetry::StatusCode::Error, error.message};
}

void RequestTrace::finish(const RequestInfo& info) {
  const unsigned responseCode = info.responseCode;
  if (attempt_) endAttempt("abandoned", nullptr);
  if (passthrough() && !info.backend.empty()) {
    // These answers are not read into messages; the counts the provider reported are.
    AttributeList attributes;
    telemetry::addPassthroughUsageAttributes(services_.attributes,
                                             {info.usage.promptTokens, info.usage.completionTokens,
                                              info.usage.totalTokens, info.responseModel},
                                             attributes);
    telemetry::moveAttributes(std::move(attributes.entries()), request_.attributes);
  }
  if (sawBackend_ && provider_) {
    AttributeList attributes;
    if (endpoint_ == providers::Endpoint::Embeddings) {
      telemetry::addEmbeddingsBackendAttributes(services_.attributes, *provider_, upstreamModel_,
                                                attributes);
    } else {
      telemetry::addChatBackendAttributes(services_.attributes, *provider_, upstreamModel_,
                                          attributes);
    }
    telemetry::moveAttributes(std::move(attributes.entries()), request_.attributes);
  }
  if (fold_ && (fold_->sawDone() || fold_->sawContent())) {  // a broken stream keeps what came
    AttributeList attributes;
    telemetry::addChatStreamAttributes(services_.attributes, *fold_, attributes);
    telemetry::moveAttributes(std::move(attributes.entries()), request_.attributes);
  }
  request_.add("http.response.status_code", static_cast<std::int64_t>(responseCode));
  if (!info.clientId.empty()) request_.add("enduser.id", info.clientId);
  if (!info.rateLimits.empty()) {
    // The summary (rules that applied, the largest costs, the rule that refused), then each rule.
    std::uint64_t requestCost = 0, responseCost = 0;
    for (const auto& limit : info.rateLimits) {
      requestCost = std::max(requestCost, limit.requestCost);
      responseCost = std::max(responseCost, limit.responseCost);
    }
    if (!info.rateLimitedBy.empty())
      request_.add("switchyard.ratelimit.limited_by", info.rateLimitedBy);
    request_.add("switchyard.ratelimit.rules", static_cast<std::int64_t>(info.rateLimits.size()));
    request_.add("switchyard.ratelimit.request_cost", static_cast<std::int64_t>(requestCost));
    request_.add("switchyard.ratelimit.response_cost", static_cast<std::int64_t>(responseCost));
    // Each rule as the access log's ratelimit.rules lists it: at most the route's rules.
    for (std::size_t i = 0; i < info.rateLimits.size(); ++i) {
      const auto& limit = info.rateLimits[i];
      const std::string prefix = "switchyard.ratelimit.rules." + std::to_string(i) + ".";
      request_.add(prefix + "rule", limit.rule);
      request_.add(prefix + "outcome", telemetry::SpanText::fromStatic(limit.outcome));
      request_.add(prefix + "request_cost", static_cast<std::int64_t>(limit.requestCost));
      request_.add(prefix + "response_cost", static_cast<std::int64_t>(limit.responseCost));
    }
  }
  if (!failed_ && request_.status.code == telemetry::StatusCode::Unset)
    request_.status.code = responseCode >= 200 && responseCode < 300 ? telemetry::StatusCode::Ok
                                                                     : telemetry::StatusCode::Error;
  request_.endTimeUnixNano = nowUnixNano();
  for (auto& attempt : attempts_) services_.exporter->submit(std::move(attempt));
  services_.exporter->submit(std::move(request_));
}

void forwardCallerTraceContext(const http::Request& request, std::vector<core::Header>& headers) {
  const auto traceParent = http::fieldValue(request, "traceparent");
  if (traceParent.empty()) return;
  core::setHeader(headers, "traceparent", std::string(traceParent));
  if (const auto traceState = http::fieldValue(request, "tracestate"); !traceState.empty())
    core::setHeader(headers, "tracestate", std::string(traceState));
}

}  // namespace switchyard::gateway
