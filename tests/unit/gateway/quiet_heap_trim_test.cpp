#include "gateway/quiet_heap_trim.hpp"

#include <gtest/gtest.h>

namespace switchyard::gateway {
namespace {

using namespace std::chrono_literals;
using Clock = QuietHeapTrim::Clock;

class QuietHeapTrimTest : public ::testing::Test {
 protected:
  // Ticks every 50 ms (as the workers do) for `span`, from `now_` on.
  void tickFor(Clock::duration span) {
    for (const auto end = now_ + span; now_ < end; now_ += 50ms) trim_.onTick(now_);
  }

  int trims_ = 0;
  QuietHeapTrim trim_{1s, [this] { ++trims_; }};
  Clock::time_point now_ = Clock::time_point{} + 1h;
};

TEST_F(QuietHeapTrimTest, NothingBeforeTheFirstRequest) {
  trim_.addWorker();
  tickFor(10s);
  EXPECT_EQ(trims_, 0);
}

TEST_F(QuietHeapTrimTest, OnceAfterTheLastRequestEndedAndAQuietSecond) {
  auto& worker = trim_.addWorker();
  worker.requestStarted();
  tickFor(5s);  // a long stream: in flight all along
  EXPECT_EQ(trims_, 0);
  worker.requestEnded();
  tickFor(900ms);
  EXPECT_EQ(trims_, 0);
  tickFor(200ms);
  EXPECT_EQ(trims_, 1);
  tickFor(10s);  // still quiet: nothing new to give back
  EXPECT_EQ(trims_, 1);

  worker.requestStarted();
  worker.requestEnded();
  tickFor(2s);
  EXPECT_EQ(trims_, 2);
}

TEST_F(QuietHeapTrimTest, NotWhileAnotherWorkerHasARequestInFlight) {
  auto& idle = trim_.addWorker();
  auto& busy = trim_.addWorker();
  idle.requestStarted();
  idle.requestEnded();
  busy.requestStarted();
  tickFor(10s);
  EXPECT_EQ(trims_, 0);
  busy.requestEnded();
  tickFor(2s);
  EXPECT_EQ(trims_, 1);
}

TEST_F(QuietHeapTrimTest, ShortRequestsBetweenTicksPostponeIt) {
  auto& worker = trim_.addWorker();
  for (int i = 0; i < 20; ++i) {  // one short request every 500 ms: never a quiet second
    worker.requestStarted();
    worker.requestEnded();
    tickFor(500ms);
  }
  EXPECT_EQ(trims_, 0);
  tickFor(1s);
  EXPECT_EQ(trims_, 1);
}

}  // namespace
}  // namespace switchyard::gateway
