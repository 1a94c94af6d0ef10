#include "route_manifests.hpp"

#include <cstdio>

namespace switchyard::bench {

namespace {

constexpr int kSharedBackends = 4;

std::string numbered(int index) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%04d", index);
  return digits;
}

void appendBackend(std::string& out, const std::string& name, bool withKey) {
  out += "---\napiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIServiceBackend\n";
  out += "metadata: {name: " + name + "}\n";
  out += "spec: {schema: {name: OpenAI}, backendRef: {name: " + name + "}}\n";
  out += "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: Backend\n";
  out += "metadata: {name: " + name + "}\n";
  out += "spec: {endpoints: [{fqdn: {hostname: " + name + ".example.internal, port: 443}}]}\n";
  if (!withKey) return;
  out += "---\napiVersion: aigateway.envoyproxy.io/v1alpha1\nkind: BackendSecurityPolicy\n";
  out += "metadata: {name: " + name + "-key}\n";
  out += "spec:\n  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: " +
         name + "}]\n";
  out += "  type: APIKey\n  apiKey: {secretRef: {name: " + name + "-key}}\n";
  out += "---\napiVersion: v1\nkind: Secret\n";
  out += "metadata: {name: " + name + "-key}\n";
  out += "stringData: {apiKey: sk-" + name + "}\n";
}

}  // namespace

bool isRegexRoute(const RouteSetShape& shape, int index) {
  return shape.regexEveryTenth && index % 10 == 5;
}

std::string modelOfRoute(const RouteSetShape& shape, int index) {
  return isRegexRoute(shape, index) ? "family-" + numbered(index) + "-pro"
                                    : "model-" + numbered(index);
}

std::string generateRoutes(const RouteSetShape& shape) {
  std::string out;
  out.reserve(static_cast<std::size_t>(shape.routes) * (shape.backendPerRoute ? 1100 : 400));
  for (int i = 0; i < shape.routes; ++i) {
    const std::string id = numbered(i);
    const std::string backend =
        shape.backendPerRoute ? "backend-" + id : "shared-" + std::to_string(i % kSharedBackends);
    out += "---\napiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\n";
    out += "metadata: {name: route-" + id + "}\n";
    out += "spec:\n  rules:\n    - matches: [{headers: [{type: ";
    if (isRegexRoute(shape, i)) {
      out += "RegularExpression, name: x-ai-eg-model, value: \"family-" + id +
             "-[a-z]+(-v[0-9]+)?\"}]}]\n";
    } else {
      out += "Exact, name: x-ai-eg-model, value: model-" + id + "}]}]\n";
    }
    out += "      backendRefs: [{name: " + backend + "}]\n";
    if (shape.backendPerRoute) appendBackend(out, backend, true);
  }
  if (!shape.backendPerRoute) {
    for (int b = 0; b < kSharedBackends; ++b)
      appendBackend(out, "shared-" + std::to_string(b), false);
  }
  return out;
}

}  // namespace switchyard::bench
