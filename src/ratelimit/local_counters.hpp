#pragma once
// Counters of the rules counted in this process (Local rules, and Global ones when no Redis is
// configured), shared by every worker without a lock: each counter is one atomic word holding
// its window and its count, updated by compare-and-swap. They are allocated when a configuration
// is loaded and kept across reloads by rule, route and limit, so a reload does not reset them.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"

namespace switchyard::ratelimit {

// One fixed-window counter. The window is kept as a 20-bit tag of its index, so a counter left
// untouched for exactly 2^20-1 windows would be read as current; for a one-second window that is
// twelve days of silence followed by a hit in the same second of the cycle: harmless.
class LocalCounter {
 public:
  struct Hit {
    std::uint64_t count = 0;  // after the cost was added; as found when refused or cost is 0
    bool refused = false;
  };
  // Adds `cost` unless the rule then refuses (ratelimit::refuses); a refused request consumes
  // nothing, as Envoy's local rate limit.
  Hit hit(std::int64_t windowIndex, std::uint64_t cost, std::uint64_t limit);
  // Adds `cost` whatever the count (a response cost).
  void add(std::int64_t windowIndex, std::uint64_t cost);
  // The count of window `windowIndex` (0 when the counter holds an older window).
  std::uint64_t count(std::int64_t windowIndex) const;

 private:
  std::atomic<std::uint64_t> packed_{0};
};

// The counters of one rule on one route: one, or one per distinct value (Distinct selectors) in a
// bounded open-addressed table. A value claims a free slot, or one whose window is over; when
// none of its probe slots can be had, it shares an overflow counter until one frees up.
class LocalRule {
 public:
  static constexpr std::size_t kDistinctSlots = 4096;
  static constexpr std::size_t kProbes = 16;

  explicit LocalRule(bool distinct);
  LocalCounter& counterFor(std::span<const std::string_view> distinct, std::int64_t windowIndex);

 private:
  struct Slot {
    std::atomic<std::uint64_t> hash{0};  // 0: free
    LocalCounter counter;
  };
  LocalCounter single_;
  std::unique_ptr<Slot[]> slots_;  // null unless distinct
};

// Which rules of a route are counted in this process: indexed like Route::rateLimits, null for a
// rule Redis counts.
struct RouteLocalCounters {
  std::vector<std::shared_ptr<LocalRule>> rules;
};

// Process-wide: hands out the counters of a configuration, reusing those of the previous one.
class LocalCounterStore {
 public:
  // For every route of `snapshot` (same order): Local rules always, Global ones too when
  // `globalInProcess` (no Redis). Load time only; takes a lock.
  std::vector<RouteLocalCounters> attach(const config::Snapshot& snapshot, bool globalInProcess);

 private:
  std::mutex mutex_;
  std::map<std::string, std::weak_ptr<LocalRule>> rules_;
};

}  // namespace switchyard::ratelimit
