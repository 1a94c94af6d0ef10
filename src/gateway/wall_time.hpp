#pragma once
// The wall-clock time of a steady-clock reading, without a system-clock read per request: a
// request's one clock read (steady, for its durations) gives its wall-clock start too (the access
// log). The two clocks advance together (NTP slews both alike); their difference changes only when
// the system clock is stepped, so it is taken again once a second. After a step, wall times follow
// the new clock within that second; durations, from the steady clock alone, never see a step.
// One per worker: no lock.

#include <chrono>

#include "core/clock.hpp"

namespace switchyard::gateway {

class WallTime {
 public:
  using Steady = std::chrono::steady_clock;
  static constexpr auto kResync = std::chrono::seconds(1);

  explicit WallTime(const core::Clock& clock) : clock_(clock) {}

  std::chrono::system_clock::time_point at(Steady::time_point t) {
    if (t >= nextSync_) sync();
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(t.time_since_epoch() +
                                                                        offset_));
  }
  std::int64_t secondsAt(Steady::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(at(t).time_since_epoch()).count();
  }

 private:
  void sync() {
    const auto steady = Steady::now();
    offset_ = clock_.now().time_since_epoch() - steady.time_since_epoch();
    nextSync_ = steady + kResync;
  }

  const core::Clock& clock_;
  Steady::time_point nextSync_ = Steady::time_point::min();
  Steady::duration offset_{0};
};

}  // namespace switchyard::gateway
