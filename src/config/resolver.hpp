#pragma once
// Cross-reference resolution: manifests → Snapshot. The rules are listed in resolver.cpp.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/data_lookup.hpp"
#include "config/manifests.hpp"

namespace switchyard::config::detail {

// Shared by the resolution steps, which run in this order: TLS policies, service backends,
// security policies, routes, costs, traffic policies (retry, then rate limits), client policies.
struct ResolveState {
  ResolveState(const Manifests& m, std::string secretsDir, std::vector<Diagnostic>& d)
      : manifests(m), data(m, std::move(secretsDir)), diagnostics(d) {}

  struct ServiceBackendEntry {
    const ServiceBackendManifest* manifest = nullptr;
    std::shared_ptr<ServiceBackend> backend;  // null when disabled
    std::string disabledReason;
    std::string securityPolicy;  // namespace/name of the policy that took it, for conflicts
  };
  struct TlsEntry {
    TlsValidation validation;
    Location where;
  };

  const Manifests& manifests;
  DataLookup data;
  std::vector<Diagnostic>& diagnostics;
  std::map<std::string, const BackendManifest*> backends;      // namespace/name
  std::map<std::string, TlsEntry> tlsByBackend;                // Backend namespace/name
  std::map<std::string, ServiceBackendEntry> serviceBackends;  // namespace/name, also disabled ones
  std::vector<std::shared_ptr<ServiceBackend>> enabledInOrder;
  std::set<std::string> httpChecked;  // Backends whose protocol settings were checked once

  void report(Severity severity, Location where, std::string message) {
    diagnostics.push_back(Diagnostic{severity, std::move(where), std::move(message)});
  }
};

void resolveTlsPolicies(ResolveState& state);
void resolveServiceBackends(ResolveState& state);
void resolveSecurityPolicies(ResolveState& state);

// The Gateways among the manifests a route is attached to: those its parentRefs name, in that
// order; every Gateway (in file order) when it has no parentRefs.
std::vector<const GatewayManifest*> attachedGateways(const ResolveState& state,
                                                     const RouteManifest& route);

// Route::costs and Route::gatewayConfig of every route; `routes` is parallel to
// state.manifests.routes.
void resolveCosts(ResolveState& state, std::vector<Route>& routes);

// Route::rateLimits of every route (after resolveCosts: response costs name a route's costs).
void resolveRateLimits(ResolveState& state, std::vector<Route>& routes);

// The listener's body limit and TLS (the rules are in resolve_listener.cpp).
void resolveListener(ResolveState& state, ListenerSettings& listener);
// Route::clientAuth of every route and the snapshot's Gateway policy (SecurityPolicy);
// `routeManifests` is parallel to snapshot.routes.
void resolveClientAuth(ResolveState& state, const std::vector<RouteManifest>& routeManifests,
                       Snapshot& snapshot);

// The effective mutations of a backendRef: `routeLevel` merged over `backendLevel`, the route
// level winning on the same header name (any case) or body member, whether it sets or removes.
Mutations mergeMutations(const Mutations& routeLevel, const Mutations& backendLevel);

// Runs every step; the snapshot is returned even when errors were reported (the caller drops it).
std::shared_ptr<Snapshot> resolve(const Manifests& manifests, const std::string& secretsDir,
                                  std::vector<Diagnostic>& diagnostics);

}  // namespace switchyard::config::detail
