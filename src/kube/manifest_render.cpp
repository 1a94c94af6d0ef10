#include "kube/manifest_render.hpp"

#include <boost/json/serialize.hpp>

namespace switchyard::kube {

namespace json = boost::json;

namespace {

const json::value* at(const json::value* v, std::string_view key) {
  if (!v || !v->is_object()) return nullptr;
  return v->get_object().if_contains(key);
}

std::string str(const json::value* v, std::string fallback = {}) {
  return v && v->is_string() ? std::string(v->get_string()) : fallback;
}

// A {name, namespace, kind} reference to data, if it names one of `kinds`.
void addRef(const json::value* ref, const std::string& policyNs, const std::string& defaultKind,
            std::set<ObjectKey>& out) {
  if (!ref || !ref->is_object()) return;
  const auto name = str(at(ref, "name"));
  if (name.empty()) return;
  const auto kind = str(at(ref, "kind"), defaultKind);
  if (kind != "Secret" && kind != "ConfigMap") return;
  const auto ns = str(at(ref, "namespace"));
  out.insert(ObjectKey{kind, ns.empty() ? policyNs : ns, name});
}

bool attachedTo(const json::object& route, const GatewayRef& gateway) {
  const std::string routeNs = str(at(route.if_contains("metadata"), "namespace"));
  const auto* refs = at(route.if_contains("spec"), "parentRefs");
  if (!refs || !refs->is_array()) return false;
  for (const auto& ref : refs->get_array()) {
    if (str(at(&ref, "kind"), "Gateway") != "Gateway") continue;
    if (str(at(&ref, "group"), "gateway.networking.k8s.io") != "gateway.networking.k8s.io")
      continue;
    if (str(at(&ref, "name")) == gateway.name &&
        str(at(&ref, "namespace"), routeNs) == gateway.ns) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::set<ObjectKey> referencedData(const ObjectStore& store) {
  std::set<ObjectKey> out;
  for (const auto& [key, object] : store.objects()) {
    const auto* spec = object.if_contains("spec");
    if (key.kind == "BackendSecurityPolicy") {
      addRef(at(at(at(spec, "gcpCredentials"), "credentialsFile"), "secretRef"), key.ns, "Secret",
             out);
      addRef(at(at(spec, "apiKey"), "secretRef"), key.ns, "Secret", out);
    } else if (key.kind == "BackendTLSPolicy") {
      const auto* refs = at(at(spec, "validation"), "caCertificateRefs");
      if (refs && refs->is_array()) {
        for (const auto& ref : refs->get_array()) addRef(&ref, key.ns, "ConfigMap", out);
      }
    } else if (key.kind == "Gateway") {
      // An HTTPS listener's certificate Secrets (the listener's TLS).
      const auto* listeners = at(spec, "listeners");
      if (!listeners || !listeners->is_array()) continue;
      for (const auto& listener : listeners->get_array()) {
        const auto* refs = at(at(&listener, "tls"), "certificateRefs");
        if (!refs || !refs->is_array()) continue;
        for (const auto& ref : refs->get_array()) addRef(&ref, key.ns, "Secret", out);
      }
    }
  }
  return out;
}

std::vector<config::ManifestText> renderManifests(const ObjectStore& store,
                                                  const RenderOptions& options) {
  std::vector<config::ManifestText> out;
  for (const auto& [key, object] : store.objects()) {
    if (options.gateway) {
      if (key.kind == "AIGatewayRoute" && !attachedTo(object, *options.gateway)) continue;
      if (key.kind == "Gateway" &&
          (key.ns != options.gateway->ns || key.name != options.gateway->name)) {
        continue;
      }
    }
    out.push_back(config::ManifestText{"kubernetes " + key.kind + " " + key.ns + "/" + key.name,
                                       json::serialize(object)});
  }
  return out;
}

config::LoadResult loadFromStore(const ObjectStore& store, const RenderOptions& options) {
  config::LoadOptions load;
  load.texts = renderManifests(store, options);
  load.getenv = [](std::string_view) { return std::optional<std::string>(); };
  return config::loadSnapshot(load);
}

std::optional<GatewayRef> parseGatewayRef(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size() ||
      text.find('/', slash + 1) != std::string::npos) {
    return std::nullopt;
  }
  return GatewayRef{text.substr(0, slash), text.substr(slash + 1)};
}

}  // namespace switchyard::kube
