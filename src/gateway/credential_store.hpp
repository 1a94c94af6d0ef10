#pragma once
// Process-wide signers, one per credential. The same credential (same secret material) keeps the
// same signer, and so its cached token, across config reloads. Token fetches run on the auth
// thread.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/request_signer.hpp"
#include "config/snapshot.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace switchyard::auth {
class TokenCache;
}

namespace switchyard::net {
class DnsCache;
}

namespace switchyard::gateway {

struct ResolvedSigner {
  std::shared_ptr<auth::RequestSigner> signer;
  std::string defaultProject;  // the service account key's project_id, for Vertex URLs
  std::shared_ptr<const auth::TokenCache> tokens;  // null: the signer needs no token (API key)
};

struct TokenFetchCounts {
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
};

class CredentialStore {
 public:
  using GetEnv = std::function<std::optional<std::string>(std::string_view)>;
  CredentialStore(const core::Clock& clock, GetEnv getenv, std::shared_ptr<net::DnsCache> dns);
  ~CredentialStore();

  // Called at config load (not on the request path). Errors name the credential, never its secret.
  core::Result<ResolvedSigner> signerFor(const config::Credential& credential);

  // Token fetches of every service-account credential so far (for metrics; any thread).
  TokenFetchCounts tokenFetches() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::gateway
