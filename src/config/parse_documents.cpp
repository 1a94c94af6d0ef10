#include <map>

#include "config/parsers.hpp"

namespace switchyard::config::detail {

namespace {

enum class KindId {
  Route,
  ServiceBackend,
  SecurityPolicy,
  ClientAuthPolicy,
  Backend,
  TrafficPolicy,
  ClientPolicy,
  EnvoyProxy,
  TlsPolicy,
  Gateway,
  GatewayConfig,
  GatewayClass,
  Secret,
  ConfigMap
};

struct KindInfo {
  std::string_view kind;
  std::string_view group;                  // "" = core
  std::vector<std::string_view> versions;  // empty = any version of the group
  KindId id;
};

const std::vector<KindInfo>& servedKinds() {
  static const std::vector<KindInfo> kinds = {
      {"AIGatewayRoute", "aigateway.envoyproxy.io", {"v1alpha1", "v1beta1"}, KindId::Route},
      {"AIServiceBackend",
       "aigateway.envoyproxy.io",
       {"v1alpha1", "v1beta1"},
       KindId::ServiceBackend},
      {"BackendSecurityPolicy",
       "aigateway.envoyproxy.io",
       {"v1alpha1", "v1beta1"},
       KindId::SecurityPolicy},
      {"GatewayConfig", "aigateway.envoyproxy.io", {"v1alpha1", "v1beta1"}, KindId::GatewayConfig},
      {"Backend", "gateway.envoyproxy.io", {"v1alpha1"}, KindId::Backend},
      {"BackendTrafficPolicy", "gateway.envoyproxy.io", {"v1alpha1"}, KindId::TrafficPolicy},
      {"SecurityPolicy", "gateway.envoyproxy.io", {"v1alpha1"}, KindId::ClientAuthPolicy},
      {"ClientTrafficPolicy", "gateway.envoyproxy.io", {"v1alpha1"}, KindId::ClientPolicy},
      {"EnvoyProxy", "gateway.envoyproxy.io", {"v1alpha1"}, KindId::EnvoyProxy},
      {"BackendTLSPolicy", "gateway.networking.k8s.io", {"v1alpha3", "v1"}, KindId::TlsPolicy},
      {"Gateway", "gateway.networking.k8s.io", {}, KindId::Gateway},
      {"GatewayClass", "gateway.networking.k8s.io", {}, KindId::GatewayClass},
      {"Secret", "", {"v1"}, KindId::Secret},
      {"ConfigMap", "", {"v1"}, KindId::ConfigMap},
  };
  return kinds;
}

std::string joined(const std::vector<std::string_view>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

}  // namespace

Manifests parseDocuments(const std::vector<SourceDocument>& documents,
                         std::vector<Diagnostic>& diagnostics) {
  Manifests out;
  std::map<std::string, Location> seen;  // kind/namespace/name → first definition
  std::size_t order = 0;
  for (const auto& doc : documents) {
    const auto slash = doc.apiVersion.rfind('/');
    const std::string group = slash == std::string::npos ? "" : doc.apiVersion.substr(0, slash);
    const std::string version =
        slash == std::string::npos ? doc.apiVersion : doc.apiVersion.substr(slash + 1);

    ObjectMeta meta;
    meta.ns = doc.ns;
    meta.name = doc.name;
    meta.where = Location{doc.file, doc.line, doc.kind, meta.key(), ""};
    meta.order = order++;
    ObjectContext context{doc.file, doc.kind, meta.key(), &diagnostics};

    const KindInfo* info = nullptr;
    for (const auto& k : servedKinds()) {
      if (k.kind == doc.kind && k.group == group) info = &k;
    }
    if (!info) {
      context.report(
          Severity::Warning, doc.line, "",
          "kind " + doc.kind + " (" + doc.apiVersion + ") not served by switchyard; skipped");
      continue;
    }
    if (!info->versions.empty() &&
        std::find(info->versions.begin(), info->versions.end(), version) == info->versions.end()) {
      context.report(Severity::Error, doc.line, "apiVersion",
                     "apiVersion " + doc.apiVersion + " not supported for " + doc.kind +
                         " (supported versions: " + joined(info->versions) + ")");
      continue;
    }
    const Field root(doc.root, "", doc.line, &context);
    const std::string identity = doc.kind + "/" + meta.key();
    if (const auto [it, inserted] = seen.emplace(identity, meta.where); !inserted) {
      context.report(Severity::Error, root["metadata"]["name"].line(), "metadata.name",
                     "duplicate " + doc.kind + " " + meta.key() + " (first defined at " +
                         it->second.file + ":" + std::to_string(it->second.line) + ")");
      continue;
    }

    const Field spec = root["spec"];
    switch (info->id) {
      case KindId::Route:
        parseRoute(spec, meta, out);
        break;
      case KindId::ServiceBackend:
        parseServiceBackend(spec, meta, out);
        break;
      case KindId::SecurityPolicy:
        parseSecurityPolicy(spec, meta, out);
        break;
      case KindId::ClientAuthPolicy:
        parseClientAuthPolicy(spec, meta, out);
        break;
      case KindId::Backend:
        parseBackend(spec, meta, out);
        break;
      case KindId::TrafficPolicy:
        parseTrafficPolicy(root, meta, out);
        break;
      case KindId::ClientPolicy:
        parseClientPolicy(spec, meta, out);
        break;
      case KindId::TlsPolicy:
        parseTlsPolicy(spec, meta, out);
        break;
      case KindId::Secret:
        parseSecret(root, meta, out);
        break;
      case KindId::ConfigMap:
        parseConfigMap(root, meta, out);
        break;
      case KindId::Gateway:
        parseGateway(root, meta, out);
        break;
      case KindId::GatewayConfig:
        parseGatewayConfig(spec, meta, out);
        break;
      case KindId::GatewayClass:
      case KindId::EnvoyProxy:
        break;  // accepted; nothing in them maps to the process
    }
  }
  return out;
}

std::optional<ObjectRef> readRef(const Field& field, const ObjectMeta& referrer,
                                 std::string defaultKind, std::string defaultGroup) {
  if (!field.map(true)) return std::nullopt;
  ObjectRef ref;
  ref.where = field.where();
  const auto name = field["name"].str(true);
  if (!name) return std::nullopt;
  ref.name = *name;
  ref.kind = field["kind"].str().value_or(defaultKind);
  ref.group = field["group"].str().value_or(defaultGroup);
  const auto ns = field["namespace"].str();
  ref.ns = ns && !ns->empty() ? *ns : referrer.ns;
  return ref;
}

std::vector<ObjectRef> readTargetRefs(const Field& spec, const ObjectMeta& referrer,
                                      bool allowSingle) {
  std::vector<ObjectRef> refs;
  for (const auto& item : spec["targetRefs"].list()) {
    if (auto ref = readRef(item, referrer)) refs.push_back(std::move(*ref));
  }
  if (allowSingle && spec["targetRef"].present()) {
    if (auto ref = readRef(spec["targetRef"], referrer)) refs.push_back(std::move(*ref));
  }
  return refs;
}

}  // namespace switchyard::config::detail
