#include "telemetry/span_queue.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace switchyard::telemetry {
namespace {

TEST(SpanQueue, FirstInFirstOutUpToCapacityThenFull) {
  SpanQueue<std::string> queue(3);  // not a power of two on purpose
  for (int lap = 0; lap < 4; ++lap) {
    EXPECT_TRUE(queue.tryPush("a"));
    EXPECT_TRUE(queue.tryPush("b"));
    EXPECT_TRUE(queue.tryPush("c"));
    std::string rejected = "d";
    EXPECT_FALSE(queue.tryPush(std::move(rejected)));
    EXPECT_EQ(rejected, "d");  // a failed push leaves the value with the caller
    EXPECT_EQ(queue.size(), 3u);
    std::string out;
    for (const char* expected : {"a", "b", "c"}) {
      ASSERT_TRUE(queue.tryPop(out));
      EXPECT_EQ(out, expected);
    }
    EXPECT_FALSE(queue.tryPop(out));
    EXPECT_EQ(queue.size(), 0u);
  }
  EXPECT_EQ(queue.pushed(), 12u);
}

TEST(SpanQueue, ProducersOnManyThreadsAndOneConsumerLoseAndDuplicateNothing) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20'000;
  SpanQueue<int> queue(64);
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int value = t * kPerThread + i;
        while (!queue.tryPush(std::move(value))) std::this_thread::yield();
      }
    });
  }
  std::set<int> seen;
  std::vector<int> lastOfProducer(kThreads, -1);
  int value = 0;
  while (seen.size() < std::size_t{kThreads} * kPerThread) {
    if (!queue.tryPop(value)) continue;
    EXPECT_TRUE(seen.insert(value).second);
    // Each producer's items come out in the order it pushed them.
    const int producer = value / kPerThread;
    EXPECT_GT(value, lastOfProducer[producer]);
    lastOfProducer[producer] = value;
  }
  for (auto& producer : producers) producer.join();
  EXPECT_FALSE(queue.tryPop(value));
}

}  // namespace
}  // namespace switchyard::telemetry
