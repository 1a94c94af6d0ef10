#include "gateway/wall_time.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace switchyard::gateway {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// |a - b| in milliseconds.
long long apartMs(std::chrono::system_clock::time_point a,
                  std::chrono::system_clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(a > b ? a - b : b - a).count();
}

// A WallTime over a manual system clock, and a steady reading taken just after it was made.
class WallTimeTest : public ::testing::Test {
 protected:
  const std::chrono::system_clock::time_point start{1'764'218'866'101ms};
  core::ManualClock clock{start};
  WallTime wall{clock};
  const Steady::time_point now = Steady::now();
};

TEST_F(WallTimeTest, GivesTheSystemTimeOfASteadyReading) {
  EXPECT_LE(apartMs(wall.at(now), start), 50);
  // A steady time 250 ms on is the wall time 250 ms on, whatever the system clock says meanwhile
  // (the offset is kept for a second).
  EXPECT_LE(apartMs(wall.at(now + 250ms), start + 250ms), 50);
  EXPECT_EQ(
      wall.secondsAt(now + 250ms),
      std::chrono::duration_cast<std::chrono::seconds>((start + 250ms).time_since_epoch()).count());
}

TEST_F(WallTimeTest, FollowsAStepOfTheSystemClockWithinASecond) {
  EXPECT_LE(apartMs(wall.at(now), start), 50);
  clock.advance(1h);  // stepped: the steady clock did not move
  EXPECT_LE(apartMs(wall.at(now + 100ms), start + 100ms), 50);  // the old offset, within a second
  // A reading past the resync interval takes the offset again: the step shows.
  const auto later = now + WallTime::kResync + 10ms;
  EXPECT_LE(apartMs(wall.at(later), start + 1h + (later - Steady::now())), 50);
}

}  // namespace
}  // namespace switchyard::gateway
