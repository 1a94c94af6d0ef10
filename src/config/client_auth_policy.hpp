#pragma once
// Client authentication and authorization of Envoy Gateway's SecurityPolicy
// (gateway.envoyproxy.io/v1alpha1): apiKeyAuth, jwt and authorization, resolved. A route carries
// the one that applies to it (its own, else its Gateway's); clientauth/ enforces it.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/snapshot.hpp"
#include "jose/jwks.hpp"

namespace switchyard::config {

// Where a credential is read from in a request: a header (after an optional value prefix, e.g.
// "Bearer "), a query parameter, or a cookie.
struct CredentialSource {
  enum class Where { Header, Param, Cookie };
  Where where = Where::Header;
  std::string name;    // header names lower-case
  std::string prefix;  // Header only
  // The prefix may be absent (apiKeyAuth on Authorization: "Bearer <key>" or the bare key).
  bool prefixOptional = false;
};

// One client of apiKeyAuth: its id (the Secret's key) and the SHA-256 of its API key (the value).
// The key itself is not kept: requests are matched by digest, in constant time.
struct ApiKeyClient {
  std::string clientId;
  std::array<unsigned char, 32> digest{};
};

struct ApiKeyAuth {
  std::vector<ApiKeyClient> clients;
  std::vector<CredentialSource> extractFrom;  // the first that holds a value is used
  std::string forwardClientIdHeader;          // lower-case; empty = not forwarded
  bool sanitize = false;  // no client header goes upstream anyway; kept for /config_dump
};

struct RemoteJwks {
  std::string uri;  // as written
  std::string host;
  std::uint16_t port = 443;
  std::string target;      // path and query
  std::string serverName;  // SNI and certificate name: BackendTLSPolicy hostname, else host
  std::string caPem;       // BackendTLSPolicy CA bundle; empty = the system trust store
  std::string tlsPolicy;   // BackendTLSPolicy namespace/name, when one applies
  // The cache key: one fetcher per distinct (where, how) across reloads.
  std::string identity() const {
    return uri + '\n' + host + ':' + std::to_string(port) + '\n' + serverName + '\n' + caPem;
  }
};

struct ClaimToHeader {
  std::string header;  // lower-case
  std::string claim;   // dotted path
};

struct JwtProvider {
  std::string name;
  std::string issuer;                             // empty: not checked
  std::vector<std::string> audiences;             // empty: not checked
  std::shared_ptr<const jose::KeySet> localKeys;  // localJWKS
  std::optional<RemoteJwks> remote;               // remoteJWKS
  std::vector<ClaimToHeader> claimToHeaders;
  // Default: the Authorization header after "Bearer ", then the access_token parameter.
  std::vector<CredentialSource> extractFrom;
};

struct JwtAuth {
  bool optional = false;  // a request without a token passes (an invalid token never does)
  std::vector<JwtProvider> providers;
};

struct AuthorizationRule {
  struct Claim {
    std::string name;  // dotted path
    bool stringArray = false;
    std::vector<std::string> values;  // any one matches
  };
  struct JwtPrincipal {
    std::string provider;
    std::vector<Claim> claims;        // all must match
    std::vector<std::string> scopes;  // all must be in the space-separated "scope" claim
  };
  struct HeaderMatch {
    std::string name;                 // lower-case
    std::vector<std::string> values;  // exact; any one matches
  };
  std::string name;
  bool allow = false;
  std::vector<std::string> methods;          // empty: any
  std::vector<SourceCidrMatch> clientCidrs;  // empty: any; else one must hold
  std::optional<JwtPrincipal> jwt;
  std::vector<HeaderMatch> headers;  // all must match
};

struct Authorization {
  std::vector<AuthorizationRule> rules;  // the first that matches decides
  bool defaultAllow = false;             // defaultAction, Deny when absent
};

struct ClientAuthPolicy {
  std::string name;  // SecurityPolicy namespace/name
  std::optional<ApiKeyAuth> apiKey;
  std::optional<JwtAuth> jwt;
  std::optional<Authorization> authorization;
};

}  // namespace switchyard::config
