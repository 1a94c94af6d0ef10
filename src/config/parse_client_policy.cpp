// ClientTrafficPolicy (gateway.envoyproxy.io): the request body limit (connection.bufferLimit), the
// listener's timeouts (timeout.http) and how clients negotiate the listener's TLS (spec.tls).

#include <algorithm>
#include <array>

#include "config/parsers.hpp"

namespace switchyard::config::detail {

namespace {

constexpr std::array<std::string_view, 5> kTlsVersions = {"Auto", "1.0", "1.1", "1.2", "1.3"};
constexpr std::array<std::string_view, 3> kAlpnProtocols = {"h2", "http/1.1", "http/1.0"};

template <std::size_t N>
bool oneOf(const Field& field, const std::string& value,
           const std::array<std::string_view, N>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return true;
  std::string names;
  for (const auto name : allowed) names += (names.empty() ? "" : ", ") + std::string(name);
  field.error("unknown value \"" + value + "\" (supported: " + names + ")");
  return false;
}

std::optional<ClientTlsEntry> parseClientTls(const Field& tls) {
  ClientTlsEntry entry;
  entry.where = tls.where();
  bool ok = true;
  for (const auto* key : {"minVersion", "maxVersion"}) {
    const auto value = tls[key].str();
    if (!value) continue;
    ok = oneOf(tls[key], *value, kTlsVersions) && ok;
    (std::string_view(key) == "minVersion" ? entry.minVersion : entry.maxVersion) = *value;
  }
  for (const auto& item : tls["ciphers"].list()) {
    if (auto cipher = item.str(true)) entry.ciphers.push_back(*cipher);
  }
  if (tls["alpnProtocols"].present()) {
    entry.alpnProtocols.emplace();
    for (const auto& item : tls["alpnProtocols"].list()) {
      const auto protocol = item.str(true);
      if (!protocol) continue;
      ok = oneOf(item, *protocol, kAlpnProtocols) && ok;
      entry.alpnProtocols->push_back(*protocol);
    }
  }
  // Turning client certificates off by ignoring them would let in what the policy keeps out.
  if (tls["clientValidation"].present()) {
    tls["clientValidation"].error(
        "client certificate validation is not supported by switchyard's listener");
    ok = false;
  }
  for (const auto* key : {"ecdhCurves", "signatureAlgorithms", "session"}) {
    if (tls[key].present()) tls[key].warning("not applied by switchyard (OpenSSL's defaults)");
  }
  if (!ok) return std::nullopt;
  return entry;
}

}  // namespace

void parseClientPolicy(const Field& spec, ObjectMeta meta, Manifests& out) {
  if (!spec.map(true)) return;
  ClientPolicyManifest policy;
  policy.meta = std::move(meta);
  policy.targets = readTargetRefs(spec, policy.meta, true);
  if (spec["connection"].map()) policy.bufferLimit = spec["connection"]["bufferLimit"].quantity();
  if (const auto limit = spec["connection"]["connectionLimit"]; limit.map()) {
    const auto value = limit["value"];
    if (const auto n = value.integer(true); n && *n < 1) {
      value.error("must be at least 1");
    } else if (n) {
      policy.connectionLimit = static_cast<std::uint64_t>(*n);
    }
  }
  if (spec["timeout"].map() && spec["timeout"]["http"].map()) {
    const auto http = spec["timeout"]["http"];
    policy.requestReceivedTimeout = http["requestReceivedTimeout"].duration();
    policy.idleTimeout = http["idleTimeout"].duration();
  }
  if (spec["tls"].map()) policy.tls = parseClientTls(spec["tls"]);
  out.clientPolicies.push_back(std::move(policy));
}

}  // namespace switchyard::config::detail
