// SecurityPolicy (client authentication) → the policy each route enforces. Decisions:
// - apiKeyAuth: every key of every credentialRefs Secret is a client (key = client id, value = its
//   API key); a client id seen twice keeps its first key (Envoy Gateway's rule). Keys are kept
//   only as SHA-256 digests. A missing Secret or an empty key is an Error.
// - localJWKS.valueRef: the ConfigMap's key "jwks", else its first key; a bad JWKS is an Error.
// - remoteJWKS: fetched from the URI's host, or from the first endpoint of its backendRefs Backend
//   when one is given; the BackendTLSPolicy targeting that Backend names the CA bundle and the
//   certificate name (validation.hostname). Without one, the system trust store and the URI's
//   host. A missing Backend is an Error.
// - Targets: HTTPRoute N → the AIGatewayRoute N in the policy's namespace; Gateway → every route
//   attached to it without a policy of its own (a route's own policy replaces the Gateway's, it is
//   not merged), and requests no route takes. Two policies on the same target: the first in file
//   order wins, Warning. A target not found is a Warning.

#include <openssl/sha.h>

#include <map>

#include "config/resolver.hpp"

namespace switchyard::config::detail {

namespace {

bool resolveApiKeys(ResolveState& state, const ClientAuthManifest& manifest, ApiKeyAuth& apiKey) {
  bool ok = true;
  for (const auto& ref : manifest.credentialRefs) {
    auto entries = state.data.secretEntries(ref.ns, ref.name);
    if (const auto* why = std::get_if<std::string>(&entries)) {
      state.report(Severity::Error, ref.where, *why);
      ok = false;
      continue;
    }
    for (const auto& [clientId, key] : std::get<0>(entries)) {
      if (key.empty()) {
        state.report(Severity::Error, ref.where,
                     "Secret " + ref.key() + " key \"" + clientId + "\" holds an empty API key");
        ok = false;
        continue;
      }
      const bool seen = std::any_of(apiKey.clients.begin(), apiKey.clients.end(),
                                    [&id = clientId](const auto& c) { return c.clientId == id; });
      if (seen) continue;
      ApiKeyClient client;
      client.clientId = clientId;
      SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), client.digest.data());
      apiKey.clients.push_back(std::move(client));
    }
  }
  if (ok && apiKey.clients.empty()) {
    state.report(Severity::Error, manifest.meta.where,
                 "apiKeyAuth has no API key: its credentialRefs Secrets are empty");
    ok = false;
  }
  return ok;
}

bool resolveProvider(ResolveState& state, const ClientAuthManifest::ProviderRefs& refs,
                     JwtProvider& provider) {
  if (refs.jwksConfigMap) {
    const auto& ref = *refs.jwksConfigMap;
    auto found = state.data.configMap(ref.ns, ref.name, "jwks");
    if (std::holds_alternative<std::string>(found))
      found = state.data.configMap(ref.ns, ref.name, "");
    if (const auto* why = std::get_if<std::string>(&found)) {
      state.report(Severity::Error, ref.where, *why);
      return false;
    }
    const auto& value = std::get<DataValue>(found);
    auto keys = jose::parseJwks(value.value);
    if (!keys) {
      state.report(Severity::Error, ref.where,
                   value.source + " key \"" + value.key + "\": " + keys.error().message);
      return false;
    }
    provider.localKeys = std::make_shared<const jose::KeySet>(std::move(*keys));
  }
  if (provider.remote && refs.remoteBackend) {
    const auto& ref = *refs.remoteBackend;
    const auto backend = state.backends.find(ref.key());
    if (ref.kind != "Backend" || backend == state.backends.end() ||
        backend->second->endpoints.empty()) {
      state.report(Severity::Error, ref.where,
                   ref.kind + " " + ref.key() + ": no Backend with an endpoint of that name");
      return false;
    }
    const auto& endpoint = backend->second->endpoints.front();
    provider.remote->host = endpoint.host;
    provider.remote->port = endpoint.port;
    if (const auto tls = state.tlsByBackend.find(ref.key()); tls != state.tlsByBackend.end()) {
      const auto& validation = tls->second.validation;
      if (!validation.hostname.empty()) provider.remote->serverName = validation.hostname;
      provider.remote->caPem = validation.caPem;
      provider.remote->tlsPolicy = validation.policyName;
    }
  }
  return true;
}

}  // namespace

void resolveClientAuth(ResolveState& state, const std::vector<RouteManifest>& routeManifests,
                       Snapshot& snapshot) {
  std::map<std::string, std::size_t> routeIndex;
  for (std::size_t i = 0; i < snapshot.routes.size(); ++i)
    routeIndex.emplace(snapshot.routes[i].name, i);
  std::map<std::string, std::shared_ptr<const ClientAuthPolicy>> byGateway;  // Gateway ns/name
  std::vector<std::string> routeSource(snapshot.routes.size());

  for (const auto& manifest : state.manifests.clientAuthPolicies) {
    auto policy = std::make_shared<ClientAuthPolicy>(manifest.policy);
    bool ok = true;
    if (policy->apiKey) ok = resolveApiKeys(state, manifest, *policy->apiKey) && ok;
    if (policy->jwt) {
      for (std::size_t i = 0; i < policy->jwt->providers.size(); ++i)
        ok = resolveProvider(state, manifest.providers[i], policy->jwt->providers[i]) && ok;
    }
    if (!ok) continue;  // errors reported: the load fails
    bool any = false;
    for (const auto& target : manifest.targets) {
      if (target.kind == "HTTPRoute") {
        const auto found = routeIndex.find(target.key());
        if (found == routeIndex.end()) {
          state.report(Severity::Warning, target.where,
                       "HTTPRoute " + target.key() + ": no AIGatewayRoute of that name; ignored");
          continue;
        }
        any = true;
        auto& source = routeSource[found->second];
        if (!source.empty()) {
          state.report(Severity::Warning, target.where,
                       "AIGatewayRoute " + target.key() + " already has SecurityPolicy " + source +
                           "; this one is ignored for it");
          continue;
        }
        source = manifest.meta.key();
        snapshot.routes[found->second].clientAuth = policy;
      } else if (target.kind == "Gateway") {
        const bool exists =
            std::any_of(state.manifests.gateways.begin(), state.manifests.gateways.end(),
                        [&](const auto& g) { return g.meta.key() == target.key(); });
        if (!exists) {
          state.report(Severity::Warning, target.where,
                       "Gateway " + target.key() + " not found; ignored");
          continue;
        }
        any = true;
        const auto [it, inserted] = byGateway.emplace(target.key(), policy);
        if (!inserted) {
          state.report(Severity::Warning, target.where,
                       "Gateway " + target.key() + " already has SecurityPolicy " +
                           it->second->name + "; this one is ignored for it");
        } else if (!snapshot.gatewayClientAuth) {
          snapshot.gatewayClientAuth = policy;
        }
      } else {
        state.report(Severity::Warning, target.where,
                     "kind " + target.kind + " is not served (HTTPRoute or Gateway); ignored");
      }
    }
    if (!any) {
      state.report(Severity::Warning, manifest.meta.where, "targets nothing");
      continue;
    }
    snapshot.clientAuthPolicies.push_back(policy);
  }

  // A route without its own policy takes its Gateway's (the first attached one that has one).
  for (std::size_t i = 0; i < snapshot.routes.size() && i < routeManifests.size(); ++i) {
    auto& route = snapshot.routes[i];
    if (route.clientAuth) continue;
    for (const auto* gateway : attachedGateways(state, routeManifests[i])) {
      if (const auto found = byGateway.find(gateway->meta.key()); found != byGateway.end()) {
        route.clientAuth = found->second;
        break;
      }
    }
  }
}

}  // namespace switchyard::config::detail
