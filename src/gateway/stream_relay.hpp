#pragma once
// Relays one upstream stream to the client as it arrives: upstream bytes → the provider's stream
// translator → the client, event by event, never buffering the answer. Before the first byte goes
// out a failure is the attempt's (the exchange may fall back); after it, the stream ends with the
// endpoint's error event so the client raises instead of keeping half an answer as whole.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "api/endpoint_spec.hpp"
#include "core/error.hpp"
#include "gateway/cuttable_requests.hpp"
#include "gateway/request_info.hpp"
#include "gateway/request_trace.hpp"
#include "http/server.hpp"
#include "net/upstream_client.hpp"
#include "providers/provider.hpp"
#include "route/attempt_sequence.hpp"

namespace switchyard::gateway {

class StreamRelay final : public CuttableRequests::Member {
 public:
  enum class Outcome {
    Completed,   // the whole stream reached the client
    Failed,      // error(); if the client saw a byte, the error event was sent and the stream ended
    ClientLeft,  // the client went away; the upstream call was stopped at once
  };

  // `idleLimit` bounds each wait for upstream bytes; before the first byte to the client the
  // attempt's own time bounds it too (fallback stays possible), after it what is left of the
  // request.
  StreamRelay(net::UpstreamStream& stream, providers::StreamTranslator& translator,
              http::ResponseWriter& writer, RequestInfo& info, RequestTrace* trace,
              const api::EndpointSpec& endpoint, const route::AttemptSequence& attempts,
              std::chrono::milliseconds idleLimit, http::HeaderList headHeaders = {},
              CuttableRequests* cuttable = nullptr);

  // While it runs the relay is one of `cuttable` (if given): shutdown may cut it.
  boost::asio::awaitable<Outcome> run();
  void cutForShutdown() override;
  const core::Error& error() const { return error_; }

 private:
  // Ends the relay with error_.
  boost::asio::awaitable<Outcome> fail();
  void setShutdownError();
  // The translator's onBytes (or finish, without bytes) into out_; false with error_ set.
  bool translate(std::optional<std::string_view> bytes);
  // Sends what the translator produced, and with `last` ends the stream; false when the client has
  // gone.
  boost::asio::awaitable<bool> flush(bool last = false);
  // How long the next upstream piece may take, from `now`: the idle limit, within the attempt's
  // time (before the first byte) or the request's.
  std::chrono::milliseconds idleTimeout(std::chrono::steady_clock::time_point now) const;

  net::UpstreamStream& stream_;
  providers::StreamTranslator& translator_;
  http::ResponseWriter& writer_;
  RequestInfo& info_;
  RequestTrace* trace_;
  const api::EndpointSpec& endpoint_;  // its error envelope ends a failed stream
  const route::AttemptSequence& attempts_;
  std::chrono::milliseconds idleLimit_;
  std::string out_;  // the client frames not yet written
  core::Error error_;
  http::HeaderList headHeaders_;  // the stream's head carries them (x-ratelimit-*)
  CuttableRequests* cuttable_;
  bool cutForShutdown_ = false;
};

}  // namespace switchyard::gateway
