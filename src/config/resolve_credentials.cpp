// BackendSecurityPolicy → Credential on each targeted AIServiceBackend.

#include <boost/json/parse.hpp>

#include "config/resolver.hpp"

namespace switchyard::config::detail {

namespace {

// Loose check at load time: the token fetch is what really validates the key.
bool looksLikeServiceAccountKey(const std::string& text) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return false;
  const auto& object = value.get_object();
  for (const char* field : {"client_email", "private_key", "token_uri"}) {
    const auto* item = object.if_contains(field);
    if (!item || !item->is_string() || item->get_string().empty()) return false;
  }
  return true;
}

// Vertex hosts are <region>-aiplatform.googleapis.com, or the global aiplatform.googleapis.com.
void checkRegion(ResolveState& state, const SecurityPolicyManifest& policy,
                 const ServiceBackend& backend) {
  constexpr std::string_view kVertexSuffix = "aiplatform.googleapis.com";
  for (const auto& endpoint : backend.endpoints) {
    if (!endpoint.host.ends_with(kVertexSuffix)) continue;
    if (endpoint.host == kVertexSuffix ||
        endpoint.host == policy.region + "-" + std::string(kVertexSuffix))
      continue;
    state.report(Severity::Warning, policy.regionWhere,
                 "region " + policy.region + " does not match host " + endpoint.host +
                     " of AIServiceBackend " + backend.name + " (expected " + policy.region +
                     "-aiplatform.googleapis.com)");
  }
}

}  // namespace

void resolveSecurityPolicies(ResolveState& state) {
  for (const auto& policy : state.manifests.securityPolicies) {
    // Which backends it covers; each backend takes at most one policy.
    std::vector<std::shared_ptr<ServiceBackend>> covered;
    bool any = false;
    for (const auto& target : policy.targets) {
      if (target.kind != "AIServiceBackend") {
        state.report(Severity::Warning, target.where,
                     "kind " + target.kind + " is not served (only AIServiceBackend); ignored");
        continue;
      }
      const auto found = state.serviceBackends.find(target.key());
      if (found == state.serviceBackends.end()) {
        state.report(Severity::Warning, target.where,
                     "AIServiceBackend " + target.key() + " not found; ignored");
        continue;
      }
      any = true;
      auto& entry = found->second;
      if (!entry.securityPolicy.empty() && entry.securityPolicy != policy.meta.key()) {
        state.report(Severity::Error, target.where,
                     "AIServiceBackend " + target.key() +
                         " is already targeted by "
                         "BackendSecurityPolicy " +
                         entry.securityPolicy + "; only one policy per backend");
        continue;
      }
      entry.securityPolicy = policy.meta.key();
      if (entry.backend) covered.push_back(entry.backend);
    }
    if (!any) state.report(Severity::Warning, policy.meta.where, "targets nothing");

    auto credential = std::make_shared<Credential>();
    credential->policyName = policy.meta.key();
    if (policy.type == "GCPCredentials") {
      credential->projectName = policy.projectName;
      credential->region = policy.region;
      if (!policy.credentialsFile) {
        credential->type = Credential::Type::GcpApplicationDefault;
      } else {
        const auto& ref = policy.credentialsFile->secret;
        auto found = state.data.secret(ref.ns, ref.name, policy.credentialsFile->key);
        if (auto* reason = std::get_if<std::string>(&found)) {
          state.report(Severity::Error, ref.where, *reason);
          continue;
        }
        auto& value = std::get<DataValue>(found);
        credential->type = Credential::Type::GcpServiceAccountKey;
        credential->serviceAccountJson = std::move(value.value);
        if (!looksLikeServiceAccountKey(credential->serviceAccountJson)) {
          std::string targets;
          for (const auto& backend : covered)
            targets += (targets.empty() ? "" : ", ") + backend->name;
          state.report(
              Severity::Warning, ref.where,
              value.source + " key \"" + value.key +
                  "\" is not a service-account key (needs client_email, private_key and "
                  "token_uri); " +
                  (targets.empty() ? "no enabled backend uses it"
                                   : "requests to " + targets + " will fail until it is fixed"));
        }
      }
      for (const auto& backend : covered) checkRegion(state, policy, *backend);
    } else {  // APIKey: the parser keeps only the two supported types
      const auto& ref = policy.apiKey->secret;
      auto found = state.data.secret(ref.ns, ref.name, policy.apiKey->key);
      if (auto* reason = std::get_if<std::string>(&found)) {
        state.report(Severity::Error, ref.where, *reason);
        continue;
      }
      credential->type = Credential::Type::ApiKey;
      credential->apiKey = std::move(std::get<DataValue>(found).value);
      while (!credential->apiKey.empty() &&
             (credential->apiKey.back() == '\n' || credential->apiKey.back() == '\r'))
        credential->apiKey.pop_back();  // files written with echo end in a newline
    }
    for (const auto& backend : covered) backend->credential = credential;
  }
}

}  // namespace switchyard::config::detail
