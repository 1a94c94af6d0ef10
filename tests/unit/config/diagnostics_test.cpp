// Every Error and Warning the loader gives, with its exact file, line, kind, object and field.

#include <gtest/gtest.h>

#include "config/load_helpers.hpp"

namespace switchyard::config {
namespace {

using testing::TempDir;

// Objects appended after a case's own documents, so the case's line numbers stay small.
constexpr std::string_view kOpenAiBackendA = R"(---
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
)";

constexpr std::string_view kVertexBackendA = R"(---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: a
spec:
  schema:
    name: GCPVertexAI
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
        hostname: us-central1-aiplatform.googleapis.com
        port: 443
)";

constexpr std::string_view kRouteHead = R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: r
spec:
)";

constexpr std::string_view kPolicyOnA = R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata:
  name: p
spec:
  targetRefs:
    - kind: AIServiceBackend
      name: a
)";

constexpr std::string_view kTlsOnA = R"(apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata:
  name: t
spec:
  targetRefs:
    - kind: Backend
      name: a
)";

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto part : parts) out += part;
  return out;
}

using Case = testing::DiagnosticCase;

std::vector<Case> cases() {
  return {
      {"UnknownKind", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
       Severity::Warning, 1, "Deployment", "default/web", "",
       "kind Deployment (apps/v1) not served by switchyard; skipped"},
      {"DuplicateObject",
       cat({"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"}),
       Severity::Error, 9, "ConfigMap", "default/c", "metadata.name",
       "duplicate ConfigMap default/c (first defined at "},
      {"SyntaxError", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\ndata: {}\n",
       Severity::Error, -1, "", "", "", "YAML syntax error"},
      {"UnsupportedApiVersion",
       cat({"apiVersion: aigateway.envoyproxy.io/v2\nkind: AIGatewayRoute\n",
            "metadata:\n  name: r\n"}),
       Severity::Error, 1, "AIGatewayRoute", "default/r", "apiVersion",
       "apiVersion aigateway.envoyproxy.io/v2 not supported for AIGatewayRoute"},
      {"MissingName", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: x\n",
       Severity::Error, 3, "ConfigMap", "", "metadata.name", "required field is missing"},
      {"UnsetEnvironmentVariable",
       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${MISSING_VAR}\n", Severity::Error, 4,
       "", "", "", "environment variable MISSING_VAR is not set and has no default"},
      // AIGatewayRoute
      {"InvalidRegex", cat({kRouteHead, R"(  rules:
    - matches:
        - headers:
            - type: RegularExpression
              name: x-ai-eg-model
              value: "gpt-(4"
)"}),
       Severity::Error, 11, "AIGatewayRoute", "default/r",
       "spec.rules[0].matches[0].headers[0].value", "invalid regular expression"},
      {"UnknownMatchType", cat({kRouteHead, R"(  rules:
    - matches:
        - headers:
            - type: Prefix
              name: x-ai-eg-model
              value: gpt
)"}),
       Severity::Error, 9, "AIGatewayRoute", "default/r",
       "spec.rules[0].matches[0].headers[0].type",
       "unknown header match type \"Prefix\" (supported: Exact, RegularExpression)"},
      {"MissingHeaderValue",
       cat({kRouteHead,
            "  rules:\n    - matches:\n        - headers:\n            - name: x-ai-eg-model\n"}),
       Severity::Error, 9, "AIGatewayRoute", "default/r",
       "spec.rules[0].matches[0].headers[0].value", "required field is missing"},
      {"WrongTypePriority",
       cat({kRouteHead,
            "  rules:\n    - backendRefs:\n        - name: a\n          priority: high\n"}),
       Severity::Error, 9, "AIGatewayRoute", "default/r", "spec.rules[0].backendRefs[0].priority",
       "expected an integer, got \"high\""},
      {"BackendRefsNotASequence",
       cat({kRouteHead, "  rules:\n    - backendRefs:\n        name: a\n"}), Severity::Error, 7,
       "AIGatewayRoute", "default/r", "spec.rules[0].backendRefs", "expected a sequence"},
      {"InvalidDuration", cat({kRouteHead, "  rules:\n    - timeouts:\n        request: soon\n"}),
       Severity::Error, 8, "AIGatewayRoute", "default/r", "spec.rules[0].timeouts.request",
       "invalid duration \"soon\""},
      {"InvalidCreatedAt", cat({kRouteHead, "  rules:\n    - modelsCreatedAt: yesterday\n"}),
       Severity::Error, 7, "AIGatewayRoute", "default/r", "spec.rules[0].modelsCreatedAt",
       "invalid RFC 3339 timestamp \"yesterday\""},
      {"RouteToMissingBackend",
       cat({kRouteHead, "  rules:\n    - backendRefs:\n        - name: nope\n"}), Severity::Warning,
       8, "AIGatewayRoute", "default/r", "spec.rules[0].backendRefs[0]",
       "backendRef nope: no such AIServiceBackend; this backend is skipped"},
      {"RuleLeftWithoutBackends",
       cat({kRouteHead, "  rules:\n    - backendRefs:\n        - name: nope\n"}), Severity::Warning,
       7, "AIGatewayRoute", "default/r", "spec.rules[0]",
       "rule has no usable backend; requests it matches are answered 503"},
      {"RouteToDisabledBackend",
       cat({kRouteHead, "  rules:\n    - backendRefs:\n        - name: bedrock\n", R"(---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: bedrock
spec:
  schema:
    name: AWSBedrock
  backendRef:
    name: bedrock
)"}),
       Severity::Warning, 8, "AIGatewayRoute", "default/r", "spec.rules[0].backendRefs[0]",
       "backendRef bedrock: backend disabled: schema AWSBedrock not supported; this backend is "
       "skipped"},
      // AIServiceBackend and Backend
      {"UnsupportedSchema", R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: bedrock
spec:
  schema:
    name: AWSBedrock
  backendRef:
    name: b
)",
       Severity::Warning, 7, "AIServiceBackend", "default/bedrock", "spec.schema.name",
       "schema AWSBedrock not supported by switchyard (supported: GCPVertexAI, OpenAI, "
       "GCPAnthropic); backend "
       "disabled"},
      {"MissingBackend", R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: s
  namespace: team
spec:
  schema:
    name: OpenAI
  backendRef:
    name: b
)",
       Severity::Error, 9, "AIServiceBackend", "team/s", "spec.backendRef",
       "Backend team/b not found"},
      {"BackendRefNotABackend", R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: s
spec:
  schema:
    name: OpenAI
  backendRef:
    name: b
    kind: Service
    group: ""
)",
       Severity::Error, 8, "AIServiceBackend", "default/s", "spec.backendRef",
       "backendRef must reference a Backend (kind Backend, group gateway.envoyproxy.io)"},
      {"EmptyEndpoints",
       "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: Backend\nmetadata:\n  name: b\nspec:\n  "
       "endpoints: []\n",
       Severity::Error, 6, "Backend", "default/b", "spec.endpoints",
       "at least one endpoint is required"},
      {"MissingEndpoints",
       "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: Backend\nmetadata:\n  name: b\nspec:\n  "
       "x: 1\n",
       Severity::Error, 5, "Backend", "default/b", "spec.endpoints", "required field is missing"},
      {"PortOutOfRange", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: b
spec:
  endpoints:
    - fqdn:
        hostname: h.example
        port: 70000
)",
       Severity::Error, 9, "Backend", "default/b", "spec.endpoints[0].fqdn.port",
       "port must be between 1 and 65535"},
      {"HostnameNotAString", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: b
spec:
  endpoints:
    - fqdn:
        hostname: [a, b]
        port: 443
)",
       Severity::Error, 8, "Backend", "default/b", "spec.endpoints[0].fqdn.hostname",
       "expected a string, got a sequence"},
      // BackendSecurityPolicy
      {"SecondPolicyOnSameBackend",
       cat({kPolicyOnA,
            "  type: GCPCredentials\n  gcpCredentials: {projectName: p, region: "
            "us-central1}\n---\n",
            R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata:
  name: second
spec:
  targetRefs:
    - kind: AIServiceBackend
      name: a
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1}
)",
            kOpenAiBackendA}),
       Severity::Error, 18, "BackendSecurityPolicy", "default/second", "spec.targetRefs[0]",
       "AIServiceBackend default/a is already targeted by BackendSecurityPolicy default/p; only "
       "one "
       "policy per backend"},
      {"PolicyTargetsNothing",
       cat({kPolicyOnA,
            "  type: GCPCredentials\n  gcpCredentials: {projectName: p, region: us-central1}\n"}),
       Severity::Warning, 1, "BackendSecurityPolicy", "default/p", "", "targets nothing"},
      {"PolicyTargetNotFound",
       cat({kPolicyOnA,
            "  type: GCPCredentials\n  gcpCredentials: {projectName: p, region: us-central1}\n"}),
       Severity::Warning, 7, "BackendSecurityPolicy", "default/p", "spec.targetRefs[0]",
       "AIServiceBackend default/a not found; ignored"},
      {"RegionPlaceholder",
       cat({kPolicyOnA,
            "  type: GCPCredentials\n  gcpCredentials: {projectName: p, region: GCP_REGION}\n",
            kVertexBackendA}),
       Severity::Warning, 10, "BackendSecurityPolicy", "default/p", "spec.gcpCredentials.region",
       "region 'GCP_REGION' is not a GCP region name"},
      {"ProjectNameNotAnId",
       cat({kPolicyOnA,
            "  type: GCPCredentials\n  gcpCredentials: {projectName: My Project, region: "
            "us-central1}\n",
            kVertexBackendA}),
       Severity::Warning, 10, "BackendSecurityPolicy", "default/p",
       "spec.gcpCredentials.projectName", "projectName 'My Project' is not a GCP project id"},
      {"UnsupportedPolicyType", cat({kPolicyOnA, "  type: AWSCredentials\n", kOpenAiBackendA}),
       Severity::Warning, 9, "BackendSecurityPolicy", "default/p", "spec.type",
       "type AWSCredentials not supported by switchyard (supported: GCPCredentials, APIKey); "
       "policy "
       "not applied"},
      {"MissingSecret",
       cat({kPolicyOnA, R"(  type: GCPCredentials
  gcpCredentials:
    projectName: p
    region: us-central1
    credentialsFile:
      secretRef:
        name: nope
)",
            kVertexBackendA}),
       Severity::Error, 14, "BackendSecurityPolicy", "default/p",
       "spec.gcpCredentials.credentialsFile.secretRef", "Secret default/nope not found"},
      {"MissingApiKeyInSecret",
       cat({kPolicyOnA, R"(  type: APIKey
  apiKey:
    secretRef:
      name: k
---
apiVersion: v1
kind: Secret
metadata:
  name: k
stringData:
  token: SECRET-VALUE
)",
            kOpenAiBackendA}),
       Severity::Error, 11, "BackendSecurityPolicy", "default/p", "spec.apiKey.secretRef",
       "Secret default/k has no key \"apiKey\""},
      {"NotAServiceAccountKey",
       cat({kPolicyOnA, R"(  type: GCPCredentials
  gcpCredentials:
    projectName: p
    region: us-central1
    credentialsFile:
      secretRef:
        name: sa
---
apiVersion: v1
kind: Secret
metadata:
  name: sa
stringData:
  service_account.json: '{"x": "SECRET-VALUE"}'
)",
            kVertexBackendA}),
       Severity::Warning, 14, "BackendSecurityPolicy", "default/p",
       "spec.gcpCredentials.credentialsFile.secretRef",
       "Secret default/sa key \"service_account.json\" is not a service-account key (needs "
       "client_email, private_key and token_uri); requests to default/a will fail until it is "
       "fixed"},
      {"RegionDoesNotMatchHost",
       cat({kPolicyOnA, R"(  type: GCPCredentials
  gcpCredentials:
    projectName: p
    region: europe-west4
)",
            kVertexBackendA}),
       Severity::Warning, 12, "BackendSecurityPolicy", "default/p", "spec.gcpCredentials.region",
       "region europe-west4 does not match host us-central1-aiplatform.googleapis.com of "
       "AIServiceBackend default/a"},
      // BackendTLSPolicy
      {"TlsMissingHostname", cat({kTlsOnA, "  validation:\n    wellKnownCACertificates: System\n"}),
       Severity::Error, 9, "BackendTLSPolicy", "default/t", "spec.validation.hostname",
       "required field is missing"},
      {"TlsMissingConfigMap",
       cat({kTlsOnA, R"(  validation:
    hostname: a.example
    caCertificateRefs:
      - kind: ConfigMap
        name: ca
)",
            kOpenAiBackendA}),
       Severity::Error, 12, "BackendTLSPolicy", "default/t", "spec.validation.caCertificateRefs[0]",
       "ConfigMap default/ca not found"},
      {"TlsConfigMapWithoutCaCrt",
       cat({kTlsOnA, R"(  validation:
    hostname: a.example
    caCertificateRefs:
      - kind: ConfigMap
        name: ca
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ca
data:
  other: x
)",
            kOpenAiBackendA}),
       Severity::Error, 12, "BackendTLSPolicy", "default/t", "spec.validation.caCertificateRefs[0]",
       "ConfigMap default/ca has no key \"ca.crt\""},
      {"TlsNeitherSystemNorRefs",
       cat({kTlsOnA, "  validation:\n    hostname: a.example\n", kOpenAiBackendA}), Severity::Error,
       9, "BackendTLSPolicy", "default/t", "spec.validation",
       "wellKnownCACertificates: System or caCertificateRefs[] is required"},
      {"SecondTlsPolicyOnSameBackend",
       cat({kTlsOnA, "  validation: {hostname: a.example, wellKnownCACertificates: System}\n---\n",
            R"(apiVersion: gateway.networking.k8s.io/v1alpha3
kind: BackendTLSPolicy
metadata:
  name: t2
spec:
  targetRefs:
    - kind: Backend
      name: a
  validation: {hostname: a.example, wellKnownCACertificates: System}
)",
            kOpenAiBackendA}),
       Severity::Error, 17, "BackendTLSPolicy", "default/t2", "spec.targetRefs[0]",
       "Backend default/a already has BackendTLSPolicy default/t"},
      {"TlsTargetsNothing",
       cat({kTlsOnA, "  validation: {hostname: a.example, wellKnownCACertificates: System}\n"}),
       Severity::Warning, 1, "BackendTLSPolicy", "default/t", "", "targets nothing"},
      {"TlsTargetNotFound",
       cat({kTlsOnA, "  validation: {hostname: a.example, wellKnownCACertificates: System}\n"}),
       Severity::Warning, 7, "BackendTLSPolicy", "default/t", "spec.targetRefs[0]",
       "Backend default/a not found; ignored"},
      // Traffic policies
      {"TrafficPolicyTargetMissing", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: p
spec:
  targetRefs:
    - kind: HTTPRoute
      name: missing
  retry:
    numRetries: 1
)",
       Severity::Warning, 7, "BackendTrafficPolicy", "default/p", "spec.targetRefs[0]",
       "HTTPRoute default/missing: no AIGatewayRoute of that name; ignored"},
      {"InvalidStatusCode", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: p
spec:
  retry:
    retryOn:
      httpStatusCodes: [503, 42]
)",
       Severity::Error, 8, "BackendTrafficPolicy", "default/p",
       "spec.retry.retryOn.httpStatusCodes[1]", "must be between 100 and 599"},
      {"InvalidBufferLimit", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata:
  name: c
spec:
  connection:
    bufferLimit: lots
)",
       Severity::Error, 7, "ClientTrafficPolicy", "default/c", "spec.connection.bufferLimit",
       "invalid quantity \"lots\""},
      // Secret
      {"InvalidBase64",
       "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  key: \"SECRET-VALUE!\"\n",
       Severity::Error, 6, "Secret", "default/s", "data.key", "invalid base64"},
  };
}

class DiagnosticTest : public ::testing::TestWithParam<Case> {};

TEST_P(DiagnosticTest, ReportsAtTheField) { testing::expectDiagnostic(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Loader, DiagnosticTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(DiagnosticFormatTest, ErrorAndWarningLines) {
  Diagnostic error{
      Severity::Error,
      {"a.yaml", 12, "AIGatewayRoute", "default/r", "spec.rules[0].backendRefs[1].name"},
      "required field is missing"};
  EXPECT_EQ(
      error.format(),
      "error: a.yaml:12: AIGatewayRoute default/r: spec.rules[0].backendRefs[1].name: required "
      "field is missing");
  Diagnostic warning{Severity::Warning, {"b.yaml", 3, "Deployment", "default/web", ""}, "skipped"};
  EXPECT_EQ(warning.format(), "warning: b.yaml:3: Deployment default/web: skipped");
  Diagnostic bare{Severity::Error, {"missing.yaml", 0, "", "", ""}, "no such file or folder"};
  EXPECT_EQ(bare.format(), "error: missing.yaml: no such file or folder");
}

TEST(DiagnosticOrderTest, FileOrderThenLine) {
  TempDir dir;
  // The route's warning is found by the resolver after the backend's, but comes first in the file.
  const auto file = dir.write(
      "order.yaml", cat({kRouteHead, "  rules:\n    - backendRefs:\n        - name: x\n",
                         "---\napiVersion: apps/v1\nkind: Service\nmetadata:\n  name: s\n"}));
  const auto result = testing::loadPaths({file});
  ASSERT_GE(result.diagnostics.size(), 3u) << testing::allDiagnostics(result);
  for (std::size_t i = 1; i < result.diagnostics.size(); ++i)
    EXPECT_LE(result.diagnostics[i - 1].where.line, result.diagnostics[i].where.line);
}

TEST(DiagnosticPathTest, MissingPathIsAnError) {
  const auto result = testing::loadPaths({"/nonexistent/switchyard/manifests.yaml"});
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].message, "no such file or folder");
}

}  // namespace
}  // namespace switchyard::config
