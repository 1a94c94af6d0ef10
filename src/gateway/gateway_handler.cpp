#include "gateway/gateway_handler.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cstdio>

#include "core/error.hpp"
#include "net/dns_cache.hpp"
#include "route/attempt_plan.hpp"
#include "route/router.hpp"

namespace switchyard::gateway {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using core::Error;
using core::ErrorKind;

namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

HeaderList oneHeader(std::string name, std::string value) {
  HeaderList headers;
  headers.emplace_back(std::move(name), std::move(value));
  return headers;
}

constexpr std::string_view kJson = "application/json";
constexpr auto kDefaultRequestTimeout = std::chrono::seconds(60);
constexpr auto kLogFlushInterval = std::chrono::milliseconds(50);

std::string_view pathOf(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

// Envoy-style response flag for the error that ended a request.
std::string_view responseFlagFor(const Error& error) {
  switch (error.kind) {
    case ErrorKind::UpstreamConnect:
    case ErrorKind::UpstreamDns:
    case ErrorKind::UpstreamTls: return "UF";
    case ErrorKind::UpstreamReset: return "UC";
    case ErrorKind::UpstreamTimeout: return "UT";
    case ErrorKind::NoBackendAvailable: return "UH";
    case ErrorKind::ModelNotFound:
    case ErrorKind::RouteNotFound: return "NR";
    default: return "";
  }
}

std::string attemptOutcome(const Error& error) {
  if (error.kind == ErrorKind::UpstreamStatus) return "status_" + std::to_string(error.upstreamStatus);
  return std::string(core::kindName(error.kind));
}

}  // namespace

GatewayHandler::GatewayHandler(const GatewayServices& services, asio::io_context& ioc)
    : services_(services),
      ioc_(ioc),
      upstream_(ioc.get_executor(), services.dns),
      random_(std::random_device{}()),
      accessLog_(services.accessLogOut),
      flushTimer_(ioc) {
  scheduleLogFlush();
}

GatewayHandler::~GatewayHandler() { accessLog_.flush(); }

void GatewayHandler::scheduleLogFlush() {
  flushTimer_.expires_after(kLogFlushInterval);
  flushTimer_.async_wait([this](const boost::system::error_code& ec) {
    accessLog_.flush();
    if (!ec) scheduleLogFlush();
  });
}

std::string GatewayHandler::newRequestId() {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%016llx", static_cast<unsigned>(random_()),
                static_cast<unsigned long long>(++requestCounter_));
  return buf;
}

void GatewayHandler::renderProtocolError(unsigned status, std::string_view message, std::string& body,
                                         std::string& contentType) {
  ErrorKind kind = ErrorKind::InvalidRequest;
  switch (status) {
    case 408: kind = ErrorKind::RequestTimeout; break;
    case 413: kind = ErrorKind::PayloadTooLarge; break;
    case 431: kind = ErrorKind::HeadersTooLarge; break;
    case 500: kind = ErrorKind::Internal; break;
    default: break;
  }
  body = core::renderOpenAiError(Error::make(kind, std::string(message)));
  contentType = kJson;
}

asio::awaitable<void> GatewayHandler::handle(http::Request& request,
                                             const http::RequestContext& context,
                                             http::ResponseWriter& writer) {
  const auto started = std::chrono::steady_clock::now();
  AccessLogEntry log;
  log.start = services_.clock->now();
  log.method = sv(request.method_string());
  log.path = sv(request.target());
  log.protocol = request.version() == 11 ? "HTTP/1.1" : "HTTP/1.0";
  log.bytesReceived = context.bytesReceived;
  log.userAgent = sv(request[bhttp::field::user_agent]);
  std::string requestId(sv(request["x-request-id"]));
  if (requestId.empty() || requestId.size() > 128) requestId = newRequestId();
  log.requestId = requestId;

  const auto path = pathOf(sv(request.target()));
  auto sendError = [&](const Error& error,
                       std::vector<std::pair<std::string, std::string>> headers) -> asio::awaitable<void> {
    log.responseCode = core::httpStatusOf(error);
    log.errorType = core::kindName(error.kind);
    log.responseFlags = responseFlagFor(error);
    headers.emplace_back("x-request-id", requestId);
    co_await writer.send(log.responseCode, kJson, core::renderOpenAiError(error), std::move(headers));
  };

  if (path == "/v1/chat/completions") {
    if (request.method() != bhttp::verb::post) {
      co_await sendError(Error::make(ErrorKind::MethodNotAllowed, "use POST for /v1/chat/completions"),
                         oneHeader("allow", "POST"));
    } else {
      co_await chatCompletions(request, context, writer, log);
    }
  } else if (path == "/v1/models") {
    if (request.method() != bhttp::verb::get) {
      co_await sendError(Error::make(ErrorKind::MethodNotAllowed, "use GET for /v1/models"),
                         oneHeader("allow", "GET"));
    } else {
      auto runtime = services_.runtime->current();
      log.responseCode = 200;
      co_await writer.send(200, kJson, runtime->modelsBody, oneHeader("x-request-id", requestId));
    }
  } else {
    co_await sendError(Error::make(ErrorKind::RouteNotFound, "no route for " + std::string(path) +
                                                                 "; this gateway serves /v1/chat/completions and /v1/models"),
                       HeaderList{});
  }
  log.bytesSent = writer.bytesSent();
  log.duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  accessLog_.record(log);
}

asio::awaitable<void> GatewayHandler::chatCompletions(http::Request& request,
                                                      const http::RequestContext& context,
                                                      http::ResponseWriter& writer,
                                                      AccessLogEntry& log) {
  const std::string requestId(log.requestId);
  auto respondError = [&](const Error& error) -> asio::awaitable<void> {
    log.responseCode = core::httpStatusOf(error);
    log.errorType = core::kindName(error.kind);
    log.responseFlags = responseFlagFor(error);
    HeaderList headers = oneHeader("x-request-id", requestId);
    if (error.retryAfterSeconds >= 0) headers.emplace_back("retry-after", std::to_string(error.retryAfterSeconds));
    co_await writer.send(log.responseCode, kJson, core::renderOpenAiError(error), std::move(headers));
  };

  // Parse.
  const auto contentType = sv(request[bhttp::field::content_type]);
  if (!contentType.empty() && !boost::algorithm::istarts_with(contentType, kJson)) {
    co_await respondError(Error::make(ErrorKind::UnsupportedMediaType,
                                      "Content-Type must be application/json, got " + std::string(contentType)));
    co_return;
  }
  std::array<unsigned char, 4096> arenaSeed;  // (std::array: GCC 12 rejects C arrays in coroutines)
  boost::json::monotonic_resource arena(arenaSeed.data(), arenaSeed.size());
  boost::system::error_code parseError;
  boost::json::value body = boost::json::parse(request.body(), parseError, &arena);
  if (parseError) {
    co_await respondError(Error::make(ErrorKind::InvalidJson,
                                      "We could not parse the JSON body of your request: " + parseError.message()));
    co_return;
  }
  if (!body.is_object()) {
    co_await respondError(Error::make(ErrorKind::InvalidRequest, "the request body must be a JSON object"));
    co_return;
  }
  const auto& object = body.get_object();
  const auto* modelValue = object.if_contains("model");
  if (!modelValue || !modelValue->is_string() || modelValue->get_string().empty()) {
    co_await respondError(Error::make(ErrorKind::InvalidRequest, "you must provide a model parameter", "model"));
    co_return;
  }
  providers::ChatRequest chat;
  chat.body = &object;
  chat.model = modelValue->get_string();
  if (const auto* stream = object.if_contains("stream"); stream && !stream->is_null()) {
    if (!stream->is_bool()) {
      co_await respondError(Error::make(ErrorKind::InvalidRequest, "stream must be a boolean", "stream"));
      co_return;
    }
    chat.stream = stream->get_bool();
  }
  log.requestModel = chat.model;
  log.stream = chat.stream;
  if (chat.stream) {
    co_await respondError(Error::make(ErrorKind::InvalidRequest,
                                      "streaming (stream: true) is not enabled on this gateway yet", "stream"));
    co_return;
  }

  // Route: the body's model is the x-ai-eg-model header, whatever the client sent.
  const auto runtime = services_.runtime->current();
  const config::Rule* rule = route::findRule(*runtime->snapshot, [&](std::string_view name) -> std::string_view {
    if (name == "x-ai-eg-model") return chat.model;
    return sv(request[boost::beast::string_view(name.data(), name.size())]);
  });
  if (!rule) {
    co_await respondError(Error::make(ErrorKind::ModelNotFound,
                                      "The model `" + std::string(chat.model) +
                                          "` does not exist or you do not have access to it."));
    co_return;
  }

  const auto plan = route::planAttempts(*rule, random_);
  if (plan.empty()) {
    co_await respondError(Error::make(ErrorKind::NoBackendAvailable,
                                      "no backend is available for model " + std::string(chat.model)));
    co_return;
  }

  const auto requestTimeout = rule->requestTimeout.value_or(kDefaultRequestTimeout);
  const auto deadline = std::chrono::steady_clock::now() + requestTimeout;
  Error lastError = Error::make(ErrorKind::NoBackendAvailable, "no backend is available");
  for (const auto index : plan) {
    const auto& ref = rule->backendRefs[index];
    const auto found = runtime->backends.find(ref.backend.get());
    if (found == runtime->backends.end()) continue;
    const BackendRuntime& backend = found->second;
    const auto attemptStart = std::chrono::steady_clock::now();
    AttemptRecord attempt{backend.config->name, backend.hostLabel, "", {}};
    auto finishAttempt = [&](const Error& error) {
      attempt.outcome = attemptOutcome(error);
      attempt.duration = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - attemptStart);
      log.attempts.push_back(attempt);
      log.upstreamHost = backend.hostLabel;
      log.upstreamCluster = backend.config->name;
      if (error.kind == ErrorKind::UpstreamTls || error.kind == ErrorKind::UpstreamConnect ||
          error.kind == ErrorKind::UpstreamDns)
        log.upstreamTransportFailureReason = error.message;
      lastError = error;
    };

    providers::BackendTarget target;
    target.model = ref.modelNameOverride.empty() ? chat.model : std::string_view(ref.modelNameOverride);
    target.project = backend.project;
    target.region = backend.region;
    target.pathPrefix = backend.config->prefix;
    log.modelOverride = ref.modelNameOverride;

    auto outbound = backend.provider->buildRequest(chat, target);
    if (!outbound) {
      // The client's request cannot be expressed for this backend: the client must fix it.
      if (core::sideOf(outbound.error().kind) == core::ErrorSide::Client) {
        co_await respondError(outbound.error());
        co_return;
      }
      finishAttempt(outbound.error());
      continue;
    }
    if (!backend.credentialError.empty()) {
      finishAttempt(Error::make(ErrorKind::CredentialUnavailable, backend.credentialError));
      continue;
    }
    if (backend.signer) {
      auto signedOk = co_await backend.signer->sign(*outbound);
      if (!signedOk) {
        finishAttempt(signedOk.error());
        continue;
      }
    }
    core::setHeader(outbound->headers, "x-request-id", requestId);

    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) {
      finishAttempt(Error::make(ErrorKind::UpstreamTimeout, "request timeout of " +
                                    std::to_string(requestTimeout.count()) + " ms reached"));
      break;
    }
    auto response = co_await upstream_.send(backend.target, *outbound, remaining);
    if (!response) {
      finishAttempt(response.error());
      if (core::mayRetry(response.error())) continue;
      break;
    }
    if (response->status < 200 || response->status > 299) {
      Error error = backend.provider->translateError(response->status, response->body);
      if (const auto retryAfter = response->header("retry-after"); !retryAfter.empty()) {
        try {
          error.retryAfterSeconds = std::stoi(std::string(retryAfter));
        } catch (...) {
        }
      }
      finishAttempt(error);
      if (core::mayRetry(error)) continue;
      break;
    }
    providers::ResponseContext responseContext{services_.clock->nowSeconds(), requestId};
    auto translated = backend.provider->translateResponse(response->body, chat, target, responseContext);
    if (!translated) {
      finishAttempt(translated.error());
      continue;
    }
    attempt.outcome = "ok";
    attempt.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - attemptStart);
    log.attempts.push_back(attempt);
    log.upstreamHost = backend.hostLabel;
    log.upstreamCluster = backend.config->name;
    log.backend = backend.config->name;
    log.responseModel = translated->responseModel;
    log.usage = translated->usage;
    log.responseCode = 200;
    co_await writer.send(200, kJson, std::move(translated->body), oneHeader("x-request-id", requestId));
    co_return;
  }
  co_await respondError(lastError);
}

}  // namespace switchyard::gateway
