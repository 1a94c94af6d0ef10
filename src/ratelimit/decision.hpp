#pragma once
// The decision of one rule on one request, from its counter, and the x-ratelimit-* headers of
// the rule closest to its limit.

#include <cstdint>
#include <string>

namespace switchyard::ratelimit {

// Envoy Gateway's cost semantics: a request cost c > 0 is charged and refuses when the count
// after it passes the limit; c = 0 only checks, refusing once the count has reached the limit.
// `count` is the counter after this request's cost was added (before, for c = 0).
inline bool refuses(std::uint64_t count, std::uint64_t cost, std::uint64_t limit) {
  return cost > 0 ? count > limit : count >= limit;
}

inline std::uint64_t remainingOf(std::uint64_t count, std::uint64_t limit) {
  return count < limit ? limit - count : 0;
}

// The quota of the rule nearest its limit, as Envoy's draft-03 headers give it:
// x-ratelimit-limit: 10, 10;w=60 · x-ratelimit-remaining: 3 · x-ratelimit-reset: 42
struct QuotaHeaders {
  std::uint64_t limit = 0;
  std::int64_t windowSeconds = 0;
  std::uint64_t remaining = 0;
  std::int64_t resetSeconds = 0;

  std::string limitValue() const;
};

}  // namespace switchyard::ratelimit
