#pragma once
// The gateway's http::Handler, one per worker thread: dispatches the OpenAI surface and runs the
// chat pipeline with that worker's own upstream pools.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <memory>
#include <random>

#include "api/endpoint_spec.hpp"
#include "clientauth/verified_signatures.hpp"
#include "core/clock.hpp"
#include "gateway/access_log.hpp"
#include "gateway/cuttable_requests.hpp"
#include "gateway/overload.hpp"
#include "gateway/quiet_heap_trim.hpp"
#include "gateway/redis_health.hpp"
#include "gateway/request_metrics.hpp"
#include "gateway/request_trace.hpp"
#include "gateway/runtime.hpp"
#include "gateway/wall_time.hpp"
#include "http/server.hpp"
#include "net/upstream_client.hpp"
#include "ratelimit/limiter.hpp"
#include "redis/redis_client.hpp"
#include "route/outlier_detector.hpp"

namespace switchyard::api {
class ParsedRequest;
}

namespace switchyard::net {
class DnsCache;
}

namespace switchyard::gateway {

// Process-wide services the handlers share (built once by gateway::Gateway, passed down).
struct GatewayServices {
  RuntimeHolder* runtime = nullptr;
  const core::Clock* clock = nullptr;
  std::shared_ptr<net::DnsCache> dns;
  route::OutlierDetector* outliers = nullptr;
  LogWriter* accessLog = nullptr;
  const GatewayMetrics* metrics = nullptr;
  const TracingServices* tracing = nullptr;
  QuietHeapTrim* heapTrim = nullptr;       // null: memory is never trimmed
  const redis::RedisUrl* redis = nullptr;  // null: Global rate limits counted in process
  RedisOutage* redisOutage = nullptr;
  Overload* overload = nullptr;  // null: no process limits
};

class GatewayHandler final : public http::Handler {
 public:
  GatewayHandler(const GatewayServices& services, boost::asio::io_context& ioc);
  ~GatewayHandler() override;

  boost::asio::awaitable<void> handle(http::Request& request, const http::RequestContext& context,
                                      http::ResponseWriter& writer) override;
  void renderProtocolError(unsigned status, std::string_view message, std::string& body,
                           std::string& contentType) override;
  // Streams still relayed end with their error event (and their access-log line).
  void onDrainDeadline() override;

 private:
  // A request to one of the endpoints (chat completions, embeddings): parse, then the exchange.
  // `now`: when the request came in (nothing was awaited since).
  boost::asio::awaitable<void> serveEndpoint(const api::EndpointMatch& match,
                                             std::string_view query, http::Request& request,
                                             http::ResponseWriter& writer, RequestInfo& log,
                                             std::chrono::steady_clock::time_point now);
  // Parses the request and takes the runtime it will use; the error to answer if it cannot go on.
  std::unique_ptr<core::Error> admitRequest(const api::EndpointMatch& match, std::string_view query,
                                            http::Request& request, api::ParsedRequest& parsed,
                                            std::shared_ptr<const Runtime>& runtime,
                                            RequestTrace* trace);
  // Everything else (a wrong method, /v1/models, no route): answered at once.
  boost::asio::awaitable<void> serveOther(const api::EndpointMatch& endpoint,
                                          Overload::Verdict verdict, std::string_view path,
                                          http::Request& request, http::ResponseWriter& writer,
                                          RequestInfo& log);
  void scheduleLogFlush();
  // A request id of the gateway's own, written into `id` (the request's frame holds it).
  static constexpr std::size_t kRequestIdSize = 25;
  std::string_view newRequestId(std::array<char, kRequestIdSize>& id);

  const GatewayServices& services_;
  boost::asio::io_context& ioc_;
  RequestMetrics metrics_;  // before upstream_, which reports its connections to it
  net::UpstreamClient upstream_;
  std::unique_ptr<RedisHealth> redisHealth_;         // with redis_
  std::unique_ptr<redis::RedisClient> redisClient_;  // null: no Redis configured
  ratelimit::Limiter limiter_;
  std::minstd_rand random_;
  telemetry::IdGenerator traceIds_;
  AccessLog accessLog_;
  WallTime wallTime_;  // requests' wall-clock times from their steady-clock reads
  boost::asio::steady_timer flushTimer_;
  std::uint64_t requestCounter_ = 0;
  QuietHeapTrim::Worker* heapTrim_ = nullptr;  // this worker's requests in flight
  CuttableRequests cuttable_;  // its destructor unlinks requests whose frames outlive it
  clientauth::VerifiedSignatures verifiedTokens_;  // JWTs this worker verified
};

}  // namespace switchyard::gateway
