// llmRequestCosts (route and GatewayConfig) and BackendTrafficPolicy rateLimit: what they resolve
// to per route, how `check` and /config_dump show them. Every diagnostic at its field is in
// diagnostics_test.cpp.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "cel/expression.hpp"
#include "config/load_helpers.hpp"

namespace switchyard::config {
namespace {

using testing::fixture;
using testing::loadPaths;
using testing::TempDir;

const Route& routeNamed(const Snapshot& snapshot, std::string_view name) {
  for (const auto& route : snapshot.routes)
    if (route.name == name) return route;
  throw std::runtime_error("no route " + std::string(name));
}

std::vector<std::string> costKeys(const Route& route) {
  std::vector<std::string> keys;
  for (const auto& cost : route.costs) keys.push_back(cost.metadataKey);
  return keys;
}

LoadResult loadText(const std::string& yaml) {
  TempDir dir;
  return loadPaths({dir.write("case.yaml", yaml)});
}

// A route "r" with an OpenAI backend, and the `policy` YAML after it.
std::string withRoute(const std::string& routeExtra, const std::string& policy) {
  return R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: r
spec:
  rules:
    - backendRefs:
        - name: a
)" + routeExtra +
         R"(---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: a
spec:
  schema:
    name: OpenAI
  backendRef:
    name: a
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: a
spec:
  endpoints:
    - fqdn:
        hostname: a.example
        port: 443
---
)" + policy;
}

// A BackendTrafficPolicy "p" on HTTPRoute r with `rateLimit` (indented under spec).
std::string policyOnRoute(const std::string& rateLimit, const std::string& annotations = "") {
  return "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata:\n"
         "  name: p\n" +
         annotations +
         "spec:\n  targetRefs:\n    - kind: HTTPRoute\n      group: gateway.networking.k8s.io\n"
         "      name: r\n  rateLimit:\n" +
         rateLimit;
}

TEST(UsageRateLimitTest, EnvoyAiGatewayExampleResolves) {
  const auto result = loadPaths({fixture("usage-rate-limit.yaml")});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_TRUE(result.diagnostics.empty()) << testing::allDiagnostics(result);
  const auto& snapshot = *result.snapshot;
  EXPECT_TRUE(snapshot.hasGlobalRateLimits());

  // The route's own costs first, then the GatewayConfig's it does not define (tokens_out is its
  // own OutputToken, not the GatewayConfig's CEL).
  const auto& perUser = routeNamed(snapshot, "default/usage-per-user");
  EXPECT_EQ(perUser.gatewayConfig, "default/usage-costs");
  EXPECT_EQ(costKeys(perUser),
            (std::vector<std::string>{"tokens_in", "tokens_cached_in", "tokens_cache_write",
                                      "tokens_out", "tokens_by_rule", "tokens_total"}));
  EXPECT_EQ(perUser.costs[0].type, LlmRequestCost::Type::InputToken);
  EXPECT_EQ(perUser.costs[1].type, LlmRequestCost::Type::CachedInputToken);
  EXPECT_EQ(perUser.costs[2].type, LlmRequestCost::Type::CacheCreationInputToken);
  EXPECT_EQ(perUser.costs[3].type, LlmRequestCost::Type::OutputToken);
  EXPECT_EQ(perUser.costs[3].source, "AIGatewayRoute default/usage-per-user");
  EXPECT_EQ(perUser.costs[4].type, LlmRequestCost::Type::Cel);
  EXPECT_EQ(perUser.costs[4].cel, "input_tokens == uint(7) ? 50000000 : 0");
  // Compiled at load: the request path only evaluates it.
  ASSERT_NE(perUser.costs[4].expression, nullptr);
  cel::Inputs usage{.model = "usage-demo-model", .inputTokens = 7, .outputTokens = 3};
  EXPECT_EQ(perUser.costs[4].expression->evaluate(usage).value(), 50000000u);
  usage.inputTokens = 8;
  EXPECT_EQ(perUser.costs[4].expression->evaluate(usage).value(), 0u);
  for (std::size_t i = 0; i < perUser.costs.size(); ++i)
    if (i != 4) EXPECT_EQ(perUser.costs[i].expression, nullptr) << perUser.costs[i].metadataKey;
  EXPECT_EQ(perUser.costs[5].type, LlmRequestCost::Type::TotalToken);
  EXPECT_EQ(perUser.costs[5].source, "GatewayConfig default/usage-costs");
  EXPECT_EQ(perUser.costs[5].where.line, 34);

  // The Gateway's policy: five Global rules, one bucket per x-user-id, charged after the response.
  ASSERT_EQ(perUser.rateLimits.size(), 5u);
  const std::vector<std::pair<std::uint64_t, std::string>> expected = {{20, "tokens_in"},
                                                                       {200, "tokens_out"},
                                                                       {2000, "tokens_total"},
                                                                       {200, "tokens_cached_in"},
                                                                       {2000, "tokens_by_rule"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& rule = perUser.rateLimits[i];
    SCOPED_TRACE(rule.id);
    EXPECT_EQ(rule.id, "default/usage-per-user/global/" + std::to_string(i));
    EXPECT_EQ(rule.policy, "default/usage-per-user");
    EXPECT_EQ(rule.index, i);
    EXPECT_EQ(rule.scope, RateLimitRule::Scope::Global);
    ASSERT_EQ(rule.clientSelectors.size(), 1u);
    ASSERT_EQ(rule.clientSelectors[0].headers.size(), 1u);
    EXPECT_EQ(rule.clientSelectors[0].headers[0].type, RateLimitHeaderMatch::Type::Distinct);
    EXPECT_EQ(rule.clientSelectors[0].headers[0].name, "x-user-id");
    EXPECT_EQ(rule.requests, expected[i].first);
    EXPECT_EQ(rule.unit, RateLimitUnit::Hour);
    EXPECT_EQ(rule.requestCost, 0u);
    EXPECT_EQ(rule.responseCost.from, RateLimitRule::ResponseCost::From::Metadata);
    EXPECT_EQ(rule.responseCost.metadataKey, expected[i].second);
    EXPECT_EQ(perUser.costs[rule.responseCost.costIndex].metadataKey, expected[i].second);
    EXPECT_FALSE(rule.shared);
    EXPECT_FALSE(rule.shadowMode);
    EXPECT_FALSE(rule.failClosed);
  }
  EXPECT_EQ(perUser.rateLimits[2].responseCost.costIndex, 5u);  // from the GatewayConfig

  // The other route has its own policy, which replaces the Gateway's, and only global costs.
  const auto& perModel = routeNamed(snapshot, "default/usage-per-model");
  EXPECT_EQ(costKeys(perModel), (std::vector<std::string>{"tokens_total", "tokens_out"}));
  EXPECT_EQ(perModel.costs[1].type, LlmRequestCost::Type::Cel);
  ASSERT_NE(perModel.costs[1].expression, nullptr);
  EXPECT_EQ(perModel.costs[1].expression->evaluate(cel::Inputs{.outputTokens = 21}).value(), 42u);
  ASSERT_EQ(perModel.rateLimits.size(), 2u);
  const auto& large = perModel.rateLimits[0];
  EXPECT_EQ(large.id, "default/usage-per-model/global/0");
  EXPECT_EQ(large.requests, 500u);
  ASSERT_EQ(large.clientSelectors.size(), 1u);
  const auto& headers = large.clientSelectors[0].headers;
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].type, RateLimitHeaderMatch::Type::Distinct);
  EXPECT_EQ(headers[0].name, "x-tenant-id");
  EXPECT_EQ(headers[1].type, RateLimitHeaderMatch::Type::Exact);
  EXPECT_EQ(headers[1].name, "x-ai-eg-model");
  EXPECT_EQ(headers[1].value, "large-model");
  EXPECT_FALSE(headers[1].invert);
  EXPECT_EQ(large.responseCost.costIndex, 0u);
  EXPECT_EQ(perModel.rateLimits[1].requests, 4000u);
  EXPECT_EQ(perModel.rateLimits[1].clientSelectors[0].headers[1].value, "small-model");
}

TEST(UsageRateLimitTest, CheckAndConfigDumpShowCostsAndRules) {
  const auto result = loadPaths({fixture("usage-rate-limit.yaml")});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto text = describeRoutingTable(*result.snapshot);
  for (const char* expected :
       {"  costs: tokens_in = InputToken, tokens_cached_in = CachedInputToken, tokens_cache_write "
        "= CacheCreationInputToken, tokens_out = OutputToken, tokens_by_rule = CEL \"input_tokens "
        "== uint(7) ? 50000000 : 0\", tokens_total = TotalToken (GatewayConfig "
        "default/usage-costs)\n",
        "  rate limits:\n    default/usage-per-user/global/0 Global: 20 per Hour, when each "
        "x-user-id; cost request 0, response tokens_in\n",
        "    default/usage-per-model/global/0 Global: 500 per Hour, when each x-tenant-id and "
        "x-ai-eg-model = \"large-model\"; cost request 0, response tokens_total\n"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing \"" << expected << "\" in:\n"
                                                      << text;
  }

  const auto json = boost::json::serialize(dumpSnapshot(*result.snapshot));
  for (
      const char* expected :
      {R"("gatewayConfig":"default/usage-costs")",
       R"({"metadataKey":"tokens_by_rule","type":"CEL","source":"AIGatewayRoute default/usage-per-user","cel":"input_tokens == uint(7) ? 50000000 : 0"})",
       R"({"id":"default/usage-per-user/global/0","policy":"default/usage-per-user","type":"Global","clientSelectors":[{"headers":[{"type":"Distinct","name":"x-user-id"}],"methods":[],"path":null,"sourceCIDR":null}],"limit":{"requests":20,"unit":"Hour"},"cost":{"request":0,"response":{"from":"Metadata","metadataKey":"tokens_in"}},"shared":false,"shadowMode":false,"failClosed":false,"source":{"file":)",
       R"({"type":"Exact","name":"x-ai-eg-model","value":"large-model","invert":false})"}) {
    EXPECT_NE(json.find(expected), std::string::npos) << "missing " << expected << " in:\n" << json;
  }
}

TEST(RateLimitTest, EveryFieldOfARule) {
  const auto result = loadText(withRoute("", policyOnRoute(R"(    global:
      rules:
        - clientSelectors:
            - headers:
                - name: X-Team
                  value: red
                  invert: true
                - type: RegularExpression
                  name: x-ai-eg-model
                  value: "gpt-4.*"
              methods:
                - value: POST
                - value: GET
                  invert: true
              path:
                type: Exact
                value: /v1/chat/completions
                invert: false
            - sourceCIDR:
                type: Distinct
                value: 10.1.2.3/16
          limit:
            requests: 1000000
            unit: Month
          cost:
            request:
              from: Number
              number: 3
            response:
              from: Number
              number: 5
          shared: true
          shadowMode: true
)",
                                                           "  annotations:\n    "
                                                           "switchyard.dev/rate-limit-fail-closed: "
                                                           "\"true\"\n")));
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto& route = result.snapshot->routes[0];
  ASSERT_EQ(route.rateLimits.size(), 1u);
  const auto& rule = route.rateLimits[0];
  EXPECT_EQ(rule.id, "default/p/global/0");
  EXPECT_EQ(rule.where.line, 44);
  ASSERT_EQ(rule.clientSelectors.size(), 2u);
  const auto& first = rule.clientSelectors[0];
  ASSERT_EQ(first.headers.size(), 2u);
  EXPECT_EQ(first.headers[0].name, "x-team");
  EXPECT_EQ(first.headers[0].type, RateLimitHeaderMatch::Type::Exact);
  EXPECT_TRUE(first.headers[0].invert);
  EXPECT_EQ(first.headers[1].type, RateLimitHeaderMatch::Type::RegularExpression);
  ASSERT_NE(first.headers[1].regex, nullptr);
  ASSERT_EQ(first.methods.size(), 2u);
  EXPECT_EQ(first.methods[0].method, "POST");
  EXPECT_FALSE(first.methods[0].invert);
  EXPECT_TRUE(first.methods[1].invert);
  ASSERT_TRUE(first.path.has_value());
  EXPECT_EQ(first.path->type, RateLimitPathMatch::Type::Exact);
  EXPECT_EQ(first.path->value, "/v1/chat/completions");
  EXPECT_FALSE(first.sourceCidr.has_value());
  const auto& second = rule.clientSelectors[1];
  ASSERT_TRUE(second.sourceCidr.has_value());
  EXPECT_EQ(second.sourceCidr->type, SourceCidrMatch::Type::Distinct);
  EXPECT_EQ(second.sourceCidr->value, "10.1.2.3/16");
  EXPECT_FALSE(second.sourceCidr->ipv6);
  EXPECT_EQ(second.sourceCidr->prefixLength, 16u);
  EXPECT_EQ(second.sourceCidr->network[0], 10);
  EXPECT_EQ(second.sourceCidr->network[1], 1);
  EXPECT_EQ(second.sourceCidr->network[2], 0);  // host bits cleared
  EXPECT_EQ(second.sourceCidr->network[3], 0);
  EXPECT_EQ(rule.requests, 1000000u);
  EXPECT_EQ(rule.unit, RateLimitUnit::Month);
  EXPECT_EQ(rule.requestCost, 3u);
  EXPECT_EQ(rule.responseCost.from, RateLimitRule::ResponseCost::From::Number);
  EXPECT_EQ(rule.responseCost.number, 5u);
  EXPECT_TRUE(rule.shared);
  EXPECT_TRUE(rule.shadowMode);
  EXPECT_TRUE(rule.failClosed);

  const auto text = describeRoutingTable(*result.snapshot);
  EXPECT_NE(text.find("default/p/global/0 Global: 1000000 per Month, when x-team not = \"red\" "
                      "and x-ai-eg-model ~ /gpt-4.*/ and method in [POST, not GET] and path = "
                      "/v1/chat/completions and each client address in 10.1.2.3/16; cost request "
                      "3, response 5; shared; shadow mode; fail closed"),
            std::string::npos)
      << text;
}

struct FormCase {
  std::string name;
  std::string rateLimit;  // under spec.rateLimit
  std::vector<std::string> ids;
};

// Both ways of writing the scope: the deprecated `type` with its block, and the blocks alone.
TEST(RateLimitTest, TypeAndBlockForms) {
  const std::string rule = "        - limit:\n            requests: 10\n            unit: Minute\n";
  const std::vector<FormCase> cases = {
      {"TypeGlobal",
       "    type: Global\n    global:\n      rules:\n" + rule,
       {"default/p/global/0"}},
      {"TypeLocal", "    type: Local\n    local:\n      rules:\n" + rule, {"default/p/local/0"}},
      {"GlobalWithoutType",
       "    global:\n      rules:\n" + rule + rule,
       {"default/p/global/0", "default/p/global/1"}},
      {"BothBlocks",
       "    global:\n      rules:\n" + rule + "    local:\n      rules:\n" + rule,
       {"default/p/global/0", "default/p/local/0"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto result = loadText(withRoute("", policyOnRoute(c.rateLimit)));
    ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
    std::vector<std::string> ids;
    for (const auto& limit : result.snapshot->routes[0].rateLimits) {
      ids.push_back(limit.id);
      EXPECT_EQ(limit.requestCost, 1u);  // the default: each request counts once
      EXPECT_EQ(limit.responseCost.from, RateLimitRule::ResponseCost::From::None);
      EXPECT_TRUE(limit.clientSelectors.empty());
      EXPECT_EQ(limit.scope, limit.id.find("/local/") == std::string::npos
                                 ? RateLimitRule::Scope::Global
                                 : RateLimitRule::Scope::Local);
    }
    EXPECT_EQ(ids, c.ids);
  }
}

TEST(RateLimitTest, FailClosedOnlyConcernsGlobalRules) {
  const auto result = loadText(withRoute(
      "", policyOnRoute("    local:\n      rules:\n        - limit: {requests: 1, unit: Second}\n",
                        "  annotations:\n    switchyard.dev/rate-limit-fail-closed: \"true\"\n")));
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_FALSE(result.snapshot->routes[0].rateLimits[0].failClosed);
  EXPECT_NE(testing::findDiagnostic(result, "only concerns Global rules"), nullptr);
}

TEST(RateLimitTest, SourceCidrContains) {
  const auto result = loadText(withRoute("", policyOnRoute(R"(    global:
      rules:
        - clientSelectors:
            - sourceCIDR: {value: 192.168.4.0/22}
            - sourceCIDR: {value: "2001:db8::/33"}
            - sourceCIDR: {value: 0.0.0.0/0}
            - sourceCIDR: {value: 10.0.0.9/32}
          limit: {requests: 1, unit: Second}
)")));
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto& selectors = result.snapshot->routes[0].rateLimits[0].clientSelectors;
  ASSERT_EQ(selectors.size(), 4u);
  using Bytes = std::vector<std::uint8_t>;
  auto contains = [&](std::size_t i, const Bytes& address) {
    return selectors[i].sourceCidr->contains(address);
  };
  EXPECT_TRUE(contains(0, Bytes{192, 168, 4, 0}));
  EXPECT_TRUE(contains(0, Bytes{192, 168, 7, 255}));
  EXPECT_FALSE(contains(0, Bytes{192, 168, 8, 0}));
  EXPECT_FALSE(contains(0, Bytes{192, 168, 3, 255}));
  // An IPv4 client seen on an IPv6 socket.
  EXPECT_TRUE(contains(0, Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 5, 1}));
  EXPECT_FALSE(contains(0, Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 192, 168, 5, 1}));
  EXPECT_TRUE(contains(1, Bytes{0x20, 0x01, 0x0d, 0xb8, 0x7f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_FALSE(contains(1, Bytes{0x20, 0x01, 0x0d, 0xb8, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_FALSE(contains(1, Bytes{192, 168, 4, 1}));
  EXPECT_TRUE(contains(2, Bytes{8, 8, 8, 8}));
  EXPECT_TRUE(contains(3, Bytes{10, 0, 0, 9}));
  EXPECT_FALSE(contains(3, Bytes{10, 0, 0, 8}));
  EXPECT_FALSE(contains(3, Bytes{10, 0, 0}));  // neither 4 nor 16 bytes
}

// Gateway-level and route-level policies, and which routes a Gateway reaches.
TEST(RateLimitTest, RoutePolicyWinsOverGatewayPolicyAndGatewaysReachTheirRoutes) {
  const std::string manifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: g1
spec:
  gatewayClassName: c
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: g2
spec:
  gatewayClassName: c
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: on-g1
spec:
  parentRefs: [{name: g1}]
  rules: [{backendRefs: [{name: a}]}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: on-g2
spec:
  parentRefs: [{name: g2}]
  rules: [{backendRefs: [{name: a}]}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: unattached
spec:
  rules: [{backendRefs: [{name: a}]}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: own-policy
spec:
  parentRefs: [{name: g1}]
  rules: [{backendRefs: [{name: a}]}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: a
spec:
  schema: {name: OpenAI}
  backendRef: {name: a}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: a
spec:
  endpoints: [{fqdn: {hostname: a.example, port: 443}}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: on-g1
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: g1}]
  rateLimit:
    local:
      rules: [{limit: {requests: 1, unit: Second}}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: also-on-g1
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: g1}]
  rateLimit:
    local:
      rules: [{limit: {requests: 2, unit: Second}}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: route
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: own-policy}]
  rateLimit:
    local:
      rules: [{limit: {requests: 3, unit: Second}}]
)";
  const auto result = loadText(manifests);
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  auto idsOf = [&](std::string_view name) {
    std::vector<std::string> ids;
    for (const auto& rule : routeNamed(*result.snapshot, name).rateLimits) ids.push_back(rule.id);
    return ids;
  };
  EXPECT_EQ(idsOf("default/on-g1"), std::vector<std::string>{"default/on-g1/local/0"});
  EXPECT_TRUE(idsOf("default/on-g2").empty());
  // No parentRefs: attached to every Gateway.
  EXPECT_EQ(idsOf("default/unattached"), std::vector<std::string>{"default/on-g1/local/0"});
  EXPECT_EQ(idsOf("default/own-policy"), std::vector<std::string>{"default/route/local/0"});
  // The second policy on g1 is ignored for each route it would reach, with a Warning each.
  int ignored = 0;
  for (const auto& d : result.diagnostics) {
    if (d.message.find(
            "already gets the Gateway rateLimit of BackendTrafficPolicy default/on-g1") !=
        std::string::npos) {
      ++ignored;
      EXPECT_EQ(d.where.kind, "BackendTrafficPolicy");
      EXPECT_EQ(d.where.name, "default/also-on-g1");
    }
  }
  EXPECT_EQ(ignored, 3) << testing::allDiagnostics(result);
}

TEST(LlmRequestCostTest, GatewayConfigAppliesToTheRoutesOfItsGateways) {
  const std::string manifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: g1
  namespace: team
  annotations:
    aigateway.envoyproxy.io/gateway-config: costs
spec:
  gatewayClassName: c
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: plain
  namespace: team
spec:
  gatewayClassName: c
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: aigateway.envoyproxy.io/v1alpha1
kind: GatewayConfig
metadata:
  name: costs
  namespace: team
spec:
  extProc:
    kubernetes:
      env: [{name: LOG_LEVEL, value: debug}]
  globalLLMRequestCosts:
    - {metadataKey: total, type: TotalToken}
    - {metadataKey: reasoning, type: ReasoningToken}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: overrides
  namespace: team
spec:
  parentRefs: [{name: plain}, {name: g1}]
  rules: [{}]
  llmRequestCosts:
    - {metadataKey: reasoning, type: OutputToken}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: elsewhere
  namespace: team
spec:
  parentRefs: [{name: plain}]
  rules: [{}]
  llmRequestCosts:
    - {metadataKey: mine, type: InputToken}
)";
  const auto result = loadText(manifests);
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto& overrides = routeNamed(*result.snapshot, "team/overrides");
  EXPECT_EQ(overrides.gatewayConfig, "team/costs");
  EXPECT_EQ(costKeys(overrides), (std::vector<std::string>{"reasoning", "total"}));
  EXPECT_EQ(overrides.costs[0].type, LlmRequestCost::Type::OutputToken);  // the route's wins
  EXPECT_EQ(overrides.costs[1].source, "GatewayConfig team/costs");
  const auto& elsewhere = routeNamed(*result.snapshot, "team/elsewhere");
  EXPECT_EQ(elsewhere.gatewayConfig, "");
  EXPECT_EQ(costKeys(elsewhere), std::vector<std::string>{"mine"});
}

}  // namespace
}  // namespace switchyard::config
