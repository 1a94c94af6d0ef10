#include "route/router.hpp"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <filesystem>
#include <map>

#include "config/loader.hpp"

namespace switchyard::route {
namespace {

using config::HeaderMatch;

HeaderMatch exact(std::string name, std::string value) {
  HeaderMatch m;
  m.name = std::move(name);
  m.value = std::move(value);
  return m;
}

HeaderMatch regex(std::string name, std::string pattern) {
  HeaderMatch m;
  m.type = HeaderMatch::Type::RegularExpression;
  m.name = std::move(name);
  m.value = pattern;
  m.regex = std::make_shared<const RE2>(pattern);
  return m;
}

const config::Rule* findRule(const config::Snapshot& snapshot, const HeaderLookup& header) {
  return RouteTable(snapshot).find(header).rule;
}

config::Rule rule(std::vector<std::vector<HeaderMatch>> matches,
                  std::string ownedBy = "Envoy AI Gateway", std::int64_t created = 0) {
  config::Rule r;
  r.matches = std::move(matches);
  r.modelsOwnedBy = std::move(ownedBy);
  r.modelsCreatedAt = created;
  return r;
}

// Two routes: exact models, a regex catch-all for gpt-*, and a two-header match.
config::Snapshot sample() {
  config::Snapshot s;
  config::Route first;
  first.name = "default/first";
  first.rules.push_back(rule({{exact("x-ai-eg-model", "gpt-4o")}}, "OpenAI", 1700000000));
  first.rules.push_back(rule({{regex("x-ai-eg-model", "gpt-.*")}}));
  first.rules.push_back(
      rule({{exact("x-ai-eg-model", "gemini-2.5-flash"), exact("x-tier", "gold")}}));
  config::Route second;
  second.name = "default/second";
  second.rules.push_back(rule(
      {{exact("x-ai-eg-model", "gemini-2.5-flash")}, {exact("x-ai-eg-model", "gemini-2.5-pro")}},
      "Google"));
  second.rules.push_back(rule({{exact("x-ai-eg-model", "gpt-4o")}}));  // shadowed by first
  s.routes = {std::move(first), std::move(second)};
  return s;
}

// Index of the rule found as (route, rule), or (-1, -1).
std::pair<int, int> locate(const config::Snapshot& s, const config::Rule* found) {
  for (std::size_t r = 0; r < s.routes.size(); ++r)
    for (std::size_t i = 0; i < s.routes[r].rules.size(); ++i)
      if (&s.routes[r].rules[i] == found) return {static_cast<int>(r), static_cast<int>(i)};
  return {-1, -1};
}

struct MatchCase {
  std::string name;
  std::map<std::string, std::string> headers;  // lower-case names, as the caller provides them
  std::pair<int, int> expected;
};

class FindRuleTest : public ::testing::TestWithParam<MatchCase> {};

TEST_P(FindRuleTest, FirstMatchingRuleInOrder) {
  const auto snapshot = sample();
  const auto& c = GetParam();
  const auto* found = findRule(snapshot, [&](std::string_view name) -> std::string_view {
    const auto it = c.headers.find(std::string(name));
    return it == c.headers.end() ? std::string_view() : std::string_view(it->second);
  });
  EXPECT_EQ(locate(snapshot, found), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Router, FindRuleTest,
    ::testing::Values(
        MatchCase{"ExactBeforeRegex", {{"x-ai-eg-model", "gpt-4o"}}, {0, 0}},
        MatchCase{"RegexFullMatch", {{"x-ai-eg-model", "gpt-4o-mini"}}, {0, 1}},
        MatchCase{"RegexIsNotPartial", {{"x-ai-eg-model", "my-gpt-4"}}, {-1, -1}},
        MatchCase{"AllHeadersOfAMatch",
                  {{"x-ai-eg-model", "gemini-2.5-flash"}, {"x-tier", "gold"}},
                  {0, 2}},
        MatchCase{
            "MissingSecondHeaderFallsThrough", {{"x-ai-eg-model", "gemini-2.5-flash"}}, {1, 0}},
        MatchCase{"AnyOfTheMatches", {{"x-ai-eg-model", "gemini-2.5-pro"}}, {1, 0}},
        MatchCase{"ExactIsCaseSensitiveOnValues", {{"x-ai-eg-model", "GPT-4O"}}, {-1, -1}},
        MatchCase{"NoHeader", {}, {-1, -1}},
        MatchCase{"UnknownModel", {{"x-ai-eg-model", "llama3"}}, {-1, -1}}),
    [](const auto& info) { return info.param.name; });

TEST(FindRuleNamesTest, AsksForLowerCaseNames) {
  // The loader stores names lower-cased (X-AI-EG-Model in YAML); the router asks with that name.
  const auto snapshot = sample();
  std::vector<std::string> asked;
  findRule(snapshot, [&](std::string_view name) -> std::string_view {
    asked.emplace_back(name);
    return "gemini-2.5-flash";
  });
  for (const auto& name : asked) {
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
  }
  EXPECT_FALSE(asked.empty());
}

TEST(FindRuleNamesTest, RuleWithoutMatchesMatchesEverything) {
  config::Snapshot s;
  config::Route route;
  route.rules.push_back(rule({{exact("x-ai-eg-model", "a")}}));
  route.rules.push_back(rule({}));
  s.routes.push_back(std::move(route));
  const auto* found = findRule(s, [](std::string_view) { return std::string_view("b"); });
  EXPECT_EQ(locate(s, found), std::make_pair(0, 1));
}

TEST(FindRuleNamesTest, EmptySnapshotFindsNothing) {
  config::Snapshot s;
  EXPECT_EQ(findRule(s, [](std::string_view) { return std::string_view("x"); }), nullptr);
}

TEST(ListModelsTest, ExactModelValuesDeduplicatedInOrder) {
  const auto models = listModels(sample());
  ASSERT_EQ(models.size(), 3u);
  EXPECT_EQ(models[0].id, "gpt-4o");
  EXPECT_EQ(models[0].ownedBy, "OpenAI");
  EXPECT_EQ(models[0].created, 1700000000);
  // Regex rules list nothing; the first rule naming a model decides its metadata.
  EXPECT_EQ(models[1].id, "gemini-2.5-flash");
  EXPECT_EQ(models[1].ownedBy, "Envoy AI Gateway");
  EXPECT_EQ(models[2].id, "gemini-2.5-pro");
  EXPECT_EQ(models[2].ownedBy, "Google");
  EXPECT_EQ(models[2].created, 0);
}

TEST(ListModelsTest, OnlyTheModelHeaderCounts) {
  config::Snapshot s;
  config::Route route;
  route.rules.push_back(rule({{exact("x-tier", "gold"), exact("x-ai-eg-model", "m1")}}));
  s.routes.push_back(std::move(route));
  const auto models = listModels(s);
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].id, "m1");
}

TEST(RouterWithLoaderTest, HeaderNamesFromYamlAreCaseInsensitive) {
  // full.yaml writes the header name as X-AI-EG-Model.
  config::LoadOptions options;
  options.paths = {(std::filesystem::path(__FILE__).parent_path().parent_path() / "config" /
                    "testdata" / "full.yaml")
                       .string()};
  options.getenv = [](std::string_view) { return std::nullopt; };
  const auto result = config::loadSnapshot(options);
  ASSERT_TRUE(result.ok());
  const auto& snapshot = *result.snapshot;
  auto modelIs = [](std::string model) {
    return [model](std::string_view name) -> std::string_view {
      return name == "x-ai-eg-model" ? std::string_view(model) : std::string_view();
    };
  };
  EXPECT_EQ(findRule(snapshot, modelIs("gemini-2.5-flash")), &snapshot.routes[0].rules[0]);
  EXPECT_EQ(findRule(snapshot, modelIs("gpt-4o-mini")), &snapshot.routes[0].rules[1]);
  EXPECT_EQ(findRule(snapshot, modelIs("claude")), nullptr);
  const auto models = listModels(snapshot);
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].id, "gemini-2.5-flash");
  EXPECT_EQ(models[0].ownedBy, "Google");
}

}  // namespace
}  // namespace switchyard::route
