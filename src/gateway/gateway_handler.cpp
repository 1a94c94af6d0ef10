#include "gateway/gateway_handler.hpp"

#include <boost/beast/http/field.hpp>

#include <array>
#include <optional>

#include "api/parsed_request.hpp"
#include "core/error.hpp"
#include "gateway/error_response.hpp"
#include "gateway/exchange.hpp"
#include "gateway/request_trace.hpp"
#include "http/field_value.hpp"
#include "net/dns_cache.hpp"

namespace switchyard::gateway {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using core::Error;
using core::ErrorKind;

namespace {

http::HeaderList oneHeader(std::string name, std::string value) {
  http::HeaderList headers;
  headers.emplace_back(std::move(name), std::move(value));
  return headers;
}

// The worker's tick, not only the log's: access-log flush, idle-pool sweep and heap trim run on it.
constexpr auto kLogFlushInterval = std::chrono::milliseconds(50);

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

net::UpstreamClientOptions upstreamOptions(net::UpstreamObserver& observer) {
  net::UpstreamClientOptions options;
  options.observer = &observer;
  return options;
}

// Only `run --kubernetes` serves before its first configuration (readiness is 503 until then).
Error notConfiguredYet() {
  return Error::make(ErrorKind::NoBackendAvailable,
                     "no configuration loaded yet: waiting for the Kubernetes API");
}

Error overloadedError(Overload::Verdict verdict) {
  auto error = Error::make(
      ErrorKind::Overloaded,
      verdict == Overload::Verdict::HeapOverLimit
          ? "the gateway is over its memory limit and sheds new requests; retry shortly"
          : "the gateway is serving as many requests as it allows at once; retry shortly");
  error.retryAfterSeconds = Overload::kRetryAfterSeconds;
  return error;
}

}  // namespace

GatewayHandler::GatewayHandler(const GatewayServices& services, asio::io_context& ioc)
    : services_(services),
      ioc_(ioc),
      metrics_(*services.metrics),
      upstream_(ioc.get_executor(), services.dns, upstreamOptions(metrics_)),
      redisHealth_(services.redis ? std::make_unique<RedisHealth>(metrics_, *services.redisOutage,
                                                                  services.redis->redacted())
                                  : nullptr),
      redisClient_(services.redis ? std::make_unique<redis::RedisClient>(
                                        ioc.get_executor(), *services.redis,
                                        redis::RedisClientOptions{}, redisHealth_.get())
                                  : nullptr),
      limiter_(redisClient_.get()),
      random_(std::random_device{}()),
      accessLog_(*services.accessLog),
      wallTime_(*services.clock),
      flushTimer_(ioc) {
  if (services.heapTrim) heapTrim_ = &services.heapTrim->addWorker();
  scheduleLogFlush();
}

GatewayHandler::~GatewayHandler() { accessLog_.flush(); }

void GatewayHandler::onDrainDeadline() { cuttable_.cutAll(); }

void GatewayHandler::scheduleLogFlush() {
  flushTimer_.expires_after(kLogFlushInterval);
  flushTimer_.async_wait([this](const boost::system::error_code& ec) {
    accessLog_.flush();
    upstream_.sweepIdleConnections();  // the client keeps no timer of its own
    if (services_.heapTrim) services_.heapTrim->onTick(std::chrono::steady_clock::now());
    if (!ec) scheduleLogFlush();
  });
}

// "%08x-%016llx" of a random number and the worker's counter, without snprintf's format parsing.
std::string_view GatewayHandler::newRequestId(std::array<char, kRequestIdSize>& id) {
  const auto hex = [&id](std::size_t at, std::uint64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value >>= 4) id[at + i] = "0123456789abcdef"[value & 0xF];
  };
  hex(0, static_cast<std::uint32_t>(random_()), 8);
  id[8] = '-';
  hex(9, ++requestCounter_, 16);
  return {id.data(), id.size()};
}

void GatewayHandler::renderProtocolError(unsigned status, std::string_view message,
                                         std::string& body, std::string& contentType) {
  ErrorKind kind = ErrorKind::InvalidRequest;
  switch (status) {
    case 408:
      kind = ErrorKind::RequestTimeout;
      break;
    case 413:
      kind = ErrorKind::PayloadTooLarge;
      break;
    case 431:
      kind = ErrorKind::HeadersTooLarge;
      break;
    case 500:
      kind = ErrorKind::Internal;
      break;
    default:
      break;
  }
  body = core::renderOpenAiError(Error::make(kind, std::string(message)));
  contentType = kJsonContentType;
  metrics_.onResponse(status);
}

asio::awaitable<void> GatewayHandler::handle(http::Request& request,
                                             const http::RequestContext& context,
                                             http::ResponseWriter& writer) {
  struct InFlight {
    QuietHeapTrim::Worker* worker;
    explicit InFlight(QuietHeapTrim::Worker* w) : worker(w) {
      if (worker) worker->requestStarted();
    }
    ~InFlight() {
      if (worker) worker->requestEnded();
    }
  } inFlight{heapTrim_};
  // The server read the clock when the request came in: its durations start there, and its
  // wall-clock start is that same instant.
  const auto started = context.received;
  RequestInfo log;
  log.start = wallTime_.at(started);
  log.method = sv(request.method_string());
  log.path = sv(request.target());
  log.protocol = request.version() == 20   ? "HTTP/2"
                 : request.version() == 11 ? "HTTP/1.1"
                                           : "HTTP/1.0";
  log.bytesReceived = context.bytesReceived;
  log.downstreamAddress = context.remoteAddress;
  log.userAgent = http::fieldValue(request, bhttp::field::user_agent);
  // The client's id is read where it is (the request outlives the log line), a new one from here.
  std::array<char, kRequestIdSize> generatedId;
  log.requestId = http::fieldValue(request, "x-request-id");
  if (log.requestId.empty() || log.requestId.size() > 128)
    log.requestId = newRequestId(generatedId);

  const std::string_view target = sv(request.target());
  const auto path = http::pathOf(target);
  const api::EndpointMatch endpoint = api::matchEndpoint(path);
  // The process's own limits come first: a request past them costs nothing more than its answer.
  const auto verdict =
      services_.overload ? services_.overload->tryStartRequest() : Overload::Verdict::Admitted;
  struct Place {
    Overload* overload;
    ~Place() {
      if (overload) overload->requestEnded();
    }
  } place{verdict == Overload::Verdict::Admitted ? services_.overload : nullptr};
  if (verdict == Overload::Verdict::Admitted && endpoint.spec &&
      request.method() == bhttp::verb::post) {
    const std::string_view query =
        path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
    co_await serveEndpoint(endpoint, query, request, writer, log, started);
  } else {
    co_await serveOther(endpoint, verdict, path, request, writer, log);
  }
  log.bytesSent = writer.bytesSent();
  const auto done = std::chrono::steady_clock::now();
  log.duration = std::chrono::duration_cast<std::chrono::microseconds>(done - started);
  writer.doneAt(done);
  accessLog_.record(log);
  metrics_.onResponse(log.responseCode);
  if (endpoint.spec) metrics_.onGenAiRequest(log, started);
}

// What is not a POST to an endpoint, or is over the process's limits, is answered at once. A
// coroutine of its own: what these answers build would otherwise sit in handle()'s frame, held by
// every open stream.
asio::awaitable<void> GatewayHandler::serveOther(const api::EndpointMatch& endpoint,
                                                 Overload::Verdict verdict, std::string_view path,
                                                 http::Request& request,
                                                 http::ResponseWriter& writer, RequestInfo& log) {
  const auto allowOnly = [](std::string method) { return oneHeader("allow", std::move(method)); };
  if (verdict != Overload::Verdict::Admitted) {
    co_await respondError(writer, log, overloadedError(verdict), api::errorRendererFor(path));
  } else if (endpoint.spec) {
    co_await respondError(
        writer, log, Error::make(ErrorKind::MethodNotAllowed, "use POST for " + std::string(path)),
        endpoint.spec->renderError, allowOnly("POST"));
  } else if (path == "/v1/models") {
    if (request.method() != bhttp::verb::get) {
      co_await respondError(writer, log,
                            Error::make(ErrorKind::MethodNotAllowed, "use GET for /v1/models"),
                            &core::renderOpenAiError, allowOnly("GET"));
    } else {
      auto runtime = services_.runtime->current();
      if (!runtime) {  // `run --kubernetes` before the first configuration
        co_await respondError(writer, log, notConfiguredYet(), &core::renderOpenAiError);
      } else {
        log.responseCode = 200;
        co_await writer.send(200, kJsonContentType, runtime->modelsBody,
                             oneHeader("x-request-id", std::string(log.requestId)));
      }
    }
  } else {
    co_await respondError(
        writer, log,
        Error::make(ErrorKind::RouteNotFound, "no route for " + std::string(path) +
                                                  "; this gateway serves " + api::endpointPaths() +
                                                  " and /v1/models"),
        api::errorRendererFor(path));
  }
}

std::unique_ptr<Error> GatewayHandler::admitRequest(const api::EndpointMatch& match,
                                                    std::string_view query, http::Request& request,
                                                    api::ParsedRequest& parsed,
                                                    std::shared_ptr<const Runtime>& runtime,
                                                    RequestTrace* trace) {
  std::unique_ptr<Error> refusal;
  if (auto ok = parsed.parse(match, http::fieldValue(request, bhttp::field::content_type),
                             request.body(), query);
      !ok) {
    refusal = std::make_unique<Error>(std::move(ok.error()));
  } else {
    if (trace)
      trace->onRequest(parsed.request(), match.spec->operationName, request.body(), request);
    // The parsed request holds all of it from here on; a stream can stay open for minutes.
    std::string().swap(request.body());
    runtime = services_.runtime->current();
    if (!runtime)  // `run --kubernetes` before the first config
      refusal = std::make_unique<Error>(notConfiguredYet());
  }
  if (refusal && trace) trace->onError(*refusal);
  return refusal;
}

asio::awaitable<void> GatewayHandler::serveEndpoint(const api::EndpointMatch& match,
                                                    std::string_view query, http::Request& request,
                                                    http::ResponseWriter& writer, RequestInfo& log,
                                                    std::chrono::steady_clock::time_point now) {
  const api::EndpointSpec& endpoint = *match.spec;
  log.operation = endpoint.operationName;
  // Null unless tracing is on; ends (and is exported) on every way out of this function.
  auto trace = RequestTrace::begin(*services_.tracing, traceIds_, request);
  struct FinishTrace {
    RequestTrace* trace;
    const RequestInfo& log;
    ~FinishTrace() {
      if (trace) trace->finish(log);
    }
  } finishTrace{trace.get(), log};

  // One refusal and one co_await for both ways to refuse, the refusal on the heap: what a
  // co_await's scope holds stays in this frame, which every open stream keeps.
  api::ParsedRequest parsed;
  std::shared_ptr<const Runtime> runtime;  // kept alive until this request is done
  if (const auto refusal = admitRequest(match, query, request, parsed, runtime, trace.get())) {
    co_await respondError(writer, log, *refusal, endpoint.renderError);
    co_return;
  }
  const ExchangeServices exchangeServices{
      upstream_, *services_.outliers, *services_.clock, wallTime_,
      random_,   &limiter_,           &cuttable_,       &verifiedTokens_};
  Exchange exchange(*runtime, endpoint, parsed.request(), request, writer, log, exchangeServices,
                    trace.get());
  RequestMetrics::OpenStream openStream(metrics_, parsed.request().stream);
  co_await exchange.run(now);
}

}  // namespace switchyard::gateway
