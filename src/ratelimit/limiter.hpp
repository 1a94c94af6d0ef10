#pragma once
// One worker's rate limiter: decides whether a request may go upstream (every rule of its route
// that applies, Global ones on the worker's estimate of their Redis counters while far from the
// limit, else in one Redis round trip on the worker's own connection (counter_estimates.hpp), the
// rest on lock-free process counters) and charges response costs once the answer has gone out.
//
// Redis unreachable (not connected, timeout, error): a Global rule fails open (the request
// passes, outcome FailOpen) unless it asks to fail closed (outcome FailClosed, the request is
// refused with 503). With no Redis configured at all, Global rules are counted in this process.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cel/expression.hpp"
#include "config/snapshot.hpp"
#include "core/error.hpp"
#include "ratelimit/counter_key.hpp"
#include "ratelimit/decision.hpp"
#include "ratelimit/local_counters.hpp"
#include "ratelimit/selector.hpp"

namespace switchyard::redis {
class RedisClient;
struct WindowUpdate;
}  // namespace switchyard::redis

namespace switchyard::ratelimit {

enum class Outcome { Allowed, Limited, ShadowLimited, FailOpen, FailClosed };
// "allowed", "limited", "shadow_limited", "fail_open", "fail_closed": metric label values.
std::string_view outcomeName(Outcome outcome);

// One rule that applied to a request.
class CounterEstimates;
struct CounterEstimate;

struct RuleResult {
  const config::RateLimitRule* rule = nullptr;
  Outcome outcome = Outcome::Allowed;
  std::uint64_t count = 0;  // the counter after the request cost
  std::int64_t windowSeconds = 1;
  std::int64_t resetSeconds = 1;
  std::uint64_t requestCost = 0;
  std::uint64_t responseCost = 0;  // once charged
  std::string stem;                // Redis key without the window (Global via Redis)
  LocalCounter* local = nullptr;   // counted in this process
  bool waitedForRedis = false;     // Global via Redis: decided on Redis's answer, not the estimate
  // While the request waits for Redis: the estimate to update and what was sent for it.
  CounterEstimate* waitingOn = nullptr;
  std::uint64_t sent = 0;
};

// How a Global rule counted in Redis was checked: "estimate" (passed on the worker's estimate,
// its cost sent later in a batch) or "redis" (waited for Redis's answer, whatever it was); empty
// for a rule counted in this process. A metric label value.
std::string_view checkedOnName(const RuleResult& result);

struct Decision {
  std::vector<RuleResult> rules;      // the rules that applied, in the route's order
  int refusedBy = -1;                 // index into rules of the first refusing non-shadow rule
  bool unavailable = false;           // refused because Redis is unreachable (fail closed)
  std::optional<QuotaHeaders> quota;  // the non-shadow rule nearest its limit

  bool refused() const { return refusedBy >= 0; }
  // The answer to a refused request: 429 naming the limit (with Retry-After), or 503.
  core::Error error() const;
};

class Limiter {
 public:
  // `redis` may be null (no Redis configured); it must outlive the limiter.
  explicit Limiter(redis::RedisClient* redis,
                   std::string keyPrefix = std::string(kDefaultKeyPrefix));
  ~Limiter();

  using TimePoint = std::chrono::system_clock::time_point;

  // Decides on `request` for `route`; `local` holds the route's process counters (indexed like
  // route.rateLimits). At most one Redis round trip, none when every rule passes on its estimate.
  boost::asio::awaitable<void> check(const config::Route& route, const RouteLocalCounters& local,
                                     const RequestView& request, TimePoint now, Decision& decision);

  // Charges each applying rule's response cost (from the route's costs and `usage`) and records
  // it in the decision. Redis is told without waiting for its answer, batched with other updates.
  void chargeResponse(const config::Route& route, const cel::Inputs& usage, TimePoint now,
                      Decision& decision);

  bool hasRedis() const { return redis_ != nullptr; }

 private:
  redis::RedisClient* redis_;
  std::shared_ptr<CounterEstimates> estimates_;  // with redis_; its flushes keep it alive
  std::string prefix_;
  // Scratch of one call, reused: Redis copies keys and updates before check() suspends.
  std::vector<std::string_view> distinct_;
  std::string key_;
  std::vector<redis::WindowUpdate> updates_;
};

// The cost of a request's answer under `cost` (an llmRequestCosts entry).
core::Result<std::uint64_t> costOf(const config::LlmRequestCost& cost, const cel::Inputs& usage);

}  // namespace switchyard::ratelimit
