#pragma once
// Generated routing tables for the routing-at-scale benchmarks (issue #15): N AIGatewayRoutes of
// one rule each, as text for the loader (LoadOptions::texts), so the lookup and the reload are
// measured on manifests a deployment could have.

#include <string>
#include <vector>

#include "config/loader.hpp"

namespace switchyard::bench {

struct RouteSetShape {
  int routes = 1;
  // Every tenth route (index 5, 15, 25, ...) matches x-ai-eg-model with a RegularExpression
  // (`family-NNNN-[a-z]+(-v[0-9]+)?`) instead of Exact `model-NNNN`.
  bool regexEveryTenth = false;
  // true: each route has its own AIServiceBackend, Backend, APIKey BackendSecurityPolicy and
  // Secret; false: every route points at one of four shared AIServiceBackends.
  bool backendPerRoute = false;
};

// One multi-document YAML file in block style, as a person writes it.
std::vector<config::ManifestText> routesAsYamlFile(const RouteSetShape& shape);

// One JSON text per object, as the Kubernetes source hands them to the loader (with the metadata
// the API server adds).
std::vector<config::ManifestText> routesAsApiObjects(const RouteSetShape& shape);

// Whether route `index` of the shape is a regex route.
bool isRegexRoute(const RouteSetShape& shape, int index);

// The model route `index` matches: `model-NNNN`, or for a regex route `family-NNNN-pro`.
std::string modelOfRoute(const RouteSetShape& shape, int index);

}  // namespace switchyard::bench
