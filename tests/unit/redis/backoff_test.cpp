#include "redis/backoff.hpp"

#include <gtest/gtest.h>

#include <set>

namespace switchyard::redis {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DoublesUpToTheCapWithEachDelayDrawnFromItsUpperHalf) {
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    Backoff backoff(milliseconds(100), milliseconds(5000), seed);
    const long ceilings[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
    for (long ceiling : ceilings) {
      const auto delay = backoff.next().count();
      EXPECT_GE(delay, ceiling / 2);
      EXPECT_LE(delay, ceiling);
    }
  }
}

TEST(BackoffTest, StartsOverAfterAReset) {
  Backoff backoff(milliseconds(100), milliseconds(5000), 7);
  for (int i = 0; i < 20; ++i) backoff.next();
  backoff.reset();
  EXPECT_LE(backoff.next().count(), 100);
}

TEST(BackoffTest, SpreadsTheDelaysOfClientsThatFailedTogether) {
  // Different seeds (one per worker) give different delays for the same step.
  std::set<long> delays;
  for (std::uint32_t seed = 1; seed <= 20; ++seed)
    delays.insert(Backoff(milliseconds(1000), milliseconds(5000), seed).next().count());
  EXPECT_GT(delays.size(), 10u);
}

}  // namespace
}  // namespace switchyard::redis
