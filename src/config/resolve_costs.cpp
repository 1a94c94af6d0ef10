// llmRequestCosts: each route's own entries over the globalLLMRequestCosts of the GatewayConfig its
// Gateway names (annotation aigateway.envoyproxy.io/gateway-config, same namespace).

#include <set>

#include "config/resolver.hpp"

namespace switchyard::config::detail {

namespace {

// The GatewayConfig a Gateway names, or null when it names none or one that does not exist.
const GatewayConfigManifest* configOf(const ResolveState& state, const GatewayManifest& gateway) {
  if (gateway.gatewayConfig.empty()) return nullptr;
  const std::string key = gateway.meta.ns + "/" + gateway.gatewayConfig;
  for (const auto& config : state.manifests.gatewayConfigs)
    if (config.meta.key() == key) return &config;
  return nullptr;
}

}  // namespace

void resolveCosts(ResolveState& state, std::vector<Route>& routes) {
  std::set<std::string> named;  // GatewayConfigs some Gateway names
  for (const auto& gateway : state.manifests.gateways) {
    if (gateway.gatewayConfig.empty()) continue;
    if (const auto* config = configOf(state, gateway)) {
      named.insert(config->meta.key());
    } else {
      state.report(Severity::Warning, gateway.gatewayConfigWhere,
                   "GatewayConfig " + gateway.meta.ns + "/" + gateway.gatewayConfig +
                       " not found (it must be in the Gateway's namespace); routes of this "
                       "Gateway get no global llmRequestCosts");
    }
  }
  for (const auto& config : state.manifests.gatewayConfigs) {
    if (!config.costs.empty() && !named.contains(config.meta.key())) {
      state.report(Severity::Warning, config.meta.where,
                   "no Gateway names this GatewayConfig (annotation "
                   "aigateway.envoyproxy.io/gateway-config); its globalLLMRequestCosts apply to "
                   "no route");
    }
  }

  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto& manifest = state.manifests.routes[i];
    auto& route = routes[i];
    const GatewayConfigManifest* chosen = nullptr;
    for (const auto* gateway : attachedGateways(state, manifest)) {
      const auto* config = configOf(state, *gateway);
      if (!config) continue;
      if (!chosen) {
        chosen = config;
      } else if (config != chosen) {
        state.report(Severity::Warning, manifest.meta.where,
                     "attached to Gateways that name different GatewayConfigs (" +
                         chosen->meta.key() + ", " + config->meta.key() +
                         "); the global costs of " + chosen->meta.key() + " apply");
        break;
      }
    }
    route.costs = manifest.costs;
    if (!chosen) continue;
    route.gatewayConfig = chosen->meta.key();
    std::set<std::string> own;
    for (const auto& cost : manifest.costs) own.insert(cost.metadataKey);
    for (const auto& cost : chosen->costs)
      if (!own.contains(cost.metadataKey)) route.costs.push_back(cost);
  }
}

}  // namespace switchyard::config::detail
