#include "route/attempt_plan.hpp"

#include <algorithm>

namespace switchyard::route {

AttemptPlan planAttempts(const config::Rule& rule, std::minstd_rand& random) {
  AttemptPlan plan;
  const auto& refs = rule.backendRefs;
  const std::size_t count = std::min(refs.size(), AttemptPlan::kMaxAttempts);

  // Distinct priorities in ascending order.
  int priorities[AttemptPlan::kMaxAttempts];
  std::size_t tiers = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (std::find(priorities, priorities + tiers, refs[i].priority) == priorities + tiers)
      priorities[tiers++] = refs[i].priority;
  }
  std::sort(priorities, priorities + tiers);

  for (std::size_t t = 0; t < tiers; ++t) {
    // Weighted sampling without replacement inside the tier.
    std::uint8_t members[AttemptPlan::kMaxAttempts];
    std::size_t n = 0;
    long long totalWeight = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (refs[i].priority == priorities[t] && refs[i].weight > 0) {
        members[n++] = static_cast<std::uint8_t>(i);
        totalWeight += refs[i].weight;
      }
    }
    while (n > 0) {
      std::uniform_int_distribution<long long> pick(0, totalWeight - 1);
      long long r = pick(random);
      std::size_t chosen = 0;
      while (r >= refs[members[chosen]].weight) r -= refs[members[chosen++]].weight;
      plan.push(members[chosen]);
      totalWeight -= refs[members[chosen]].weight;
      members[chosen] = members[--n];
    }
  }
  return plan;
}

}  // namespace switchyard::route
