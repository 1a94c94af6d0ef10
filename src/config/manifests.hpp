#pragma once
// The manifests as read, one struct per kind, before cross-references are resolved. Each keeps the
// Location of the things the resolver may have to report on.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/client_auth_policy.hpp"
#include "config/snapshot.hpp"

namespace switchyard::config::detail {

struct ObjectMeta {
  std::string ns;         // metadata.namespace, "default" when absent
  std::string name;       // metadata.name
  Location where;         // the object itself (field empty)
  std::size_t order = 0;  // position among all documents, for file order
  std::string key() const { return ns + "/" + name; }
};

// A reference to another object: the namespace is the referrer's unless the ref names one.
struct ObjectRef {
  std::string group;
  std::string kind;
  std::string ns;
  std::string name;
  Location where;  // the ref's field
  std::string key() const { return ns + "/" + name; }
};

struct RouteManifest {
  struct BackendRefEntry {
    std::string name;  // AIServiceBackend in the route's namespace
    std::string modelNameOverride;
    int priority = 0;
    int weight = 1;
    Mutations mutations;  // this backendRef's own headerMutation / bodyMutation
    Location where;
  };
  struct RuleEntry {
    std::vector<std::vector<HeaderMatch>> matches;
    std::vector<BackendRefEntry> backendRefs;
    std::optional<Millis> requestTimeout;
    std::optional<Millis> streamIdleTimeout;
    std::string modelsOwnedBy;
    std::int64_t modelsCreatedAt = 0;
    Location where;
  };
  ObjectMeta meta;
  std::vector<ObjectRef> parentRefs;  // Gateways (kind Gateway); none = attached to every Gateway
  std::vector<RuleEntry> rules;
  std::vector<LlmRequestCost> costs;  // spec.llmRequestCosts, CEL compiled
};

// One of Gateway.spec.listeners[]: HTTP, or HTTPS terminated here with certificates from Secrets.
struct GatewayListenerEntry {
  std::string name;
  std::string protocol;  // HTTP or HTTPS (others are skipped with a Warning)
  std::int64_t port = 0;
  std::string hostname;                 // empty = any
  std::vector<ObjectRef> certificates;  // tls.certificateRefs[] (HTTPS): Secrets, tls.crt/tls.key
  Location where;
};

// Gateway: its listeners, and which GatewayConfig it names (annotation
// aigateway.envoyproxy.io/gateway-config, a GatewayConfig in the Gateway's namespace).
struct GatewayManifest {
  ObjectMeta meta;
  std::vector<GatewayListenerEntry> listeners;
  std::string gatewayConfig;  // name; empty = none
  Location gatewayConfigWhere;
};

struct GatewayConfigManifest {
  ObjectMeta meta;
  std::vector<LlmRequestCost> costs;  // spec.globalLLMRequestCosts, CEL compiled
};

struct ServiceBackendManifest {
  ObjectMeta meta;
  std::string schemaName;
  Location schemaWhere;
  std::string prefix;   // empty = schema default
  std::string version;  // schema.version; empty = schema default
  ObjectRef backendRef;
  Mutations mutations;  // spec.headerMutation / spec.bodyMutation
};

struct BackendManifest {
  ObjectMeta meta;
  std::vector<Endpoint> endpoints;
  bool h2c = false;                  // appProtocols has gateway.envoyproxy.io/h2c
  Location h2cWhere;                 // that entry
  std::optional<bool> alpnOffersH2;  // spec.tls.alpnProtocols given: does it list h2?
  Location alpnWhere;                // spec.tls.alpnProtocols
};

struct SecretKeyRef {
  ObjectRef secret;
  std::string key;  // empty = pick one (see resolver)
};

struct SecurityPolicyManifest {
  ObjectMeta meta;
  std::vector<ObjectRef> targets;
  std::string type;
  Location typeWhere;
  // GCPCredentials
  std::string projectName;
  std::string region;
  Location regionWhere;
  std::optional<SecretKeyRef> credentialsFile;  // none = Application Default Credentials
  // APIKey
  std::optional<SecretKeyRef> apiKey;
};

// SecurityPolicy (gateway.envoyproxy.io): what the parser could fill in of the policy, plus the
// references the resolver follows (API-key Secrets, JWKS ConfigMaps, remote-JWKS Backends).
struct ClientAuthManifest {
  struct ProviderRefs {
    std::optional<ObjectRef> jwksConfigMap;  // localJWKS.valueRef
    std::optional<ObjectRef> remoteBackend;  // remoteJWKS.backendRefs[0]
    Location where;                          // the provider
  };
  ObjectMeta meta;
  std::vector<ObjectRef> targets;         // kind Gateway or HTTPRoute
  ClientAuthPolicy policy;                // apiKey clients and JWKS keys still to resolve
  std::vector<ObjectRef> credentialRefs;  // apiKeyAuth.credentialRefs (Secrets)
  std::vector<ProviderRefs> providers;    // parallel to policy.jwt->providers
};

struct TlsPolicyManifest {
  ObjectMeta meta;
  std::vector<ObjectRef> targets;
  std::string hostname;
  bool systemTrust = false;
  std::vector<ObjectRef> caRefs;  // kind ConfigMap or Secret, key ca.crt
};

// A rateLimit rule as read: complete but for responseCost.costIndex, which depends on the route.
struct RateLimitRuleEntry {
  RateLimitRule rule;
  Location responseKeyWhere;  // cost.response.metadata.key
};

struct TrafficPolicyManifest {
  ObjectMeta meta;
  std::vector<ObjectRef> targets;  // kind HTTPRoute or Gateway
  std::optional<RetryPolicy> retry;
  std::optional<std::vector<RateLimitRuleEntry>> rateLimit;  // global rules, then local rules
  Location rateLimitWhere;
};

// ClientTrafficPolicy.spec.tls: how the listener's TLS is negotiated.
struct ClientTlsEntry {
  std::string minVersion;  // "Auto", "1.0" ... "1.3"; empty = Auto
  std::string maxVersion;
  std::vector<std::string> ciphers;
  std::optional<std::vector<std::string>> alpnProtocols;  // "h2", "http/1.1", "http/1.0"
  Location where;
};

struct ClientPolicyManifest {
  ObjectMeta meta;
  std::vector<ObjectRef> targets;  // Gateways
  std::optional<std::uint64_t> bufferLimit;
  std::optional<Millis> requestReceivedTimeout;  // timeout.http
  std::optional<Millis> idleTimeout;
  std::optional<ClientTlsEntry> tls;
  std::optional<std::uint64_t> connectionLimit;  // connection.connectionLimit.value
};

// Secret (data decoded, stringData merged over it) or ConfigMap (data).
struct DataManifest {
  ObjectMeta meta;
  std::map<std::string, std::string> data;
};

struct Manifests {
  std::vector<RouteManifest> routes;
  std::vector<ServiceBackendManifest> serviceBackends;
  std::vector<BackendManifest> backends;
  std::vector<SecurityPolicyManifest> securityPolicies;
  std::vector<ClientAuthManifest> clientAuthPolicies;
  std::vector<TlsPolicyManifest> tlsPolicies;
  std::vector<TrafficPolicyManifest> trafficPolicies;
  std::vector<ClientPolicyManifest> clientPolicies;
  std::vector<DataManifest> secrets;
  std::vector<DataManifest> configMaps;
  std::vector<GatewayManifest> gateways;
  std::vector<GatewayConfigManifest> gatewayConfigs;
};

}  // namespace switchyard::config::detail
