#pragma once
// One chat request's trip through the gateway, phase by phase: route, then for each attempt
// (translate, sign, send, classify), then respond. A retry or fallback happens only while nothing
// has been sent to the client.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <random>
#include <string>

#include "config/snapshot.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "gateway/access_log.hpp"
#include "gateway/chat_request.hpp"
#include "gateway/request_trace.hpp"
#include "gateway/runtime.hpp"
#include "http/server.hpp"
#include "net/upstream_client.hpp"
#include "route/outlier_detector.hpp"

namespace switchyard::gateway {

class ChatExchange {
 public:
  ChatExchange(const Runtime& runtime, const ParsedChatRequest& request, http::Request& httpRequest,
               http::ResponseWriter& writer, AccessLogEntry& log, net::UpstreamClient& upstream,
               route::OutlierDetector& outliers, const core::Clock& clock, std::minstd_rand& random,
               RequestTrace* trace);

  boost::asio::awaitable<void> run();

 private:
  // Failed: the backend failed (lastError_); the retry policy decides what follows.
  // Abandoned: the attempt says nothing about the backend (a client error, the client left).
  enum class AttemptResult { Answered, Failed, Abandoned };
  struct Attempt;

  boost::asio::awaitable<AttemptResult> attempt(const config::BackendRef& ref);
  boost::asio::awaitable<AttemptResult> sendUnary(Attempt& attempt);
  boost::asio::awaitable<AttemptResult> sendStream(Attempt& attempt);
  // Records a failed attempt in the access log.
  AttemptResult failed(Attempt& attempt, const core::Error& error);
  const config::RetryPolicy* retryPolicy() const;
  const BackendRuntime* backendOf(const config::BackendRef& ref) const;
  void succeeded(Attempt& attempt);
  boost::asio::awaitable<void> respondError(const core::Error& error);
  std::chrono::milliseconds remaining() const;
  // The current attempt's time: its per-attempt timeout, bounded by the request's.
  std::chrono::milliseconds attemptTime() const;

  const Runtime& runtime_;
  const ParsedChatRequest& request_;
  http::Request& httpRequest_;
  http::ResponseWriter& writer_;
  AccessLogEntry& log_;
  net::UpstreamClient& upstream_;
  route::OutlierDetector& outliers_;
  const core::Clock& clock_;
  std::minstd_rand& random_;
  RequestTrace* trace_;  // null: tracing off
  const config::Rule* rule_ = nullptr;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::milliseconds requestTimeout_{0};
  std::chrono::steady_clock::time_point attemptDeadline_;
  core::Error lastError_;
};

}  // namespace switchyard::gateway
