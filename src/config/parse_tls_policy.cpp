// BackendTLSPolicy: the Backends it covers, the name to verify and the trust anchors.

#include "config/parsers.hpp"

namespace switchyard::config::detail {

void parseTlsPolicy(const Field& spec, ObjectMeta meta, Manifests& out) {
  if (!spec.map(true)) return;
  TlsPolicyManifest policy;
  policy.meta = std::move(meta);
  spec["targetRefs"].list(true);  // reports a missing list
  policy.targets = readTargetRefs(spec, policy.meta, false);
  const auto validation = spec["validation"];
  if (!validation.map(true)) return;
  const auto hostname = validation["hostname"].str(true);
  if (!hostname) return;
  if (hostname->empty()) {
    validation["hostname"].error("must not be empty");
    return;
  }
  policy.hostname = *hostname;
  if (const auto wellKnown = validation["wellKnownCACertificates"].str()) {
    if (*wellKnown != "System") {
      validation["wellKnownCACertificates"].error("unknown value \"" + *wellKnown +
                                                  "\" (supported: System)");
      return;
    }
    policy.systemTrust = true;
  }
  for (const auto& item : validation["caCertificateRefs"].list()) {
    auto ref = readRef(item, policy.meta, "ConfigMap", "");
    if (!ref) return;
    if (ref->kind != "ConfigMap" && ref->kind != "Secret") {
      item["kind"].error("caCertificateRefs must reference a ConfigMap or a Secret, got " +
                         ref->kind);
      return;
    }
    policy.caRefs.push_back(std::move(*ref));
  }
  if (policy.systemTrust == !policy.caRefs.empty()) {
    validation.error(policy.systemTrust
                         ? "give either wellKnownCACertificates or caCertificateRefs, not both"
                         : "wellKnownCACertificates: System or caCertificateRefs[] is required");
    return;
  }
  out.tlsPolicies.push_back(std::move(policy));
}

}  // namespace switchyard::config::detail
