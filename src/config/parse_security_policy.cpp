// BackendSecurityPolicy: which AIServiceBackends it covers and where its credential comes from.

#include "config/parsers.hpp"

namespace switchyard::config::detail {

namespace {

std::optional<SecretKeyRef> readSecretRef(const Field& field, const ObjectMeta& referrer,
                                          std::string key) {
  auto ref = readRef(field, referrer, "Secret", "");
  if (!ref) return std::nullopt;
  if (ref->kind != "Secret") {
    field["kind"].error("secretRef must reference a Secret, got " + ref->kind);
    return std::nullopt;
  }
  return SecretKeyRef{std::move(*ref), std::move(key)};
}

// Lower-case letters, digits and '-', plus the extra characters allowed; starting with a letter or
// digit.
bool isGcpName(std::string_view name, std::string_view extra) {
  if (name.empty() || name.front() == '-') return false;
  for (const char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!plain && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

void parseSecurityPolicy(const Field& spec, ObjectMeta meta, Manifests& out) {
  if (!spec.map(true)) return;
  SecurityPolicyManifest policy;
  policy.meta = std::move(meta);
  if (spec["targetRef"].present()) {
    spec["targetRef"].warning("the single targetRef is not supported; use targetRefs[]");
  }
  policy.targets = readTargetRefs(spec, policy.meta, false);
  const auto type = spec["type"].str(true);
  policy.typeWhere = spec["type"].where();
  if (!type) return;
  policy.type = *type;

  if (policy.type == "GCPCredentials") {
    const auto gcp = spec["gcpCredentials"];
    if (!gcp.map(true)) return;
    const auto project = gcp["projectName"].str(true);
    const auto region = gcp["region"].str(true);
    if (!project || !region) return;
    // Both become segments of every Vertex AI URL, where a bad one fails each request. Objects read
    // from the Kubernetes API are taken literally, so a placeholder like ${REGION} that nobody
    // filled in lands here. A warning, not an error: Envoy AI Gateway's own examples ship
    // placeholders.
    if (!isGcpName(*project, ".:"))
      gcp["projectName"].warning("projectName '" + *project +
                                 "' is not a GCP project id (lower-case letters, digits, '-', and "
                                 "'.' or ':' for domain-scoped projects): requests will fail");
    if (!isGcpName(*region, ""))
      gcp["region"].warning("region '" + *region +
                            "' is not a GCP region name (lower-case letters, digits and '-', e.g. "
                            "us-central1): requests will fail");
    policy.projectName = *project;
    policy.region = *region;
    policy.regionWhere = gcp["region"].where();
    const auto file = gcp["credentialsFile"];
    if (file.map()) {
      // No key in the ref: the resolver picks service_account.json or the first key.
      policy.credentialsFile = readSecretRef(file["secretRef"], policy.meta, "");
      if (!policy.credentialsFile) return;
    } else if (gcp["workloadIdentityFederationConfig"].present()) {
      gcp["workloadIdentityFederationConfig"].warning(
          "workload identity federation is not supported by switchyard; using Application "
          "Default Credentials");
    }
  } else if (policy.type == "APIKey") {
    const auto apiKey = spec["apiKey"];
    if (!apiKey.map(true)) return;
    policy.apiKey = readSecretRef(apiKey["secretRef"], policy.meta, "apiKey");
    if (!policy.apiKey) return;
  } else {
    spec["type"].warning("type " + policy.type +
                         " not supported by switchyard (supported: GCPCredentials, APIKey); "
                         "policy not applied");
    return;
  }
  out.securityPolicies.push_back(std::move(policy));
}

}  // namespace switchyard::config::detail
