// Gateway::apply, the path `run --kubernetes` publishes through: the first good configuration is
// the load, a bad one later keeps the running one.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "gateway/gateway.hpp"

namespace switchyard::gateway {
namespace {

config::LoadResult load(const std::string& timeout) {
  config::LoadOptions options;
  options.texts.push_back({"kubernetes AIGatewayRoute ai/chat", R"(
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {namespace: ai, name: openai}
spec: {endpoints: [{fqdn: {hostname: api.openai.com, port: 443}}]}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {namespace: ai, name: openai}
spec: {schema: {name: OpenAI}, backendRef: {name: openai}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {namespace: ai, name: chat}
spec:
  rules:
  - matches: [{headers: [{name: x-ai-eg-model, value: gpt}]}]
    backendRefs: [{name: openai}]
    timeouts: {request: )" + timeout + "}\n"});
  return config::loadSnapshot(options);
}

TEST(GatewayApply, TheFirstGoodConfigurationLoadsAndABadOneKeepsTheRunningOne) {
  GatewayOptions options;
  options.admin = "";
  Gateway gateway(options);
  const auto bad = load("banana");
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(gateway.apply(bad));
  EXPECT_FALSE(gateway.runtime().current());  // not ready: nothing published

  ASSERT_TRUE(load("30s").ok());
  EXPECT_TRUE(gateway.apply(load("30s")));
  const auto first = gateway.runtime().current();
  ASSERT_TRUE(first);

  EXPECT_FALSE(gateway.apply(bad));
  EXPECT_EQ(gateway.runtime().current(), first);

  EXPECT_TRUE(gateway.apply(load("10s")));
  EXPECT_NE(gateway.runtime().current(), first);
}

}  // namespace
}  // namespace switchyard::gateway
