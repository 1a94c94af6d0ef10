#include "gateway/chat_exchange.hpp"

#include <boost/beast/http/field.hpp>

#include <charconv>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include "core/sse_decoder.hpp"
#include "gateway/request_metrics.hpp"

#include "route/attempt_plan.hpp"
#include "route/retry_policy.hpp"
#include "route/router.hpp"

namespace switchyard::gateway {

namespace asio = boost::asio;
using core::Error;
using core::ErrorKind;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kEventStream = "text/event-stream; charset=utf-8";
constexpr auto kDefaultRequestTimeout = std::chrono::seconds(60);
constexpr auto kDefaultStreamIdleTimeout = std::chrono::seconds(300);
constexpr std::size_t kMaxErrorBody = 64 * 1024;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

// Envoy-style response flag for the error that ended a request.
std::string_view responseFlagFor(const Error& error) {
  switch (error.kind) {
    case ErrorKind::UpstreamConnect:
    case ErrorKind::UpstreamDns:
    case ErrorKind::UpstreamTls:
      return "UF";
    case ErrorKind::UpstreamReset:
      return "UC";
    case ErrorKind::UpstreamTimeout:
      return "UT";
    case ErrorKind::NoBackendAvailable:
      return "UH";
    case ErrorKind::ModelNotFound:
      return "NR";
    default:
      return "";
  }
}

std::string attemptOutcome(const Error& error) {
  if (error.kind == ErrorKind::UpstreamStatus)
    return "status_" + std::to_string(error.upstreamStatus);
  return std::string(core::kindName(error.kind));
}

int parseRetryAfter(std::string_view value) {
  int seconds = -1;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  return ec == std::errc() && end == value.data() + value.size() ? seconds : -1;
}

// An OpenAI error event: clients raise on it instead of keeping a truncated answer as complete.
std::string errorEvent(const Error& error) {
  return "data: " + core::renderOpenAiError(error) + "\n\n";
}

}  // namespace

struct ChatExchange::Attempt {
  const BackendRuntime& backend;
  providers::BackendTarget target;
  core::OutboundRequest outbound;
  Clock::time_point started = Clock::now();
};

ChatExchange::ChatExchange(const Runtime& runtime, const ParsedChatRequest& request,
                           http::Request& httpRequest, http::ResponseWriter& writer,
                           AccessLogEntry& log, net::UpstreamClient& upstream,
                           route::OutlierDetector& outliers, const core::Clock& clock,
                           std::minstd_rand& random, RequestTrace* trace)
    : runtime_(runtime),
      request_(request),
      httpRequest_(httpRequest),
      writer_(writer),
      log_(log),
      upstream_(upstream),
      outliers_(outliers),
      clock_(clock),
      random_(random),
      trace_(trace),
      lastError_(Error::make(ErrorKind::NoBackendAvailable, "no backend is available")) {}

asio::awaitable<void> ChatExchange::run() {
  const auto& chat = request_.chat();
  log_.requestModel = chat.model;
  log_.stream = chat.stream;

  // Route: the body's model is the x-ai-eg-model header, whatever the client sent.
  rule_ = route::findRule(*runtime_.snapshot, [&](std::string_view name) -> std::string_view {
    if (name == "x-ai-eg-model") return chat.model;
    return sv(httpRequest_[boost::beast::string_view(name.data(), name.size())]);
  });
  if (!rule_) {
    co_await respondError(Error::make(ErrorKind::ModelNotFound,
                                      "The model `" + std::string(chat.model) +
                                          "` does not exist or you do not have access to it."));
    co_return;
  }
  requestTimeout_ = rule_->requestTimeout.value_or(kDefaultRequestTimeout);
  deadline_ = Clock::now() + requestTimeout_;

  // Plan: priority tiers, weighted order inside a tier, ejected backends moved out of the way.
  auto healthOf = [&](std::uint8_t index) {
    const auto* backend = backendOf(rule_->backendRefs[index]);
    return backend ? backend->health : nullptr;
  };
  const auto arranged =
      outliers_.arrange(route::planAttempts(*rule_, random_), healthOf, Clock::now());
  for (const auto index : arranged.skipped) {
    const auto* backend = backendOf(rule_->backendRefs[index]);
    if (backend)
      log_.attempts.push_back({backend->config->name, backend->hostLabel, "ejected", {}});
  }
  route::RetryState retry(route::RetryRules(retryPolicy()), *rule_, arranged.plan);
  auto step = retry.first();
  if (!step) {
    co_await respondError(
        Error::make(ErrorKind::NoBackendAvailable,
                    "no backend is available for model " + std::string(chat.model)));
    co_return;
  }
  auto timeout = retry.firstTimeout(remaining());

  // Attempts, until one answers or the retry policy says stop; never after the first byte sent.
  while (step) {
    const auto& ref = rule_->backendRefs[step->index];
    const auto health = healthOf(step->index);
    const auto admission = outliers_.admit(health, Clock::now(), step->mustTry);
    if (admission == route::Admission::Rejected) {
      if (const auto* backend = backendOf(ref))
        log_.attempts.push_back({backend->config->name, backend->hostLabel, "ejected", {}});
      step = retry.onRejected();
      continue;
    }
    attemptDeadline_ = Clock::now() + timeout;
    const auto result = co_await attempt(ref);
    if (result == AttemptResult::Answered) {
      outliers_.onSuccess(health, admission);
      co_return;
    }
    if (result == AttemptResult::Abandoned) {
      outliers_.onAbandoned(health, admission);
      break;
    }
    outliers_.onFailure(health, admission, lastError_, Clock::now());
    if (writer_.started()) co_return;  // the stream already ended with its error event
    const auto decision = retry.onFailure(lastError_, remaining(), random_);
    if (!decision.retry) break;
    if (decision.backOff.count() > 0) {
      asio::steady_timer pause(co_await asio::this_coro::executor, decision.backOff);
      co_await pause.async_wait(asio::use_awaitable);
    }
    timeout = decision.timeout;
    step = decision.next;
  }
  if (writer_.started()) co_return;
  co_await respondError(lastError_);
}

const config::RetryPolicy* ChatExchange::retryPolicy() const {
  for (const auto& route : runtime_.snapshot->routes) {
    const auto* first = route.rules.data();
    if (rule_ >= first && rule_ < first + route.rules.size())
      return route.retry ? &*route.retry : nullptr;
  }
  return nullptr;
}

const BackendRuntime* ChatExchange::backendOf(const config::BackendRef& ref) const {
  const auto found = runtime_.backends.find(ref.backend.get());
  return found == runtime_.backends.end() ? nullptr : &found->second;
}

asio::awaitable<ChatExchange::AttemptResult> ChatExchange::attempt(const config::BackendRef& ref) {
  const BackendRuntime* found = backendOf(ref);
  if (!found) {
    lastError_ =
        Error::make(ErrorKind::NoBackendAvailable, "backend of this rule is not configured");
    co_return AttemptResult::Failed;
  }
  const BackendRuntime& backend = *found;
  const auto& chat = request_.chat();

  Attempt attempt{backend, {}, {}};
  attempt.target.model =
      ref.modelNameOverride.empty() ? chat.model : std::string_view(ref.modelNameOverride);
  attempt.target.project = backend.project;
  attempt.target.region = backend.region;
  attempt.target.pathPrefix = backend.config->prefix;
  log_.modelOverride = ref.modelNameOverride;
  if (trace_) trace_->beginAttempt(backend, attempt.target.model);

  // Translate.
  auto outbound = backend.provider->buildRequest(chat, attempt.target);
  if (!outbound) {
    // The client's request cannot be expressed at all: no other backend will take it either.
    if (core::sideOf(outbound.error().kind) == core::ErrorSide::Client) {
      lastError_ = outbound.error();
      co_return AttemptResult::Abandoned;
    }
    co_return failed(attempt, outbound.error());
  }
  attempt.outbound = std::move(*outbound);

  // Sign.
  if (!backend.credentialError.empty()) {
    co_return failed(attempt,
                     Error::make(ErrorKind::CredentialUnavailable, backend.credentialError));
  }
  if (backend.signer) {
    auto signedOk = co_await backend.signer->sign(attempt.outbound);
    if (!signedOk) co_return failed(attempt, signedOk.error());
  }
  core::setHeader(attempt.outbound.headers, "x-request-id", std::string(log_.requestId));
  if (trace_) {
    core::setHeader(attempt.outbound.headers, "traceparent", trace_->attemptTraceParent());
    if (!trace_->traceState().empty())
      core::setHeader(attempt.outbound.headers, "tracestate", trace_->traceState());
  } else {
    forwardCallerTraceContext(httpRequest_, attempt.outbound.headers);
  }

  if (attemptTime().count() <= 0) {
    co_return failed(attempt,
                     Error::make(ErrorKind::UpstreamTimeout,
                                 "request timeout of " + std::to_string(requestTimeout_.count()) +
                                     " ms reached"));
  }
  // Send and classify. A 401 means the token was revoked or expired early: drop it, sign again
  // with a fresh one and retry this backend once.
  for (int pass = 0;; ++pass) {
    AttemptResult result;
    if (chat.stream) {
      result = co_await sendStream(attempt);
    } else {
      result = co_await sendUnary(attempt);
    }
    const bool unauthorized = result != AttemptResult::Answered && !writer_.started() &&
                              lastError_.kind == ErrorKind::UpstreamStatus &&
                              lastError_.upstreamStatus == 401;
    if (!unauthorized || pass > 0 || !backend.signer) co_return result;
    backend.signer->onUnauthorized(attempt.outbound);
    auto resigned = co_await backend.signer->sign(attempt.outbound);
    if (!resigned) co_return failed(attempt, resigned.error());
    attempt.started = Clock::now();
  }
}

asio::awaitable<ChatExchange::AttemptResult> ChatExchange::sendUnary(Attempt& attempt) {
  const auto& backend = attempt.backend;
  const auto sent = Clock::now();
  auto response = co_await upstream_.send(backend.target, attempt.outbound, attemptTime());
  log_.upstreamWait += Clock::now() - sent;  // metrics: gateway overhead
  if (!response) co_return failed(attempt, response.error());
  if (response->status < 200 || response->status > 299) {
    Error error = backend.provider->translateError(response->status, response->body);
    if (error.retryAfterSeconds < 0)
      error.retryAfterSeconds = parseRetryAfter(response->header("retry-after"));
    co_return failed(attempt, error);
  }
  const providers::ResponseContext context{clock_.nowSeconds(), log_.requestId};
  auto translated =
      backend.provider->translateResponse(response->body, request_.chat(), attempt.target, context);
  if (!translated) co_return failed(attempt, translated.error());

  succeeded(attempt);
  log_.responseModel = translated->responseModel;
  log_.usage = translated->usage;
  log_.responseCode = 200;
  if (trace_) trace_->onResponse(translated->body);
  HeaderList headers;
  headers.emplace_back("x-request-id", std::string(log_.requestId));
  co_await writer_.send(200, kJson, std::move(translated->body), std::move(headers));
  co_return AttemptResult::Answered;
}

asio::awaitable<ChatExchange::AttemptResult> ChatExchange::sendStream(Attempt& attempt) {
  const auto& backend = attempt.backend;
  const auto sent = Clock::now();
  auto opened = co_await upstream_.openStream(backend.target, attempt.outbound, attemptTime());
  log_.upstreamWait += Clock::now() - sent;  // metrics: gateway overhead
  if (!opened) co_return failed(attempt, opened.error());
  net::UpstreamStream& stream = *opened;

  const auto idleLimit = rule_->streamIdleTimeout.value_or(kDefaultStreamIdleTimeout);
  auto idleTimeout = [&] {
    // Before the first byte the attempt's own timeout bounds the wait too (fallback stays
    // possible).
    return std::min(std::chrono::milliseconds(idleLimit),
                    writer_.started() ? remaining() : attemptTime());
  };

  if (stream.status() < 200 || stream.status() > 299) {
    // An error answer before any event: read it (bounded) and classify it; fallback stays possible.
    std::string body;
    for (;;) {
      const auto waited = Clock::now();
      auto piece = co_await stream.next(idleTimeout());
      log_.upstreamWait += Clock::now() - waited;
      if (!piece || !*piece) break;
      if (body.size() < kMaxErrorBody) body.append(**piece);
    }
    Error error = backend.provider->translateError(stream.status(), body);
    if (error.retryAfterSeconds < 0)
      error.retryAfterSeconds = parseRetryAfter(stream.header("retry-after"));
    co_return failed(attempt, error);
  }
  // The stream is on: this request is not sent again (the 401 retry happens before this point), so
  // its body and headers need not stay for the life of the stream.
  attempt.outbound = core::OutboundRequest();

  const providers::ResponseContext context{clock_.nowSeconds(), log_.requestId};
  auto translator = backend.provider->newStreamTranslator(request_.chat(), attempt.target, context);
  core::SseDecoder decoder;
  std::string out;
  std::optional<Error> streamError;

  // Ends the attempt with `error`: before the first byte to the client it is an ordinary failed
  // attempt (the next backend may answer); after it, the stream ends with an error event.
  auto fail = [&](Error error) -> asio::awaitable<AttemptResult> {
    if (!writer_.started()) co_return failed(attempt, error);
    failed(attempt, error);
    log_.responseCode = 200;
    log_.errorType = core::kindName(error.kind);
    out.clear();
    if (trace_) trace_->onError(error);
    co_await writer_.write(errorEvent(error));
    co_await writer_.endStream();
    co_return AttemptResult::Failed;
  };
  // Sends what the translator produced; false when the client has gone.
  auto flush = [&]() -> asio::awaitable<bool> {
    if (out.empty()) co_return true;
    if (trace_) trace_->onStreamOutput(out);
    bool ok = false;
    if (!writer_.started()) {
      log_.firstByteAt = Clock::now();  // metrics: time to first token
      HeaderList headers;
      headers.emplace_back("x-request-id", std::string(log_.requestId));
      ok = co_await writer_.beginStream(200, kEventStream, std::move(headers), out);
      log_.responseCode = 200;
    } else {
      ok = co_await writer_.write(out);
    }
    out.clear();
    co_return ok;
  };

  // A client that goes away stops the upstream call at once, not at the next event. The hook is
  // removed on every way out, before `stream` is gone.
  writer_.onClientClose([&stream] { stream.cancel(); });
  struct Unhook {
    http::ResponseWriter& writer;
    ~Unhook() {
      writer.onClientClose([] {});
    }
  } unhook{writer_};
  for (;;) {
    const auto waited = Clock::now();
    auto piece = co_await stream.next(idleTimeout());
    log_.upstreamWait += Clock::now() - waited;  // metrics: gateway overhead
    if (writer_.clientClosed()) {
      failed(attempt, Error::make(ErrorKind::UpstreamReset, "client disconnected"));
      log_.responseFlags = "DC";
      co_return AttemptResult::Abandoned;
    }
    if (!piece) co_return co_await fail(piece.error());
    if (!*piece) break;  // upstream body complete
    const bool decoded = decoder.feed(**piece, [&](std::string_view data) {
      if (streamError) return;
      if (auto r = translator->onEvent(data, out); !r) streamError = r.error();
    });
    if (!decoded)
      streamError =
          Error::make(ErrorKind::UpstreamBadResponse, "upstream event exceeds the size limit");
    if (streamError) co_return co_await fail(*streamError);
    if (!co_await flush()) {
      // The client went away: dropping `stream` closes the upstream connection at once.
      failed(attempt, Error::make(ErrorKind::UpstreamReset, "client disconnected"));
      log_.responseFlags = "DC";
      co_return AttemptResult::Abandoned;
    }
  }
  if (decoder.hasPartialEvent()) {
    co_return co_await fail(
        Error::make(ErrorKind::UpstreamBadResponse, "upstream stream ended inside an event"));
  }
  if (auto r = translator->finish(out); !r) co_return co_await fail(r.error());
  succeeded(attempt);
  log_.responseModel = std::string(translator->responseModel());
  log_.usage = translator->usage();
  if (co_await flush()) co_await writer_.endStream();
  co_return AttemptResult::Answered;
}

ChatExchange::AttemptResult ChatExchange::failed(Attempt& attempt, const Error& error) {
  const auto& backend = attempt.backend;
  log_.attempts.push_back(
      {backend.config->name, backend.hostLabel, attemptOutcome(error),
       std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - attempt.started)});
  log_.upstreamHost = backend.hostLabel;
  log_.upstreamCluster = backend.config->name;
  log_.provider = genAiProviderName(backend.config->schema);
  if (error.kind == ErrorKind::UpstreamTls || error.kind == ErrorKind::UpstreamConnect ||
      error.kind == ErrorKind::UpstreamDns)
    log_.upstreamTransportFailureReason = error.message;
  lastError_ = error;
  if (trace_) trace_->endAttempt(log_.attempts.back().outcome, &error);
  return AttemptResult::Failed;
}

void ChatExchange::succeeded(Attempt& attempt) {
  const auto& backend = attempt.backend;
  log_.attempts.push_back(
      {backend.config->name, backend.hostLabel, "ok",
       std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - attempt.started)});
  log_.upstreamHost = backend.hostLabel;
  log_.upstreamCluster = backend.config->name;
  log_.provider = genAiProviderName(backend.config->schema);
  log_.upstreamTransportFailureReason.clear();
  log_.backend = backend.config->name;
  if (trace_) trace_->endAttempt("ok", nullptr);
}

asio::awaitable<void> ChatExchange::respondError(const Error& error) {
  log_.responseCode = core::httpStatusOf(error);
  log_.errorType = core::kindName(error.kind);
  log_.responseFlags = responseFlagFor(error);
  HeaderList headers;
  headers.emplace_back("x-request-id", std::string(log_.requestId));
  if (error.retryAfterSeconds >= 0)
    headers.emplace_back("retry-after", std::to_string(error.retryAfterSeconds));
  if (trace_) trace_->onError(error);
  co_await writer_.send(log_.responseCode, kJson, core::renderOpenAiError(error),
                        std::move(headers));
}

std::chrono::milliseconds ChatExchange::attemptTime() const {
  const auto until = std::min(deadline_, attemptDeadline_);
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()));
}

std::chrono::milliseconds ChatExchange::remaining() const {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()));
}

}  // namespace switchyard::gateway
