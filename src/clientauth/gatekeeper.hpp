#pragma once
// The client-authentication step of a request: the SecurityPolicy that applies (the route's, or
// the Gateway's) checked in Envoy Gateway's order — apiKeyAuth, then jwt, then authorization.
// Built once per configuration (with the remote JWKS sources of its providers); check() is called
// by any worker, lock-free.

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "clientauth/request_facts.hpp"
#include "config/client_auth_policy.hpp"
#include "core/error.hpp"

namespace switchyard::clientauth {

class JwksCache;
class JwksSource;
class VerifiedSignatures;

struct Verdict {
  std::optional<core::Error> error;  // Unauthenticated (401) or Forbidden (403); none = admitted
  bool bearerChallenge = false;      // a 401 of jwt: answer with WWW-Authenticate: Bearer
  std::string clientId;              // the API key's client, else the token's sub; may be empty
  // Set on the request before rate limits and sent upstream, replacing what the client sent:
  // forwardClientIDHeader and claimToHeaders (lower-case names).
  std::vector<std::pair<std::string, std::string>> headers;
};

class Gatekeeper {
 public:
  // `jwks` null: remote providers never have keys (unit tests, `check`).
  Gatekeeper(const config::Snapshot& snapshot, JwksCache* jwks);
  ~Gatekeeper();

  // `policy` null: admitted. `now` is unix seconds (token exp/nbf). `verified`: the calling
  // worker's tokens whose signature it checked already (null: every token is checked).
  boost::asio::awaitable<Verdict> check(const config::ClientAuthPolicy* policy,
                                        const RequestFacts& request, std::int64_t now,
                                        VerifiedSignatures* verified = nullptr) const;

  // The remote JWKS source of a provider, or null.
  JwksSource* remoteOf(const config::JwtProvider& provider) const;

 private:
  std::unordered_map<const config::JwtProvider*, std::shared_ptr<JwksSource>> remote_;
};

}  // namespace switchyard::clientauth
