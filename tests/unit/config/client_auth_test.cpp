// SecurityPolicy (client authentication) as loaded: API keys kept as digests, which policy each
// route takes (its own over its Gateway's), remote JWKS trust from the Backend's BackendTLSPolicy.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "config/client_auth_policy.hpp"
#include "load_helpers.hpp"

namespace switchyard::config {
namespace {

using testing::TempDir;

constexpr std::string_view kManifest = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg}
spec: {gatewayClassName: eg, listeners: [{name: http, protocol: HTTP, port: 80}]}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: own}
spec:
  rules: [{matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: a}]}]}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: inherits}
spec:
  rules: [{matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: b}]}]}]
---
apiVersion: v1
kind: Secret
metadata: {name: keys}
stringData: {alice: sk-a, bob: sk-b}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: route-keys}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: own}]
  apiKeyAuth:
    credentialRefs: [{name: keys}]
    extractFrom: [{headers: [Authorization]}]
    forwardClientIDHeader: X-Client-ID
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: idp}
spec: {endpoints: [{ip: {address: 10.0.0.5, port: 8443}}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: idp-ca}
data: {ca.crt: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: idp}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: idp}]
  validation: {hostname: idp.internal, caCertificateRefs: [{kind: ConfigMap, name: idp-ca}]}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: gateway-jwt}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: eg}]
  jwt:
    providers:
      - name: idp
        remoteJWKS:
          uri: https://idp.example.com/.well-known/jwks.json?v=1
          backendRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: idp}]
)";

TEST(ClientAuth, RoutesTakeTheirOwnPolicyElseTheGatewaysAndKeysAreDigests) {
  TempDir dir;
  const auto result = testing::loadPaths({dir.write("m.yaml", std::string(kManifest))});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto& snapshot = *result.snapshot;
  ASSERT_EQ(snapshot.routes.size(), 2u);
  const auto& own = snapshot.routes[0].clientAuth;
  ASSERT_TRUE(own && own->apiKey);
  EXPECT_EQ(own->name, "default/route-keys");
  ASSERT_EQ(own->apiKey->clients.size(), 2u);
  EXPECT_EQ(own->apiKey->clients[0].clientId, "alice");
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>("sk-a"), 4, digest.data());
  EXPECT_EQ(own->apiKey->clients[0].digest, digest);
  EXPECT_EQ(own->apiKey->forwardClientIdHeader, "x-client-id");
  ASSERT_EQ(own->apiKey->extractFrom.size(), 1u);
  EXPECT_EQ(own->apiKey->extractFrom[0].name, "authorization");
  EXPECT_TRUE(own->apiKey->extractFrom[0].prefixOptional);

  const auto& inherited = snapshot.routes[1].clientAuth;
  ASSERT_TRUE(inherited && inherited->jwt);
  EXPECT_EQ(inherited, snapshot.gatewayClientAuth);
  const auto& remote = inherited->jwt->providers.at(0).remote;
  ASSERT_TRUE(remote);
  EXPECT_EQ(remote->host, "10.0.0.5");
  EXPECT_EQ(remote->port, 8443);
  EXPECT_EQ(remote->target, "/.well-known/jwks.json?v=1");
  EXPECT_EQ(remote->serverName, "idp.internal");
  EXPECT_NE(remote->caPem.find("BEGIN CERTIFICATE"), std::string::npos);
}

TEST(ClientAuth, ErrorsPointAtTheField) {
  TempDir dir;
  const auto result = testing::loadPaths({dir.write("m.yaml", R"(
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: bad}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: eg}]
  oidc: {provider: {issuer: x}}
  jwt:
    providers:
      - name: p
        remoteJWKS: {uri: "http://idp/jwks"}
)")});
  EXPECT_FALSE(result.ok());
  const auto* oidc = testing::findDiagnostic(result, "oidc is not supported");
  ASSERT_NE(oidc, nullptr);
  EXPECT_EQ(oidc->where.line, 7);
  const auto* uri = testing::findDiagnostic(result, "is not an https URL");
  ASSERT_NE(uri, nullptr);
  EXPECT_EQ(uri->where.field, "spec.jwt.providers[0].remoteJWKS.uri");
}

}  // namespace
}  // namespace switchyard::config
