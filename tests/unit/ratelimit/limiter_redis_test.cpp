// The Limiter against a real redis-server: far from a large limit a request passes on the worker's
// estimate without waiting for Redis, its cost reaching Redis in a later batch; small limits stay
// exact; and two replicas hammering one limit admit no more than the documented bound
// (counter_estimates.hpp: limit + one slice per worker).

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "ratelimit/counter_estimates.hpp"
#include "ratelimit/counter_key.hpp"
#include "ratelimit/limiter.hpp"
#include "ratelimit/window.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_server.hpp"

namespace switchyard::ratelimit {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using redis::testing::RedisServer;
using redis::testing::runUntil;
using Clock = std::chrono::system_clock;

config::Route routeWith(std::uint64_t requests) {
  config::Route route;
  route.name = "default/r";
  config::RateLimitRule rule;
  rule.id = "default/p/global/0";
  rule.policy = "default/p";
  rule.requests = requests;
  rule.unit = config::RateLimitUnit::Hour;
  route.rateLimits.push_back(std::move(rule));
  return route;
}

RequestView anyRequest() {
  RequestView view;
  view.header = [](std::string_view) { return std::string_view(); };
  view.method = "POST";
  view.path = "/v1/chat/completions";
  return view;
}

redis::RedisUrl urlOf(const RedisServer& server) {
  redis::RedisUrl url;
  url.host = "127.0.0.1";
  url.port = server.port();
  return url;
}

class LimiterWithRedis : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

  std::unique_ptr<redis::RedisClient> connect(std::chrono::milliseconds timeout = 2s) {
    redis::RedisClientOptions options;
    options.commandTimeout = timeout;
    auto client =
        std::make_unique<redis::RedisClient>(ioc_.get_executor(), urlOf(server_), options);
    EXPECT_TRUE(runUntil(ioc_, [&] { return client->connected(); })) << client->lastError();
    return client;
  }

  void check(Limiter& limiter, const config::Route& route, Clock::time_point now,
             Decision& decision) {
    bool done = false;
    asio::co_spawn(
        ioc_,
        [&]() -> asio::awaitable<void> {
          co_await limiter.check(route, none_, anyRequest(), now, decision);
          done = true;
        },
        asio::detached);
    ASSERT_TRUE(runUntil(ioc_, [&] { return done; }));
  }

  // The value Redis holds for the route's counter in the window of `now`.
  long long counted(const config::Route& route, Clock::time_point now) const {
    std::string key;
    appendCounterStem(key, kDefaultKeyPrefix, route.rateLimits[0], route.name, {});
    appendWindowStart(key, windowAt(config::RateLimitUnit::Hour, Clock::to_time_t(now)).start);
    const auto reply = server_.query({"GET", key});
    return reply.text.empty() ? 0 : std::stoll(reply.text);
  }

  RedisServer server_;
  asio::io_context ioc_;
  const RouteLocalCounters none_;
};

TEST_F(LimiterWithRedis, FarFromALargeLimitRequestsPassOnTheEstimateWithoutWaitingForRedis) {
  auto client = connect(200ms);
  Limiter limiter(client.get());
  const auto route = routeWith(100000);
  const auto t0 = Clock::now();
  Decision decision;

  check(limiter, route, t0, decision);  // nothing known yet: Redis is asked
  ASSERT_EQ(decision.rules.size(), 1u);
  EXPECT_TRUE(decision.rules[0].waitedForRedis);
  EXPECT_EQ(checkedOnName(decision.rules[0]), "redis");
  ASSERT_TRUE(decision.quota);
  EXPECT_EQ(decision.quota->remaining, 99999u);

  // Redis stops answering: within the estimate's age the requests pass all the same, and the
  // headers count down from it.
  server_.pause();
  for (std::uint64_t i = 2; i <= 3; ++i) {
    check(limiter, route, t0 + 100ms, decision);
    EXPECT_FALSE(decision.rules[0].waitedForRedis);
    EXPECT_EQ(checkedOnName(decision.rules[0]), "estimate");
    EXPECT_EQ(decision.rules[0].outcome, Outcome::Allowed);
    ASSERT_TRUE(decision.quota);
    EXPECT_EQ(decision.quota->remaining, 100000u - i);
  }
  // Past the estimate's age the limiter asks Redis again, which does not answer: fail open.
  check(limiter, route, t0 + 100ms + CounterEstimates::kMaxAge, decision);
  EXPECT_TRUE(decision.rules[0].waitedForRedis);
  EXPECT_EQ(decision.rules[0].outcome, Outcome::FailOpen);
  server_.resume();
}

TEST_F(LimiterWithRedis, LocalAdmissionsReachRedisInALaterBatch) {
  auto client = connect();
  Limiter limiter(client.get());
  const auto route = routeWith(100000);
  const auto now = Clock::now();
  Decision decision;
  for (int i = 0; i < 5; ++i) check(limiter, route, now, decision);
  EXPECT_FALSE(decision.rules[0].waitedForRedis);
  EXPECT_EQ(decision.quota->remaining, 99995u);
  EXPECT_TRUE(runUntil(ioc_, [&] { return counted(route, now) == 5; })) << counted(route, now);
}

TEST_F(LimiterWithRedis, SmallLimitsAlwaysAskRedis) {
  auto client = connect();
  Limiter limiter(client.get());
  const auto route = routeWith(CounterEstimates::kExactBelow - 1);
  const auto now = Clock::now();
  Decision decision;
  for (int i = 0; i < 5; ++i) {
    check(limiter, route, now, decision);
    EXPECT_TRUE(decision.rules[0].waitedForRedis);
  }
  EXPECT_EQ(decision.quota->remaining, CounterEstimates::kExactBelow - 1 - 5);
  EXPECT_EQ(counted(route, now), 5);
}

TEST_F(LimiterWithRedis, AReplicaWithAStaleViewAdmitsAtMostOneSlicePastTheLimit) {
  // The worst case, step by step: replica A's estimate is fresh but old news, because replica B
  // spent the whole limit since A's last answer.
  auto clientA = connect();
  auto clientB = connect();
  Limiter a(clientA.get());
  Limiter b(clientB.get());
  constexpr std::uint64_t kLimit = 6400;
  constexpr std::uint64_t kSlice = kLimit / CounterEstimates::kSliceDivisor;
  const auto route = routeWith(kLimit);
  const auto now = Clock::now();  // one instant: no estimate gets too old to use
  Decision decision;
  check(a, route, now, decision);
  check(b, route, now, decision);
  std::uint64_t admitted = 2;
  std::uint64_t admittedByB = 0;
  for (check(b, route, now, decision); !decision.refused(); check(b, route, now, decision))
    ++admittedByB;
  std::uint64_t admittedByA = 0;
  std::uint64_t onTheEstimate = 0;
  for (check(a, route, now, decision); !decision.refused(); check(a, route, now, decision)) {
    ++admittedByA;
    if (!decision.rules[0].waitedForRedis) ++onTheEstimate;
  }
  admitted += admittedByA + admittedByB;
  std::printf("limit %llu, slice %llu: B admitted %llu, then A %llu on its old estimate\n",
              static_cast<unsigned long long>(kLimit), static_cast<unsigned long long>(kSlice),
              static_cast<unsigned long long>(admittedByB),
              static_cast<unsigned long long>(admittedByA));
  EXPECT_EQ(admittedByB, kLimit - 2);  // B alone: exact
  EXPECT_EQ(onTheEstimate, admittedByA);
  EXPECT_GT(admittedByA, 0u);
  EXPECT_LE(admittedByA, kSlice);  // A's old estimate is good for one slice at most
  EXPECT_LE(admitted, kLimit + 2 * kSlice);
}

TEST_F(LimiterWithRedis, TwoReplicasAdmitAtMostTheLimitPlusOneSliceEach) {
  // Two replicas of one worker each: their own connection and estimates, one Redis counter.
  auto clientA = connect();
  auto clientB = connect();
  Limiter a(clientA.get());
  Limiter b(clientB.get());
  constexpr std::uint64_t kLimit = 2000;
  const auto route = routeWith(kLimit);
  constexpr int kClientsEach = 16;
  int running = 0;
  std::uint64_t admitted = 0;
  std::uint64_t local = 0;
  std::uint64_t refused = 0;
  for (Limiter* limiter : {&a, &b}) {
    for (int c = 0; c < kClientsEach; ++c) {
      ++running;
      asio::co_spawn(
          ioc_,
          [&, limiter]() -> asio::awaitable<void> {
            Decision decision;
            // Each client goes on until it is refused; between requests the others run.
            for (;;) {
              co_await limiter->check(route, none_, anyRequest(), Clock::now(), decision);
              if (decision.refused()) break;
              ++admitted;
              if (!decision.rules[0].waitedForRedis) ++local;
              co_await asio::post(ioc_, asio::use_awaitable);
            }
            ++refused;
            --running;
          },
          asio::detached);
    }
  }
  ASSERT_TRUE(runUntil(
      ioc_, [&] { return running == 0; }, 60s));
  const std::uint64_t bound = kLimit + 2 * (kLimit / CounterEstimates::kSliceDivisor);
  std::printf("limit %llu: admitted %llu (%llu on the estimate), bound %llu\n",
              static_cast<unsigned long long>(kLimit), static_cast<unsigned long long>(admitted),
              static_cast<unsigned long long>(local), static_cast<unsigned long long>(bound));
  EXPECT_GT(local, kLimit / 4) << "many requests passed without waiting for Redis";
  EXPECT_GE(admitted, kLimit);
  EXPECT_LE(admitted, bound);
  // Every admitted and refused request is counted once the last batches are answered.
  const auto now = Clock::now();
  EXPECT_TRUE(runUntil(ioc_, [&] {
    return counted(route, now) == static_cast<long long>(admitted + refused);
  })) << counted(route, now);
}

}  // namespace
}  // namespace switchyard::ratelimit
