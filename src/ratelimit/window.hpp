#pragma once
// Fixed windows aligned to the unit, as Envoy's rate-limit service counts them: a window starts
// where the Unix time is a multiple of the unit's length. Second, Minute, Hour and Day are what
// they say (UTC); Month and Year are fixed lengths of 30 and 365 days, the divisors Envoy's
// rate-limit service uses, so every replica and Redis agree without a calendar.

#include <cstdint>

#include "config/snapshot.hpp"

namespace switchyard::ratelimit {

std::int64_t unitSeconds(config::RateLimitUnit unit);

struct Window {
  std::int64_t start = 0;    // Unix seconds, a multiple of `seconds`
  std::int64_t seconds = 1;  // the unit's length

  std::int64_t index() const { return start / seconds; }
  // Seconds from `now` until the next window begins (1 at least).
  std::int64_t resetAfter(std::int64_t now) const {
    const std::int64_t left = start + seconds - now;
    return left > 0 ? left : 1;
  }
};

// The window holding `nowSeconds` (Unix time; negative times clamp to 0).
Window windowAt(config::RateLimitUnit unit, std::int64_t nowSeconds);

}  // namespace switchyard::ratelimit
