#pragma once
// What a worker's Redis connection (Global rate limits) tells: failures and round-trip times go
// to the worker's metrics, and an outage is logged once for the whole process, when the first
// worker loses Redis, and once more when one gets it back.

#include <atomic>

#include "gateway/request_metrics.hpp"
#include "redis/redis_client.hpp"

namespace switchyard::gateway {

// Process-wide: whether an outage has been logged and not yet its end.
struct RedisOutage {
  std::atomic<bool> logged{false};
};

class RedisHealth final : public redis::RedisObserver {
 public:
  RedisHealth(RequestMetrics& metrics, RedisOutage& outage, std::string redactedUrl)
      : metrics_(metrics), outage_(outage), url_(std::move(redactedUrl)) {}

  void onConnected() override;
  void onDisconnected(std::string_view reason) override;
  void onConnectFailed(std::string_view reason) override;
  void onRoundTrip(std::chrono::steady_clock::duration roundTrip) override;
  void onFailure(redis::RedisFailure failure) override;

 private:
  void lost(std::string_view reason);

  RequestMetrics& metrics_;
  RedisOutage& outage_;
  std::string url_;
};

}  // namespace switchyard::gateway
