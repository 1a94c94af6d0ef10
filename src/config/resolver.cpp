// Cross-reference resolution. These are decisions, kept here in one place:
//
// - Objects are keyed by kind + namespace/name (namespace defaults to "default"); a reference
//   resolves in the referrer's namespace unless it names one. A duplicate is an Error (parser).
// - AIServiceBackend with a schema other than GCPVertexAI / OpenAI: Warning, backend disabled (not
//   created). Its backendRef must be a Backend (kind Backend, group gateway.envoyproxy.io; both
//   default to that when omitted); a missing Backend is an Error.
// - AIGatewayRoute backendRef to a missing or disabled AIServiceBackend: Warning, the ref is
//   dropped. A rule left with no backends stays (the router answers 503 for it), with a Warning.
//   A rule without matches matches every request (Gateway API semantics).
// - modelsCreatedAt: RFC 3339 → unix seconds; absent = 0 = unset, and the gateway shows its own
//   start time instead. modelsOwnedBy defaults to "Envoy AI Gateway".
// - BackendSecurityPolicy: targetRefs[] to AIServiceBackends (the single legacy targetRef is not
//   read). GCPCredentials with credentialsFile → service-account key from the Secret's
//   "service_account.json" key, else its first key in sorted order; without credentialsFile →
//   Application Default Credentials. A key that is not service-account JSON is only a Warning
//   (the upstream examples ship "{}"). APIKey → key "apiKey". Other types: Warning, not applied.
//   A second policy on the same AIServiceBackend is an Error; a policy that resolves to no
//   AIServiceBackend is a Warning ("targets nothing"). Missing Secret or key is an Error.
// - Secrets: manifests first (data base64-decoded, invalid base64 = Error, stringData wins over
//   data), else the file DIR/<name>/<key> under --secrets-dir.
// - GCP region vs host: only hosts ending in aiplatform.googleapis.com are checked; the regional
//   host <region>-aiplatform.googleapis.com and the global aiplatform.googleapis.com are accepted,
//   anything else is a Warning.
// - BackendTLSPolicy: targetRefs[] to Backends; System trust → empty caPem; caCertificateRefs →
//   the ca.crt values concatenated; missing ConfigMap/key = Error; a second policy on the same
//   Backend = Error; no target found = Warning. No policy = plaintext.
// - BackendTrafficPolicy: target kind HTTPRoute N → the AIGatewayRoute N in the policy's namespace
//   gets spec.retry; kind Gateway → every route without its own policy gets it. A missing target
//   is a Warning; when two policies reach the same route the first (in file order) wins, Warning.
// - BackendTrafficPolicy rateLimit (resolve_rate_limits.cpp): the rules of one policy apply to a
//   route: the first (file order) that targets its HTTPRoute, else the first that targets a
//   Gateway the route is attached to; another that reaches it is ignored for it, Warning. A
//   route is attached to the Gateways its parentRefs name, or to every Gateway when it has none
//   (a file without parentRefs serves one listener). A response cost from metadata must name a
//   metadataKey of the route's effective costs: otherwise an Error at the policy's key.
// - llmRequestCosts (resolve_costs.cpp): a Gateway names its GatewayConfig with the annotation
//   aigateway.envoyproxy.io/gateway-config (same namespace), as Envoy AI Gateway does; a route
//   takes the globalLLMRequestCosts of the first attached Gateway that names an existing one, and
//   its own entries win on the same metadataKey. A missing GatewayConfig, one no Gateway names,
//   or a route whose Gateways name different ones: Warning.
// - SecurityPolicy (client authentication): resolve_client_auth.cpp lists its rules.
// - ClientTrafficPolicy: connection.bufferLimit → listener body limit, timeout.http
//   requestReceivedTimeout and idleTimeout → the listener's; the most lenient one wins (the
//   largest, and zero, which turns a timeout off), so what any policy admits is admitted;
//   connection.connectionLimit.value → listener connection limit; the smallest one wins.
// - The listener's TLS (resolve_listener.cpp): the first HTTPS Gateway listener's certificate
//   Secret (tls.crt, tls.key) makes --listen serve TLS; ClientTrafficPolicy spec.tls on its
//   Gateway sets versions, ciphers and ALPN. A certificate or key that cannot be used is an Error.
// - headerMutation / bodyMutation: each BackendRef carries the effective set, its own entries
//   merged over its AIServiceBackend's; on the same header name (any case) or body member the
//   route level wins, whether it sets or removes. Removals apply before sets.
// - Secret values never appear in diagnostics (messages name the Secret and key only).

#include "config/resolver.hpp"

#include <algorithm>
#include <set>

namespace switchyard::config::detail {

namespace {

Route resolveRoute(ResolveState& state, const RouteManifest& manifest) {
  Route route;
  route.name = manifest.meta.key();
  for (const auto& ruleManifest : manifest.rules) {
    Rule rule;
    rule.matches = ruleManifest.matches;
    rule.requestTimeout = ruleManifest.requestTimeout;
    rule.streamIdleTimeout = ruleManifest.streamIdleTimeout;
    rule.modelsOwnedBy = ruleManifest.modelsOwnedBy;
    rule.modelsCreatedAt = ruleManifest.modelsCreatedAt;
    rule.where = ruleManifest.where;
    for (const auto& ref : ruleManifest.backendRefs) {
      const std::string key = manifest.meta.ns + "/" + ref.name;
      const auto found = state.serviceBackends.find(key);
      if (found == state.serviceBackends.end()) {
        state.report(
            Severity::Warning, ref.where,
            "backendRef " + ref.name + ": no such AIServiceBackend; this backend is skipped");
        continue;
      }
      if (!found->second.backend) {
        state.report(Severity::Warning, ref.where,
                     "backendRef " + ref.name + ": backend disabled: " +
                         found->second.disabledReason + "; this backend is skipped");
        continue;
      }
      rule.backendRefs.push_back(
          BackendRef{found->second.backend, ref.modelNameOverride, ref.priority, ref.weight,
                     mergeMutations(ref.mutations, found->second.backend->mutations)});
    }
    if (rule.backendRefs.empty()) {
      state.report(Severity::Warning, rule.where,
                   "rule has no usable backend; requests it matches are answered 503");
    }
    route.rules.push_back(std::move(rule));
  }
  return route;
}

void applyTrafficPolicies(ResolveState& state, std::vector<Route>& routes) {
  std::map<std::string, std::size_t> routeIndex;
  for (std::size_t i = 0; i < routes.size(); ++i) routeIndex.emplace(routes[i].name, i);
  std::set<std::string> gateways;
  for (const auto& gateway : state.manifests.gateways) gateways.insert(gateway.meta.key());

  std::vector<std::string> retrySource(routes.size());  // policy that set each route's retry
  std::optional<RetryPolicy> gatewayRetry;
  std::string gatewayRetrySource;

  for (const auto& policy : state.manifests.trafficPolicies) {
    bool any = false;
    for (const auto& target : policy.targets) {
      if (target.kind == "HTTPRoute") {
        const auto found = routeIndex.find(target.key());
        if (found == routeIndex.end()) {
          state.report(Severity::Warning, target.where,
                       "HTTPRoute " + target.key() + ": no AIGatewayRoute of that name; ignored");
          continue;
        }
        any = true;
        if (!policy.retry) continue;
        auto& source = retrySource[found->second];
        if (!source.empty()) {
          state.report(Severity::Warning, target.where,
                       "AIGatewayRoute " + target.key() +
                           " already has the retry policy of "
                           "BackendTrafficPolicy " +
                           source + "; this one is ignored for it");
          continue;
        }
        source = policy.meta.key();
        routes[found->second].retry = policy.retry;
      } else if (target.kind == "Gateway") {
        if (!gateways.contains(target.key())) {
          state.report(Severity::Warning, target.where,
                       "Gateway " + target.key() + " not found; ignored");
          continue;
        }
        any = true;
        if (!policy.retry) continue;
        if (gatewayRetry) {
          state.report(Severity::Warning, target.where,
                       "a Gateway retry policy is already set by BackendTrafficPolicy " +
                           gatewayRetrySource + "; this one is ignored");
          continue;
        }
        gatewayRetry = policy.retry;
        gatewayRetrySource = policy.meta.key();
      } else {
        state.report(Severity::Warning, target.where,
                     "kind " + target.kind + " is not served (HTTPRoute or Gateway); ignored");
      }
    }
    if (!any) state.report(Severity::Warning, policy.meta.where, "targets nothing");
  }
  if (gatewayRetry) {
    for (auto& route : routes) {
      if (!route.retry) route.retry = gatewayRetry;
    }
  }
}

}  // namespace

std::vector<const GatewayManifest*> attachedGateways(const ResolveState& state,
                                                     const RouteManifest& route) {
  std::vector<const GatewayManifest*> out;
  if (route.parentRefs.empty()) {
    for (const auto& gateway : state.manifests.gateways) out.push_back(&gateway);
    return out;
  }
  for (const auto& ref : route.parentRefs) {
    for (const auto& gateway : state.manifests.gateways) {
      if (gateway.meta.key() == ref.key() &&
          std::find(out.begin(), out.end(), &gateway) == out.end()) {
        out.push_back(&gateway);
      }
    }
  }
  return out;
}

std::shared_ptr<Snapshot> resolve(const Manifests& manifests, const std::string& secretsDir,
                                  std::vector<Diagnostic>& diagnostics) {
  ResolveState state(manifests, secretsDir, diagnostics);
  resolveTlsPolicies(state);
  resolveServiceBackends(state);
  resolveSecurityPolicies(state);

  auto snapshot = std::make_shared<Snapshot>();
  for (const auto& route : manifests.routes) snapshot->routes.push_back(resolveRoute(state, route));
  resolveCosts(state, snapshot->routes);
  applyTrafficPolicies(state, snapshot->routes);
  resolveRateLimits(state, snapshot->routes);
  resolveClientAuth(state, manifests.routes, *snapshot);

  resolveListener(state, snapshot->listener);

  snapshot->backends.assign(state.enabledInOrder.begin(), state.enabledInOrder.end());
  return snapshot;
}

}  // namespace switchyard::config::detail
