#include "gateway/credential_store.hpp"

#include "auth/adc.hpp"
#include "auth/api_key_signer.hpp"
#include "auth/auth_thread.hpp"
#include "auth/gcp_signer.hpp"
#include "auth/service_account_key.hpp"
#include "auth/service_account_token_source.hpp"
#include "auth/token_cache.hpp"

namespace switchyard::gateway {

struct CredentialStore::Impl {
  const core::Clock& clock;
  GetEnv getenv;
  std::shared_ptr<net::DnsCache> dns;
  // Declared first so it is destroyed last: token caches hand work back to it when they go.
  auth::AuthThread authThread;
  std::mutex mutex;
  std::map<std::string, ResolvedSigner> signers;               // by secret material; never printed
  std::vector<std::shared_ptr<auth::TokenCache>> tokenCaches;  // for metrics

  Impl(const core::Clock& c, GetEnv e, std::shared_ptr<net::DnsCache> d)
      : clock(c), getenv(std::move(e)), dns(std::move(d)) {}

  core::Result<ResolvedSigner> makeGcpSigner(auth::ServiceAccountKey key,
                                             const std::string& owner) {
    auth::ServiceAccountTokenSourceOptions options;
    options.owner = owner;
    std::string project = key.projectId;
    auto source = auth::ServiceAccountTokenSource::create(std::move(key), authThread.executor(),
                                                          dns, clock, options);
    if (!source) return source.error();
    auto tokens = std::make_shared<auth::TokenCache>(*source, authThread.executor(), clock);
    tokens->prefetch();  // so the first request finds a token
    tokenCaches.push_back(tokens);
    return ResolvedSigner{std::make_shared<auth::GcpSigner>(tokens), std::move(project), tokens};
  }
};

CredentialStore::CredentialStore(const core::Clock& clock, GetEnv getenv,
                                 std::shared_ptr<net::DnsCache> dns)
    : impl_(std::make_unique<Impl>(clock, std::move(getenv), std::move(dns))) {}

CredentialStore::~CredentialStore() = default;

core::Result<ResolvedSigner> CredentialStore::signerFor(const config::Credential& credential) {
  using Type = config::Credential::Type;
  const std::string owner = "policy " + credential.policyName;
  std::string material;
  switch (credential.type) {
    case Type::GcpServiceAccountKey:
      material = "sa:" + credential.serviceAccountJson;
      break;
    case Type::GcpApplicationDefault: {
      auto path = impl_->getenv ? impl_->getenv(auth::kAdcVariable) : std::nullopt;
      material = "adc:" + path.value_or("");
      break;
    }
    case Type::ApiKey:
      material = "key:" + credential.apiKey;
      break;
  }
  material += '\0' + credential.policyName;

  std::lock_guard lock(impl_->mutex);
  if (auto found = impl_->signers.find(material); found != impl_->signers.end())
    return found->second;

  core::Result<ResolvedSigner> made =
      core::Error::make(core::ErrorKind::Internal, "unknown credential type");
  switch (credential.type) {
    case Type::GcpServiceAccountKey: {
      auto key = auth::parseServiceAccountKey(credential.serviceAccountJson);
      if (!key) {
        core::Error error = key.error();
        error.message = "service-account key of " + owner + " is unusable: " + error.message;
        return error;
      }
      made = impl_->makeGcpSigner(std::move(*key), owner);
      break;
    }
    case Type::GcpApplicationDefault: {
      auto key = auth::loadApplicationDefaultCredentials(impl_->getenv);
      if (!key) {
        core::Error error = key.error();
        error.message = "application default credentials for " + owner + ": " + error.message;
        return error;
      }
      made = impl_->makeGcpSigner(std::move(*key), owner);
      break;
    }
    case Type::ApiKey:
      made = ResolvedSigner{
          std::make_shared<auth::ApiKeySigner>(credential.apiKey, "API key (" + owner + ")"), "",
          nullptr};
      break;
  }
  if (made) impl_->signers.emplace(std::move(material), *made);
  return made;
}

TokenFetchCounts CredentialStore::tokenFetches() const {
  TokenFetchCounts counts;
  std::lock_guard lock(impl_->mutex);
  for (const auto& cache : impl_->tokenCaches) {
    counts.succeeded += cache->successes();
    counts.failed += cache->failures();
  }
  return counts;
}

}  // namespace switchyard::gateway
