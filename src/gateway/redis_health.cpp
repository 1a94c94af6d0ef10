#include "gateway/redis_health.hpp"

#include <cstdio>
#include <string>

#include "core/json_writer.hpp"

namespace switchyard::gateway {

namespace {

void logLine(std::string_view level, std::string_view message, std::string_view url,
             std::string_view reason) {
  std::string line = "{\"level\":\"";
  line += level;
  line += "\",\"msg\":\"";
  core::appendJsonEscaped(line, message);
  line += "\",\"redis\":\"";
  core::appendJsonEscaped(line, url);
  if (!reason.empty()) {
    line += "\",\"reason\":\"";
    core::appendJsonEscaped(line, reason);
  }
  line += "\"}\n";
  std::fputs(line.c_str(), stderr);
}

}  // namespace

void RedisHealth::onConnected() {
  if (outage_.logged.exchange(false, std::memory_order_relaxed))
    logLine("info", "Redis reachable again; Global rate limits are counted again", url_, {});
}

void RedisHealth::onDisconnected(std::string_view reason) { lost(reason); }
void RedisHealth::onConnectFailed(std::string_view reason) { lost(reason); }

void RedisHealth::lost(std::string_view reason) {
  if (!outage_.logged.exchange(true, std::memory_order_relaxed))
    logLine("error",
            "Redis unreachable: Global rate limits fail open (fail-closed rules refuse) until it "
            "is back",
            url_, reason);
}

void RedisHealth::onRoundTrip(std::chrono::steady_clock::duration roundTrip) {
  metrics_.onRedisRoundTrip(roundTrip);
}

void RedisHealth::onFailure(redis::RedisFailure failure) {
  metrics_.onRedisFailure(redis::failureName(failure));
}

}  // namespace switchyard::gateway
