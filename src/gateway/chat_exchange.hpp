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
#include "gateway/runtime.hpp"
#include "http/server.hpp"
#include "net/upstream_client.hpp"

namespace switchyard::gateway {

class ChatExchange {
 public:
  ChatExchange(const Runtime& runtime, const ParsedChatRequest& request, http::Request& httpRequest,
               http::ResponseWriter& writer, AccessLogEntry& log, net::UpstreamClient& upstream,
               const core::Clock& clock, std::minstd_rand& random);

  boost::asio::awaitable<void> run();

 private:
  enum class AttemptResult { Answered, TryNext, Stop };
  struct Attempt;

  boost::asio::awaitable<AttemptResult> attempt(const config::BackendRef& ref);
  boost::asio::awaitable<AttemptResult> sendUnary(Attempt& attempt);
  boost::asio::awaitable<AttemptResult> sendStream(Attempt& attempt);
  // Records a failed attempt; says whether the next backend may be tried.
  AttemptResult failed(Attempt& attempt, const core::Error& error);
  void succeeded(Attempt& attempt);
  boost::asio::awaitable<void> respondError(const core::Error& error);
  std::chrono::milliseconds remaining() const;

  const Runtime& runtime_;
  const ParsedChatRequest& request_;
  http::Request& httpRequest_;
  http::ResponseWriter& writer_;
  AccessLogEntry& log_;
  net::UpstreamClient& upstream_;
  const core::Clock& clock_;
  std::minstd_rand& random_;
  const config::Rule* rule_ = nullptr;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::milliseconds requestTimeout_{0};
  core::Error lastError_;
};

}  // namespace switchyard::gateway
