#include "ratelimit/limiter.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

#include "ratelimit/counter_estimates.hpp"
#include "ratelimit/counter_key.hpp"
#include "ratelimit/window.hpp"
#include "redis/redis_client.hpp"
#include "redis/window_counter.hpp"

namespace switchyard::ratelimit {

namespace asio = boost::asio;
using config::RateLimitRule;

namespace {

std::int64_t secondsOf(Limiter::TimePoint now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

Outcome unreachable(const RateLimitRule& rule) {
  return rule.failClosed ? Outcome::FailClosed : Outcome::FailOpen;
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

std::string_view checkedOnName(const RuleResult& result) {
  if (result.local || result.stem.empty()) return {};
  return result.waitedForRedis ? "redis" : "estimate";
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
    : redis_(redis),
      estimates_(redis ? std::make_shared<CounterEstimates>(*redis) : nullptr),
      prefix_(std::move(keyPrefix)) {}

Limiter::~Limiter() = default;

asio::awaitable<void> Limiter::check(const config::Route& route, const RouteLocalCounters& local,
                                     const RequestView& request, TimePoint now,
                                     Decision& decision) {
  const std::int64_t nowSeconds = secondsOf(now);
  decision.rules.clear();
  bool waitForRedis = false;
  for (std::size_t i = 0; i < route.rateLimits.size(); ++i) {
    const RateLimitRule& rule = route.rateLimits[i];
    distinct_.clear();
    if (!ruleApplies(rule, request, distinct_)) continue;
    const Window window = windowAt(rule.unit, nowSeconds);
    RuleResult& result = decision.rules.emplace_back();
    result.rule = &rule;
    result.windowSeconds = window.seconds;
    result.resetSeconds = window.resetAfter(nowSeconds);
    result.requestCost = rule.requestCost;
    LocalRule* counters = i < local.rules.size() ? local.rules[i].get() : nullptr;
    if (counters) {
      result.local = &counters->counterFor(distinct_, window.index());
      const auto hit = result.local->hit(window.index(), rule.requestCost, rule.requests);
      result.count = hit.count;
      if (hit.refused) result.outcome = rule.shadowMode ? Outcome::ShadowLimited : Outcome::Limited;
      continue;
    }
    appendCounterStem(result.stem, prefix_, rule, route.name, distinct_);
    if (!estimates_) {  // neither in process nor in Redis: cannot happen once configured
      result.outcome = unreachable(rule);
      continue;
    }
    key_.assign(result.stem);
    appendWindowStart(key_, window.start);
    CounterEstimate& estimate =
        estimates_->at(key_, window.start + window.seconds, rule.requests, now);
    if (estimates_->admits(estimate, rule.requestCost, rule.requests, now)) {
      // Far from the limit: never refused here, the cost goes with the next batch.
      estimates_->add(estimate, rule.requestCost);
      result.count = estimate.estimate();
    } else {
      result.waitedForRedis = true;
      result.waitingOn = &estimate;
      result.sent = estimates_->beginWait(estimate, rule.requestCost);
      waitForRedis = true;
    }
  }

  if (waitForRedis) {
    updates_.clear();
    for (const RuleResult& result : decision.rules) {
      if (result.waitingOn)
        updates_.push_back(
            {result.waitingOn->key, result.sent, ttlUntil(result.waitingOn->windowEnd, now)});
    }
    const auto executor = co_await asio::this_coro::executor;
    bool failed = false;
    // The answer is written into this request's own decision: replies read together run their
    // handlers one after the other before any of the waiting requests resumes.
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [&](auto handler) {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          redis_->incrementWindows(
              updates_, [shared, &decision, &failed, estimates = estimates_, now,
                         executor](core::Result<std::span<const std::uint64_t>> got) {
                std::size_t k = 0;
                for (RuleResult& result : decision.rules) {
                  if (!result.waitingOn) continue;
                  if (got && k < got->size()) {
                    result.count = (*got)[k];
                    estimates->answered(*result.waitingOn, result.sent, result.count, now);
                  } else {
                    failed = true;
                    estimates->failed(*result.waitingOn, result.sent);
                  }
                  result.waitingOn = nullptr;
                  ++k;
                }
                // Resumed from the loop, not from inside the client's reply processing.
                asio::post(executor, std::move(*shared));
              });
        },
        asio::use_awaitable);
    for (RuleResult& result : decision.rules) {
      if (!result.waitedForRedis) continue;
      const RateLimitRule& rule = *result.rule;
      if (failed) {
        result.outcome = unreachable(rule);
      } else if (refuses(result.count, rule.requestCost, rule.requests)) {
        result.outcome = rule.shadowMode ? Outcome::ShadowLimited : Outcome::Limited;
      }
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

void Limiter::chargeResponse(const config::Route& route, const cel::Inputs& usage, TimePoint now,
                             Decision& decision) {
  const std::int64_t nowSeconds = secondsOf(now);
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
    const Window window = windowAt(rule.unit, nowSeconds);
    if (result.local) {
      result.local->add(window.index(), cost);
    } else if (!result.stem.empty() && estimates_) {
      // Failures are counted by the client's observer; nobody waits for the answer.
      key_.assign(result.stem);
      appendWindowStart(key_, window.start);
      estimates_->add(estimates_->at(key_, window.start + window.seconds, rule.requests, now),
                      cost);
    }
  }
}

}  // namespace switchyard::ratelimit
