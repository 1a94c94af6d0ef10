#include "route_manifests.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>

namespace switchyard::bench {

namespace json = boost::json;

namespace {

constexpr int kSharedBackends = 4;

std::string numbered(int index) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%04d", index);
  return digits;
}

json::object object(std::string_view apiVersion, std::string_view kind, const std::string& name) {
  return {{"apiVersion", apiVersion},
          {"kind", kind},
          {"metadata", {{"name", name}, {"namespace", "default"}}}};
}

json::object route(const RouteSetShape& shape, int index, const std::string& backend) {
  const std::string id = numbered(index);
  json::object header =
      isRegexRoute(shape, index)
          ? json::object{{"type", "RegularExpression"},
                         {"name", "x-ai-eg-model"},
                         {"value", "family-" + id + "-[a-z]+(-v[0-9]+)?"}}
          : json::object{{"type", "Exact"}, {"name", "x-ai-eg-model"}, {"value", "model-" + id}};
  json::object rule{{"matches", json::array{json::object{{"headers", json::array{header}}}}},
                    {"backendRefs", json::array{json::object{{"name", backend}}}}};
  auto out = object("aigateway.envoyproxy.io/v1beta1", "AIGatewayRoute", "route-" + id);
  out["spec"] = json::object{{"rules", json::array{rule}}};
  return out;
}

void addBackend(std::vector<json::object>& out, const std::string& name, bool withKey) {
  auto service = object("aigateway.envoyproxy.io/v1beta1", "AIServiceBackend", name);
  service["spec"] = {{"schema", {{"name", "OpenAI"}}}, {"backendRef", {{"name", name}}}};
  out.push_back(std::move(service));
  auto backend = object("gateway.envoyproxy.io/v1alpha1", "Backend", name);
  json::object fqdn{{"hostname", name + ".example.internal"}, {"port", 443}};
  backend["spec"] = {{"endpoints", json::array{json::object{{"fqdn", fqdn}}}}};
  out.push_back(std::move(backend));
  if (!withKey) return;
  auto policy = object("aigateway.envoyproxy.io/v1alpha1", "BackendSecurityPolicy", name + "-key");
  json::object target{
      {"group", "aigateway.envoyproxy.io"}, {"kind", "AIServiceBackend"}, {"name", name}};
  policy["spec"] = {{"targetRefs", json::array{target}},
                    {"type", "APIKey"},
                    {"apiKey", {{"secretRef", {{"name", name + "-key"}}}}}};
  out.push_back(std::move(policy));
  auto secret = object("v1", "Secret", name + "-key");
  secret["stringData"] = {{"apiKey", "sk-" + name}};
  out.push_back(std::move(secret));
}

std::vector<json::object> objects(const RouteSetShape& shape) {
  std::vector<json::object> out;
  for (int i = 0; i < shape.routes; ++i) {
    const std::string backend = shape.backendPerRoute
                                    ? "backend-" + numbered(i)
                                    : "shared-" + std::to_string(i % kSharedBackends);
    out.push_back(route(shape, i, backend));
    if (shape.backendPerRoute) addBackend(out, backend, true);
  }
  if (!shape.backendPerRoute) {
    for (int b = 0; b < kSharedBackends; ++b) addBackend(out, "shared-" + std::to_string(b), false);
  }
  return out;
}

// Block-style YAML of a JSON value; strings double-quoted (a JSON string is a YAML one).
void appendYaml(std::string& out, const json::value& value, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (value.is_object()) {
    for (const auto& [key, member] : value.get_object()) {
      out += pad + std::string(key) + ":";
      if (member.is_structured()) {
        out += "\n";
        appendYaml(out, member, indent + 2);
      } else {
        out += " " + json::serialize(member) + "\n";
      }
    }
  } else if (value.is_array()) {
    for (const auto& item : value.get_array()) {
      // "- " then the item's first line; its other lines indented under it.
      std::string nested;
      appendYaml(nested, item, indent + 2);
      out += pad + "- " + nested.substr(static_cast<std::size_t>(indent) + 2);
    }
  } else {
    out += pad + json::serialize(value) + "\n";
  }
}

}  // namespace

bool isRegexRoute(const RouteSetShape& shape, int index) {
  return shape.regexEveryTenth && index % 10 == 5;
}

std::string modelOfRoute(const RouteSetShape& shape, int index) {
  return isRegexRoute(shape, index) ? "family-" + numbered(index) + "-pro"
                                    : "model-" + numbered(index);
}

std::vector<config::ManifestText> routesAsYamlFile(const RouteSetShape& shape) {
  std::string text;
  for (const auto& object : objects(shape)) {
    text += "---\n";
    appendYaml(text, object, 0);
  }
  return {{"routes.yaml", std::move(text)}};
}

std::vector<config::ManifestText> routesAsApiObjects(const RouteSetShape& shape) {
  std::vector<config::ManifestText> out;
  int serial = 0;
  for (auto& object : objects(shape)) {
    auto& meta = object["metadata"].as_object();
    // What the API server adds (the Kubernetes source drops managedFields and status).
    meta["uid"] = "3f1c2d4e-0000-4000-8000-" + std::to_string(100000000000 + serial);
    meta["resourceVersion"] = std::to_string(1000 + serial);
    meta["generation"] = 1;
    meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
    ++serial;
    out.push_back({"kubernetes " + std::string(object["kind"].as_string()) + " default/" +
                       std::string(meta["name"].as_string()),
                   json::serialize(object)});
  }
  return out;
}

}  // namespace switchyard::bench
