#include "ratelimit/limiter.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

#include "ratelimit/counter_key.hpp"
#include "ratelimit/window.hpp"
#include "redis/redis_client.hpp"
#include "redis/window_counter.hpp"

namespace switchyard::ratelimit {

namespace asio = boost::asio;
using config::RateLimitRule;

namespace {

std::uint32_t ttlOf(const Window& window, std::int64_t now) {
  // The key names its window, so it only has to outlive it; a second more covers clock skew
  // between replicas.
  return static_cast<std::uint32_t>(window.resetAfter(now) + 1);
}

}  // namespace

std::string_view outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::Allowed:
      return "allowed";
    case Outcome::Limited:
      return "limited";
    case Outcome::ShadowLimited:
      return "shadow_limited";
    case Outcome::FailOpen:
      return "fail_open";
    case Outcome::FailClosed:
      return "fail_closed";
  }
  return "allowed";
}

core::Error Decision::error() const {
  const RuleResult& by = rules[static_cast<std::size_t>(refusedBy)];
  const RateLimitRule& rule = *by.rule;
  const std::string where =
      "BackendTrafficPolicy " + rule.policy + " " +
      std::string(config::rateLimitScopeName(rule.scope) == "Global" ? "global" : "local") +
      " rule " + std::to_string(rule.index);
  if (unavailable) {
    return core::Error::make(core::ErrorKind::RateLimitUnavailable,
                             "rate limit state (Redis) is unreachable and " + where +
                                 " fails closed; try again shortly");
  }
  std::string unit(config::rateLimitUnitName(rule.unit));
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto error = core::Error::make(core::ErrorKind::RateLimited,
                                 "rate limit of " + std::to_string(rule.requests) + " per " + unit +
                                     " exceeded (" + where + ")");
  error.retryAfterSeconds = static_cast<int>(by.resetSeconds);
  return error;
}

Limiter::Limiter(redis::RedisClient* redis, std::string keyPrefix)
    : redis_(redis), prefix_(std::move(keyPrefix)) {}

asio::awaitable<void> Limiter::check(const config::Route& route, const RouteLocalCounters& local,
                                     const RequestView& request, std::int64_t now,
                                     Decision& decision) {
  decision.rules.clear();
  keys_.clear();
  std::vector<std::size_t> viaRedis;  // indexes into decision.rules
  for (std::size_t i = 0; i < route.rateLimits.size(); ++i) {
    const RateLimitRule& rule = route.rateLimits[i];
    distinct_.clear();
    if (!ruleApplies(rule, request, distinct_)) continue;
    const Window window = windowAt(rule.unit, now);
    RuleResult result;
    result.rule = &rule;
    result.windowSeconds = window.seconds;
    result.resetSeconds = window.resetAfter(now);
    result.requestCost = rule.requestCost;
    LocalRule* counters = i < local.rules.size() ? local.rules[i].get() : nullptr;
    if (counters) {
      result.local = &counters->counterFor(distinct_, window.index());
      const auto hit = result.local->hit(window.index(), rule.requestCost, rule.requests);
      result.count = hit.count;
      if (hit.refused) result.outcome = rule.shadowMode ? Outcome::ShadowLimited : Outcome::Limited;
    } else {
      appendCounterStem(result.stem, prefix_, rule, route.name, distinct_);
      std::string key = result.stem;
      appendWindowStart(key, window.start);
      keys_.push_back(std::move(key));
      viaRedis.push_back(decision.rules.size());
    }
    decision.rules.push_back(std::move(result));
  }

  if (!viaRedis.empty()) {
    std::vector<redis::WindowUpdate> updates;
    updates.reserve(viaRedis.size());
    for (std::size_t k = 0; k < viaRedis.size(); ++k) {
      const RuleResult& result = decision.rules[viaRedis[k]];
      updates.push_back(
          {keys_[k], result.requestCost, ttlOf(windowAt(result.rule->unit, now), now)});
    }
    const auto executor = co_await asio::this_coro::executor;
    std::optional<core::Error> failure;
    // In this request's frame, not the limiter's: replies read together run their handlers one
    // after the other before any of the waiting requests resumes.
    std::vector<std::uint64_t> counts;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [&](auto handler) {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          redis_->incrementWindows(updates, [shared, &failure, &counts, executor](
                                                core::Result<std::span<const std::uint64_t>> got) {
            if (got) {
              counts.assign(got->begin(), got->end());
            } else {
              failure = got.error();
            }
            // Resumed from the loop, not from inside the client's reply
            // processing.
            asio::post(executor, std::move(*shared));
          });
        },
        asio::use_awaitable);
    for (std::size_t k = 0; k < viaRedis.size(); ++k) {
      RuleResult& result = decision.rules[viaRedis[k]];
      const RateLimitRule& rule = *result.rule;
      if (failure || k >= counts.size()) {
        result.outcome = rule.failClosed ? Outcome::FailClosed : Outcome::FailOpen;
        continue;
      }
      result.count = counts[k];
      if (refuses(result.count, rule.requestCost, rule.requests))
        result.outcome = rule.shadowMode ? Outcome::ShadowLimited : Outcome::Limited;
    }
  }

  // The first refusing rule answers; the quota headers follow the rule nearest its limit.
  decision.refusedBy = -1;
  decision.unavailable = false;
  decision.quota.reset();
  for (std::size_t i = 0; i < decision.rules.size(); ++i) {
    const RuleResult& result = decision.rules[i];
    if (result.outcome == Outcome::Limited && decision.refusedBy < 0) {
      decision.refusedBy = static_cast<int>(i);
    } else if (result.outcome == Outcome::FailClosed && decision.refusedBy < 0) {
      decision.refusedBy = static_cast<int>(i);
      decision.unavailable = true;
    }
    const bool counted = result.outcome == Outcome::Allowed || result.outcome == Outcome::Limited;
    if (!counted || result.rule->shadowMode) continue;
    const std::uint64_t remaining = remainingOf(result.count, result.rule->requests);
    if (!decision.quota || remaining < decision.quota->remaining ||
        (remaining == decision.quota->remaining && result.rule->requests < decision.quota->limit)) {
      decision.quota =
          QuotaHeaders{result.rule->requests, result.windowSeconds, remaining, result.resetSeconds};
    }
  }
}

core::Result<std::uint64_t> costOf(const config::LlmRequestCost& cost, const cel::Inputs& usage) {
  using Type = config::LlmRequestCost::Type;
  switch (cost.type) {
    case Type::InputToken:
      return usage.inputTokens;
    case Type::CachedInputToken:
      return usage.cachedInputTokens;
    case Type::CacheCreationInputToken:
      return usage.cacheCreationInputTokens;
    case Type::OutputToken:
      return usage.outputTokens;
    case Type::TotalToken:
      return usage.totalTokens;
    case Type::ReasoningToken:
      return usage.reasoningTokens;
    case Type::Cel:
      if (!cost.expression)
        return core::Error::make(core::ErrorKind::Internal, "CEL cost was not compiled");
      return cost.expression->evaluate(usage);
  }
  return std::uint64_t{0};
}

void Limiter::chargeResponse(const config::Route& route, const cel::Inputs& usage, std::int64_t now,
                             Decision& decision) {
  std::vector<redis::WindowUpdate> updates;
  keys_.clear();
  keys_.reserve(decision.rules.size());
  for (RuleResult& result : decision.rules) {
    const RateLimitRule& rule = *result.rule;
    using From = RateLimitRule::ResponseCost::From;
    std::uint64_t cost = 0;
    if (rule.responseCost.from == From::Number) {
      cost = rule.responseCost.number;
    } else if (rule.responseCost.from == From::Metadata &&
               rule.responseCost.costIndex < route.costs.size()) {
      // A cost that cannot be computed (a CEL error) charges nothing: the answer is already out.
      const auto computed = costOf(route.costs[rule.responseCost.costIndex], usage);
      cost = computed ? *computed : 0;
    }
    if (cost == 0) continue;
    result.responseCost = cost;
    const Window window = windowAt(rule.unit, now);
    if (result.local) {
      result.local->add(window.index(), cost);
    } else if (!result.stem.empty() && redis_) {
      std::string key = result.stem;
      appendWindowStart(key, window.start);
      keys_.push_back(std::move(key));
      updates.push_back({keys_.back(), cost, ttlOf(window, now)});
    }
  }
  // Failures are counted by the client's observer; nobody waits for the answer.
  if (!updates.empty())
    redis_->incrementWindows(updates, [](core::Result<std::span<const std::uint64_t>>) {});
}

}  // namespace switchyard::ratelimit
