// Loading the fixtures end to end: what the snapshot holds, and that secrets stay out of
// describeRoutingTable and dumpSnapshot.

#include "config/loader.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "config/load_helpers.hpp"
#include "providers/provider.hpp"

namespace switchyard::config {
namespace {

using testing::fixture;
using testing::loadPaths;
using testing::TempDir;

const Route* findRoute(const Snapshot& snapshot, std::string_view name) {
  for (const auto& route : snapshot.routes)
    if (route.name == name) return &route;
  return nullptr;
}

const ServiceBackend* findBackend(const Snapshot& snapshot, std::string_view name) {
  for (const auto& backend : snapshot.backends)
    if (backend->name == name) return backend.get();
  return nullptr;
}

int countWarnings(const LoadResult& result, std::string_view part) {
  int n = 0;
  for (const auto& d : result.diagnostics)
    n += d.severity == Severity::Warning && d.message.find(part) != std::string::npos;
  return n;
}

TEST(LoaderTest, EnvoyAiGatewayExamplesLoad) {
  const auto path = fixture("envoy-aigw-examples.yaml");
  const auto result = loadPaths({path});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto& snapshot = *result.snapshot;

  ASSERT_EQ(snapshot.routes.size(), 5u);
  EXPECT_EQ(snapshot.routes[0].name, "default/envoy-ai-gateway-basic-gcp");
  EXPECT_EQ(snapshot.routes[4].name, "default/stream-idle-timeout");
  EXPECT_EQ(snapshot.listener.bodyLimitBytes, 50ull << 20);

  // Unsupported schemas are disabled, not created; Claude on Vertex keeps its schema version.
  EXPECT_EQ(snapshot.backends.size(), 4u);
  const auto* claude = findBackend(snapshot, "default/envoy-ai-gateway-basic-gcp-anthropic");
  ASSERT_NE(claude, nullptr);
  EXPECT_EQ(claude->provider->descriptor.schemaName, "GCPAnthropic");
  EXPECT_EQ(claude->schemaVersion, "vertex-2023-10-16");
  EXPECT_EQ(findBackend(snapshot, "default/provider-fallback-aws"), nullptr);

  const auto* gcp = findBackend(snapshot, "default/envoy-ai-gateway-basic-gcp");
  ASSERT_NE(gcp, nullptr);
  ASSERT_NE(gcp->provider, nullptr);
  EXPECT_EQ(gcp->provider->descriptor.schemaName, "GCPVertexAI");
  ASSERT_EQ(gcp->endpoints.size(), 1u);
  EXPECT_EQ(gcp->endpoints[0].host, "us-central1-aiplatform.googleapis.com");
  EXPECT_EQ(gcp->endpoints[0].port, 443);
  ASSERT_TRUE(gcp->tls.has_value());
  EXPECT_EQ(gcp->tls->hostname, "us-central1-aiplatform.googleapis.com");
  EXPECT_TRUE(gcp->tls->caPem.empty());
  ASSERT_NE(gcp->credential, nullptr);
  EXPECT_EQ(gcp->credential->type, Credential::Type::GcpServiceAccountKey);
  EXPECT_EQ(gcp->credential->serviceAccountJson, "{}");
  EXPECT_EQ(gcp->credential->projectName, "GCP_PROJECT_NAME");

  // The fallback route keeps its OpenAI primary and drops the Bedrock one; retries attached.
  const auto* fallback = findRoute(snapshot, "default/provider-fallback");
  ASSERT_NE(fallback, nullptr);
  ASSERT_EQ(fallback->rules.size(), 1u);
  ASSERT_EQ(fallback->rules[0].backendRefs.size(), 1u);
  EXPECT_EQ(fallback->rules[0].backendRefs[0].backend->name,
            "default/provider-fallback-always-failing-upstream");
  ASSERT_TRUE(fallback->retry.has_value());
  EXPECT_EQ(fallback->retry->numRetries, 5);
  EXPECT_EQ(fallback->retry->numAttemptsPerPriority, 1);
  EXPECT_EQ(fallback->retry->perRetryTimeout, Millis(30'000));
  EXPECT_EQ(fallback->retry->backOffBase, Millis(100));
  EXPECT_EQ(fallback->retry->backOffMax, Millis(10'000));
  EXPECT_EQ(fallback->retry->triggers,
            (std::vector<std::string>{"connect-failure", "retriable-status-codes"}));
  EXPECT_EQ(fallback->retry->httpStatusCodes, std::vector<unsigned>{500});

  const auto* idle = findRoute(snapshot, "default/stream-idle-timeout");
  ASSERT_NE(idle, nullptr);
  ASSERT_EQ(idle->rules.size(), 2u);
  EXPECT_EQ(idle->rules[0].requestTimeout, Millis(30'000));
  EXPECT_EQ(idle->rules[0].streamIdleTimeout, Millis(5'000));
  EXPECT_TRUE(idle->rules[0].backendRefs.empty());  // its backends live in another file upstream
  EXPECT_EQ(idle->rules[0].modelsOwnedBy, "Envoy AI Gateway");
  EXPECT_EQ(idle->rules[0].modelsCreatedAt, 0);

  // The warnings that keep this file loadable, each once.
  EXPECT_EQ(countWarnings(result, "not served by switchyard; skipped"), 4);
  EXPECT_EQ(countWarnings(result, "schema GCPAnthropic not supported by switchyard"), 0);
  EXPECT_EQ(countWarnings(result, "schema AWSBedrock not supported by switchyard"), 1);
  EXPECT_EQ(countWarnings(result, "type AWSCredentials not supported"), 1);
  EXPECT_EQ(countWarnings(result, "is not a service-account key"), 1);
  EXPECT_EQ(countWarnings(result, "no such AIServiceBackend"), 4);
  EXPECT_EQ(countWarnings(result, "rule has no usable backend"), 2);
  const auto* deployment = testing::findDiagnostic(result, "kind Deployment");
  ASSERT_NE(deployment, nullptr);
  EXPECT_EQ(deployment->where.line, 250);
  EXPECT_EQ(deployment->where.file, path);
  EXPECT_EQ(snapshot.warnings.size(), result.diagnostics.size());
}

TEST(LoaderTest, FullFixtureResolvesEverything) {
  const auto result = loadPaths({fixture("full.yaml")});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_TRUE(result.diagnostics.empty()) << testing::allDiagnostics(result);
  const auto& snapshot = *result.snapshot;
  EXPECT_EQ(snapshot.listener.bodyLimitBytes, 8ull << 20);  // the larger of 32Ki and 8Mi

  ASSERT_EQ(snapshot.routes.size(), 1u);
  const auto& route = snapshot.routes[0];
  EXPECT_EQ(route.name, "ai/chat");
  ASSERT_EQ(route.rules.size(), 2u);

  const auto& exact = route.rules[0];
  ASSERT_EQ(exact.matches.size(), 1u);
  ASSERT_EQ(exact.matches[0].size(), 1u);
  EXPECT_EQ(exact.matches[0][0].name, "x-ai-eg-model");  // written X-AI-EG-Model
  EXPECT_EQ(exact.matches[0][0].type, HeaderMatch::Type::Exact);
  EXPECT_EQ(exact.modelsOwnedBy, "Google");
  EXPECT_EQ(exact.modelsCreatedAt, 1750118400);
  EXPECT_EQ(exact.requestTimeout, Millis(90'000));
  EXPECT_EQ(exact.streamIdleTimeout, Millis(1'500));
  EXPECT_EQ(exact.where.line, 11);
  ASSERT_EQ(exact.backendRefs.size(), 2u);
  EXPECT_EQ(exact.backendRefs[0].backend->name, "ai/vertex");
  EXPECT_EQ(exact.backendRefs[0].weight, 3);
  EXPECT_EQ(exact.backendRefs[1].backend->name, "ai/openai");
  EXPECT_EQ(exact.backendRefs[1].priority, 1);
  EXPECT_EQ(exact.backendRefs[1].modelNameOverride, "gpt-4o-mini");
  // Both rules point at the same backend object.
  EXPECT_EQ(exact.backendRefs[1].backend, route.rules[1].backendRefs[0].backend);

  const auto& regex = route.rules[1];
  EXPECT_EQ(regex.matches[0][0].type, HeaderMatch::Type::RegularExpression);
  EXPECT_NE(regex.matches[0][0].regex, nullptr);

  ASSERT_TRUE(route.retry.has_value());
  EXPECT_EQ(route.retry->numRetries, 3);
  EXPECT_EQ(route.retry->perRetryTimeout, Millis(10'000));
  EXPECT_EQ(route.retry->backOffMax, Millis(2'000));
  EXPECT_EQ(route.retry->httpStatusCodes, (std::vector<unsigned>{429, 503}));

  const auto* vertex = findBackend(snapshot, "ai/vertex");
  ASSERT_NE(vertex, nullptr);
  EXPECT_EQ(vertex->backendName, "ai/vertex-us-central1");
  ASSERT_NE(vertex->credential, nullptr);
  EXPECT_EQ(vertex->credential->type, Credential::Type::GcpServiceAccountKey);
  EXPECT_EQ(vertex->credential->policyName, "ai/vertex-credentials");
  EXPECT_EQ(vertex->credential->region, "us-central1");
  // data: is base64: the decoded key is what the credential holds.
  EXPECT_NE(vertex->credential->serviceAccountJson.find("\"client_email\":\"gw@demo-project"),
            std::string::npos);

  const auto* openai = findBackend(snapshot, "ai/openai");
  ASSERT_NE(openai, nullptr);
  EXPECT_EQ(openai->prefix, "/v1");
  EXPECT_EQ(openai->endpoints[0].host, "10.0.0.7");
  EXPECT_EQ(openai->endpoints[0].port, 8443);
  ASSERT_TRUE(openai->tls.has_value());
  EXPECT_EQ(openai->tls->hostname, "openai.internal");
  EXPECT_EQ(openai->tls->policyName, "ai/openai-tls");
  EXPECT_EQ(openai->tls->caPem, "-----BEGIN CERTIFICATE-----\nTESTCA\n-----END CERTIFICATE-----\n");
  ASSERT_NE(openai->credential, nullptr);
  EXPECT_EQ(openai->credential->type, Credential::Type::ApiKey);
  EXPECT_EQ(openai->credential->apiKey, "sk-SECRET-API-KEY");
}

TEST(LoaderTest, DescribeShowsRoutesAndNoSecret) {
  const auto result = loadPaths({fixture("full.yaml")});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto text = describeRoutingTable(*result.snapshot);
  for (const char* expected :
       {"route ai/chat", "x-ai-eg-model = \"gemini-2.5-flash\"", "x-ai-eg-model ~ /gpt-.*/",
        "priority 0 weight 3: ai/vertex", "priority 1 weight 1: ai/openai -> model gpt-4o-mini",
        "us-central1-aiplatform.googleapis.com:443", "10.0.0.7:8443", "schema GCPVertexAI",
        "schema OpenAI prefix /v1", "hostname openai.internal, CA from caCertificateRefs",
        "CA system trust store",
        "GCP service-account key, project demo-project, region us-central1",
        "API key (BackendSecurityPolicy ai/openai-key)", "request 1m30s, stream idle 1.5s",
        "numRetries 3", "backOff 100ms..2s", "statuses [429, 503]", "body limit 8388608"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing \"" << expected << "\" in:\n"
                                                      << text;
  }
  EXPECT_EQ(text.find("SECRET"), std::string::npos) << text;
  EXPECT_EQ(text.find("sk-"), std::string::npos) << text;
}

TEST(LoaderTest, DumpIsRedacted) {
  const auto result = loadPaths({fixture("full.yaml")});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto json = boost::json::serialize(dumpSnapshot(*result.snapshot));
  EXPECT_EQ(json.find("SECRET"), std::string::npos) << json;
  EXPECT_EQ(json.find("client_email"), std::string::npos) << json;
  EXPECT_EQ(json.find("gw@demo-project"), std::string::npos) << json;
  EXPECT_NE(json.find("\"apiKey\":\"[redacted]\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"serviceAccountKey\":\"[redacted]\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"policy\":\"ai/vertex-credentials\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"name\":\"ai/chat\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"bodyLimitBytes\":8388608"), std::string::npos) << json;
}

// ClientTrafficPolicy timeout.http: the most lenient of several wins (as bufferLimit's largest),
// and zero, which turns a timeout off, is the most lenient of all.
TEST(LoaderTest, ClientTrafficPolicyTimeouts) {
  const auto policy = [](const std::string& name, const std::string& http) {
    return "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\n"
           "metadata: {name: " +
           name + "}\nspec:\n  timeout:\n    http: " + http + "\n";
  };
  TempDir dir;
  auto result = loadPaths({dir.write("none.yaml", policy("none", "{}"))});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_EQ(result.snapshot->listener.requestReceivedTimeout, std::chrono::seconds(60));
  EXPECT_EQ(result.snapshot->listener.idleTimeout, std::chrono::seconds(300));

  result = loadPaths(
      {dir.write("two.yaml", policy("a", "{requestReceivedTimeout: 5s, idleTimeout: 1h}") +
                                 policy("b", "{requestReceivedTimeout: 10s}"))});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_EQ(result.snapshot->listener.requestReceivedTimeout, std::chrono::seconds(10));
  EXPECT_EQ(result.snapshot->listener.idleTimeout, std::chrono::hours(1));
  const auto json = boost::json::serialize(dumpSnapshot(*result.snapshot));
  EXPECT_NE(json.find("\"requestReceivedTimeoutMs\":10000,\"idleTimeoutMs\":3600000"),
            std::string::npos)
      << json;

  result = loadPaths({dir.write("off.yaml", policy("a", "{requestReceivedTimeout: 0s}") +
                                                policy("b", "{requestReceivedTimeout: 10s}"))});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_EQ(result.snapshot->listener.requestReceivedTimeout, std::chrono::milliseconds(0));

  result = loadPaths({dir.write("bad.yaml", policy("a", "{idleTimeout: soon}"))});
  EXPECT_FALSE(result.ok());
  EXPECT_NE(testing::allDiagnostics(result).find("spec.timeout.http.idleTimeout"),
            std::string::npos)
      << testing::allDiagnostics(result);
}

TEST(LoaderTest, FolderLoadsYamlAndYmlSorted) {
  const auto result = loadPaths({fixture("folder")});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_TRUE(result.diagnostics.empty()) << testing::allDiagnostics(result);  // notes.txt unread
  const auto& snapshot = *result.snapshot;
  ASSERT_EQ(snapshot.routes.size(), 1u);
  EXPECT_EQ(snapshot.routes[0].name, "default/local");
  ASSERT_EQ(snapshot.routes[0].rules[0].backendRefs.size(), 1u);
  const auto& backend = *snapshot.routes[0].rules[0].backendRefs[0].backend;
  EXPECT_EQ(backend.prefix, "/openai/v1");  // aigateway v1alpha1 accepted like v1beta1
  EXPECT_EQ(backend.endpoints[0].port, 11434);
  EXPECT_EQ(backend.tls, std::nullopt);
  EXPECT_EQ(backend.credential, nullptr);
  // Exact is the default match type.
  EXPECT_EQ(snapshot.routes[0].rules[0].matches[0][0].type, HeaderMatch::Type::Exact);
}

TEST(LoaderTest, FilesAndFoldersCombine) {
  TempDir dir;
  const auto extra = dir.write("extra.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: unused
data:
  a: b
)");
  const auto result = loadPaths({fixture("folder"), extra});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_EQ(result.snapshot->routes.size(), 1u);
}

TEST(LoaderTest, EnvironmentSubstitution) {
  const auto path = fixture("env.yaml");
  {
    const auto result = loadPaths({path}, {}, {{"SY_TEST_HOST", "llm.internal"}});
    ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
    const auto& backend = *result.snapshot->backends.at(0);
    EXPECT_EQ(backend.endpoints[0].host, "llm.internal");
    EXPECT_EQ(backend.endpoints[0].port, 8080);  // ${SY_TEST_PORT:=8080}
    EXPECT_EQ(result.snapshot->routes[0].rules[0].matches[0][0].value, "default-model");
  }
  {
    const auto result = loadPaths(
        {path}, {}, {{"SY_TEST_HOST", "h"}, {"SY_TEST_PORT", "9"}, {"SY_TEST_MODEL", "m"}});
    ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
    EXPECT_EQ(result.snapshot->backends.at(0)->endpoints[0].port, 9);
    EXPECT_EQ(result.snapshot->routes[0].rules[0].matches[0][0].value, "m");
  }
  {
    const auto result = loadPaths({path});
    EXPECT_FALSE(result.ok());
    ASSERT_EQ(result.diagnostics.size(), 1u) << testing::allDiagnostics(result);
    EXPECT_EQ(result.diagnostics[0].where.file, path);
    EXPECT_EQ(result.diagnostics[0].where.line, 9);
    EXPECT_NE(result.diagnostics[0].message.find("SY_TEST_HOST"), std::string::npos);
  }
}

TEST(LoaderTest, ProcessEnvironmentIsTheDefaultSource) {
  ::setenv("SY_LOADER_TEST_HOST", "from-process", 1);
  TempDir dir;
  const auto file = dir.write("b.yaml", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: b
spec:
  endpoints:
    - fqdn: {hostname: "${SY_LOADER_TEST_HOST}", port: 80}
)");
  LoadOptions options;
  options.paths = {file};
  const auto result = loadSnapshot(options);
  ::unsetenv("SY_LOADER_TEST_HOST");
  EXPECT_TRUE(result.ok()) << testing::allDiagnostics(result);
}

TEST(LoaderTest, SecretsFromSecretsDir) {
  TempDir secrets;
  const std::string saKey =
      R"({"type":"service_account","client_email":"a@p.iam.gserviceaccount.com",)"
      R"("private_key":"-----BEGIN PRIVATE KEY-----\nSECRET\n-----END PRIVATE KEY-----\n",)"
      R"("token_uri":"https://oauth2.googleapis.com/token"})";
  secrets.write("mounted-sa/service_account.json", saKey);
  secrets.write("mounted-sa/..data", "not a key");  // Kubernetes mount bookkeeping
  secrets.write("mounted-key/apiKey", "sk-SECRET-FROM-FILE\n");

  const auto result = loadPaths({fixture("secrets_dir.yaml")}, secrets.path().string());
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_TRUE(result.diagnostics.empty()) << testing::allDiagnostics(result);  // global host ok
  const auto* vertex = findBackend(*result.snapshot, "default/vertex");
  ASSERT_NE(vertex, nullptr);
  ASSERT_NE(vertex->credential, nullptr);
  EXPECT_EQ(vertex->credential->serviceAccountJson, saKey);
  const auto* openai = findBackend(*result.snapshot, "default/openai");
  ASSERT_NE(openai, nullptr);
  ASSERT_NE(openai->credential, nullptr);
  EXPECT_EQ(openai->credential->apiKey, "sk-SECRET-FROM-FILE");  // trailing newline dropped

  const auto json = boost::json::serialize(dumpSnapshot(*result.snapshot));
  EXPECT_EQ(json.find("SECRET"), std::string::npos) << json;
  EXPECT_EQ(describeRoutingTable(*result.snapshot).find("SECRET"), std::string::npos);
}

TEST(LoaderTest, SecretsDirFirstSortedKeyWithoutServiceAccountJson) {
  TempDir secrets;
  secrets.write("mounted-sa/b.json", "{}");
  secrets.write("mounted-sa/a.json",
                R"({"client_email":"x","private_key":"y","token_uri":"https://t"})");
  secrets.write("mounted-key/apiKey", "k");
  const auto result = loadPaths({fixture("secrets_dir.yaml")}, secrets.path().string());
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_EQ(
      findBackend(*result.snapshot, "default/vertex")->credential->serviceAccountJson.substr(0, 16),
      R"({"client_email":)");
}

TEST(LoaderTest, MissingSecretsWithoutSecretsDirAreErrors) {
  const auto result = loadPaths({fixture("secrets_dir.yaml")});
  EXPECT_FALSE(result.ok());
  const auto* sa = testing::findDiagnostic(result, "Secret default/mounted-sa not found");
  ASSERT_NE(sa, nullptr) << testing::allDiagnostics(result);
  EXPECT_EQ(sa->where.field, "spec.gcpCredentials.credentialsFile.secretRef");
  const auto* key = testing::findDiagnostic(result, "Secret default/mounted-key not found");
  ASSERT_NE(key, nullptr) << testing::allDiagnostics(result);
  EXPECT_EQ(key->where.field, "spec.apiKey.secretRef");
}

TEST(LoaderTest, StringDataWinsOverData) {
  TempDir dir;
  // "ZnJvbS1kYXRh" = "from-data"
  const auto file = dir.write("s.yaml", R"(apiVersion: aigateway.envoyproxy.io/v1alpha1
kind: BackendSecurityPolicy
metadata:
  name: p
spec:
  targetRefs:
    - {kind: AIServiceBackend, name: a}
  type: APIKey
  apiKey:
    secretRef: {name: k}
---
apiVersion: v1
kind: Secret
metadata:
  name: k
data:
  apiKey: ZnJvbS1kYXRh
  other: ZnJvbS1kYXRh
stringData:
  apiKey: from-stringData
---
apiVersion: aigateway.envoyproxy.io/v1alpha1
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
  endpoints:
    - ip: {address: 10.1.1.1, port: 80}
)");
  const auto result = loadPaths({file});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_EQ(result.snapshot->backends.at(0)->credential->apiKey, "from-stringData");
}

TEST(LoaderTest, ApplicationDefaultCredentialsWithoutFile) {
  TempDir dir;
  const auto file = dir.write("adc.yaml", R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata:
  name: adc
spec:
  targetRefs:
    - {group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: v}
  type: GCPCredentials
  gcpCredentials:
    projectName: proj
    region: europe-west4
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: v
spec:
  schema: {name: GCPVertexAI}
  backendRef: {name: v, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: v
spec:
  endpoints:
    - fqdn: {hostname: europe-west4-aiplatform.googleapis.com, port: 443}
)");
  const auto result = loadPaths({file});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_TRUE(result.diagnostics.empty()) << testing::allDiagnostics(result);
  const auto& credential = *result.snapshot->backends.at(0)->credential;
  EXPECT_EQ(credential.type, Credential::Type::GcpApplicationDefault);
  EXPECT_EQ(credential.projectName, "proj");
  EXPECT_EQ(credential.region, "europe-west4");
}

TEST(LoaderTest, GatewayRetryAppliesToRoutesWithoutTheirOwn) {
  TempDir dir;
  const auto file = dir.write("retry.yaml", R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec: {}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: everyone
spec:
  targetRefs: [{kind: Gateway, name: gw}]
  retry: {numRetries: 7}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: special
spec:
  targetRefs: [{kind: HTTPRoute, name: two}]
  retry: {numRetries: 1}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: one
spec: {rules: []}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: two
spec: {rules: []}
)");
  const auto result = loadPaths({file});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  ASSERT_EQ(result.snapshot->routes.size(), 2u);
  EXPECT_EQ(result.snapshot->routes[0].retry->numRetries, 7);
  EXPECT_EQ(result.snapshot->routes[1].retry->numRetries, 1);
  // Envoy Gateway defaults: max back-off is ten times the base.
  EXPECT_EQ(result.snapshot->routes[0].retry->backOffBase, Millis(25));
  EXPECT_EQ(result.snapshot->routes[0].retry->backOffMax, Millis(250));
}

TEST(LoaderTest, NamespacesKeepObjectsApart) {
  TempDir dir;
  const auto file = dir.write("ns.yaml", R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: b, namespace: one}
spec:
  endpoints: [{ip: {address: 10.0.0.1, port: 1}}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: b, namespace: two}
spec:
  endpoints: [{ip: {address: 10.0.0.2, port: 2}}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: s, namespace: two}
spec:
  schema: {name: OpenAI}
  backendRef: {name: b}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: cross, namespace: two}
spec:
  schema: {name: OpenAI}
  backendRef: {name: b, namespace: one}
)");
  const auto result = loadPaths({file});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_EQ(findBackend(*result.snapshot, "two/s")->endpoints[0].port, 2);
  EXPECT_EQ(findBackend(*result.snapshot, "two/cross")->endpoints[0].port, 1);
}

TEST(LoaderTest, NeverThrowsOnOddInput) {
  TempDir dir;
  for (const std::string text :
       {"", "---\n---\n", "- a\n- b\n", "just a scalar\n", "apiVersion: v1\n",
        "apiVersion: v1\nkind: Secret\nmetadata: [x]\n", "kind: [a]\napiVersion: {b: c}\n",
        "apiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\nmetadata: {name: "
        "r}\nspec: 3\n",
        "apiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\nmetadata: {name: r}\n"
        "spec: {rules: [3, {matches: [{headers: [7]}]}, {backendRefs: [[1]]}]}\n",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: [1], b: {c: d}}\n",
        "\xff\xfe\x00garbage: ["}) {
    const auto file = dir.write("odd.yaml", text);
    EXPECT_NO_THROW(loadPaths({file})) << text;
  }
}

}  // namespace
}  // namespace switchyard::config

namespace switchyard::config {
namespace {

std::string clientPolicy(const std::string& name, const std::string& connection) {
  return "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\nmetadata:\n"
         "  name: " +
         name + "\nspec:\n  connection: " + connection + "\n";
}

TEST(LoaderTest, ConnectionLimitTheSmallestPolicyWins) {
  testing::TempDir dir;
  const auto file =
      dir.write("limits.yaml", clientPolicy("a", "{connectionLimit: {value: 500}}") +
                                   clientPolicy("b", "{connectionLimit: {value: 50}}"));
  const auto result = testing::loadPaths({file});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_EQ(result.snapshot->listener.connectionLimit, 50u);
}

TEST(LoaderTest, ConnectionLimitBelowOneIsAnError) {
  testing::TempDir dir;
  const auto file = dir.write("limits.yaml", clientPolicy("a", "{connectionLimit: {value: 0}}"));
  const auto result = testing::loadPaths({file});
  EXPECT_FALSE(result.ok());
  const auto* d = testing::findDiagnostic(result, "must be at least 1");
  ASSERT_NE(d, nullptr) << testing::allDiagnostics(result);
  EXPECT_EQ(d->where.field, "spec.connection.connectionLimit.value");
}

TEST(LoaderTest, AManifestFileOverTheSizeLimitIsRefusedUnread) {
  testing::TempDir dir;
  const auto file =
      dir.write("huge.yaml", clientPolicy("a", "{}") + "# " + std::string(8u << 20, 'x') + "\n");
  const auto result = testing::loadPaths({file});
  EXPECT_FALSE(result.ok());
  const auto* d = testing::findDiagnostic(result, "may be at most 8388608 bytes");
  ASSERT_NE(d, nullptr) << testing::allDiagnostics(result);
  EXPECT_EQ(d->where.file, file);
}

}  // namespace
}  // namespace switchyard::config
