#include "ratelimit/local_counters.hpp"

#include <functional>

#include "ratelimit/decision.hpp"

namespace switchyard::ratelimit {

namespace {

constexpr unsigned kCountBits = 44;
constexpr std::uint64_t kCountMask = (std::uint64_t(1) << kCountBits) - 1;
constexpr std::uint64_t kTagCycle = (std::uint64_t(1) << 20) - 1;

// 1..2^20-1, so that an untouched counter (0) belongs to no window.
std::uint64_t tagOf(std::int64_t windowIndex) {
  return static_cast<std::uint64_t>(windowIndex < 0 ? 0 : windowIndex) % kTagCycle + 1;
}

std::uint64_t pack(std::uint64_t tag, std::uint64_t count) {
  return tag << kCountBits | std::min(count, kCountMask);
}

std::uint64_t countIn(std::uint64_t packed, std::uint64_t tag) {
  return packed >> kCountBits == tag ? packed & kCountMask : 0;
}

bool hasDistinct(const config::RateLimitRule& rule) {
  for (const auto& selector : rule.clientSelectors) {
    for (const auto& header : selector.headers)
      if (header.type == config::RateLimitHeaderMatch::Type::Distinct) return true;
    if (selector.sourceCidr && selector.sourceCidr->type == config::SourceCidrMatch::Type::Distinct)
      return true;
  }
  return false;
}

}  // namespace

LocalCounter::Hit LocalCounter::hit(std::int64_t windowIndex, std::uint64_t cost,
                                    std::uint64_t limit) {
  const std::uint64_t tag = tagOf(windowIndex);
  std::uint64_t packed = packed_.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t count = countIn(packed, tag);
    const std::uint64_t after = std::min(count + cost, kCountMask);
    if (refuses(after, cost, limit)) return {count, true};
    if (cost == 0) return {count, false};
    if (packed_.compare_exchange_weak(packed, pack(tag, after), std::memory_order_relaxed))
      return {after, false};
  }
}

void LocalCounter::add(std::int64_t windowIndex, std::uint64_t cost) {
  const std::uint64_t tag = tagOf(windowIndex);
  std::uint64_t packed = packed_.load(std::memory_order_relaxed);
  while (!packed_.compare_exchange_weak(packed, pack(tag, countIn(packed, tag) + cost),
                                        std::memory_order_relaxed)) {
  }
}

std::uint64_t LocalCounter::count(std::int64_t windowIndex) const {
  return countIn(packed_.load(std::memory_order_relaxed), tagOf(windowIndex));
}

LocalRule::LocalRule(bool distinct)
    : slots_(distinct ? std::make_unique<Slot[]>(kDistinctSlots) : nullptr) {}

LocalCounter& LocalRule::counterFor(std::span<const std::string_view> distinct,
                                    std::int64_t windowIndex) {
  if (!slots_) return single_;
  std::uint64_t hash = 0x9e3779b97f4a7c15ull;
  for (const std::string_view value : distinct) {
    hash ^= std::hash<std::string_view>()(value) + 0x9e3779b97f4a7c15ull + (hash << 6) +
            (hash >> 2) + value.size();
  }
  hash |= 1;  // 0 marks a free slot
  const std::size_t home = hash % kDistinctSlots;
  for (std::size_t i = 0; i < kProbes; ++i) {
    Slot& slot = slots_[(home + i) % kDistinctSlots];
    std::uint64_t held = slot.hash.load(std::memory_order_acquire);
    if (held == hash) return slot.counter;
    if (held == 0 &&
        (slot.hash.compare_exchange_strong(held, hash, std::memory_order_acq_rel) || held == hash))
      return slot.counter;
  }
  // No free slot: take one whose window is over (its count no longer matters).
  for (std::size_t i = 0; i < kProbes; ++i) {
    Slot& slot = slots_[(home + i) % kDistinctSlots];
    std::uint64_t held = slot.hash.load(std::memory_order_acquire);
    if (slot.counter.count(windowIndex) == 0 &&
        slot.hash.compare_exchange_strong(held, hash, std::memory_order_acq_rel))
      return slot.counter;
  }
  return single_;
}

std::vector<RouteLocalCounters> LocalCounterStore::attach(const config::Snapshot& snapshot,
                                                          bool globalInProcess) {
  std::lock_guard lock(mutex_);
  std::vector<RouteLocalCounters> routes(snapshot.routes.size());
  for (std::size_t r = 0; r < snapshot.routes.size(); ++r) {
    const auto& route = snapshot.routes[r];
    for (const auto& rule : route.rateLimits) {
      std::shared_ptr<LocalRule> counters;
      if (rule.scope == config::RateLimitRule::Scope::Local || globalInProcess) {
        // A counter is kept only for the same rule, route, limit and selectors' shape.
        std::string key = rule.id;
        key += '|';
        if (!rule.shared) key += route.name;
        key += '|' + std::to_string(rule.requests) + '|' +
               std::string(config::rateLimitUnitName(rule.unit)) + '|' +
               (hasDistinct(rule) ? "d" : "s");
        auto& slot = rules_[key];
        counters = slot.lock();
        if (!counters) {
          counters = std::make_shared<LocalRule>(hasDistinct(rule));
          slot = counters;
        }
      }
      routes[r].rules.push_back(std::move(counters));
    }
  }
  std::erase_if(rules_, [](const auto& entry) { return entry.second.expired(); });
  return routes;
}

}  // namespace switchyard::ratelimit
