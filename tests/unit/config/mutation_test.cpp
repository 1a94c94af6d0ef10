// headerMutation / bodyMutation: read on both levels (AIGatewayRoute backendRefs[] and
// AIServiceBackend spec), merged route over backend, shown by `check` and /config_dump, and every
// diagnostic at its field.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "config/load_helpers.hpp"

namespace switchyard::config {
namespace {

using testing::TempDir;

// An AIServiceBackend "a" (OpenAI) with backend-level mutations; the Backend follows.
constexpr std::string_view kBackendWithMutations = R"(---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: a
spec:
  schema:
    name: OpenAI
  backendRef:
    name: a
  headerMutation:
    set:
      - name: X-Team
        value: backend
      - name: x-backend-only
        value: "1"
    remove: [x-drop-backend, X-Shared]
  bodyMutation:
    set:
      - path: service_tier
        value: '"flex"'
      - path: max_tokens
        value: "100"
    remove: [internal_flag, user]
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
)";

constexpr std::string_view kRouteWithMutations = R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: r
spec:
  rules:
    - backendRefs:
        - name: a
          headerMutation:
            set:
              - name: x-team
                value: route
              - name: x-tenant-key
                value: SECRET-VALUE
            remove: [x-backend-only, x-shared]
          bodyMutation:
            set:
              - path: service_tier
                value: scale
              - path: metadata
                value: '{"k": [1, 2.50]}'
              - path: user
                value: '"u1"'
            remove: [max_tokens]
)";

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto part : parts) out += part;
  return out;
}

using Headers = std::vector<std::pair<std::string, std::string>>;
using Names = std::vector<std::string>;

std::vector<std::pair<std::string, std::string>> bodyOf(const Mutations& m) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& field : m.setBody) out.emplace_back(field.path, field.json);
  return out;
}

TEST(MutationLoadTest, BothLevelsAreReadAndTheRouteLevelWins) {
  TempDir dir;
  const auto result =
      testing::loadPaths({dir.write("m.yaml", cat({kRouteWithMutations, kBackendWithMutations}))});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_TRUE(result.diagnostics.empty()) << testing::allDiagnostics(result);

  // Backend level, as written (remove names lower-cased).
  const auto& backend = result.snapshot->backends.at(0)->mutations;
  EXPECT_EQ(backend.setHeaders, (Headers{{"X-Team", "backend"}, {"x-backend-only", "1"}}));
  EXPECT_EQ(backend.removeHeaders, (Names{"x-drop-backend", "x-shared"}));
  EXPECT_EQ(bodyOf(backend), (Headers{{"service_tier", "\"flex\""}, {"max_tokens", "100"}}));
  EXPECT_EQ(backend.removeBody, (Names{"internal_flag", "user"}));

  // Effective on the backendRef: backend entries the route does not speak for, then the route's.
  const auto& ref = result.snapshot->routes.at(0).rules.at(0).backendRefs.at(0).mutations;
  EXPECT_EQ(ref.setHeaders, (Headers{{"x-team", "route"}, {"x-tenant-key", "SECRET-VALUE"}}));
  // x-backend-only: the backend sets it, the route removes it → removed.
  EXPECT_EQ(ref.removeHeaders, (Names{"x-drop-backend", "x-backend-only", "x-shared"}));
  // service_tier: the route's bare text is a JSON string; user: the backend removes it, the route
  // sets it → set; max_tokens: the backend sets it, the route removes it → removed.
  EXPECT_EQ(bodyOf(ref), (Headers{{"service_tier", "\"scale\""},
                                  {"metadata", "{\"k\": [1, 2.50]}"},
                                  {"user", "\"u1\""}}));
  EXPECT_EQ(ref.removeBody, (Names{"internal_flag", "max_tokens"}));
}

TEST(MutationLoadTest, CheckAndConfigDumpShowThemWithoutSecretHeaderValues) {
  TempDir dir;
  const auto result =
      testing::loadPaths({dir.write("m.yaml", cat({kRouteWithMutations, kBackendWithMutations}))});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);

  const auto table = describeRoutingTable(*result.snapshot);
  EXPECT_NE(table.find("        mutations: set header x-team: route, x-tenant-key: [redacted]; "
                       "remove header x-drop-backend, x-backend-only, x-shared; set body "
                       "service_tier = \"scale\", metadata = {\"k\": [1, 2.50]}, user = \"u1\"; "
                       "remove body internal_flag, max_tokens\n"),
            std::string::npos)
      << table;

  const auto json = boost::json::serialize(dumpSnapshot(*result.snapshot));
  EXPECT_NE(json.find(R"("mutations":{"headers":{"set":[{"name":"x-team","value":"route"},)"
                      R"({"name":"x-tenant-key","value":"[redacted]"}])"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"({"path":"service_tier","value":"\"flex\""})"), std::string::npos) << json;
  EXPECT_EQ(json.find("SECRET"), std::string::npos) << json;
  EXPECT_EQ(table.find("SECRET"), std::string::npos) << table;
}

TEST(MutationLoadTest, NoMutationsMeansEmptyAndNothingShown) {
  TempDir dir;
  const auto result = testing::loadPaths({dir.write(
      "m.yaml",
      cat({"apiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\nmetadata:\n  name: "
           "r\nspec:\n  rules:\n    - backendRefs:\n        - name: a\n",
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
)"}))});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_TRUE(result.snapshot->routes.at(0).rules.at(0).backendRefs.at(0).mutations.empty());
  EXPECT_EQ(describeRoutingTable(*result.snapshot).find("mutations"), std::string::npos);
  EXPECT_NE(boost::json::serialize(dumpSnapshot(*result.snapshot)).find(R"("mutations":null)"),
            std::string::npos);
}

// --- diagnostics: one case each, at its file, line, kind, object and field ---

// A route whose only backendRef (line 8) carries `tail` (indented for the ref's fields).
std::string routeRef(std::string_view tail) {
  return cat(
      {"apiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\nmetadata:\n  "
       "name: r\nspec:\n  rules:\n    - backendRefs:\n        - name: a\n",
       tail});
}

// An AIServiceBackend whose spec (line 5) carries `tail` (indented for spec's fields).
std::string backendSpec(std::string_view tail) {
  return cat(
      {"apiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIServiceBackend\nmetadata:\n  "
       "name: a\nspec:\n  schema:\n    name: OpenAI\n  backendRef:\n    name: a\n",
       tail,
       "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: Backend\nmetadata:\n  "
       "name: a\nspec:\n  endpoints:\n    - fqdn: {hostname: a.example, port: 443}\n"});
}

struct Case {
  std::string name;
  std::string yaml;
  Severity severity;
  int line;
  std::string kind;
  std::string field;
  std::string message;  // a part of the message
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

constexpr std::string_view kRefHeaders = "          headerMutation:\n";
constexpr std::string_view kRefBody = "          bodyMutation:\n";
const std::string kRoute = "AIGatewayRoute";
const std::string kRef = "spec.rules[0].backendRefs[0].";

std::string seventeen(std::string_view item, std::string_view end = "") {
  std::string out;
  for (int i = 0; i < 17; ++i)
    out += std::string(item) + std::to_string(i) + std::string(end) + "\n";
  return out;
}

std::vector<Case> cases() {
  return {
      {"EmptyHeaderName",
       routeRef(cat({kRefHeaders, "            set:\n              - name: \"\"\n",
                     "                value: v\n"})),
       Severity::Error, 11, kRoute, kRef + "headerMutation.set[0].name",
       "header name must not be empty"},
      {"PseudoHeaderName",
       routeRef(cat({kRefHeaders,
                     "            set:\n              - {name: \":path\", value: "
                     "/x}\n"})),
       Severity::Error, 11, kRoute, kRef + "headerMutation.set[0].name",
       "\":path\" is not a valid header name"},
      {"HeaderSetTwiceInAnyCase",
       routeRef(cat({kRefHeaders,
                     "            set:\n              - {name: X-A, value: "
                     "\"1\"}\n              - {name: x-a, value: \"2\"}\n"})),
       Severity::Error, 12, kRoute, kRef + "headerMutation.set[1].name",
       "header x-a is set twice (also at line 11)"},
      {"HeaderRemovedTwice",
       routeRef(cat({kRefHeaders,
                     "            remove:\n              - x-a\n              - "
                     "X-A\n"})),
       Severity::Error, 12, kRoute, kRef + "headerMutation.remove[1]",
       "header X-A is listed twice (also at line 11)"},
      {"SetAuthorization",
       routeRef(cat({kRefHeaders,
                     "            set:\n              - {name: Authorization, "
                     "value: Bearer x}\n"})),
       Severity::Error, 11, kRoute, kRef + "headerMutation.set[0].name",
       "header Authorization carries the backend credential, which the BackendSecurityPolicy's "
       "signer writes; a headerMutation may not set it"},
      {"SetGoogApiKeyOnBackend",
       backendSpec("  headerMutation:\n    set:\n      - {name: x-goog-api-key, value: k}\n"),
       Severity::Error, 12, "AIServiceBackend", "spec.headerMutation.set[0].name",
       "header x-goog-api-key carries the backend credential"},
      {"SetHost",
       routeRef(cat({kRefHeaders,
                     "            set:\n              - {name: Host, value: "
                     "h.example}\n"})),
       Severity::Error, 11, kRoute, kRef + "headerMutation.set[0].name",
       "header Host is written by the gateway's HTTP client for each request"},
      {"SetTransferEncoding",
       backendSpec("  headerMutation:\n    set:\n      - {name: Transfer-Encoding, value: "
                   "chunked}\n"),
       Severity::Error, 12, "AIServiceBackend", "spec.headerMutation.set[0].name",
       "header Transfer-Encoding is written by the gateway's HTTP client"},
      {"SetConnection",
       routeRef(cat({kRefHeaders,
                     "            set:\n              - {name: connection, value: "
                     "close}\n"})),
       Severity::Error, 11, kRoute, kRef + "headerMutation.set[0].name",
       "header connection is a hop-by-hop header"},
      {"RemoveAuthorizationIsOnlyAWarning",
       routeRef(cat({kRefHeaders, "            remove: [authorization]\n"})), Severity::Warning, 10,
       kRoute, kRef + "headerMutation.remove[0]",
       "header authorization carries the backend credential, which the BackendSecurityPolicy's "
       "signer writes (client headers are not forwarded upstream); removing it has no effect, "
       "entry ignored"},
      {"RemoveContentLength",
       backendSpec("  headerMutation:\n    remove:\n      - Content-Length\n"), Severity::Warning,
       12, "AIServiceBackend", "spec.headerMutation.remove[0]", "removing it has no effect"},
      {"HeaderValueWithNewline",
       routeRef(cat({kRefHeaders, "            set:\n              - name: x-a\n",
                     "                value: \"a\\r\\nx-injected: 1\"\n"})),
       Severity::Error, 12, kRoute, kRef + "headerMutation.set[0].value",
       "header value must not contain CR, LF or NUL"},
      {"EmptyHeaderValue",
       routeRef(cat({kRefHeaders, "            set:\n              - {name: x-a, value: \"\"}\n"})),
       Severity::Error, 11, kRoute, kRef + "headerMutation.set[0].value",
       "header value must not be empty"},
      {"MissingHeaderValue",
       routeRef(cat({kRefHeaders, "            set:\n              - name: x-a\n"})),
       Severity::Error, 11, kRoute, kRef + "headerMutation.set[0].value",
       "required field is missing"},
      {"HeaderSetAndRemoved",
       routeRef(cat({kRefHeaders,
                     "            set:\n              - {name: x-a, value: "
                     "\"1\"}\n            remove: [X-A]\n"})),
       Severity::Warning, 12, kRoute, kRef + "headerMutation.remove[0]",
       "header X-A is also in set, which wins; entry ignored"},
      {"TooManyHeaderSets",
       routeRef(cat({kRefHeaders, "            set:\n",
                     seventeen("              - {value: v, name: x-h", "}")})),
       Severity::Error, 10, kRoute, kRef + "headerMutation.set",
       "at most 16 entries are allowed, got 17"},
      {"TooManyBodyRemoves",
       backendSpec(cat({"  bodyMutation:\n    remove:\n", seventeen("      - f")})),
       Severity::Error, 11, "AIServiceBackend", "spec.bodyMutation.remove",
       "at most 16 entries are allowed, got 17"},
      {"HeaderMutationNotAMapping", routeRef("          headerMutation: [x]\n"), Severity::Error, 9,
       kRoute, kRef + "headerMutation", "expected a mapping"},
      {"BrokenJsonValue",
       routeRef(cat({kRefBody, "            set:\n              - path: metadata\n",
                     "                value: '{\"a\": '\n"})),
       Severity::Error, 12, kRoute, kRef + "bodyMutation.set[0].value",
       "value is not valid JSON ("},
      {"BrokenJsonNumber",
       backendSpec("  bodyMutation:\n    set:\n      - {path: temperature, value: 1.2.3}\n"),
       Severity::Error, 12, "AIServiceBackend", "spec.bodyMutation.set[0].value",
       "value is not valid JSON ("},
      {"ValueWrittenAsYamlMapping",
       routeRef(cat({kRefBody, "            set:\n              - path: metadata\n",
                     "                value: {a: 1}\n"})),
       Severity::Error, 12, kRoute, kRef + "bodyMutation.set[0].value",
       "value is JSON text in a YAML string; quote it"},
      {"EmptyBodyValue",
       routeRef(cat({kRefBody, "            set:\n              - {path: user, value: \"\"}\n"})),
       Severity::Error, 11, kRoute, kRef + "bodyMutation.set[0].value",
       "value must not be empty (write '\"\"' for an empty JSON string)"},
      {"EmptyBodyPath",
       routeRef(cat({kRefBody, "            set:\n              - {path: \"\", value: \"1\"}\n"})),
       Severity::Error, 11, kRoute, kRef + "bodyMutation.set[0].path", "path must not be empty"},
      {"EmptyBodyRemove", routeRef(cat({kRefBody, "            remove: [\"\"]\n"})),
       Severity::Error, 10, kRoute, kRef + "bodyMutation.remove[0]", "path must not be empty"},
      {"NestedBodyPath",
       backendSpec("  bodyMutation:\n    set:\n      - {path: generationConfig.topK, value: "
                   "\"3\"}\n"),
       Severity::Error, 12, "AIServiceBackend", "spec.bodyMutation.set[0].path",
       "\"generationConfig.topK\": only a top-level member name is supported"},
      {"SetStream",
       routeRef(cat({kRefBody,
                     "            set:\n              - {path: stream, value: "
                     "\"true\"}\n"})),
       Severity::Error, 11, kRoute, kRef + "bodyMutation.set[0].path",
       "body member \"stream\" decides how the gateway reads the answer"},
      {"RemoveStream", routeRef(cat({kRefBody, "            remove: [stream]\n"})), Severity::Error,
       10, kRoute, kRef + "bodyMutation.remove[0]",
       "body member \"stream\" decides how the gateway reads the answer"},
      {"BodyPathSetTwice",
       routeRef(cat({kRefBody,
                     "            set:\n              - {path: user, value: "
                     "'\"a\"'}\n              - {path: user, value: '\"b\"'}\n"})),
       Severity::Error, 12, kRoute, kRef + "bodyMutation.set[1].path",
       "body member \"user\" is set twice (also at line 11)"},
      {"BodyPathRemovedTwice", backendSpec("  bodyMutation:\n    remove: [user, user]\n"),
       Severity::Error, 11, "AIServiceBackend", "spec.bodyMutation.remove[1]",
       "body member \"user\" is listed twice (also at line 11)"},
      {"BodyPathSetAndRemoved",
       routeRef(cat({kRefBody,
                     "            set:\n              - {path: user, value: "
                     "'\"a\"'}\n            remove: [user]\n"})),
       Severity::Warning, 12, kRoute, kRef + "bodyMutation.remove[0]",
       "body member \"user\" is also in set, which wins; entry ignored"},
  };
}

class MutationDiagnosticTest : public ::testing::TestWithParam<Case> {};

TEST_P(MutationDiagnosticTest, ReportsAtTheField) {
  const auto& c = GetParam();
  TempDir dir;
  const auto file = dir.write("case.yaml", c.yaml);
  const auto result = testing::loadPaths({file});
  const auto all = testing::allDiagnostics(result);
  const auto* found = testing::findDiagnostic(result, c.message);
  ASSERT_NE(found, nullptr) << "expected: " << c.message << "\ngot:\n" << all;
  EXPECT_EQ(found->severity, c.severity) << found->format();
  EXPECT_EQ(found->where.file, file);
  EXPECT_EQ(found->where.line, c.line) << found->format();
  EXPECT_EQ(found->where.kind, c.kind) << found->format();
  EXPECT_EQ(found->where.name, c.kind == kRoute ? "default/r" : "default/a") << found->format();
  EXPECT_EQ(found->where.field, c.field) << found->format();
  EXPECT_EQ(result.ok(), c.severity == Severity::Warning) << all;
}

INSTANTIATE_TEST_SUITE_P(Loader, MutationDiagnosticTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace switchyard::config
