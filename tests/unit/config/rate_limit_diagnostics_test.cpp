// Every Error and Warning of llmRequestCosts, GatewayConfig and BackendTrafficPolicy rateLimit,
// with its exact file, line, kind, object and field.

#include <gtest/gtest.h>

#include "config/load_helpers.hpp"

namespace switchyard::config {
namespace {

using Case = testing::DiagnosticCase;

constexpr std::string_view kRouteHead = R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: r
spec:
)";

// Items start at line 7.
constexpr std::string_view kRouteCosts = R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: r
spec:
  llmRequestCosts:
)";

constexpr std::string_view kGatewayConfigCosts = R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: GatewayConfig
metadata:
  name: gc
spec:
  globalLLMRequestCosts:
)";

// What rateLimit holds starts at line 7.
constexpr std::string_view kPolicyHead = R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: p
spec:
  rateLimit:
)";

// The first rule starts at line 9.
constexpr std::string_view kGlobalRules = "    global:\n      rules:\n";
constexpr std::string_view kLocalRules = "    local:\n      rules:\n";
constexpr std::string_view kLimit = "          limit: {requests: 1, unit: Second}\n";

// One selector with the given headers[] items (starting at line 11).
constexpr std::string_view kHeaders = "        - clientSelectors:\n            - headers:\n";

// A rule with a limit at line 9 and cost: at line 10.
constexpr std::string_view kCost = "        - limit: {requests: 1, unit: Hour}\n          cost:\n";

const std::string kRules = "spec.rateLimit.global.rules[0]";
const std::string kHeader0 = kRules + ".clientSelectors[0].headers[0]";

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto part : parts) out += part;
  return out;
}

std::string repeat(std::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

Case policyError(std::string name, std::string body, int line, std::string field,
                 std::string message, Severity severity = Severity::Error) {
  return {
      std::move(name), cat({kPolicyHead, body}), severity,          line, "BackendTrafficPolicy",
      "default/p",     std::move(field),         std::move(message)};
}

Case ruleError(std::string name, std::string rule, int line, std::string field, std::string message,
               Severity severity = Severity::Error) {
  return policyError(std::move(name), cat({kGlobalRules, rule}), line, std::move(field),
                     std::move(message), severity);
}

Case headerError(std::string name, std::string header, int line, std::string field,
                 std::string message) {
  return ruleError(std::move(name), cat({kHeaders, header, kLimit}), line, kHeader0 + field,
                   std::move(message));
}

Case selectorError(std::string name, std::string selector, int line, std::string field,
                   std::string message) {
  return ruleError(std::move(name), cat({"        - clientSelectors:\n", selector, kLimit}), line,
                   kRules + ".clientSelectors[0]" + field, std::move(message));
}

Case costError(std::string name, std::string cost, int line, std::string field,
               std::string message) {
  return ruleError(std::move(name), cat({kCost, cost}), line, kRules + ".cost" + field,
                   std::move(message));
}

Case routeCostError(std::string name, std::string items, int line, std::string field,
                    std::string message, Severity severity = Severity::Error) {
  return {std::move(name), cat({kRouteCosts, items}), severity,          line, "AIGatewayRoute",
          "default/r",     std::move(field),          std::move(message)};
}

std::vector<Case> cases() {
  const std::string costs = "spec.llmRequestCosts";
  return {
      // llmRequestCosts
      routeCostError("CostWithoutMetadataKey", "    - type: InputToken\n", 7,
                     costs + "[0].metadataKey", "required field is missing"),
      routeCostError("CostWithEmptyMetadataKey",
                     "    - metadataKey: \"\"\n      type: InputToken\n", 7,
                     costs + "[0].metadataKey", "metadataKey must not be empty"),
      routeCostError("CostWithoutType", "    - metadataKey: k\n", 7, costs + "[0].type",
                     "required field is missing"),
      routeCostError("CostOfUnknownType", "    - metadataKey: k\n      type: PromptToken\n", 8,
                     costs + "[0].type",
                     "unknown type \"PromptToken\" (supported: InputToken, CachedInputToken, "
                     "CacheCreationInputToken, OutputToken, TotalToken, ReasoningToken, CEL)"),
      routeCostError("CelCostWithoutExpression", "    - metadataKey: k\n      type: CEL\n", 7,
                     costs + "[0].cel", "required when type is CEL"),
      routeCostError("CelCostWithBlankExpression",
                     "    - metadataKey: k\n      type: CEL\n      cel: \" \"\n", 9,
                     costs + "[0].cel", "CEL expression must not be empty"),
      routeCostError("CelExpressionNotAString",
                     "    - metadataKey: k\n      type: CEL\n      cel: [input_tokens]\n", 9,
                     costs + "[0].cel", "expected a string, got a sequence"),
      routeCostError("CelOnATokenCost",
                     "    - metadataKey: k\n      type: InputToken\n      cel: input_tokens\n", 9,
                     costs + "[0].cel", "cel is only read when type is CEL; ignored",
                     Severity::Warning),
      // CEL: compiled at load (src/cel), then evaluated on a sample answer
      routeCostError("CelMixesUintAndInt",
                     "    - metadataKey: k\n      type: CEL\n      cel: input_tokens + 1\n", 9,
                     costs + "[0].cel",
                     "invalid CEL expression at offset 13: no matching overload for '+' applied "
                     "to (uint, int)"),
      routeCostError("CelUndeclaredVariable",
                     "    - metadataKey: k\n      type: CEL\n      cel: output_token\n", 9,
                     costs + "[0].cel",
                     "invalid CEL expression at offset 0: undeclared reference to 'output_token'"),
      routeCostError("CelSyntaxError",
                     "    - metadataKey: k\n      type: CEL\n      cel: \"input_tokens +\"\n", 9,
                     costs + "[0].cel",
                     "invalid CEL expression at offset 14: unexpected end of expression"),
      routeCostError(
          "CelDoubleResult",
          "    - metadataKey: k\n      type: CEL\n      cel: double(input_tokens)\n", 9,
          costs + "[0].cel",
          "invalid CEL expression at offset 0: a cost expression must evaluate to int or "
          "uint, not double"),
      routeCostError("CelNegativeOnTheSample",
                     "    - metadataKey: k\n      type: CEL\n      cel: int(input_tokens) - 2\n", 9,
                     costs + "[0].cel",
                     "CEL expression fails on a sample answer with every token count 1: cost "
                     "expression evaluated to a negative number (-1)"),
      routeCostError("CelOverflowOnTheSample",
                     "    - metadataKey: k\n      type: CEL\n      cel: 18446744073709551615u + "
                     "input_tokens\n",
                     9, costs + "[0].cel",
                     "CEL expression fails on a sample answer with every token count 1: cost "
                     "expression failed at offset 22: uint overflow"),
      routeCostError("CelFailsOnlyWithoutUsage",
                     "    - metadataKey: k\n      type: CEL\n      cel: total_tokens / "
                     "input_tokens\n",
                     9, costs + "[0].cel",
                     "CEL expression fails on an answer with every token count 0: cost expression "
                     "failed at offset 13: division by zero",
                     Severity::Warning),
      routeCostError("CostKeyTwice",
                     "    - metadataKey: k\n      type: InputToken\n    - metadataKey: k\n      "
                     "type: OutputToken\n",
                     9, costs + "[1].metadataKey",
                     "metadataKey k is defined twice (also at line 7)"),
      routeCostError("TooManyCosts", repeat("    - {metadataKey: k, type: InputToken}\n", 37), 6,
                     costs, "at most 36 entries are allowed, got 37"),
      {"CostsNotASequence", cat({kRouteHead, "  llmRequestCosts: {}\n"}), Severity::Error, 6,
       "AIGatewayRoute", "default/r", costs, "expected a sequence"},
      {"ParentRefWithoutName", cat({kRouteHead, "  parentRefs:\n    - kind: Gateway\n"}),
       Severity::Error, 7, "AIGatewayRoute", "default/r", "spec.parentRefs[0].name",
       "required field is missing"},
      // GatewayConfig and the Gateway annotation naming it
      {"GlobalCostKeyTwice",
       cat({kGatewayConfigCosts,
            "    - {metadataKey: k, type: TotalToken}\n    - {metadataKey: k, type: "
            "InputToken}\n"}),
       Severity::Error, 8, "GatewayConfig", "default/gc",
       "spec.globalLLMRequestCosts[1].metadataKey",
       "metadataKey k is defined twice (also at line 7)"},
      {"GlobalCostOfUnknownType",
       cat({kGatewayConfigCosts, "    - metadataKey: k\n      type: Tokens\n"}), Severity::Error, 8,
       "GatewayConfig", "default/gc", "spec.globalLLMRequestCosts[0].type",
       "unknown type \"Tokens\""},
      {"GlobalCelError",
       cat({kGatewayConfigCosts, "    - metadataKey: k\n      type: CEL\n      cel: \"1 - 1u\"\n"}),
       Severity::Error, 9, "GatewayConfig", "default/gc", "spec.globalLLMRequestCosts[0].cel",
       "invalid CEL expression at offset 2: no matching overload for '-' applied to (int, uint)"},
      {"GatewayConfigNoGatewayNames",
       cat({kGatewayConfigCosts, "    - {metadataKey: k, type: TotalToken}\n"}), Severity::Warning,
       1, "GatewayConfig", "default/gc", "",
       "no Gateway names this GatewayConfig (annotation aigateway.envoyproxy.io/gateway-config); "
       "its globalLLMRequestCosts apply to no route"},
      {"GatewayConfigNotFound", R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: g
  annotations:
    aigateway.envoyproxy.io/gateway-config: missing
spec:
  gatewayClassName: c
)",
       Severity::Warning, 6, "Gateway", "default/g",
       "metadata.annotations.aigateway.envoyproxy.io/gateway-config",
       "GatewayConfig default/missing not found (it must be in the Gateway's namespace); routes of "
       "this Gateway get no global llmRequestCosts"},
      {"GatewayConfigAnnotationEmpty", R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: g
  annotations:
    aigateway.envoyproxy.io/gateway-config: ""
spec:
  gatewayClassName: c
)",
       Severity::Error, 6, "Gateway", "default/g",
       "metadata.annotations.aigateway.envoyproxy.io/gateway-config",
       "names no GatewayConfig (empty value)"},
      {"RouteOnGatewaysWithDifferentConfigs", R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: r
spec:
  parentRefs: [{name: g1}, {name: g2}]
  rules: [{}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: g1
  annotations: {aigateway.envoyproxy.io/gateway-config: c1}
spec: {gatewayClassName: c}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: g2
  annotations: {aigateway.envoyproxy.io/gateway-config: c2}
spec: {gatewayClassName: c}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: GatewayConfig
metadata:
  name: c1
spec: {globalLLMRequestCosts: [{metadataKey: k, type: TotalToken}]}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: GatewayConfig
metadata:
  name: c2
spec: {globalLLMRequestCosts: [{metadataKey: k, type: InputToken}]}
)",
       Severity::Warning, 1, "AIGatewayRoute", "default/r", "",
       "attached to Gateways that name different GatewayConfigs (default/c1, default/c2); the "
       "global costs of default/c1 apply"},
      // rateLimit: its form
      policyError("UnknownRateLimitType", "    type: Both\n", 7, "spec.rateLimit.type",
                  "unknown rate limit type \"Both\" (supported: Global, Local)"),
      policyError("TypeWithoutItsBlock", "    type: Local\n", 6, "spec.rateLimit.local",
                  "required when type is Local"),
      policyError("NeitherGlobalNorLocal", "    shared: true\n", 6, "spec.rateLimit",
                  "neither global nor local is given; nothing is limited", Severity::Warning),
      {"RateLimitNotAMapping",
       "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata:\n  name: "
       "p\nspec:\n  rateLimit: 100\n",
       Severity::Error, 6, "BackendTrafficPolicy", "default/p", "spec.rateLimit",
       "expected a mapping"},
      policyError("GlobalWithoutRules", "    global: {}\n", 7, "spec.rateLimit.global.rules",
                  "required field is missing"),
      policyError(
          "TooManyGlobalRules",
          cat({kGlobalRules, repeat("        - limit: {requests: 1, unit: Second}\n", 129)}), 8,
          "spec.rateLimit.global.rules", "at most 128 entries are allowed, got 129"),
      policyError("TooManyLocalRules",
                  cat({kLocalRules, repeat("        - limit: {requests: 1, unit: Second}\n", 17)}),
                  8, "spec.rateLimit.local.rules", "at most 16 entries are allowed, got 17"),
      policyError("NoLocalRules", "    local:\n      rules: []\n", 8, "spec.rateLimit.local.rules",
                  "no rules; nothing is limited", Severity::Warning),
      // clientSelectors
      ruleError("TooManySelectors",
                cat({"        - clientSelectors:\n",
                     repeat("            - sourceCIDR: {value: 10.0.0.0/8}\n", 9), kLimit}),
                9, kRules + ".clientSelectors", "at most 8 entries are allowed, got 9"),
      selectorError("EmptySelector", "            - {}\n", 10, "",
                    "at least one of headers, methods, path or sourceCIDR must be specified"),
      ruleError(
          "TooManyHeaders",
          cat({kHeaders, repeat("                - {name: x-a, type: Distinct}\n", 17), kLimit}),
          10, kRules + ".clientSelectors[0].headers", "at most 16 entries are allowed, got 17"),
      headerError("UnknownHeaderMatchType",
                  "                - name: x-team\n                  type: Prefix\n", 12, ".type",
                  "unknown header match type \"Prefix\" (supported: Exact, RegularExpression, "
                  "Distinct)"),
      headerError("InvalidHeaderName", "                - name: \"x team\"\n", 11, ".name",
                  "\"x team\" is not a valid header name"),
      headerError("HeaderNameTooLong",
                  "                - name: " + std::string(257, 'x') +
                      "\n                  type: "
                      "Distinct\n",
                  11, ".name", "longer than 256 characters"),
      headerError("ExactWithoutValue", "                - name: x-team\n", 11, ".value",
                  "required when type is Exact"),
      headerError("RegularExpressionWithoutValue",
                  "                - name: x-team\n                  type: RegularExpression\n", 11,
                  ".value", "required when type is RegularExpression"),
      headerError("DistinctWithValue",
                  "                - name: x-team\n                  type: Distinct\n           "
                  "       value: red\n",
                  13, ".value",
                  "must not be set when type is Distinct (every value is its own bucket)"),
      headerError("DistinctInverted",
                  "                - name: x-team\n                  type: Distinct\n           "
                  "       invert: true\n",
                  13, ".invert", "must not be set when type is Distinct"),
      headerError("InvalidHeaderRegex",
                  "                - name: x-team\n                  type: RegularExpression\n    "
                  "              value: \"red(\"\n",
                  13, ".value", "invalid regular expression"),
      headerError("HeaderValueTooLong",
                  "                - name: x-team\n                  value: " +
                      std::string(1025, 'v') + "\n",
                  12, ".value", "longer than 1024 characters"),
      headerError("InvertNotABoolean",
                  "                - name: x-team\n                  value: red\n                 "
                  " invert: maybe\n",
                  13, ".invert", "expected true or false, got \"maybe\""),
      selectorError("UnknownMethod", "            - methods:\n                - value: FETCH\n", 11,
                    ".methods[0].value", "unknown HTTP method \"FETCH\""),
      selectorError("MethodWithoutValue",
                    "            - methods:\n                - invert: true\n", 11,
                    ".methods[0].value", "required field is missing"),
      selectorError(
          "UnknownPathMatchType",
          "            - path:\n                type: Prefix\n                value: /v1\n", 11,
          ".path.type",
          "unknown path match type \"Prefix\" (supported: Exact, PathPrefix, "
          "RegularExpression)"),
      selectorError("RelativePath", "            - path:\n                value: v1/chat\n", 11,
                    ".path.value", "a path must start with '/'"),
      selectorError("InvalidPathRegex",
                    "            - path:\n                type: RegularExpression\n              "
                    "  value: \"(\"\n",
                    12, ".path.value", "invalid regular expression"),
      selectorError(
          "UnknownSourceCidrType",
          "            - sourceCIDR:\n                type: Range\n                value: "
          "10.0.0.0/8\n",
          11, ".sourceCIDR.type", "unknown sourceCIDR type \"Range\" (supported: Exact, Distinct)"),
      selectorError("CidrWithoutPrefix",
                    "            - sourceCIDR:\n                value: 10.0.0.1\n", 11,
                    ".sourceCIDR.value",
                    "\"10.0.0.1\" is not an address range (examples: 10.0.0.0/8, 192.168.1.7/32, "
                    "2001:db8::/32)"),
      selectorError("Ipv4PrefixTooLong",
                    "            - sourceCIDR:\n                value: 10.0.0.0/33\n", 11,
                    ".sourceCIDR.value", "\"10.0.0.0/33\" is not an address range"),
      selectorError("Ipv6PrefixTooLong",
                    "            - sourceCIDR:\n                value: \"::/129\"\n", 11,
                    ".sourceCIDR.value", "\"::/129\" is not an address range"),
      selectorError("CidrOfAName",
                    "            - sourceCIDR:\n                value: example.com/8\n", 11,
                    ".sourceCIDR.value", "\"example.com/8\" is not an address range"),
      selectorError("CidrWithoutValue", "            - sourceCIDR:\n                type: Exact\n",
                    10, ".sourceCIDR.value", "required field is missing"),
      // limit
      ruleError("RuleWithoutLimit",
                "        - clientSelectors:\n            - sourceCIDR: {value: 10.0.0.0/8}\n", 9,
                kRules + ".limit", "required field is missing"),
      ruleError("LimitWithoutRequests", "        - limit:\n            unit: Hour\n", 9,
                kRules + ".limit.requests", "required field is missing"),
      ruleError("NegativeLimit",
                "        - limit:\n            requests: -1\n            unit: Hour\n", 10,
                kRules + ".limit.requests", "must not be negative"),
      ruleError("LimitNotANumber",
                "        - limit:\n            requests: lots\n            unit: Hour\n", 10,
                kRules + ".limit.requests", "expected an integer, got \"lots\""),
      ruleError("UnknownUnit",
                "        - limit:\n            requests: 1\n            unit: Week\n", 11,
                kRules + ".limit.unit",
                "unknown unit \"Week\" (supported: Second, Minute, Hour, Day, Month, Year)"),
      ruleError("LimitFromMetadata",
                "        - limit:\n            requests: 1\n            unit: Hour\n            "
                "fromMetadata: {namespace: io.envoy.ai_gateway, key: k}\n",
                12, kRules + ".limit.fromMetadata",
                "a limit from request metadata is not supported by switchyard; the static "
                "requests and unit apply",
                Severity::Warning),
      // cost
      costError("CostWithoutFrom", "            request:\n              number: 1\n", 11,
                ".request.from", "required field is missing"),
      costError("CostFromAHeader", "            request:\n              from: Header\n", 12,
                ".request.from", "unknown cost source \"Header\" (supported: Number, Metadata)"),
      costError("CostNumberAndMetadata",
                "            request:\n              from: Number\n              number: 1\n     "
                "         metadata: {namespace: io.envoy.ai_gateway, key: k}\n",
                11, ".request", "only one of number or metadata can be specified"),
      costError("RequestCostFromMetadata",
                "            request:\n              from: Metadata\n              metadata: "
                "{namespace: io.envoy.ai_gateway, key: k}\n",
                12, ".request.from",
                "a request cost from metadata is not supported: switchyard knows a request's "
                "usage only from its response"),
      costError("NumberCostWithoutNumber", "            request:\n              from: Number\n", 11,
                ".request.number", "required when from is Number"),
      costError("NegativeCost",
                "            request:\n              from: Number\n              number: -2\n", 13,
                ".request.number", "must not be negative"),
      costError("MetadataCostWithoutMetadata",
                "            response:\n              from: Metadata\n", 11, ".response.metadata",
                "required when from is Metadata"),
      costError("MetadataCostWithANumber",
                "            response:\n              from: Metadata\n              number: 3\n",
                13, ".response.number", "must not be set when from is Metadata"),
      costError("NumberCostWithMetadata",
                "            response:\n              from: Number\n              metadata: "
                "{namespace: io.envoy.ai_gateway, key: k}\n",
                13, ".response.metadata", "must not be set when from is Number"),
      costError("ForeignMetadataNamespace",
                "            response:\n              from: Metadata\n              metadata:\n    "
                "            namespace: envoy.filters.http.ext_authz\n                key: k\n",
                14, ".response.metadata.namespace",
                "metadata namespace \"envoy.filters.http.ext_authz\" is not served (only "
                "io.envoy.ai_gateway, the costs the route's llmRequestCosts define)"),
      costError("MetadataWithoutKey",
                "            response:\n              from: Metadata\n              metadata:\n    "
                "            namespace: io.envoy.ai_gateway\n",
                13, ".response.metadata.key", "required field is missing"),
      costError("MetadataWithEmptyKey",
                "            response:\n              from: Metadata\n              metadata:\n    "
                "            namespace: io.envoy.ai_gateway\n                key: \"\"\n",
                15, ".response.metadata.key", "key must not be empty"),
      policyError("LocalRuleWithResponseCost",
                  cat({kLocalRules, kCost,
                       "            response:\n              from: Number\n              number: "
                       "1\n"}),
                  11, "spec.rateLimit.local.rules[0].cost.response",
                  "a response cost is not supported for Local rate limits"),
      policyError("LocalRuleInShadowMode",
                  cat({kLocalRules,
                       "        - limit: {requests: 1, unit: Hour}\n          shadowMode: true\n"}),
                  10, "spec.rateLimit.local.rules[0].shadowMode",
                  "shadowMode is only supported for Global rate limits"),
      ruleError("SharedNotABoolean",
                "        - limit: {requests: 1, unit: Hour}\n          shared: sometimes\n", 10,
                kRules + ".shared", "expected true or false, got \"sometimes\""),
      // The fail-closed annotation (Switchyard's extension)
      {"FailClosedNotABoolean", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: p
  annotations:
    switchyard.dev/rate-limit-fail-closed: "yes"
spec:
  rateLimit:
    global:
      rules: [{limit: {requests: 1, unit: Hour}}]
)",
       Severity::Error, 6, "BackendTrafficPolicy", "default/p",
       "metadata.annotations.switchyard.dev/rate-limit-fail-closed",
       "expected \"true\" or \"false\", got \"yes\""},
      {"FailClosedWithoutGlobalRules", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: p
  annotations:
    switchyard.dev/rate-limit-fail-closed: "true"
spec:
  rateLimit:
    local:
      rules: [{limit: {requests: 1, unit: Hour}}]
)",
       Severity::Warning, 8, "BackendTrafficPolicy", "default/p", "spec.rateLimit",
       "switchyard.dev/rate-limit-fail-closed only concerns Global rules (Redis); this policy has "
       "none"},
      // Resolution against the routes
      {"ResponseCostOfAnUnknownKey", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: p
spec:
  targetRefs:
    - kind: HTTPRoute
      group: gateway.networking.k8s.io
      name: r
  rateLimit:
    global:
      rules:
        - limit: {requests: 1, unit: Hour}
          cost:
            response:
              from: Metadata
              metadata:
                namespace: io.envoy.ai_gateway
                key: tokens_totl
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: r
spec:
  rules: [{}]
  llmRequestCosts: [{metadataKey: tokens_total, type: TotalToken}]
)",
       Severity::Error, 19, "BackendTrafficPolicy", "default/p",
       "spec.rateLimit.global.rules[0].cost.response.metadata.key",
       "no llmRequestCosts entry has metadataKey \"tokens_totl\" for AIGatewayRoute default/r"},
      {"SecondRateLimitOnARoute", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: p
spec:
  targetRefs: [{kind: HTTPRoute, group: gateway.networking.k8s.io, name: r}]
  rateLimit: {local: {rules: [{limit: {requests: 1, unit: Hour}}]}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: p2
spec:
  targetRefs:
    - {kind: HTTPRoute, group: gateway.networking.k8s.io, name: r}
  rateLimit: {local: {rules: [{limit: {requests: 2, unit: Hour}}]}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: r
spec:
  rules: [{}]
)",
       Severity::Warning, 15, "BackendTrafficPolicy", "default/p2", "spec.targetRefs[0]",
       "AIGatewayRoute default/r already has the rateLimit of BackendTrafficPolicy default/p; this "
       "one is ignored for it"},
  };
}

class CostAndRateLimitDiagnosticTest : public ::testing::TestWithParam<Case> {};

TEST_P(CostAndRateLimitDiagnosticTest, ReportsAtTheField) { testing::expectDiagnostic(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Loader, CostAndRateLimitDiagnosticTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace switchyard::config
