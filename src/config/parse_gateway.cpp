// Gateway (gateway.networking.k8s.io): spec.listeners[] (HTTP, and HTTPS terminated with
// certificates from Secrets) and the annotation that names its GatewayConfig.

#include "config/parsers.hpp"

namespace switchyard::config::detail {

namespace {

constexpr std::string_view kGatewayConfigAnnotation = "aigateway.envoyproxy.io/gateway-config";

// tls of an HTTPS listener: mode Terminate (the default) and at least one certificate Secret.
bool parseListenerTls(const Field& tls, const ObjectMeta& gateway, GatewayListenerEntry& listener) {
  if (!tls.present()) {
    tls.error("an HTTPS listener needs tls.certificateRefs[] (a Secret with tls.crt and tls.key)");
    return false;
  }
  if (!tls.map(true)) return false;
  if (const auto mode = tls["mode"].str(); mode && *mode != "Terminate") {
    tls["mode"].error("mode " + *mode +
                      " is not supported: switchyard terminates TLS itself (mode: Terminate)");
    return false;
  }
  const auto refs = tls["certificateRefs"].list(true);
  if (refs.empty()) {
    if (tls["certificateRefs"].present()) tls["certificateRefs"].error("needs one Secret");
    return false;
  }
  for (const auto& item : refs) {
    auto ref = readRef(item, gateway, "Secret", "");
    if (!ref) return false;
    if (ref->kind != "Secret" || !ref->group.empty()) {
      item.error("certificateRefs must reference a Secret (kind Secret, core group), got kind " +
                 ref->kind + " group \"" + ref->group + "\"");
      return false;
    }
    listener.certificates.push_back(std::move(*ref));
  }
  return true;
}

std::optional<GatewayListenerEntry> parseListener(const Field& item, const ObjectMeta& gateway) {
  if (!item.map(true)) return std::nullopt;
  GatewayListenerEntry listener;
  listener.where = item.where();
  listener.name = item["name"].str().value_or("");
  listener.hostname = item["hostname"].str().value_or("");
  const auto protocol = item["protocol"].str(true);
  const auto port = item["port"].integer();
  if (!protocol) return std::nullopt;
  if (port && (*port < 1 || *port > 65535)) {
    item["port"].error("port must be between 1 and 65535");
    return std::nullopt;
  }
  listener.port = port.value_or(0);
  listener.protocol = *protocol;
  if (listener.protocol == "HTTP") {
    if (item["tls"].present())
      item["tls"].warning("tls is only read on an HTTPS listener; ignored");
    return listener;
  }
  if (listener.protocol != "HTTPS") {
    item["protocol"].warning("protocol " + listener.protocol +
                             " is not served (HTTP or HTTPS); this listener is skipped");
    return std::nullopt;
  }
  if (!parseListenerTls(item["tls"], gateway, listener)) return std::nullopt;
  return listener;
}

}  // namespace

void parseGateway(const Field& doc, ObjectMeta meta, Manifests& out) {
  GatewayManifest gateway;
  gateway.meta = std::move(meta);
  const auto annotations = doc["metadata"]["annotations"];
  if (annotations.map()) {
    for (const auto& [key, value] : annotations.entries()) {
      if (key != kGatewayConfigAnnotation) continue;
      const auto name = value.str();
      if (!name) continue;
      if (name->empty()) {
        value.error("names no GatewayConfig (empty value)");
        continue;
      }
      gateway.gatewayConfig = *name;
      gateway.gatewayConfigWhere = value.where();
    }
  }
  const auto spec = doc["spec"];
  if (spec.map()) {
    for (const auto& item : spec["listeners"].list()) {
      if (auto listener = parseListener(item, gateway.meta))
        gateway.listeners.push_back(std::move(*listener));
    }
  }
  out.gateways.push_back(std::move(gateway));
}

}  // namespace switchyard::config::detail
