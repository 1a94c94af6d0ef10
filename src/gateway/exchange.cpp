#include "gateway/exchange.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <optional>

#include "gateway/credential_scrub.hpp"
#include "gateway/error_response.hpp"
#include "gateway/request_mutation.hpp"
#include "gateway/stream_relay.hpp"
#include "http/field_value.hpp"
#include "route/router.hpp"

#include <utility>

namespace switchyard::gateway {

namespace asio = boost::asio;
using core::Error;
using core::ErrorKind;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr auto kDefaultRequestTimeout = std::chrono::seconds(60);
constexpr auto kDefaultStreamIdleTimeout = std::chrono::seconds(300);
constexpr std::size_t kMaxErrorBody = 64 * 1024;
// What the access log says of a request whose client left before any answer (nginx's code; Envoy
// logs 0 with the same DC flag).
constexpr unsigned kClientClosedRequest = 499;
// How long a unary call runs before the gateway watches for its client leaving.
constexpr auto kWatchClientAfter = std::chrono::milliseconds(100);

// A coroutine of its own: a timer in Exchange::run's frame would be held by every open stream.
asio::awaitable<void> pauseFor(std::chrono::milliseconds duration) {
  asio::steady_timer pause(co_await asio::this_coro::executor, duration);
  co_await pause.async_wait(asio::use_awaitable);
}

std::chrono::microseconds between(SteadyClock::time_point start, SteadyClock::time_point end) {
  return std::chrono::duration_cast<std::chrono::microseconds>(end - start);
}

// Runs `onClose` if the client leaves while this lives; unhooks on every way out, before what the
// callback touches is gone.
struct CancelOnClientClose {
  CancelOnClientClose(http::ResponseWriter& writer, std::function<void()> onClose)
      : writer(writer) {
    writer.onClientClose(std::move(onClose));
  }
  ~CancelOnClientClose() {
    writer.onClientClose([] {});
  }
  CancelOnClientClose(const CancelOnClientClose&) = delete;
  CancelOnClientClose& operator=(const CancelOnClientClose&) = delete;
  http::ResponseWriter& writer;
};

// While it lives, shutdown's cut (the drain time is over) runs `cancel` on the upstream call in
// flight and marks the exchange as cut.
class CancelOnShutdown final : public CuttableRequests::Member {
 public:
  CancelOnShutdown(CuttableRequests* requests, bool& cut, std::function<void()> cancel)
      : cut_(cut), cancel_(std::move(cancel)) {
    if (requests) requests->add(*this);  // leaves the set when destroyed
  }
  void cutForShutdown() override {
    cut_ = true;
    cancel_();
  }

 private:
  bool& cut_;
  std::function<void()> cancel_;
};

}  // namespace

struct Exchange::Attempt {
  const BackendRuntime& backend;
  const providers::Translator& translator;
  providers::BackendTarget target;
  providers::UpstreamCalls calls;
  SteadyClock::time_point started;
};

Exchange::Exchange(const Runtime& runtime, const api::EndpointSpec& endpoint,
                   const providers::ApiRequest& request, const http::Request& httpRequest,
                   http::ResponseWriter& writer, RequestInfo& info,
                   const ExchangeServices& services, RequestTrace* trace)
    : runtime_(runtime),
      endpoint_(endpoint),
      request_(request),
      httpRequest_(httpRequest),
      writer_(writer),
      info_(info),
      services_(services),
      trace_(trace) {}

asio::awaitable<void> Exchange::run(SteadyClock::time_point received) {
  now_ = received;
  info_.operation = endpoint_.operationName;
  info_.requestModel = request_.model;
  info_.requestModelConfigured = runtime_.isConfiguredModel(request_.model);
  info_.stream = request_.stream;

  // Route: the body's model is the x-ai-eg-model header, whatever the client sent.
  const auto match = runtime_.routes.find([&](std::string_view name) -> std::string_view {
    if (name == "x-ai-eg-model") return request_.model;
    return http::fieldValue(httpRequest_, name);
  });
  // Authenticate: the route's SecurityPolicy, or the Gateway's when no route takes the request;
  // before the rate limits, which may count per client id.
  const config::ClientAuthPolicy* clientAuth =
      match.route ? match.route->clientAuth.get() : runtime_.snapshot->gatewayClientAuth.get();
  if (clientAuth && runtime_.gatekeeper && !co_await authenticate(clientAuth)) co_return;
  // Errors are set apart from the co_await that answers them: a co_await's temporaries (an Error,
  // strings) stay in this frame, which every open stream keeps.
  if (!match.rule) {
    lastError_ = Error::make(ErrorKind::ModelNotFound,
                             "The model `" + std::string(request_.model) +
                                 "` does not exist or you do not have access to it.");
    co_await respondError(lastError_);
    co_return;
  }
  rule_ = match.rule;
  route_ = match.route;
  // A client that does not read holds its answer no longer than the route lets the upstream take
  // (the request timeout), nor its stream longer than the route lets a stream sit idle.
  writer_.setWriteTimeout(request_.stream ? streamIdleTimeout() : requestTimeout());

  // Rate limits: every rule of the route that applies, before anything goes upstream (no
  // coroutine for a route without any).
  if (!route_->rateLimits.empty() && services_.limiter && !co_await admit()) co_return;

  route::AttemptSequence attempts = newAttemptSequence();
  attempts_ = &attempts;
  const auto logSkipped = [&] {
    for (const auto index : attempts.takeSkipped()) {
      if (const auto* backend = backendOf(rule_->backendRefs[index]))
        info_.attempts.push_back({backend->config->name, backend->hostLabel, "ejected", {}});
    }
  };

  // Attempts, until one answers or the sequence says stop; never after the first byte sent, nor
  // for a client that left.
  bool attempted = false;  // lastError_ says why the latest attempt failed
  for (;;) {
    if (writer_.clientClosed()) break;
    const auto step = attempts.next(now_);
    logSkipped();
    if (!step) break;
    attempted = true;
    const auto result = co_await attempt(rule_->backendRefs[step->index]);
    if (result == AttemptResult::Answered) {
      attempts.onAnswered();
      chargeResponse();
      co_return;
    }
    if (result == AttemptResult::Abandoned) {
      attempts.onAbandoned();
      break;
    }
    const auto backOff = attempts.onFailed(lastError_, now_);
    if (writer_.started()) co_return;  // the stream already ended with its error event
    if (backOff.count() > 0) {
      co_await pauseFor(backOff);
      woke();
    }
  }
  if (writer_.started()) co_return;
  if (writer_.clientClosed()) {  // nobody to answer: logged as a downstream disconnect
    info_.responseCode = kClientClosedRequest;
    info_.responseFlags = "DC";
    co_return;
  }
  if (attempts.stopReason() == "no_backend") {
    lastError_ = Error::make(ErrorKind::NoBackendAvailable,
                             "no backend is available for model " + std::string(request_.model));
  } else if (!attempted) {  // built here, not up front: an answered request never needs it
    lastError_ = Error::make(ErrorKind::NoBackendAvailable, "no backend is available");
  }
  http::HeaderList headers;  // an admitted request's answer says what is left, error or not
  addQuotaHeaders(headers);
  co_await respondError(lastError_, std::move(headers));
}

route::AttemptSequence Exchange::newAttemptSequence() {
  route::BackendHandle handles[route::AttemptPlan::kMaxAttempts] = {};
  const std::size_t refs = std::min(rule_->backendRefs.size(), route::AttemptPlan::kMaxAttempts);
  for (std::size_t i = 0; i < refs; ++i) {
    if (const auto* backend = backendOf(rule_->backendRefs[i])) handles[i] = backend->health;
  }
  return route::AttemptSequence(*rule_, route_->retry ? &*route_->retry : nullptr,
                                services_.outliers,
                                std::span<const route::BackendHandle>(handles, refs),
                                requestTimeout(), now_, services_.random);
}

const BackendRuntime* Exchange::backendOf(const config::BackendRef& ref) const {
  const auto found = runtime_.backends.find(ref.backend.get());
  return found == runtime_.backends.end() ? nullptr : &found->second;
}

asio::awaitable<Exchange::AttemptResult> Exchange::attempt(const config::BackendRef& ref) {
  // What can be decided without waiting is done in plain functions: their locals and temporaries
  // would otherwise stay in this frame, which every open stream keeps.
  const BackendRuntime* backend = backendOf(ref);
  const providers::Translator* translator =
      backend && backend->provider ? endpoint_.translatorOf(*backend->provider) : nullptr;
  if (!backend || !translator) co_return unusableBackend(backend);

  Attempt attempt{*backend, *translator, {}, {}, now_};
  if (const auto refused = prepareCalls(ref, attempt)) co_return *refused;
  if (backend->signer && !signFromCache(attempt) && !co_await signAttempt(attempt))
    co_return AttemptResult::Failed;
  if (const auto late = outOfTime(attempt)) co_return *late;
  // Send and classify. A 401 means the token was revoked or expired early: drop it, sign again
  // with a fresh one and retry this backend once.
  for (int pass = 0;; ++pass) {
    const AttemptResult result =
        request_.stream ? co_await sendStream(attempt) : co_await sendUnary(attempt);
    const bool unauthorized = result != AttemptResult::Answered && !writer_.started() &&
                              lastError_.kind == ErrorKind::UpstreamStatus &&
                              lastError_.upstreamStatus == 401;
    if (!unauthorized || pass > 0 || !backend->signer) co_return result;
    backend->signer->onUnauthorized(attempt.calls.front());
    if (!co_await signAttempt(attempt)) co_return AttemptResult::Failed;
    attempt.started = now_;
  }
}

Exchange::AttemptResult Exchange::unusableBackend(const BackendRuntime* backend) {
  if (!backend) {
    lastError_ =
        Error::make(ErrorKind::NoBackendAvailable, "backend of this rule is not configured");
    return AttemptResult::Failed;
  }
  // A rule may mix schemas: a backend whose schema does not serve this endpoint is a failed
  // attempt, so the next backend of the rule may serve it.
  // The client is told which model and path, not which backend (the access log's attempt says).
  const Error error = Error::make(ErrorKind::NoBackendAvailable,
                                  "a backend of model " + std::string(request_.model) +
                                      " does not serve " + std::string(endpoint_.path));
  info_.recordAttempt(backend->config->name, backend->hostLabel,
                      backend->provider ? backend->provider->descriptor.genAiProviderName : "",
                      "unsupported_endpoint", {});
  lastError_ = error;
  return AttemptResult::Failed;
}

std::optional<Exchange::AttemptResult> Exchange::prepareCalls(const config::BackendRef& ref,
                                                              Attempt& attempt) {
  const BackendRuntime* backend = &attempt.backend;
  const providers::Translator* translator = &attempt.translator;
  attempt.target.model =
      ref.modelNameOverride.empty() ? request_.model : std::string_view(ref.modelNameOverride);
  attempt.target.project = backend->project;
  attempt.target.region = backend->region;
  attempt.target.pathPrefix = backend->config->prefix;
  attempt.target.schemaVersion = backend->config->schemaVersion;
  info_.modelOverride = ref.modelNameOverride;
  if (trace_) trace_->beginAttempt(*backend, attempt.target.model);

  // Translate.
  auto calls = translator->buildRequest(request_, attempt.target);
  if (!calls) {
    // The client's request cannot be expressed at all: no other backend will take it either.
    if (core::sideOf(calls.error().kind) == core::ErrorSide::Client) {
      lastError_ = calls.error();
      return AttemptResult::Abandoned;
    }
    return failed(attempt, calls.error());
  }
  attempt.calls = std::move(*calls);
  if (request_.stream && attempt.calls.size() != 1) {
    return failed(attempt,
                  Error::make(ErrorKind::Internal, "a streamed request must be one upstream call"));
  }

  // The API's own feature switches the client set (e.g. anthropic-beta) go upstream as they are.
  for (const std::string_view name : endpoint_.forwardedHeaders) {
    if (const auto value = http::fieldValue(httpRequest_, name); !value.empty())
      for (auto& call : attempt.calls) core::setHeader(call.headers, name, std::string(value));
  }
  // Who SecurityPolicy says the client is (forwardClientIDHeader, claimToHeaders).
  for (const auto& [name, value] : clientAuth_.headers)
    for (auto& call : attempt.calls) core::setHeader(call.headers, name, value);

  // Mutate: the operator's headerMutation / bodyMutation (route level over backend level, merged
  // at load), applied to what the translator built; the gateway's own headers come after.
  for (auto& call : attempt.calls) applyMutations(ref.mutations, call);

  // Stamp: the request id and the trace context go to the upstream, whatever signs it.
  for (auto& call : attempt.calls) {
    core::setHeader(call.headers, "x-request-id", std::string(info_.requestId));
    if (trace_) {
      core::setHeader(call.headers, "traceparent", trace_->attemptTraceParent());
      if (!trace_->traceState().empty())
        core::setHeader(call.headers, "tracestate", trace_->traceState());
    } else {
      forwardCallerTraceContext(httpRequest_, call.headers);
    }
  }

  if (!backend->credentialError.empty()) {
    return failed(attempt, Error::make(ErrorKind::CredentialUnavailable, backend->credentialError));
  }
  return std::nullopt;
}

std::optional<Exchange::AttemptResult> Exchange::outOfTime(Attempt& attempt) {
  if (attemptTime().count() > 0) return std::nullopt;
  return failed(attempt, Error::make(ErrorKind::UpstreamTimeout,
                                     "request timeout of " +
                                         std::to_string(requestTimeout().count()) + " ms reached"));
}

bool Exchange::signFromCache(Attempt& attempt) {
  for (auto& call : attempt.calls)
    if (!attempt.backend.signer->signFromCache(call, attempt.backend.target.authority))
      return false;
  return true;
}

asio::awaitable<bool> Exchange::signAttempt(Attempt& attempt) {
  for (auto& call : attempt.calls) {
    auto signedOk = co_await attempt.backend.signer->sign(call, attempt.backend.target.authority);
    woke();  // a token may have been fetched meanwhile
    if (!signedOk) {
      failed(attempt, signedOk.error());
      co_return false;
    }
  }
  co_return true;
}

asio::awaitable<Exchange::AttemptResult> Exchange::sendUnary(Attempt& attempt) {
  const auto& backend = attempt.backend;
  const auto sent = now_;
  using Response = core::Result<core::InboundResponse>;
  boost::container::small_vector<Response, 1> responses;
  // A client that goes away stops the upstream calls, not their deadline. Watching the client
  // costs syscalls, so it starts only once a call has lasted kWatchClientAfter: a quick answer
  // pays nothing, a long one (most model calls) a little for its whole length.
  boost::container::small_vector<net::UpstreamCancel, 1> cancels(attempt.calls.size());
  std::optional<CancelOnClientClose> watch;
  const auto cancelAll = [&cancels] {
    for (auto& cancel : cancels) cancel.cancel();
  };
  const auto watchClient = [this, &watch, &cancelAll] {
    if (!watch) watch.emplace(writer_, cancelAll);
  };
  // A hook of one reference fits in std::function's own storage: no allocation per call.
  for (auto& cancel : cancels)
    cancel.whenSlow(kWatchClientAfter, [&watchClient] { watchClient(); });
  CancelOnShutdown shutdown(services_.cuttable, cutForShutdown_, cancelAll);
  if (attempt.calls.size() == 1) {
    responses.push_back(co_await services_.upstream.send(backend.target, attempt.calls.front(),
                                                         attemptTime(), &cancels.front()));
  } else {
    // Several calls (a batch over the upstream's size limit): all at once, answers kept in order.
    const auto executor = co_await asio::this_coro::executor;
    using Op = decltype(asio::co_spawn(executor, std::declval<asio::awaitable<Response>>(),
                                       asio::deferred));
    std::vector<Op> ops;
    ops.reserve(attempt.calls.size());
    const auto timeout = attemptTime();
    for (std::size_t i = 0; i < attempt.calls.size(); ++i) {
      ops.push_back(asio::co_spawn(
          executor, services_.upstream.send(backend.target, attempt.calls[i], timeout, &cancels[i]),
          asio::deferred));
    }
    auto [order, exceptions, results] =
        co_await asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (exceptions[i]) std::rethrow_exception(exceptions[i]);
      responses.push_back(std::move(results[i]));
    }
  }
  info_.upstreamWait += woke() - sent;  // metrics: gateway overhead
  watch.reset();
  if (writer_.clientClosed()) co_return clientLeft(attempt);
  if (cutForShutdown_) co_return cutForShutdown(attempt);

  boost::container::small_vector<std::string_view, 1> bodies;
  for (auto& response : responses) {
    if (!response) co_return failed(attempt, response.error());
    if (response->status < 200 || response->status > 299)
      co_return failedWithStatus(attempt, response->status, response->headers, response->body);
    bodies.push_back(response->body);
  }
  const providers::ResponseContext context{services_.wallTime.secondsAt(now_), info_.requestId};
  auto translated = attempt.translator.translateResponse(bodies, request_, attempt.target, context);
  if (!translated) co_return failed(attempt, translated.error());

  succeeded(attempt);
  info_.responseModel = std::move(translated->responseModel);
  info_.usage = translated->usage;
  info_.responseCode = 200;
  if (trace_) trace_->onResponse(translated->body);
  http::HeaderList headers;
  headers.emplace_back("x-request-id", std::string(info_.requestId));
  addQuotaHeaders(headers);
  co_await writer_.send(200, kJsonContentType, std::move(translated->body), std::move(headers));
  co_return AttemptResult::Answered;
}

asio::awaitable<Exchange::AttemptResult> Exchange::sendStream(Attempt& attempt) {
  const auto& backend = attempt.backend;
  const providers::ResponseContext context{services_.wallTime.secondsAt(now_), info_.requestId};
  auto translator = attempt.translator.newStreamTranslator(request_, attempt.target, context);
  if (!translator) {
    lastError_ =
        Error::make(ErrorKind::InvalidRequest,
                    std::string(endpoint_.path) + " does not stream on this backend", "stream");
    co_return AttemptResult::Abandoned;
  }
  const auto sent = now_;
  core::Result<net::UpstreamStream> opened = Error();
  {
    net::UpstreamCancel cancel;  // a client that goes away while the head is awaited
    CancelOnClientClose hook(writer_, [&cancel] { cancel.cancel(); });
    CancelOnShutdown shutdown(services_.cuttable, cutForShutdown_, [&cancel] { cancel.cancel(); });
    if (writer_.clientClosed()) co_return clientLeft(attempt);
    opened = co_await services_.upstream.openStream(backend.target, attempt.calls.front(),
                                                    attemptTime(), &cancel);
  }
  info_.upstreamWait += woke() - sent;  // metrics: gateway overhead
  if (writer_.clientClosed()) co_return clientLeft(attempt);
  if (cutForShutdown_) co_return cutForShutdown(attempt);
  if (!opened) co_return failed(attempt, opened.error());
  net::UpstreamStream& stream = *opened;

  const std::chrono::milliseconds idleLimit = streamIdleTimeout();
  if (stream.status() < 200 || stream.status() > 299)
    co_return co_await failedWithStream(attempt, stream, idleLimit);
  // The stream is on: this request is not sent again (the 401 retry happens before this point), so
  // its body and headers need not stay for the life of the stream. Exchanged, not assigned: a
  // string move-assigned from an empty one keeps its storage.
  std::exchange(attempt.calls.front(), core::OutboundRequest());
  stream.releaseHeaders();  // classified above; nothing reads them while the stream runs

  http::HeaderList head;
  addQuotaHeaders(head);
  StreamRelay relay(stream, *translator, writer_, info_, trace_, endpoint_, *attempts_, idleLimit,
                    std::move(head), services_.cuttable);
  const StreamRelay::Outcome outcome = co_await relay.run();
  woke();
  switch (outcome) {
    case StreamRelay::Outcome::Completed:
      succeeded(attempt);
      info_.responseModel = std::string(translator->responseModel());
      info_.usage = translator->usage();
      co_return AttemptResult::Answered;
    case StreamRelay::Outcome::ClientLeft:
      co_return clientLeft(attempt);
    case StreamRelay::Outcome::Failed:
      break;
  }
  // Before the first byte an ordinary failed attempt (the next backend may answer); after it the
  // relay has ended the stream with the error event.
  co_return failed(attempt, relay.error());
}

asio::awaitable<Exchange::AttemptResult> Exchange::failedWithStream(
    Attempt& attempt, net::UpstreamStream& stream, std::chrono::milliseconds idleLimit) {
  // An error answer before any event: fallback stays possible. The body is read only until the
  // attempt's deadline and up to kMaxErrorBody, so an upstream whose error body never ends neither
  // holds the request past its timeout nor keeps the worker reading; a client that leaves cancels.
  CancelOnClientClose hook(writer_, [&stream] { stream.cancel(); });
  CancelOnShutdown shutdown(services_.cuttable, cutForShutdown_, [&stream] { stream.cancel(); });
  std::string body;
  for (;;) {
    const auto left = attemptTime();
    if (left.count() <= 0 || body.size() >= kMaxErrorBody) {
      stream.cancel();  // what we have says enough; the rest is not read
      break;
    }
    const auto waited = now_;
    auto piece = co_await stream.next(std::min(idleLimit, left));
    info_.upstreamWait += woke() - waited;
    if (writer_.clientClosed()) co_return clientLeft(attempt);
    if (cutForShutdown_) co_return cutForShutdown(attempt);
    if (!piece || !*piece) break;
    body.append(piece->value().substr(0, kMaxErrorBody - body.size()));
  }
  co_return failedWithStatus(attempt, stream.status(), stream.headers(), body);
}

Exchange::AttemptResult Exchange::clientLeft(Attempt& attempt) {
  failed(attempt, Error::make(ErrorKind::UpstreamReset, "client disconnected"));
  info_.responseFlags = "DC";
  return AttemptResult::Abandoned;
}

Exchange::AttemptResult Exchange::cutForShutdown(Attempt& attempt) {
  failed(attempt, Error::make(ErrorKind::ShuttingDown,
                              "the gateway is shutting down: its drain time ended before this "
                              "request was answered"));
  info_.responseFlags = "LR";
  return AttemptResult::Abandoned;
}

Exchange::AttemptResult Exchange::failedWithStatus(Attempt& attempt, unsigned status,
                                                   const std::vector<core::Header>& headers,
                                                   std::string_view body) {
  // An upstream that echoes the request's headers would hand out the gateway's credential: what
  // it said is scrubbed before the client, the traces or the logs see any of it (errors only).
  std::string scrubbed(body);
  scrubCredentials(scrubbed);
  return failed(attempt, attempt.translator.translateError(status, headers, scrubbed));
}

Exchange::AttemptResult Exchange::failed(Attempt& attempt, const Error& error) {
  const auto& backend = attempt.backend;
  info_.recordAttempt(backend.config->name, backend.hostLabel,
                      backend.provider->descriptor.genAiProviderName, attemptOutcome(error),
                      between(attempt.started, woke()));  // rare: worth a clock read
  // The client is told these in general words (clientFacing); the log keeps the host, the token
  // endpoint and the policy.
  if (error.kind == ErrorKind::UpstreamTls || error.kind == ErrorKind::UpstreamConnect ||
      error.kind == ErrorKind::UpstreamDns || error.kind == ErrorKind::CredentialUnavailable)
    info_.upstreamTransportFailureReason = error.message;
  lastError_ = error;
  if (trace_) trace_->endAttempt(info_.attempts.back().outcome, &error);
  return AttemptResult::Failed;
}

// The attempt's time ends when the upstream's answer came in (the event the exchange woke for).
void Exchange::succeeded(Attempt& attempt) {
  const auto& backend = attempt.backend;
  info_.recordAttempt(backend.config->name, backend.hostLabel,
                      backend.provider->descriptor.genAiProviderName, "ok",
                      between(attempt.started, now_));
  info_.upstreamTransportFailureReason.clear();
  info_.backend = backend.config->name;
  if (trace_) trace_->endAttempt("ok", nullptr);
}

asio::awaitable<void> Exchange::respondError(const Error& error, http::HeaderList headers) {
  if (trace_) trace_->onError(error);
  co_await gateway::respondError(writer_, info_, error, endpoint_.renderError, std::move(headers));
}

asio::awaitable<bool> Exchange::admit() {
  if (route_->rateLimits.empty() || !services_.limiter) co_return true;
  const std::size_t routeIndex =
      static_cast<std::size_t>(route_ - runtime_.snapshot->routes.data());
  static const ratelimit::RouteLocalCounters kNone;
  const auto& local =
      routeIndex < runtime_.localLimits.size() ? runtime_.localLimits[routeIndex] : kNone;
  ratelimit::RequestView view;
  // As for routing, the model is the body's whatever x-ai-eg-model header the client sent.
  view.header = [this](std::string_view name) -> std::string_view {
    if (name == "x-ai-eg-model") return request_.model;
    return requestHeader(name);
  };
  view.method = info_.method;
  view.path = http::pathOf(info_.path);
  view.clientAddress = info_.downstreamAddress;
  view.parseAddress();
  co_await services_.limiter->check(*route_, local, view, services_.wallTime.at(now_), rateLimit_);
  woke();  // Redis may have been asked meanwhile
  if (rateLimit_.rules.empty()) co_return true;
  info_.rateLimitRoute = route_->name;
  info_.rateLimits.reserve(rateLimit_.rules.size());
  for (const auto& result : rateLimit_.rules) {
    info_.rateLimits.push_back({result.rule->id, ratelimit::outcomeName(result.outcome),
                                result.outcome == ratelimit::Outcome::Allowed ||
                                        result.outcome == ratelimit::Outcome::Limited ||
                                        result.outcome == ratelimit::Outcome::ShadowLimited
                                    ? result.requestCost
                                    : 0,
                                0, ratelimit::checkedOnName(result)});
  }
  if (!rateLimit_.refused()) co_return true;
  const Error error = rateLimit_.error();
  info_.rateLimitedBy = rateLimit_.rules[static_cast<std::size_t>(rateLimit_.refusedBy)].rule->id;
  http::HeaderList headers;
  addQuotaHeaders(headers);
  co_await respondError(error, std::move(headers));
  co_return false;
}

void Exchange::chargeResponse() {
  if (rateLimit_.rules.empty() || !services_.limiter) return;
  const auto& usage = info_.usage;
  const auto count = [](std::int64_t n) { return n > 0 ? static_cast<std::uint64_t>(n) : 0u; };
  // CEL's `backend` is "name.namespace"; the snapshot names backends "namespace/name".
  std::string backend = info_.backend;
  if (const auto slash = backend.find('/'); slash != std::string::npos)
    backend = backend.substr(slash + 1) + "." + backend.substr(0, slash);
  std::string_view routeName = route_->name;
  if (const auto slash = routeName.find('/'); slash != std::string_view::npos)
    routeName = routeName.substr(slash + 1);
  cel::Inputs inputs;
  inputs.model = info_.requestModel;
  inputs.backend = backend;
  inputs.routeName = routeName;
  inputs.inputTokens = count(usage.promptTokens);
  inputs.cachedInputTokens = count(usage.cachedTokens);
  inputs.cacheCreationInputTokens = count(usage.cacheCreationTokens);
  inputs.outputTokens = count(usage.completionTokens);
  inputs.totalTokens = count(usage.totalTokens);
  inputs.reasoningTokens = count(usage.reasoningTokens);
  services_.limiter->chargeResponse(*route_, inputs, services_.clock.now(), rateLimit_);
  for (std::size_t i = 0; i < rateLimit_.rules.size() && i < info_.rateLimits.size(); ++i)
    info_.rateLimits[i].responseCost = rateLimit_.rules[i].responseCost;
}

void Exchange::addQuotaHeaders(http::HeaderList& headers) const {
  if (!rateLimit_.quota) return;
  const auto& quota = *rateLimit_.quota;
  headers.emplace_back("x-ratelimit-limit", quota.limitValue());
  headers.emplace_back("x-ratelimit-remaining", std::to_string(quota.remaining));
  headers.emplace_back("x-ratelimit-reset", std::to_string(quota.resetSeconds));
}

std::chrono::milliseconds Exchange::requestTimeout() const {
  return rule_->requestTimeout.value_or(kDefaultRequestTimeout);
}

std::chrono::milliseconds Exchange::streamIdleTimeout() const {
  return rule_->streamIdleTimeout.value_or(kDefaultStreamIdleTimeout);
}

std::chrono::milliseconds Exchange::attemptTime() const {
  return attempts_ ? attempts_->attemptTime(now_) : std::chrono::milliseconds(0);
}

}  // namespace switchyard::gateway
