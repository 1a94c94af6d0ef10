#include "route/attempt_plan.hpp"

#include <gtest/gtest.h>

#include <map>

namespace switchyard::route {
namespace {

config::Rule ruleWith(std::vector<std::pair<int, int>> priorityWeight) {
  config::Rule rule;
  for (auto [priority, weight] : priorityWeight) {
    config::BackendRef ref;
    ref.priority = priority;
    ref.weight = weight;
    rule.backendRefs.push_back(ref);
  }
  return rule;
}

TEST(AttemptPlanTest, LowerPriorityFirst) {
  std::minstd_rand random(1);
  const auto rule = ruleWith({{1, 1}, {0, 1}, {2, 1}});
  const auto plan = planAttempts(rule, random);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0], 1);
  EXPECT_EQ(plan[1], 0);
  EXPECT_EQ(plan[2], 2);
}

TEST(AttemptPlanTest, WeightZeroIsNeverChosen) {
  std::minstd_rand random(7);
  const auto rule = ruleWith({{0, 0}, {0, 5}});
  for (int i = 0; i < 100; ++i) {
    const auto plan = planAttempts(rule, random);
    ASSERT_EQ(plan.size(), 1u);
    EXPECT_EQ(plan[0], 1);
  }
}

TEST(AttemptPlanTest, WeightsSplitTrafficInsideATier) {
  std::minstd_rand random(42);
  const auto rule = ruleWith({{0, 3}, {0, 1}, {1, 1}});
  std::map<int, int> first;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const auto plan = planAttempts(rule, random);
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_EQ(plan[2], 2);  // the priority-1 backend always comes last
    ++first[plan[0]];
  }
  EXPECT_NEAR(first[0] / double(n), 0.75, 0.03);
  EXPECT_NEAR(first[1] / double(n), 0.25, 0.03);
}

TEST(AttemptPlanTest, EmptyRuleGivesEmptyPlan) {
  std::minstd_rand random(3);
  EXPECT_TRUE(planAttempts(config::Rule{}, random).empty());
}

}  // namespace
}  // namespace switchyard::route
