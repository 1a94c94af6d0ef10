// BackendTrafficPolicy rateLimit → the rules each route enforces. A policy that targets the
// route's HTTPRoute wins over one that targets its Gateway (Envoy Gateway's precedence); among
// policies of the same level the first in file order wins. Missing targets were reported with the
// retry policies (resolver.cpp), so they are skipped here without a second Warning.

#include <map>

#include "config/resolver.hpp"

namespace switchyard::config::detail {

namespace {

// Index of the route's effective cost under `key`, if any.
std::optional<std::size_t> costIndex(const Route& route, const std::string& key) {
  for (std::size_t i = 0; i < route.costs.size(); ++i)
    if (route.costs[i].metadataKey == key) return i;
  return std::nullopt;
}

}  // namespace

void resolveRateLimits(ResolveState& state, std::vector<Route>& routes) {
  const auto& manifests = state.manifests;
  std::map<std::string, std::size_t> routeIndex;
  for (std::size_t i = 0; i < routes.size(); ++i) routeIndex.emplace(routes[i].name, i);

  // The policy whose rules each route takes, by the level it targets.
  std::vector<const TrafficPolicyManifest*> byRoute(routes.size()), byGateway(routes.size());
  for (const auto& policy : manifests.trafficPolicies) {
    if (!policy.rateLimit) continue;
    for (const auto& target : policy.targets) {
      if (target.kind == "HTTPRoute") {
        const auto found = routeIndex.find(target.key());
        if (found == routeIndex.end()) continue;
        auto& claim = byRoute[found->second];
        if (claim && claim != &policy) {
          state.report(Severity::Warning, target.where,
                       "AIGatewayRoute " + target.key() +
                           " already has the rateLimit of BackendTrafficPolicy " +
                           claim->meta.key() + "; this one is ignored for it");
          continue;
        }
        claim = &policy;
      } else if (target.kind == "Gateway") {
        for (std::size_t i = 0; i < routes.size(); ++i) {
          bool attached = false;
          for (const auto* gateway : attachedGateways(state, manifests.routes[i]))
            attached = attached || gateway->meta.key() == target.key();
          if (!attached) continue;
          auto& claim = byGateway[i];
          if (claim && claim != &policy) {
            state.report(Severity::Warning, target.where,
                         "AIGatewayRoute " + routes[i].name +
                             " already gets the Gateway rateLimit of BackendTrafficPolicy " +
                             claim->meta.key() + "; this one is ignored for it");
            continue;
          }
          claim = &policy;
        }
      }
    }
  }

  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto* policy = byRoute[i] ? byRoute[i] : byGateway[i];
    if (!policy) continue;
    auto& route = routes[i];
    for (const auto& entry : *policy->rateLimit) {
      RateLimitRule rule = entry.rule;
      auto& response = rule.responseCost;
      if (response.from == RateLimitRule::ResponseCost::From::Metadata) {
        const auto index = costIndex(route, response.metadataKey);
        if (!index) {
          state.report(Severity::Error, entry.responseKeyWhere,
                       "no llmRequestCosts entry has metadataKey \"" + response.metadataKey +
                           "\" for AIGatewayRoute " + route.name +
                           (route.gatewayConfig.empty()
                                ? std::string()
                                : " (nor the globalLLMRequestCosts of GatewayConfig " +
                                      route.gatewayConfig + ")"));
          continue;
        }
        response.costIndex = *index;
      }
      route.rateLimits.push_back(std::move(rule));
    }
  }
}

}  // namespace switchyard::config::detail
