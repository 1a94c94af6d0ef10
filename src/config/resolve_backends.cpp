// Backends: BackendTLSPolicy → Backend, then AIServiceBackend → Backend (+ TLS).

#include "config/resolver.hpp"
#include "providers/registry.hpp"

namespace switchyard::config::detail {

void resolveTlsPolicies(ResolveState& state) {
  for (const auto& backend : state.manifests.backends)
    state.backends.emplace(backend.meta.key(), &backend);

  for (const auto& policy : state.manifests.tlsPolicies) {
    TlsValidation validation;
    validation.hostname = policy.hostname;
    validation.policyName = policy.meta.key();
    bool caOk = true;
    for (const auto& ref : policy.caRefs) {
      auto found = ref.kind == "Secret" ? state.data.secret(ref.ns, ref.name, "ca.crt")
                                        : state.data.configMap(ref.ns, ref.name, "ca.crt");
      if (auto* reason = std::get_if<std::string>(&found)) {
        state.report(Severity::Error, ref.where, *reason);
        caOk = false;
        continue;
      }
      auto& pem = std::get<DataValue>(found).value;
      validation.caPem += pem;
      if (!pem.empty() && pem.back() != '\n') validation.caPem += '\n';
    }
    if (!caOk) continue;

    bool any = false;
    for (const auto& target : policy.targets) {
      if (target.kind != "Backend") {
        state.report(Severity::Warning, target.where,
                     "kind " + target.kind + " is not served (only Backend); ignored");
        continue;
      }
      if (!state.backends.contains(target.key())) {
        state.report(Severity::Warning, target.where,
                     "Backend " + target.key() + " not found; ignored");
        continue;
      }
      any = true;
      const auto [it, inserted] = state.tlsByBackend.emplace(
          target.key(), ResolveState::TlsEntry{validation, target.where});
      if (!inserted && it->second.validation.policyName != validation.policyName) {
        state.report(Severity::Error, target.where,
                     "Backend " + target.key() + " already has BackendTLSPolicy " +
                         it->second.validation.policyName + " (" + it->second.where.file + ":" +
                         std::to_string(it->second.where.line) +
                         "); only one TLS policy per Backend");
      }
    }
    if (!any) state.report(Severity::Warning, policy.meta.where, "targets nothing");
  }
}

namespace {

// h2c is for plaintext and alpnProtocols for TLS; each on the other kind is a Warning, once per
// Backend however many AIServiceBackends use it.
BackendHttp backendHttp(ResolveState& state, const BackendManifest& backend, bool tls) {
  const bool firstUse = state.httpChecked.insert(backend.meta.key()).second;
  if (tls) {
    if (backend.h2c && firstUse) {
      state.report(Severity::Warning, backend.h2cWhere,
                   "h2c is plaintext HTTP/2, and this Backend has a BackendTLSPolicy: h2 is "
                   "negotiated by ALPN instead");
    }
    return backend.alpnOffersH2.value_or(true) ? BackendHttp::Auto : BackendHttp::Http1;
  }
  if (backend.alpnOffersH2 && firstUse) {
    state.report(Severity::Warning, backend.alpnWhere,
                 "this Backend has no BackendTLSPolicy, so it is plaintext: alpnProtocols is "
                 "ignored");
  }
  return backend.h2c ? BackendHttp::H2c : BackendHttp::Auto;
}

}  // namespace

void resolveServiceBackends(ResolveState& state) {
  for (const auto& manifest : state.manifests.serviceBackends) {
    ResolveState::ServiceBackendEntry entry;
    entry.manifest = &manifest;
    const providers::Provider* provider = providers::findProvider(manifest.schemaName);
    if (!provider) {
      entry.disabledReason = "schema " + manifest.schemaName + " not supported";
      state.report(Severity::Warning, manifest.schemaWhere,
                   "schema " + manifest.schemaName + " not supported by switchyard (supported: " +
                       providers::schemaNames() + "); backend disabled");
      state.serviceBackends.emplace(manifest.meta.key(), std::move(entry));
      continue;
    }
    const auto& ref = manifest.backendRef;
    const auto found = state.backends.find(ref.key());
    if (found == state.backends.end()) {
      state.report(Severity::Error, ref.where, "Backend " + ref.key() + " not found");
      entry.disabledReason = "Backend " + ref.key() + " not found";
      state.serviceBackends.emplace(manifest.meta.key(), std::move(entry));
      continue;
    }
    auto backend = std::make_shared<ServiceBackend>();
    backend->name = manifest.meta.key();
    backend->provider = provider;
    backend->prefix =
        manifest.prefix.empty() ? std::string(provider->descriptor.defaultPrefix) : manifest.prefix;
    backend->schemaVersion = manifest.version.empty()
                                 ? std::string(provider->descriptor.defaultVersion)
                                 : manifest.version;
    backend->backendName = ref.key();
    backend->mutations = manifest.mutations;
    backend->endpoints = found->second->endpoints;
    if (const auto tls = state.tlsByBackend.find(ref.key()); tls != state.tlsByBackend.end())
      backend->tls = tls->second.validation;
    backend->http = backendHttp(state, *found->second, backend->tls.has_value());
    entry.backend = backend;
    state.enabledInOrder.push_back(backend);
    state.serviceBackends.emplace(manifest.meta.key(), std::move(entry));
  }
}

}  // namespace switchyard::config::detail
