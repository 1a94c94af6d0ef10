// RouteTable against a plain scan of every rule in order: the index (exact map, regex set, scanned
// rules) must select exactly the rule the scan selects, for random rule sets and random requests.

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <map>
#include <random>

#include "route/router.hpp"

namespace switchyard::route {
namespace {

using config::HeaderMatch;

constexpr std::string_view kModel = "x-ai-eg-model";

// --- The reference: the first rule, routes in order and rules in order, that has a match entry
// whose conditions all hold; no entries at all matches everything. ---

using Headers = std::map<std::string, std::string, std::less<>>;

std::string_view valueOf(const Headers& headers, std::string_view name) {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

bool conditionHolds(const HeaderMatch& condition, const Headers& headers) {
  const std::string value(valueOf(headers, condition.name));
  if (condition.type == HeaderMatch::Type::Exact) return value == condition.value;
  return condition.regex != nullptr && RE2::FullMatch(value, *condition.regex);
}

RouteMatch scanInOrder(const config::Snapshot& snapshot, const Headers& headers) {
  for (const auto& route : snapshot.routes) {
    for (const auto& rule : route.rules) {
      bool selected = rule.matches.empty();
      for (const auto& entry : rule.matches) {
        bool all = true;
        for (const auto& condition : entry) all = all && conditionHolds(condition, headers);
        selected = selected || all;
      }
      if (selected) return {&route, &rule};
    }
  }
  return {};
}

// --- Building rules ---

HeaderMatch exact(std::string_view name, std::string value) {
  HeaderMatch m;
  m.name = std::string(name);
  m.value = std::move(value);
  return m;
}

HeaderMatch regex(std::string_view name, std::string pattern,
                  const RE2::Options& options = RE2::Quiet) {
  HeaderMatch m;
  m.type = HeaderMatch::Type::RegularExpression;
  m.name = std::string(name);
  m.value = pattern;
  m.regex = std::make_shared<const RE2>(pattern, options);
  return m;
}

config::Snapshot oneRoute(std::vector<std::vector<std::vector<HeaderMatch>>> rules) {
  config::Snapshot snapshot;
  config::Route route;
  route.name = "default/r";
  for (auto& matches : rules) {
    config::Rule rule;
    rule.matches = std::move(matches);
    route.rules.push_back(std::move(rule));
  }
  snapshot.routes.push_back(std::move(route));
  return snapshot;
}

// Index of the selected rule in the single route, -1 for none.
int selected(const config::Snapshot& snapshot, const RouteTable& table, const Headers& headers) {
  const auto match = table.find([&](std::string_view name) { return valueOf(headers, name); });
  if (!match.rule) return -1;
  return static_cast<int>(match.rule - snapshot.routes.front().rules.data());
}

Headers model(std::string value) { return {{std::string(kModel), std::move(value)}}; }

// --- Cases named for what they keep ---

TEST(RouteTableTest, EarlierRegexRuleBeatsLaterExactHit) {
  const auto s =
      oneRoute({{{exact(kModel, "a")}}, {{regex(kModel, "gpt-.*")}}, {{exact(kModel, "gpt-4o")}}});
  const RouteTable table(s);
  EXPECT_EQ(selected(s, table, model("gpt-4o")), 1);
  EXPECT_EQ(selected(s, table, model("a")), 0);
  EXPECT_EQ(selected(s, table, model("gpt")), -1);
  EXPECT_TRUE(table.shape().regexSet);
}

TEST(RouteTableTest, ExactHitBeatsLaterRegex) {
  const auto s = oneRoute({{{exact(kModel, "gpt-4o")}}, {{regex(kModel, "gpt-.*")}}});
  EXPECT_EQ(selected(s, RouteTable(s), model("gpt-4o")), 0);
}

TEST(RouteTableTest, DuplicateExactValuesSelectTheFirstRule) {
  const auto s = oneRoute({{{exact(kModel, "b")}}, {{exact(kModel, "a")}}, {{exact(kModel, "a")}}});
  const RouteTable table(s);
  EXPECT_EQ(selected(s, table, model("a")), 1);
  EXPECT_EQ(table.shape().exactModels, 2u);
}

TEST(RouteTableTest, DuplicatePatternsSelectTheFirstRule) {
  const auto s =
      oneRoute({{{exact(kModel, "x")}}, {{regex(kModel, "m.*")}}, {{regex(kModel, "m.*")}}});
  EXPECT_EQ(selected(s, RouteTable(s), model("m1")), 1);
}

TEST(RouteTableTest, RuleOfSeveralEntriesMatchesOnAnyOfThem) {
  const auto s = oneRoute({{{exact(kModel, "a")}, {regex(kModel, "b+")}}, {{exact(kModel, "bb")}}});
  const RouteTable table(s);
  EXPECT_EQ(selected(s, table, model("bb")), 0);
  EXPECT_EQ(selected(s, table, model("a")), 0);
  EXPECT_EQ(table.shape().scannedRules, 0u);
}

TEST(RouteTableTest, OtherHeadersAreScannedInOrderBeforeTheHit) {
  const auto s = oneRoute({{{exact(kModel, "m"), exact("x-tier", "gold")}},
                           {{exact(kModel, "m")}},
                           {{exact("x-tier", "silver")}}});
  const RouteTable table(s);
  EXPECT_EQ(table.shape().scannedRules, 2u);
  Headers gold = model("m");
  gold["x-tier"] = "gold";
  EXPECT_EQ(selected(s, table, gold), 0);
  EXPECT_EQ(selected(s, table, model("m")), 1);
  Headers silver = model("m");
  silver["x-tier"] = "silver";
  EXPECT_EQ(selected(s, table, silver), 1);  // the later scanned rule loses to the exact hit
  silver[std::string(kModel)] = "other";
  EXPECT_EQ(selected(s, table, silver), 2);
}

TEST(RouteTableTest, RuleWithoutMatchesStopsTheLookupWhereItStands) {
  const auto s = oneRoute({{{exact(kModel, "a")}}, {}, {{exact(kModel, "b")}}});
  const RouteTable table(s);
  EXPECT_EQ(selected(s, table, model("a")), 0);
  EXPECT_EQ(selected(s, table, model("b")), 1);
  EXPECT_EQ(selected(s, table, {}), 1);
}

TEST(RouteTableTest, EmptyEntryMatchesEverything) {
  const auto s = oneRoute({{{exact(kModel, "a")}}, {{}}, {{exact(kModel, "b")}}});
  EXPECT_EQ(selected(s, RouteTable(s), model("b")), 1);
}

TEST(RouteTableTest, AbsentModelIsTheEmptyValue) {
  const auto s = oneRoute({{{exact(kModel, "a")}}, {{exact(kModel, "")}}, {{regex(kModel, "")}}});
  const RouteTable table(s);
  EXPECT_EQ(selected(s, table, {}), 1);
}

TEST(RouteTableTest, HeaderNameIsTakenAsWritten) {
  // Only the loader lower-cases names; a rule naming X-AI-EG-Model asks for exactly that name.
  const auto s = oneRoute({{{exact("X-AI-EG-Model", "a")}}, {{exact(kModel, "a")}}});
  const RouteTable table(s);
  EXPECT_EQ(table.shape().scannedRules, 1u);
  EXPECT_EQ(selected(s, table, model("a")), 1);
}

TEST(RouteTableTest, RegexThatDidNotCompileMatchesNothing) {
  const auto s = oneRoute({{{regex(kModel, "(")}, {exact(kModel, "(")}}, {{regex(kModel, ".*")}}});
  const RouteTable table(s);
  EXPECT_EQ(selected(s, table, model("(")), 0);
  EXPECT_EQ(selected(s, table, model("x")), 1);
}

TEST(RouteTableTest, RegexesWithOtherOptionsAreScannedInOrder) {
  RE2::Options caseless = RE2::Quiet;
  caseless.set_case_sensitive(false);
  const auto s = oneRoute({{{regex(kModel, "gpt-.*")}},
                           {{regex(kModel, "GEMINI-.*", caseless)}},
                           {{exact(kModel, "gemini-pro")}}});
  const RouteTable table(s);
  EXPECT_FALSE(table.shape().regexSet);
  EXPECT_EQ(selected(s, table, model("gemini-pro")), 1);
  EXPECT_EQ(selected(s, table, model("gpt-4o")), 0);
}

TEST(RouteTableTest, SetThatDoesNotCompileFallsBackToTheScan) {
  // A memory budget each regex fits in but the set of all of them does not.
  RE2::Options tiny = RE2::Quiet;
  tiny.set_max_mem(1 << 12);
  std::vector<std::vector<std::vector<HeaderMatch>>> rules;
  for (int i = 0; i < 40; ++i) {
    rules.push_back({{regex(kModel, "(m|n)*" + std::to_string(i) + "[a-z]{0,3}x", tiny)}});
    ASSERT_TRUE(rules.back().front().front().regex->ok());
  }
  rules.push_back({{exact(kModel, "mn7abx")}});
  const auto s = oneRoute(std::move(rules));
  const RouteTable table(s);
  EXPECT_FALSE(table.shape().regexSet);
  EXPECT_EQ(selected(s, table, model("mn7abx")), 7);
  EXPECT_EQ(selected(s, table, model("mmnn39x")), 39);
  EXPECT_EQ(selected(s, table, model("none")), -1);
}

TEST(RouteTableTest, EmptyTableFindsNothing) {
  const RouteTable table;
  EXPECT_EQ(table.find([](std::string_view) { return std::string_view("a"); }).rule, nullptr);
}

// --- Random rule sets against the reference ---

// Small alphabets so that values, patterns and requests collide often.
const std::vector<std::string> kValues = {"",    "a",      "b",   "ab",          "ba", "aa",
                                          "a-4", "gpt-4o", "gpt", "gpt-4o-mini", "A",  "b-4"};
const std::vector<std::string> kAtoms = {"a",   "b",      "-",   "4", ".", "[ab]", "(a|b)", "\\d",
                                         "gpt", "(?i:a)", "\\b", "^", "$", "a?",   "[^a]"};
const std::vector<std::string> kTiers = {"", "gold", "silver"};

template <typename T>
const T& pick(std::mt19937& random, const std::vector<T>& items) {
  return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(random)];
}

bool chance(std::mt19937& random, double p) { return std::bernoulli_distribution(p)(random); }

std::string randomPattern(std::mt19937& random) {
  std::string pattern;
  const int atoms = std::uniform_int_distribution<int>(0, 4)(random);
  for (int i = 0; i < atoms; ++i) {
    pattern += pick(random, kAtoms);
    if (chance(random, 0.25))
      pattern += pick(random, std::vector<std::string>{"*", "+", "?", "{1,2}"});
    if (chance(random, 0.15)) pattern += "|";
  }
  return pattern;
}

std::string randomModel(std::mt19937& random) {
  if (chance(random, 0.6)) return pick(random, kValues);
  std::string model;
  const int length = std::uniform_int_distribution<int>(0, 6)(random);
  for (int i = 0; i < length; ++i) model += "ab-4gpt"[random() % 7];
  return model;
}

HeaderMatch randomCondition(std::mt19937& random, std::string_view name) {
  if (chance(random, 0.55)) {
    return exact(name, name == kModel ? pick(random, kValues) : pick(random, kTiers));
  }
  if (name != kModel) return regex(name, chance(random, 0.5) ? "gold|silver" : "s.*");
  RE2::Options options = RE2::Quiet;
  if (chance(random, 0.03)) options.set_case_sensitive(false);  // forces the ordered scan
  return regex(name, randomPattern(random), options);
}

config::Rule randomRule(std::mt19937& random) {
  config::Rule rule;
  const int entries = chance(random, 0.04) ? 0 : std::uniform_int_distribution<int>(1, 3)(random);
  for (int e = 0; e < entries; ++e) {
    std::vector<HeaderMatch> entry;
    const int conditions = chance(random, 0.15) ? 2 : (chance(random, 0.01) ? 0 : 1);
    for (int c = 0; c < conditions; ++c) {
      const bool onModel = c == 0 ? chance(random, 0.9) : chance(random, 0.3);
      entry.push_back(randomCondition(random, onModel ? kModel : "x-tier"));
    }
    rule.matches.push_back(std::move(entry));
  }
  return rule;
}

config::Snapshot randomSnapshot(std::mt19937& random) {
  config::Snapshot snapshot;
  const int routes = std::uniform_int_distribution<int>(1, 4)(random);
  for (int r = 0; r < routes; ++r) {
    config::Route route;
    route.name = "default/route-" + std::to_string(r);
    const int rules = std::uniform_int_distribution<int>(0, 10)(random);
    for (int i = 0; i < rules; ++i) route.rules.push_back(randomRule(random));
    snapshot.routes.push_back(std::move(route));
  }
  return snapshot;
}

TEST(RouteTableTest, SelectsWhatTheScanInOrderSelects) {
  std::mt19937 random(15);
  int regexSets = 0, scannedRegexes = 0, hits = 0, misses = 0;
  for (int round = 0; round < 3000; ++round) {
    const auto snapshot = randomSnapshot(random);
    const RouteTable table(snapshot);
    const auto shape = table.shape();
    regexSets += shape.regexSet ? 1 : 0;
    scannedRegexes += shape.regexRules > 0 && !shape.regexSet ? 1 : 0;
    for (int request = 0; request < 60; ++request) {
      Headers headers;
      if (!chance(random, 0.05)) headers[std::string(kModel)] = randomModel(random);
      if (chance(random, 0.4)) headers["x-tier"] = pick(random, kTiers);
      const auto expected = scanInOrder(snapshot, headers);
      const auto found = table.find([&](std::string_view name) { return valueOf(headers, name); });
      ASSERT_EQ(found.rule, expected.rule)
          << "round " << round << ", model \"" << valueOf(headers, kModel) << "\"";
      ASSERT_EQ(found.route, expected.route);
      (expected.rule ? hits : misses) += 1;
    }
  }
  // The random sets reached every path: the set, the ordered scan of regexes, hits and misses.
  EXPECT_GT(regexSets, 1000);
  EXPECT_GT(scannedRegexes, 20);
  EXPECT_GT(hits, 10000);
  EXPECT_GT(misses, 10000);
}

}  // namespace
}  // namespace switchyard::route
