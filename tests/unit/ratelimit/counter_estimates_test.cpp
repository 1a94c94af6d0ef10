// The rule that lets a request pass on a worker's estimate of a Redis counter, without Redis.

#include "ratelimit/counter_estimates.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <string>

#include "redis/redis_client.hpp"

namespace switchyard::ratelimit {
namespace {

using namespace std::chrono_literals;

const TimePoint kAnswered = std::chrono::system_clock::from_time_t(1704067290);

CounterEstimate answered(std::uint64_t confirmed, std::uint64_t inFlight = 0,
                         std::uint64_t unsent = 0) {
  CounterEstimate estimate;
  estimate.confirmed = confirmed;
  estimate.inFlight = inFlight;
  estimate.unsent = unsent;
  estimate.answeredFor = kAnswered;
  return estimate;
}

TEST(CounterEstimates, AdmitLocallyOnlyFarFromALargeLimitWithAFreshAnswer) {
  struct Case {
    const char* what;
    CounterEstimate estimate;
    std::uint64_t cost;
    std::uint64_t limit;
    TimePoint now;
    bool admits;
  };
  const TimePoint soon = kAnswered + 100ms;
  // limit 6400: slice 100, reserve 800, so at most 5600 on the estimate.
  const Case cases[] = {
      {"far from the limit", answered(10), 1, 6400, soon, true},
      {"a check of cost 0", answered(10), 0, 6400, soon, true},
      {"never answered", CounterEstimate{}, 1, 6400, soon, false},
      {"answer as old as allowed", answered(10), 1, 6400, kAnswered + 250ms, true},
      {"answer too old", answered(10), 1, 6400, kAnswered + 251ms, false},
      {"clock behind the answer", answered(10), 1, 6400, kAnswered - 1ms, false},
      {"small limit: always exact", answered(0), 1, 999, soon, false},
      {"smallest limit allowed", answered(0), 1, 1000, soon, true},
      {"slice used up by unsent", answered(10, 0, 100), 1, 6400, soon, false},
      {"slice used up by in flight", answered(10, 60, 40), 1, 6400, soon, false},
      {"slice just enough", answered(10, 60, 39), 1, 6400, soon, true},
      {"cost above the slice", answered(0), 101, 6400, soon, false},
      {"leaves the reserve exactly", answered(5599), 1, 6400, soon, true},
      {"into the reserve", answered(5600), 1, 6400, soon, false},
      {"check into the reserve", answered(5601), 0, 6400, soon, false},
      {"over the limit", answered(7000), 0, 6400, soon, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CounterEstimates::admitsLocally(c.estimate, c.cost, c.limit, c.now), c.admits)
        << c.what;
  }
}

TEST(CounterEstimates, KeysOutliveTheirWindowByOneSecond) {
  const TimePoint now = std::chrono::system_clock::from_time_t(1000);
  EXPECT_EQ(ttlUntil(1060, now), 61u);
  EXPECT_EQ(ttlUntil(1000, now), 2u);  // the window is over: as short as the limiter makes it
}

TEST(CounterEstimates, IdleEntriesAreForgottenSoOneKeyPerClientCannotGrowTheTable) {
  boost::asio::io_context ioc;
  redis::RedisUrl url;
  url.host = "127.0.0.1";
  url.port = 1;  // never connects: nothing is ever answered
  redis::RedisClient client(ioc.get_executor(), url);
  auto estimates = std::make_shared<CounterEstimates>(client);
  std::size_t largest = 0;
  for (int i = 0; i < 20000; ++i) {
    estimates->at("user-" + std::to_string(i), 1704070800, 10, kAnswered);
    largest = std::max(largest, estimates->size());
  }
  EXPECT_LE(largest, 2048u);
}

}  // namespace
}  // namespace switchyard::ratelimit
