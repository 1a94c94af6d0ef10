// AIServiceBackend (schema and the Backend it points at) and Backend (endpoints, and the HTTP it
// speaks: spec.appProtocols, spec.tls.alpnProtocols).

#include "config/parsers.hpp"

namespace switchyard::config::detail {

void parseServiceBackend(const Field& spec, ObjectMeta meta, Manifests& out) {
  if (!spec.map(true)) return;
  ServiceBackendManifest backend;
  backend.meta = std::move(meta);
  const auto schema = spec["schema"];
  if (!schema.map(true)) return;
  const auto name = schema["name"].str(true);
  backend.schemaWhere = schema["name"].where();
  backend.prefix = schema["prefix"].str().value_or("");
  backend.version = schema["version"].str().value_or("");
  backend.mutations = parseMutations(spec);
  // kind and group default to Backend / gateway.envoyproxy.io: the only target switchyard serves.
  auto ref = readRef(spec["backendRef"], backend.meta, "Backend", "gateway.envoyproxy.io");
  if (!name || !ref) return;
  backend.schemaName = *name;
  backend.backendRef = std::move(*ref);
  if (backend.backendRef.kind != "Backend" || backend.backendRef.group != "gateway.envoyproxy.io") {
    spec["backendRef"].error(
        "backendRef must reference a Backend (kind Backend, group "
        "gateway.envoyproxy.io), got kind " +
        backend.backendRef.kind + " group \"" + backend.backendRef.group + "\"");
    return;
  }
  out.serviceBackends.push_back(std::move(backend));
}

namespace {

std::optional<Endpoint> parseEndpoint(const Field& field) {
  if (!field.map(true)) return std::nullopt;
  const bool fqdn = field["fqdn"].present();
  const bool ip = field["ip"].present();
  if (fqdn == ip) {
    field.error(fqdn ? "an endpoint has either fqdn or ip, not both"
                     : "endpoint needs fqdn{hostname, port} or ip{address, port} (unix sockets "
                       "are not supported)");
    return std::nullopt;
  }
  const auto address = fqdn ? field["fqdn"] : field["ip"];
  if (!address.map(true)) return std::nullopt;
  const auto host = address[fqdn ? "hostname" : "address"].str(true);
  const auto port = address["port"].integer(true);
  if (!host || !port) return std::nullopt;
  if (*port < 1 || *port > 65535) {
    address["port"].error("port must be between 1 and 65535");
    return std::nullopt;
  }
  if (host->empty()) {
    address[fqdn ? "hostname" : "address"].error("must not be empty");
    return std::nullopt;
  }
  return Endpoint{*host, static_cast<std::uint16_t>(*port)};
}

}  // namespace

namespace {

constexpr std::string_view kH2c = "gateway.envoyproxy.io/h2c";

// spec.appProtocols (Envoy Gateway's values): h2c means HTTP/2 with prior knowledge; WebSocket
// ones say nothing about the HTTP the gateway speaks, so they are only noted.
void parseAppProtocols(const Field& spec, BackendManifest& backend) {
  for (const auto& item : spec["appProtocols"].list()) {
    const auto value = item.str(true);
    if (!value) continue;
    if (*value == kH2c) {
      backend.h2c = true;
      backend.h2cWhere = item.where();
    } else if (*value == "gateway.envoyproxy.io/ws" || *value == "gateway.envoyproxy.io/wss") {
      item.warning(*value + ": switchyard proxies no WebSocket traffic; ignored");
    } else {
      item.error("unknown app protocol \"" + *value +
                 "\" (supported: gateway.envoyproxy.io/h2c, gateway.envoyproxy.io/ws, "
                 "gateway.envoyproxy.io/wss)");
    }
  }
}

// spec.tls.alpnProtocols: what ALPN offers a TLS backend. Without h2 the backend gets HTTP/1.1.
// The other spec.tls fields (trust, SNI) come from BackendTLSPolicy here.
void parseBackendTls(const Field& spec, BackendManifest& backend) {
  const auto tls = spec["tls"];
  if (!tls.map()) return;
  for (const auto& [key, value] : tls.entries()) {
    if (key != "alpnProtocols")
      value.warning("not read by switchyard: a Backend's TLS is set by BackendTLSPolicy");
  }
  const auto alpn = tls["alpnProtocols"];
  if (!alpn.present()) return;
  bool h2 = false;
  for (const auto& item : alpn.list(true)) {
    const auto value = item.str(true);
    if (!value) continue;
    if (*value == "h2")
      h2 = true;
    else if (*value != "http/1.1" && *value != "http/1.0")
      item.error("unknown value \"" + *value + "\" (supported: h2, http/1.1, http/1.0)");
  }
  backend.alpnOffersH2 = h2;
  backend.alpnWhere = alpn.where();
}

}  // namespace

void parseBackend(const Field& spec, ObjectMeta meta, Manifests& out) {
  if (!spec.map(true)) return;
  BackendManifest backend;
  backend.meta = std::move(meta);
  parseAppProtocols(spec, backend);
  parseBackendTls(spec, backend);
  const auto endpoints = spec["endpoints"].list(true);
  if (spec["endpoints"].present() && endpoints.empty()) {
    spec["endpoints"].error("at least one endpoint is required");
  }
  for (const auto& endpoint : endpoints) {
    if (auto parsed = parseEndpoint(endpoint)) backend.endpoints.push_back(std::move(*parsed));
  }
  // Kept even when an endpoint is wrong (already an Error), so referrers do not report it missing.
  out.backends.push_back(std::move(backend));
}

}  // namespace switchyard::config::detail
