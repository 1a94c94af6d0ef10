#include "net/watchdog_timer.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace switchyard::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = WatchdogTimer::Clock;

// Records each wake; `then` decides what happens next (by default: not woken again).
class TestEntry final : public WatchdogTimer::Entry {
 public:
  TestEntry(WatchdogTimer& timer, Clock::time_point wake) { timer.add(*this, wake); }

  std::vector<Clock::time_point> woken;  // the timer's reading at each wake
  std::function<Clock::time_point()> then;

 private:
  Clock::time_point onWake(Clock::time_point now) override {
    woken.push_back(now);
    return then ? then() : Clock::time_point::max();
  }
};

class WatchdogTimerTest : public ::testing::Test {
 protected:
  asio::io_context ioc_;
  WatchdogTimer timer_{ioc_.get_executor()};
};

TEST_F(WatchdogTimerTest, WakesEachEntryOnceItsTimeHasPassedWhateverOrderTheyCameIn) {
  const auto start = timer_.now();
  const std::vector<std::chrono::milliseconds> after{50ms, 10ms, 40ms, 0ms, 30ms, 20ms, 60ms};
  std::vector<std::unique_ptr<TestEntry>> entries;
  std::size_t woken = 0;
  for (const auto wait : after) {
    entries.push_back(std::make_unique<TestEntry>(timer_, start + wait));
    entries.back()->then = [&] {
      if (++woken == after.size()) ioc_.stop();
      return Clock::time_point::max();
    };
  }
  EXPECT_EQ(timer_.arms(), 3u);  // for 50 ms, then 10 ms, then 0 ms: each earlier than the last
  ioc_.run_for(5s);
  for (std::size_t i = 0; i < after.size(); ++i) {
    ASSERT_EQ(entries[i]->woken.size(), 1u) << i;
    EXPECT_GE(entries[i]->woken.front(), start + after[i]) << i;
  }
  EXPECT_EQ(timer_.size(), after.size());  // woken, not removed: that is the caller's to do
  entries.clear();
  EXPECT_EQ(timer_.size(), 0u);
}

TEST_F(WatchdogTimerTest, RemovingTheLastEntryLeavesNothingPending) {
  auto entry = std::make_unique<TestEntry>(timer_, timer_.now() + 1h);
  EXPECT_EQ(timer_.arms(), 1u);
  entry.reset();
  const auto start = Clock::now();
  ioc_.run();  // returns at once: the cancelled wait was the only work
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_EQ(timer_.fires(), 0u);
}

TEST_F(WatchdogTimerTest, AnEntryRemovedBeforeItsTimeIsNotWoken) {
  const auto start = timer_.now();
  TestEntry kept(timer_, start + 20ms);
  auto removed = std::make_unique<TestEntry>(timer_, start + 10ms);
  asio::steady_timer at5(ioc_, start + 5ms);
  bool removedAt5 = false;
  at5.async_wait([&](const boost::system::error_code&) {
    removed.reset();
    removedAt5 = true;
  });
  ioc_.run_for(200ms);
  EXPECT_TRUE(removedAt5);
  EXPECT_EQ(kept.woken.size(), 1u);
}

TEST_F(WatchdogTimerTest, AnEntryRemovedByAnotherWokenAtTheSameTimeIsNotWoken) {
  const auto start = timer_.now();
  auto first = std::make_unique<TestEntry>(timer_, start + 10ms);
  auto second = std::make_unique<TestEntry>(timer_, start + 10ms);
  auto third = std::make_unique<TestEntry>(timer_, start + 10ms);
  // Whichever of the first two is woken first removes the other, as a call's close may end
  // another call; the third is woken all the same.
  TestEntry* woken = nullptr;
  first->then = [&] {
    woken = first.get();
    second.reset();
    return Clock::time_point::max();
  };
  second->then = [&] {
    woken = second.get();
    first.reset();
    return Clock::time_point::max();
  };
  ioc_.run_for(200ms);
  ASSERT_NE(woken, nullptr);
  EXPECT_TRUE(!first != !second);  // exactly one left
  EXPECT_EQ(woken->woken.size(), 1u);
  EXPECT_EQ(third->woken.size(), 1u);
  EXPECT_EQ(timer_.size(), 2u);
}

TEST_F(WatchdogTimerTest, AnEntryMayRemoveItselfOrAddAnotherWhenWoken) {
  const auto start = timer_.now();
  auto self = std::make_unique<TestEntry>(timer_, start + 5ms);
  std::unique_ptr<TestEntry> added;
  self->then = [&] {
    added = std::make_unique<TestEntry>(timer_, timer_.recent() + 10ms);
    self.reset();
    return Clock::time_point::max();
  };
  ioc_.run_for(300ms);
  EXPECT_EQ(self, nullptr);
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->woken.size(), 1u);  // the timer was armed for it
}

TEST_F(WatchdogTimerTest, AWokenEntryIsWokenAgainAtTheTimeItGives) {
  // A call's slow hook, then its deadline.
  const auto start = timer_.now();
  TestEntry entry(timer_, start + 10ms);
  entry.then = [&] {
    entry.then = nullptr;
    return start + 40ms;
  };
  ioc_.run_for(300ms);
  ASSERT_EQ(entry.woken.size(), 2u);
  EXPECT_GE(entry.woken[0], start + 10ms);
  EXPECT_LT(entry.woken[0], start + 40ms);
  EXPECT_GE(entry.woken[1], start + 40ms);
}

TEST_F(WatchdogTimerTest, AShortEntryAddedAfterALongOneArmsTheTimerEarlier) {
  const auto start = timer_.now();
  TestEntry longer(timer_, start + 1h);
  TestEntry shorter(timer_, start + 10ms);
  EXPECT_EQ(timer_.arms(), 2u);
  ioc_.run_for(200ms);
  EXPECT_EQ(shorter.woken.size(), 1u);
  EXPECT_TRUE(longer.woken.empty());
}

TEST_F(WatchdogTimerTest, AStreamOfShortCallsArmsTheTimerAboutOncePerTimeout) {
  // Ten calls every millisecond, each over after 3 ms, each with a 50 ms timeout: the calls
  // overlap, so there is always one in flight, and none reaches its time.
  constexpr auto kTimeout = 50ms;
  std::deque<std::unique_ptr<TestEntry>> calls;
  std::size_t started = 0;
  asio::steady_timer tick(ioc_);
  const auto start = Clock::now();
  std::function<void()> next = [&] {
    if (Clock::now() - start >= 400ms) {
      calls.clear();
      return;
    }
    const auto now = timer_.now();
    for (int i = 0; i < 10; ++i)
      calls.push_back(std::make_unique<TestEntry>(timer_, now + kTimeout));
    started += 10;
    while (calls.size() > 30) calls.pop_front();
    tick.expires_after(1ms);
    tick.async_wait([&](const boost::system::error_code&) { next(); });
  };
  next();
  ioc_.run();  // returns once the last call is gone: nothing is left pending
  const auto elapsed = Clock::now() - start;
  EXPECT_GT(started, 100u);
  // Each time it fires, the earliest call left started a few milliseconds before: about once per
  // timeout, and far from once per call.
  EXPECT_LE(timer_.arms(), elapsed / (kTimeout / 2) + 2) << started << " calls";
  EXPECT_LT(timer_.arms() * 10, started);
  EXPECT_EQ(timer_.size(), 0u);
}

TEST_F(WatchdogTimerTest, TheReadingIsRenewedAtLeastEverySecondWhileEntriesAreAdded) {
  const auto start = timer_.now();
  TestEntry entry(timer_, start + 1h);
  ioc_.run_for(WatchdogTimer::kMaxSleep + 300ms);
  EXPECT_GE(timer_.recent(), start + WatchdogTimer::kMaxSleep);
  EXPECT_TRUE(entry.woken.empty());
}

TEST(WatchdogTimerLifetimeTest, EntriesMayOutliveTheirTimer) {
  asio::io_context ioc;
  auto timer = std::make_unique<WatchdogTimer>(ioc.get_executor());
  auto entry = std::make_unique<TestEntry>(*timer, timer->now());  // due at once
  timer.reset();
  entry.reset();  // finds no timer to leave
  ioc.run();      // the aborted wait finds the timer gone
  SUCCEED();
}

}  // namespace
}  // namespace switchyard::net
