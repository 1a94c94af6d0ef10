#pragma once
// One request's trip through the gateway, for any endpoint, phase by phase: route, then for each
// attempt (translate, mutate, stamp, sign, send, classify), then respond. The attempt sequence
// (route::AttemptSequence) decides which backend comes next; a retry or fallback happens only
// while nothing has been sent to the client. Streams are relayed by StreamRelay.

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <random>
#include <string_view>

#include "api/endpoint_spec.hpp"
#include "clientauth/gatekeeper.hpp"
#include "clientauth/verified_signatures.hpp"
#include "config/snapshot.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "gateway/cuttable_requests.hpp"
#include "gateway/request_info.hpp"
#include "gateway/request_trace.hpp"
#include "gateway/runtime.hpp"
#include "gateway/wall_time.hpp"
#include "http/server.hpp"
#include "net/upstream_client.hpp"
#include "ratelimit/limiter.hpp"
#include "route/attempt_sequence.hpp"
#include "route/outlier_detector.hpp"

namespace switchyard::gateway {

// Process and worker services an exchange uses; the worker's handler owns them.
struct ExchangeServices {
  net::UpstreamClient& upstream;
  route::OutlierDetector& outliers;
  const core::Clock& clock;
  WallTime& wallTime;  // the worker's: wall-clock times of steady-clock reads
  std::minstd_rand& random;
  ratelimit::Limiter* limiter = nullptr;  // null: rate limits are not enforced
  CuttableRequests* cuttable = nullptr;   // null: shutdown cannot cut this worker's requests
  clientauth::VerifiedSignatures* verifiedTokens = nullptr;  // null: every JWT is verified
};

class Exchange {
 public:
  Exchange(const Runtime& runtime, const api::EndpointSpec& endpoint,
           const providers::ApiRequest& request, const http::Request& httpRequest,
           http::ResponseWriter& writer, RequestInfo& info, const ExchangeServices& services,
           RequestTrace* trace);

  // `received`: when the request came in; nothing was awaited since.
  boost::asio::awaitable<void> run(std::chrono::steady_clock::time_point received);

 private:
  // Failed: the backend failed (lastError_); the attempt sequence decides what follows.
  // Abandoned: the attempt says nothing about the backend (a client error, the client left).
  enum class AttemptResult { Answered, Failed, Abandoned };
  struct Attempt;

  boost::asio::awaitable<AttemptResult> attempt(const config::BackendRef& ref);
  boost::asio::awaitable<AttemptResult> sendUnary(Attempt& attempt);
  boost::asio::awaitable<AttemptResult> sendStream(Attempt& attempt);
  // Signs the calls with the backend's signer (there is one); false: failed, recorded.
  boost::asio::awaitable<bool> signAttempt(Attempt& attempt);
  // The same from the signer's cache, without a coroutine: false when signAttempt() must run.
  bool signFromCache(Attempt& attempt);
  // A backend that is not configured (null) or does not serve this endpoint: a failed attempt.
  AttemptResult unusableBackend(const BackendRuntime* backend);
  // Translate, mutate, stamp: the attempt's calls, ready to sign; a result when the attempt ends.
  std::optional<AttemptResult> prepareCalls(const config::BackendRef& ref, Attempt& attempt);
  // A failed attempt when the request's time is spent.
  std::optional<AttemptResult> outOfTime(Attempt& attempt);
  route::AttemptSequence newAttemptSequence();
  // An upstream error answer → the attempt's failure.
  AttemptResult failedWithStatus(Attempt& attempt, unsigned status,
                                 const std::vector<core::Header>& headers, std::string_view body);
  AttemptResult failed(Attempt& attempt, const core::Error& error);
  // The client went away during the attempt: nobody to answer, nothing to fall back for.
  AttemptResult clientLeft(Attempt& attempt);
  // Shutdown's drain time ended during the attempt's upstream call: answered 503, no fallback.
  AttemptResult cutForShutdown(Attempt& attempt);
  // An error answer's body, read under the attempt's deadline and up to kMaxErrorBody, then
  // classified; the stream is dropped if the body goes on longer.
  boost::asio::awaitable<AttemptResult> failedWithStream(Attempt& attempt,
                                                         net::UpstreamStream& stream,
                                                         std::chrono::milliseconds idleLimit);
  void succeeded(Attempt& attempt);
  const BackendRuntime* backendOf(const config::BackendRef& ref) const;
  boost::asio::awaitable<void> respondError(const core::Error& error,
                                            http::HeaderList headers = {});
  // Client authentication (SecurityPolicy) with `policy` (null: none applies); false: refused,
  // answered 401/403. Defined in client_auth_step.cpp.
  boost::asio::awaitable<bool> authenticate(const config::ClientAuthPolicy* policy);
  // A request header as the rest of the pipeline sees it: what authentication set, else the
  // client's.
  std::string_view requestHeader(std::string_view name) const;
  // Rate limits of the route: decides before the first upstream call (false: refused, answered).
  boost::asio::awaitable<bool> admit();
  // After a successful answer went out: charges the response costs (without waiting on Redis).
  void chargeResponse();
  // The x-ratelimit-* headers of the rule nearest its limit, if any rule applied.
  void addQuotaHeaders(http::HeaderList& headers) const;
  // The rule's timeouts, or the defaults when the manifests give none (rule_ set).
  std::chrono::milliseconds requestTimeout() const;
  std::chrono::milliseconds streamIdleTimeout() const;
  // The time left for the attempt in flight, as of the latest event (now_).
  std::chrono::milliseconds attemptTime() const;
  // Reads the clock: the exchange woke for an event after a wait.
  std::chrono::steady_clock::time_point woke() { return now_ = std::chrono::steady_clock::now(); }

  const Runtime& runtime_;
  const api::EndpointSpec& endpoint_;
  const providers::ApiRequest& request_;
  const http::Request& httpRequest_;
  http::ResponseWriter& writer_;
  RequestInfo& info_;
  const ExchangeServices& services_;
  RequestTrace* trace_;  // null: tracing off
  const config::Rule* rule_ = nullptr;
  const config::Route* route_ = nullptr;
  route::AttemptSequence* attempts_ = nullptr;  // during run()
  ratelimit::Decision rateLimit_;
  clientauth::Verdict clientAuth_;  // who the client is, and the headers that say so upstream
  core::Error lastError_;
  bool cutForShutdown_ = false;  // shutdown cancelled the upstream call in flight
  // The time of the latest event the exchange woke for (woke()): what runs before its next wait
  // takes its time from here instead of reading the clock again.
  std::chrono::steady_clock::time_point now_;
};

}  // namespace switchyard::gateway
