// Windows, counter keys, the decision, selectors and the process counters of rate limits.

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "ratelimit/counter_key.hpp"
#include "ratelimit/decision.hpp"
#include "ratelimit/local_counters.hpp"
#include "ratelimit/selector.hpp"
#include "ratelimit/window.hpp"

namespace switchyard::ratelimit {
namespace {

using config::RateLimitHeaderMatch;
using config::RateLimitRule;
using config::RateLimitUnit;

TEST(Window, AlignsToTheUnitAndCountsDownToItsEnd) {
  // 2024-01-01T00:01:30Z
  const std::int64_t now = 1704067290;
  const Window minute = windowAt(RateLimitUnit::Minute, now);
  EXPECT_EQ(minute.start, 1704067260);
  EXPECT_EQ(minute.seconds, 60);
  EXPECT_EQ(minute.resetAfter(now), 30);
  EXPECT_EQ(windowAt(RateLimitUnit::Second, now).resetAfter(now), 1);
  EXPECT_EQ(windowAt(RateLimitUnit::Hour, now).start, 1704067200);
  EXPECT_EQ(windowAt(RateLimitUnit::Day, now).start, 1704067200);
  EXPECT_EQ(windowAt(RateLimitUnit::Day, now).resetAfter(now), 86400 - 90);
  // Month and Year are the fixed 30 and 365 days of Envoy's rate-limit service.
  EXPECT_EQ(windowAt(RateLimitUnit::Month, now).seconds, 30 * 86400);
  EXPECT_EQ(windowAt(RateLimitUnit::Month, now).start % (30 * 86400), 0);
  EXPECT_EQ(windowAt(RateLimitUnit::Year, now).seconds, 365 * 86400);
  // The last second of a window still belongs to it; the next starts a new one.
  EXPECT_EQ(windowAt(RateLimitUnit::Minute, 1704067319).start, 1704067260);
  EXPECT_EQ(windowAt(RateLimitUnit::Minute, 1704067320).start, 1704067320);
}

RateLimitRule rule(std::string id, bool shared = false) {
  RateLimitRule r;
  r.id = std::move(id);
  r.policy = "default/p";
  r.requests = 10;
  r.unit = RateLimitUnit::Minute;
  r.shared = shared;
  return r;
}

TEST(CounterKey, NamesRuleRouteDistinctValuesAndWindow) {
  std::string key;
  const std::string_view values[] = {"team-a", "10.0.0.1"};
  appendCounterStem(key, kDefaultKeyPrefix, rule("default/p/global/0"), "default/r", values);
  appendWindowStart(key, 1704067260);
  EXPECT_EQ(key, "switchyard:rl:default/p/global/0:9:default/r:2:6:team-a:8:10.0.0.1:1704067260");

  // Shared: one counter for every route of the policy.
  std::string shared;
  appendCounterStem(shared, "p", rule("ns/q/global/1", true), "default/r", {});
  EXPECT_EQ(shared, "p:ns/q/global/1:0");
}

TEST(CounterKey, LengthPrefixesKeepValuesApartAndLongOnesAreHashed) {
  // "a:1:b" as one value cannot pass for the two values "a" and "b".
  std::string one, two;
  const std::string_view joined[] = {"a:1:b"};
  const std::string_view split[] = {"a", "b"};
  appendCounterStem(one, "p", rule("r"), "x", joined);
  appendCounterStem(two, "p", rule("r"), "x", split);
  EXPECT_NE(one, two);

  const std::string longValue(1000, 'z');
  const std::string_view values[] = {longValue};
  std::string key;
  appendCounterStem(key, "p", rule("r"), "x", values);
  EXPECT_LT(key.size(), 120u);
  EXPECT_NE(key.find(":65:#"), std::string::npos);  // "#" and 64 hex digits of SHA-256
  std::string again;
  appendCounterStem(again, "p", rule("r"), "x", values);
  EXPECT_EQ(key, again);
  const std::string other = longValue + "y";
  const std::string_view otherValues[] = {other};
  std::string otherKey;
  appendCounterStem(otherKey, "p", rule("r"), "x", otherValues);
  EXPECT_NE(key, otherKey);
}

TEST(Decision, ChargedCostRefusesPastTheLimitCheckOnlyAtIt) {
  // cost 1, limit 3: counts 1, 2, 3 pass, 4 is refused.
  EXPECT_FALSE(refuses(3, 1, 3));
  EXPECT_TRUE(refuses(4, 1, 3));
  // A cost larger than what is left refuses.
  EXPECT_TRUE(refuses(12, 5, 10));
  // number: 0 only checks: refused once the count has reached the limit.
  EXPECT_FALSE(refuses(9, 0, 10));
  EXPECT_TRUE(refuses(10, 0, 10));
  EXPECT_TRUE(refuses(250, 0, 10));
  EXPECT_EQ(remainingOf(3, 10), 7u);
  EXPECT_EQ(remainingOf(250, 10), 0u);
}

TEST(Decision, HeadersFollowEnvoysDraft03Shape) {
  const QuotaHeaders quota{1000, 60, 12, 42};
  EXPECT_EQ(quota.limitValue(), "1000, 1000;w=60");
}

// --- selectors ---------------------------------------------------------------------------------

struct FakeRequest {
  std::map<std::string, std::string> headers;
  RequestView view(std::string_view address = "10.1.2.3") {
    RequestView v;
    v.header = [this](std::string_view name) -> std::string_view {
      const auto found = headers.find(std::string(name));
      return found == headers.end() ? std::string_view() : std::string_view(found->second);
    };
    v.method = "POST";
    v.path = "/v1/chat/completions";
    v.clientAddress = address;
    v.parseAddress();
    return v;
  }
};

RateLimitHeaderMatch header(RateLimitHeaderMatch::Type type, std::string name,
                            std::string value = {}, bool invert = false) {
  RateLimitHeaderMatch match;
  match.type = type;
  match.name = std::move(name);
  match.value = std::move(value);
  match.invert = invert;
  if (type == RateLimitHeaderMatch::Type::RegularExpression)
    match.regex = std::make_shared<re2::RE2>(match.value);
  return match;
}

TEST(Selector, NoSelectorAppliesToEveryRequest) {
  FakeRequest request;
  std::vector<std::string_view> distinct;
  EXPECT_TRUE(ruleApplies(rule("r"), request.view(), distinct));
  EXPECT_TRUE(distinct.empty());
}

TEST(Selector, ExactRegexInvertAndDistinctHeaders) {
  auto r = rule("r");
  r.clientSelectors.push_back({});
  r.clientSelectors[0].headers = {
      header(RateLimitHeaderMatch::Type::Exact, "x-plan", "free"),
      header(RateLimitHeaderMatch::Type::RegularExpression, "x-ai-eg-model", "gemini-.*"),
      header(RateLimitHeaderMatch::Type::Exact, "x-internal", "yes", /*invert=*/true),
      header(RateLimitHeaderMatch::Type::Distinct, "x-tenant-id"),
  };
  FakeRequest request;
  request.headers = {
      {"x-plan", "free"}, {"x-ai-eg-model", "gemini-2.5-flash"}, {"x-tenant-id", "acme"}};
  std::vector<std::string_view> distinct;
  ASSERT_TRUE(ruleApplies(r, request.view(), distinct));
  ASSERT_EQ(distinct.size(), 1u);
  EXPECT_EQ(distinct[0], "acme");

  distinct.clear();
  request.headers["x-internal"] = "yes";  // inverted: this request is not limited
  EXPECT_FALSE(ruleApplies(r, request.view(), distinct));
  EXPECT_TRUE(distinct.empty());
  request.headers.erase("x-internal");

  request.headers["x-ai-eg-model"] = "claude";  // the regex must match the whole value
  EXPECT_FALSE(ruleApplies(r, request.view(), distinct));
  request.headers["x-ai-eg-model"] = "gemini-x";

  request.headers.erase("x-tenant-id");  // Distinct without the header: the rule does not apply
  EXPECT_FALSE(ruleApplies(r, request.view(), distinct));
  EXPECT_TRUE(distinct.empty());
}

TEST(Selector, EverySelectorMustHold) {
  auto r = rule("r");
  r.clientSelectors.resize(2);
  r.clientSelectors[0].headers = {header(RateLimitHeaderMatch::Type::Exact, "a", "1")};
  r.clientSelectors[1].headers = {header(RateLimitHeaderMatch::Type::Exact, "b", "2")};
  FakeRequest request;
  request.headers = {{"a", "1"}};
  std::vector<std::string_view> distinct;
  EXPECT_FALSE(ruleApplies(r, request.view(), distinct));
  request.headers["b"] = "2";
  EXPECT_TRUE(ruleApplies(r, request.view(), distinct));
}

TEST(Selector, MethodsPathAndSourceCidr) {
  auto r = rule("r");
  r.clientSelectors.push_back({});
  auto& s = r.clientSelectors[0];
  s.methods = {{"GET", false}, {"POST", false}};
  s.path = config::RateLimitPathMatch{config::RateLimitPathMatch::Type::PathPrefix, "/v1/", false,
                                      nullptr};
  config::SourceCidrMatch cidr;
  cidr.type = config::SourceCidrMatch::Type::Distinct;
  cidr.value = "10.0.0.0/8";
  cidr.network = {10};
  cidr.prefixLength = 8;
  s.sourceCidr = cidr;
  FakeRequest request;
  std::vector<std::string_view> distinct;
  ASSERT_TRUE(ruleApplies(r, request.view("10.1.2.3"), distinct));
  ASSERT_EQ(distinct.size(), 1u);
  EXPECT_EQ(distinct[0], "10.1.2.3");
  distinct.clear();
  EXPECT_FALSE(ruleApplies(r, request.view("192.168.0.1"), distinct));
  EXPECT_TRUE(ruleApplies(r, request.view("::ffff:10.9.9.9"), distinct));  // mapped IPv4
  s.path->value = "/anthropic/";
  EXPECT_FALSE(ruleApplies(r, request.view("10.1.2.3"), distinct));
  s.path->invert = true;
  EXPECT_TRUE(ruleApplies(r, request.view("10.1.2.3"), distinct));
  s.methods = {{"POST", true}};  // anything but POST
  EXPECT_FALSE(ruleApplies(r, request.view("10.1.2.3"), distinct));
}

// --- process counters --------------------------------------------------------------------------

TEST(LocalCounter, RefusedRequestsConsumeNothingAndANewWindowStartsAtZero) {
  LocalCounter counter;
  EXPECT_EQ(counter.hit(100, 4, 10).count, 4u);
  EXPECT_EQ(counter.hit(100, 4, 10).count, 8u);
  const auto refused = counter.hit(100, 4, 10);
  EXPECT_TRUE(refused.refused);
  EXPECT_EQ(refused.count, 8u);
  EXPECT_FALSE(counter.hit(100, 2, 10).refused);  // exactly the limit
  EXPECT_TRUE(counter.hit(100, 0, 10).refused);   // check only, at the limit
  EXPECT_EQ(counter.hit(101, 0, 10).count, 0u);   // next window
  counter.add(101, 25);                           // a response cost, whatever the limit
  EXPECT_EQ(counter.count(101), 25u);
  EXPECT_TRUE(counter.hit(101, 0, 10).refused);
  EXPECT_EQ(counter.count(102), 0u);
}

TEST(LocalCounter, WorkersCountingTogetherNeverPassTheLimit) {
  LocalCounter counter;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i)
        if (!counter.hit(7, 1, 5000).refused) admitted.fetch_add(1);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 5000);
  EXPECT_EQ(counter.count(7), 5000u);
}

TEST(LocalRule, DistinctValuesGetTheirOwnCounters) {
  LocalRule rule(/*distinct=*/true);
  const std::string_view a[] = {"tenant-a"};
  const std::string_view b[] = {"tenant-b"};
  LocalCounter& ca = rule.counterFor(a, 1);
  LocalCounter& cb = rule.counterFor(b, 1);
  EXPECT_NE(&ca, &cb);
  EXPECT_EQ(&ca, &rule.counterFor(a, 1));
  ca.hit(1, 3, 10);
  EXPECT_EQ(cb.count(1), 0u);
}

TEST(LocalCounterStore, KeepsCountersAcrossReloadsOfTheSameRule) {
  config::Snapshot snapshot;
  snapshot.routes.push_back({});
  snapshot.routes[0].name = "default/r";
  auto local = rule("default/p/local/0");
  local.scope = RateLimitRule::Scope::Local;
  auto global = rule("default/p/global/0");
  snapshot.routes[0].rateLimits = {global, local};

  LocalCounterStore store;
  auto first = store.attach(snapshot, /*globalInProcess=*/false);
  ASSERT_EQ(first[0].rules.size(), 2u);
  EXPECT_EQ(first[0].rules[0], nullptr);  // Global: Redis counts it
  ASSERT_NE(first[0].rules[1], nullptr);
  auto second = store.attach(snapshot, false);
  EXPECT_EQ(first[0].rules[1], second[0].rules[1]);

  // Without Redis, Global rules are counted in process too.
  auto inProcess = store.attach(snapshot, true);
  EXPECT_NE(inProcess[0].rules[0], nullptr);

  // A changed limit starts a new counter.
  snapshot.routes[0].rateLimits[1].requests = 99;
  EXPECT_NE(store.attach(snapshot, false)[0].rules[1], first[0].rules[1]);
}

}  // namespace
}  // namespace switchyard::ratelimit
