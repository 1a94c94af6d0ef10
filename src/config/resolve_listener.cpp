// The process's listener: its body limit, and its TLS from the Gateways' HTTPS listeners.
//
// Switchyard serves one client address (--listen). When a Gateway has an HTTPS listener, that
// address serves TLS, HTTP/2 offered by ALPN; otherwise it serves plaintext. HTTP listeners beside
// an HTTPS one are not served (Warning): a Gateway that asks for TLS never gets plaintext instead.
// The certificates are those of every HTTPS listener (Gateways, listeners and certificateRefs in
// file order, each Secret once): each handshake gets the one whose names match the client's SNI,
// the first one when none does (http/tls_server_context.hpp).
// A ClientTrafficPolicy's spec.tls applies when it targets the Gateway of the first HTTPS listener
// (another is a Warning); its settings apply to every certificate.

#include <algorithm>

#include "config/resolver.hpp"
#include "http/tls_server_context.hpp"

namespace switchyard::config::detail {

namespace {

struct ChosenListener {
  const GatewayManifest* gateway = nullptr;
  const GatewayListenerEntry* listener = nullptr;
  std::vector<const ObjectRef*> certificates;  // of every HTTPS listener, each Secret once
};

http::TlsVersion tlsVersionOf(const std::string& text) {
  if (text == "1.0") return http::TlsVersion::V1_0;
  if (text == "1.1") return http::TlsVersion::V1_1;
  if (text == "1.2") return http::TlsVersion::V1_2;
  if (text == "1.3") return http::TlsVersion::V1_3;
  return http::TlsVersion::Auto;
}

http::AlpnSet alpnSetOf(const std::vector<std::string>& protocols) {
  http::AlpnSet set = 0;
  for (const auto& protocol : protocols) {
    if (protocol == "h2") set |= http::kAlpnH2;
    if (protocol == "http/1.1") set |= http::kAlpnHttp11;
    if (protocol == "http/1.0") set |= http::kAlpnHttp10;
  }
  return set;
}

std::vector<std::string> alpnNames(http::AlpnSet set) {
  std::vector<std::string> names;
  if (set & http::kAlpnH2) names.emplace_back("h2");
  if (set & http::kAlpnHttp11) names.emplace_back("http/1.1");
  if (set & http::kAlpnHttp10) names.emplace_back("http/1.0");
  return names;
}

bool targetsGateway(const ClientPolicyManifest& policy, const GatewayManifest& gateway) {
  return std::any_of(policy.targets.begin(), policy.targets.end(), [&](const ObjectRef& ref) {
    return ref.kind == "Gateway" && ref.key() == gateway.meta.key();
  });
}

ChosenListener chooseHttpsListener(ResolveState& state) {
  ChosenListener chosen;
  for (const auto& gateway : state.manifests.gateways) {
    for (const auto& listener : gateway.listeners) {
      if (listener.protocol != "HTTPS") continue;
      if (!chosen.listener) {
        chosen.gateway = &gateway;
        chosen.listener = &listener;
      }
      for (const auto& ref : listener.certificates) {
        const bool seen =
            std::any_of(chosen.certificates.begin(), chosen.certificates.end(),
                        [&](const ObjectRef* other) { return other->key() == ref.key(); });
        if (!seen) chosen.certificates.push_back(&ref);
      }
    }
  }
  return chosen;
}

// The ClientTrafficPolicy whose spec.tls applies to `gateway`, if any.
const ClientPolicyManifest* clientTlsPolicy(ResolveState& state, const GatewayManifest* gateway) {
  const ClientPolicyManifest* found = nullptr;
  for (const auto& policy : state.manifests.clientPolicies) {
    if (!policy.tls) continue;
    if (!gateway) {
      state.report(Severity::Warning, policy.tls->where,
                   "no Gateway has an HTTPS listener, so the listener serves plaintext; ignored");
      continue;
    }
    if (!targetsGateway(policy, *gateway)) continue;
    if (found) {
      state.report(Severity::Warning, policy.tls->where,
                   "the listener's TLS settings come from ClientTrafficPolicy " +
                       found->meta.key() + "; ignored");
      continue;
    }
    found = &policy;
  }
  return found;
}

std::optional<ListenerTls> resolveTls(ResolveState& state) {
  const ChosenListener chosen = chooseHttpsListener(state);
  const ClientPolicyManifest* policy = clientTlsPolicy(state, chosen.gateway);
  if (!chosen.listener) return std::nullopt;
  for (const auto& gateway : state.manifests.gateways) {
    for (const auto& listener : gateway.listeners) {
      if (listener.protocol != "HTTP") continue;
      state.report(Severity::Warning, listener.where,
                   "not served: switchyard has one client address (--listen), and it serves "
                   "TLS for the HTTPS listener " +
                       chosen.listener->name + " of Gateway " + chosen.gateway->meta.key());
    }
  }
  http::ServerTlsSettings settings;
  ListenerTls tls;
  for (const ObjectRef* ref : chosen.certificates) {
    http::ServerCertificate& certificate = settings.certificates.emplace_back();
    for (auto [key, into] :
         {std::pair{"tls.crt", &certificate.chainPem}, std::pair{"tls.key", &certificate.keyPem}}) {
      auto found = state.data.secret(ref->ns, ref->name, key);
      if (auto* reason = std::get_if<std::string>(&found)) {
        state.report(Severity::Error, ref->where, *reason);
        return std::nullopt;
      }
      *into = std::move(std::get<DataValue>(found).value);
    }
    tls.secrets.push_back(ref->key());
  }
  tls.gateway = chosen.gateway->meta.key();
  tls.listener = chosen.listener->name;
  tls.secret = tls.secrets.front();
  if (policy) {
    const auto& entry = *policy->tls;
    tls.clientPolicy = policy->meta.key();
    settings.minVersion = tlsVersionOf(entry.minVersion);
    settings.maxVersion = tlsVersionOf(entry.maxVersion);
    settings.ciphers = entry.ciphers;
    if (entry.alpnProtocols) settings.alpn = alpnSetOf(*entry.alpnProtocols);
    if (!entry.minVersion.empty()) tls.minVersion = entry.minVersion;
    if (!entry.maxVersion.empty()) tls.maxVersion = entry.maxVersion;
  }
  tls.alpnProtocols = alpnNames(settings.alpn);
  std::size_t bad = 0;
  auto context = http::makeServerTlsContext(settings, &bad);
  if (!context) {
    const auto& message = context.error().message;
    const bool aboutSecret = message.find("tls.crt") != std::string::npos ||
                             message.find("tls.key") != std::string::npos;
    if (aboutSecret || !policy) {
      const ObjectRef& ref = *chosen.certificates[bad];
      state.report(Severity::Error, ref.where, "Secret " + ref.key() + ": " + message);
    } else {
      state.report(Severity::Error, policy->tls->where, message);
    }
    return std::nullopt;
  }
  tls.context = std::move(*context);
  return tls;
}

// The more lenient of two timeouts: zero (off) over any, then the longer.
Millis lenientTimeout(std::optional<Millis> current, Millis candidate) {
  if (!current) return candidate;
  if (current->count() == 0 || candidate.count() == 0) return Millis{0};
  return std::max(*current, candidate);
}

}  // namespace

void resolveListener(ResolveState& state, ListenerSettings& listener) {
  std::optional<std::uint64_t> bodyLimit;
  std::optional<Millis> requestReceived, idle;
  for (const auto& policy : state.manifests.clientPolicies) {
    if (policy.bufferLimit) bodyLimit = std::max(bodyLimit.value_or(0), *policy.bufferLimit);
    if (policy.requestReceivedTimeout)
      requestReceived = lenientTimeout(requestReceived, *policy.requestReceivedTimeout);
    if (policy.idleTimeout) idle = lenientTimeout(idle, *policy.idleTimeout);
  }
  if (bodyLimit) listener.bodyLimitBytes = *bodyLimit;
  if (requestReceived) listener.requestReceivedTimeout = *requestReceived;
  if (idle) listener.idleTimeout = *idle;
  for (const auto& policy : state.manifests.clientPolicies) {  // the tightest limit wins
    if (!policy.connectionLimit) continue;
    auto& limit = listener.connectionLimit;
    limit = limit == 0 ? *policy.connectionLimit : std::min(limit, *policy.connectionLimit);
  }
  listener.tls = resolveTls(state);
}

}  // namespace switchyard::config::detail
