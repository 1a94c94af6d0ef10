#include "kube/manifest_render.hpp"

#include <gtest/gtest.h>

#include "test_env.hpp"

namespace switchyard::kube {
namespace {

using testing::obj;

void add(ObjectStore& store, const std::string& text) {
  auto object = obj(text);
  const auto& meta = object["metadata"].as_object();
  store.put(ObjectKey{std::string(object["kind"].as_string()),
                      std::string(meta.at("namespace").as_string()),
                      std::string(meta.at("name").as_string())},
            object);
}

ObjectStore sampleStore() {
  ObjectStore store;
  add(store, R"({"apiVersion":"gateway.envoyproxy.io/v1alpha1","kind":"Backend",
    "metadata":{"namespace":"ai","name":"openai"},
    "spec":{"endpoints":[{"fqdn":{"hostname":"api.openai.com","port":443}}]}})");
  add(store, R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIServiceBackend",
    "metadata":{"namespace":"ai","name":"openai"},
    "spec":{"schema":{"name":"OpenAI"},"backendRef":{"name":"openai"}}})");
  add(store, R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"BackendSecurityPolicy",
    "metadata":{"namespace":"ai","name":"openai-key"},
    "spec":{"targetRefs":[{"kind":"AIServiceBackend","name":"openai"}],
            "type":"APIKey","apiKey":{"secretRef":{"name":"openai-key"}}}})");
  add(store,
      R"({"apiVersion":"v1","kind":"Secret","metadata":{"namespace":"ai","name":"openai-key"},
    "data":{"apiKey":"c2stdGVzdA=="}})");
  add(store, R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIGatewayRoute",
    "metadata":{"namespace":"ai","name":"chat"},
    "spec":{"parentRefs":[{"name":"gw"}],
            "rules":[{"matches":[{"headers":[{"name":"x-ai-eg-model","value":"gpt-4o"}]}],
                      "backendRefs":[{"name":"openai"}]}]}})");
  add(store, R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIGatewayRoute",
    "metadata":{"namespace":"ai","name":"other"},
    "spec":{"parentRefs":[{"name":"gw","namespace":"elsewhere"}],
            "rules":[{"matches":[{"headers":[{"name":"x-ai-eg-model","value":"gpt-4o-mini"}]}],
                      "backendRefs":[{"name":"openai"}]}]}})");
  return store;
}

TEST(ManifestRenderTest, TheStoreLoadsThroughTheFileLoader) {
  const auto store = sampleStore();
  const auto result = loadFromStore(store, {});
  ASSERT_TRUE(result.ok()) << (result.diagnostics.empty() ? "" : result.diagnostics[0].message);
  const auto table = config::describeRoutingTable(*result.snapshot);
  EXPECT_NE(table.find("gpt-4o-mini"), std::string::npos) << table;
  EXPECT_EQ(table.find("sk-test"), std::string::npos);  // never a secret value
}

TEST(ManifestRenderTest, AGatewayKeepsOnlyTheRoutesAttachedToIt) {
  const auto store = sampleStore();
  const auto texts = renderManifests(store, RenderOptions{GatewayRef{"ai", "gw"}});
  std::vector<std::string> names;
  for (const auto& t : texts) names.push_back(t.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "kubernetes AIGatewayRoute ai/chat"),
            names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "kubernetes AIGatewayRoute ai/other"),
            names.end());
  const auto result = loadFromStore(store, RenderOptions{GatewayRef{"ai", "gw"}});
  ASSERT_TRUE(result.ok());
  const auto table = config::describeRoutingTable(*result.snapshot);
  EXPECT_EQ(table.find("gpt-4o-mini"), std::string::npos) << table;
  EXPECT_TRUE(parseGatewayRef("ns/name"));
  EXPECT_FALSE(parseGatewayRef("name"));
  EXPECT_FALSE(parseGatewayRef("a/b/c"));
}

TEST(ManifestRenderTest, TheGatewayConfigOfTheServedGatewayGivesItsRoutesTheirCosts) {
  auto store = sampleStore();
  add(store, R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway",
    "metadata":{"namespace":"ai","name":"gw",
                "annotations":{"aigateway.envoyproxy.io/gateway-config":"costs"}},
    "spec":{"gatewayClassName":"c","listeners":[{"name":"http","port":80,"protocol":"HTTP"}]}})");
  add(store, R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"GatewayConfig",
    "metadata":{"namespace":"ai","name":"costs"},
    "spec":{"globalLLMRequestCosts":[{"metadataKey":"tokens","type":"TotalToken"}]}})");
  add(store, R"({"apiVersion":"gateway.envoyproxy.io/v1alpha1","kind":"BackendTrafficPolicy",
    "metadata":{"namespace":"ai","name":"per-user"},
    "spec":{"targetRefs":[{"group":"gateway.networking.k8s.io","kind":"Gateway","name":"gw"}],
            "rateLimit":{"global":{"rules":[{
              "clientSelectors":[{"headers":[{"name":"x-user-id","type":"Distinct"}]}],
              "limit":{"requests":1000,"unit":"Hour"},
              "cost":{"request":{"from":"Number","number":0},
                      "response":{"from":"Metadata",
                                  "metadata":{"namespace":"io.envoy.ai_gateway","key":"tokens"}}}
            }]}}}})");
  const auto result = loadFromStore(store, RenderOptions{GatewayRef{"ai", "gw"}});
  ASSERT_TRUE(result.ok()) << (result.diagnostics.empty() ? "" : result.diagnostics[0].format());
  ASSERT_EQ(result.snapshot->routes.size(), 1u);
  const auto& route = result.snapshot->routes[0];
  EXPECT_EQ(route.gatewayConfig, "ai/costs");
  ASSERT_EQ(route.costs.size(), 1u);
  ASSERT_EQ(route.rateLimits.size(), 1u);
  EXPECT_EQ(route.rateLimits[0].id, "ai/per-user/global/0");
  EXPECT_EQ(route.rateLimits[0].responseCost.metadataKey, "tokens");
}

TEST(ManifestRenderTest, AnInvalidObjectIsReportedByKindAndNameAndNothingIsServed) {
  auto store = sampleStore();
  store.remove(ObjectKey{"Secret", "ai", "openai-key"});
  const auto result = loadFromStore(store, {});
  ASSERT_FALSE(result.ok());
  bool named = false;
  for (const auto& d : result.diagnostics) {
    named |= d.message.find("openai-key") != std::string::npos ||
             d.where.name.find("openai-key") != std::string::npos;
  }
  EXPECT_TRUE(named);
}

TEST(ManifestRenderTest, ReferencedDataIsWhatPoliciesAndHttpsListenersName) {
  ObjectStore store = sampleStore();
  add(store, R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"BackendTLSPolicy",
    "metadata":{"namespace":"ai","name":"tls"},
    "spec":{"validation":{"hostname":"h","caCertificateRefs":[
      {"kind":"ConfigMap","group":"","name":"ca"},{"kind":"Secret","name":"ca-secret"}]}}})");
  add(store, R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway",
    "metadata":{"namespace":"edge","name":"tls-gw"},
    "spec":{"listeners":[{"name":"http","protocol":"HTTP","port":80},
      {"name":"https","protocol":"HTTPS","port":443,
       "tls":{"certificateRefs":[{"kind":"Secret","name":"listener-cert"}]}}]}})");
  EXPECT_EQ(referencedData(store), (std::set<ObjectKey>{{"ConfigMap", "ai", "ca"},
                                                        {"Secret", "ai", "ca-secret"},
                                                        {"Secret", "edge", "listener-cert"},
                                                        {"Secret", "ai", "openai-key"}}));
}

}  // namespace
}  // namespace switchyard::kube
