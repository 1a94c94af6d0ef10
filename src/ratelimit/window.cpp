#include "ratelimit/window.hpp"

namespace switchyard::ratelimit {

std::int64_t unitSeconds(config::RateLimitUnit unit) {
  using config::RateLimitUnit;
  switch (unit) {
    case RateLimitUnit::Second:
      return 1;
    case RateLimitUnit::Minute:
      return 60;
    case RateLimitUnit::Hour:
      return 3600;
    case RateLimitUnit::Day:
      return 86400;
    case RateLimitUnit::Month:
      return 30 * 86400;
    case RateLimitUnit::Year:
      return 365 * 86400;
  }
  return 1;
}

Window windowAt(config::RateLimitUnit unit, std::int64_t nowSeconds) {
  const std::int64_t seconds = unitSeconds(unit);
  const std::int64_t now = nowSeconds > 0 ? nowSeconds : 0;
  return {now - now % seconds, seconds};
}

}  // namespace switchyard::ratelimit
