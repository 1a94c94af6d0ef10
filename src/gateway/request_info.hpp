#pragma once
// Everything known about one request once it is over (Envoy's StreamInfo): the exchange fills it
// as the request goes, and the access log, metrics and traces read it at the end.

#include <boost/container/small_vector.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "providers/provider.hpp"

namespace switchyard::gateway {

struct AttemptRecord {
  std::string backend;       // AIServiceBackend namespace/name
  std::string upstreamHost;  // host:port
  std::string outcome;       // "ok", "status_503", "upstream_connect", ...
  std::chrono::microseconds duration{0};
};

// One rate-limit rule that applied to the request (owned strings: the configuration may be
// reloaded before the line is written).
struct RateLimitRecord {
  std::string rule;          // the rule's id, "<policy ns>/<name>/global/<index>"
  std::string_view outcome;  // ratelimit::outcomeName (a literal)
  std::uint64_t requestCost = 0;
  std::uint64_t responseCost = 0;
  std::string_view checkedOn;  // ratelimit::checkedOnName (a literal, or empty): metrics only
};

struct RequestInfo {
  std::chrono::system_clock::time_point start;
  std::string_view method;
  std::string_view path;
  std::string_view protocol;
  unsigned responseCode = 0;
  std::string responseFlags;  // Envoy-style: "UF" upstream failure, "UH" no healthy upstream, ...
  std::uint64_t bytesReceived = 0;
  std::uint64_t bytesSent = 0;
  std::chrono::microseconds duration{0};
  std::string upstreamHost;
  std::string upstreamCluster;
  std::string upstreamTransportFailureReason;
  std::string_view requestId;
  std::string_view userAgent;
  std::string_view downstreamAddress;  // the client's IP address, as text
  std::string
      clientId;  // who SecurityPolicy authenticated (API key client, JWT sub); never a secret
  std::string requestModel;  // owned: the parsed request is gone when the line is written
  bool requestModelConfigured = false;  // a name the configuration spells out (metric labels)
  std::string modelOverride;
  std::string responseModel;
  std::string backend;
  providers::Usage usage;
  bool stream = false;
  std::string errorType;
  // Nearly always one attempt: kept inline, not in an allocation of its own.
  boost::container::small_vector<AttemptRecord, 1> attempts;
  // Rate limits: the route they were counted on, every rule that applied, and the rule that
  // refused the request (empty when none did).
  std::string rateLimitRoute;
  std::vector<RateLimitRecord> rateLimits;
  std::string rateLimitedBy;
  // For metrics and traces, not printed: the endpoint's gen_ai.operation.name and the last backend
  // tried's gen_ai.provider.name (literals), when the first streamed event went out, and how long
  // the request waited on upstreams.
  std::string_view operation = "chat";
  std::string_view provider;
  std::chrono::steady_clock::time_point firstByteAt{};
  std::chrono::steady_clock::duration upstreamWait{0};

  // One upstream attempt ended ("ok", or how it failed): the attempt list and the upstream fields
  // follow the latest attempt.
  void recordAttempt(std::string_view backendName, std::string_view hostLabel,
                     std::string_view providerName, std::string outcome,
                     std::chrono::microseconds elapsed) {
    attempts.push_back(
        {std::string(backendName), std::string(hostLabel), std::move(outcome), elapsed});
    upstreamHost = hostLabel;
    upstreamCluster = backendName;
    provider = providerName;
  }
};

}  // namespace switchyard::gateway
