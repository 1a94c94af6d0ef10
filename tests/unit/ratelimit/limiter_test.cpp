// The Limiter's decisions without Redis (rules counted in process) and with Redis unreachable
// (fail open, or fail closed when the rule asks).

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "core/error.hpp"
#include "ratelimit/limiter.hpp"
#include "redis/redis_client.hpp"

namespace switchyard::ratelimit {
namespace {

config::Route routeWith(std::vector<config::RateLimitRule> rules) {
  config::Route route;
  route.name = "default/r";
  route.rateLimits = std::move(rules);
  return route;
}

config::RateLimitRule limit(std::string id, std::uint64_t requests, bool failClosed = false) {
  config::RateLimitRule rule;
  rule.id = std::move(id);
  rule.policy = "default/p";
  rule.requests = requests;
  rule.unit = config::RateLimitUnit::Hour;
  rule.failClosed = failClosed;
  return rule;
}

RequestView anyRequest() {
  RequestView view;
  view.header = [](std::string_view) { return std::string_view(); };
  view.method = "POST";
  view.path = "/v1/chat/completions";
  return view;
}

void check(boost::asio::io_context& ioc, Limiter& limiter, const config::Route& route,
           const RouteLocalCounters& local, Decision& decision) {
  bool done = false;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        co_await limiter.check(route, local, anyRequest(),
                               std::chrono::system_clock::from_time_t(1704067290), decision);
        done = true;
      },
      boost::asio::detached);
  ioc.restart();
  while (!done && ioc.run_one()) {
  }
  ASSERT_TRUE(done);
}

TEST(Limiter, CountsInProcessWithoutRedisAndRefusesWithRetryAfter) {
  boost::asio::io_context ioc;
  config::Snapshot snapshot;
  snapshot.routes.push_back(routeWith({limit("default/p/global/0", 2)}));
  LocalCounterStore store;
  const auto local = store.attach(snapshot, /*globalInProcess=*/true);
  Limiter limiter(nullptr);
  Decision decision;
  std::vector<std::uint64_t> remaining;
  for (int i = 0; i < 2; ++i) {
    check(ioc, limiter, snapshot.routes[0], local[0], decision);
    ASSERT_FALSE(decision.refused());
    ASSERT_TRUE(decision.quota);
    remaining.push_back(decision.quota->remaining);
  }
  EXPECT_EQ(remaining, (std::vector<std::uint64_t>{1, 0}));
  check(ioc, limiter, snapshot.routes[0], local[0], decision);
  ASSERT_TRUE(decision.refused());
  EXPECT_EQ(checkedOnName(decision.rules[0]), "");  // counted here: no Redis check to name
  const core::Error error = decision.error();
  EXPECT_EQ(error.kind, core::ErrorKind::RateLimited);
  EXPECT_EQ(error.message,
            "rate limit of 2 per hour exceeded (BackendTrafficPolicy default/p global rule 0)");
  EXPECT_EQ(error.retryAfterSeconds, 3600 - 90);
}

TEST(Limiter, RedisUnreachableFailsOpenUnlessTheRuleFailsClosed) {
  boost::asio::io_context ioc;
  redis::RedisUrl url;
  url.host = "127.0.0.1";
  url.port = 1;  // nothing listens: every command fails at once (not connected)
  redis::RedisClient client(ioc.get_executor(), url);
  Limiter limiter(&client);
  const RouteLocalCounters none;
  Decision decision;

  const auto open = routeWith({limit("default/p/global/0", 5)});
  check(ioc, limiter, open, none, decision);
  ASSERT_EQ(decision.rules.size(), 1u);
  EXPECT_EQ(decision.rules[0].outcome, Outcome::FailOpen);
  EXPECT_FALSE(decision.refused());
  EXPECT_FALSE(decision.quota);  // nothing counted, nothing to tell

  const auto closed = routeWith({limit("default/p/global/0", 5, /*failClosed=*/true)});
  check(ioc, limiter, closed, none, decision);
  EXPECT_EQ(decision.rules[0].outcome, Outcome::FailClosed);
  ASSERT_TRUE(decision.refused());
  EXPECT_TRUE(decision.unavailable);
  const core::Error error = decision.error();
  EXPECT_EQ(error.kind, core::ErrorKind::RateLimitUnavailable);
  EXPECT_EQ(core::httpStatusOf(error), 503u);
}

}  // namespace
}  // namespace switchyard::ratelimit
