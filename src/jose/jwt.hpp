#pragma once
// Verifying a JWS-signed JWT (RFC 7519 in the compact form of RFC 7515): decode, check the
// signature against a key set, then the registered claims. Only asymmetric algorithms are
// accepted (RS256/384/512, PS256/384/512, ES256/384/512): "none" and the HMAC family are refused
// whatever the key set holds, so a public key can never be used as an HMAC secret.

#include <boost/json/object.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "jose/jwks.hpp"

namespace switchyard::jose {

// A token longer than this is refused before it is decoded.
inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

struct DecodedJwt {
  std::string alg;
  std::string kid;                // empty when the header has none
  boost::json::object claims;     // the payload
  std::string_view signingInput;  // "<header>.<payload>", a view into the token
  std::string signature;          // decoded bytes
};

// Splits and decodes; fails (InvalidRequest, a message safe to show the client) on anything that
// is not header.payload.signature with JSON objects in base64url, or on an unsupported alg.
core::Result<DecodedJwt> decodeJwt(std::string_view token);

enum class SignatureCheck {
  Valid,
  UnknownKid,  // the header's kid is not in the set (the set may be stale: refetch)
  Invalid,     // no key of the set verifies it
};

SignatureCheck verifySignature(const DecodedJwt& jwt, const KeySet& keys);

// What the registered claims must say. Times are unix seconds.
struct ClaimRules {
  std::string_view issuer;                 // empty: not checked
  std::span<const std::string> audiences;  // empty: not checked; else one must be in aud
  std::int64_t now = 0;
  std::int64_t clockSkewSeconds = 60;
};

// exp (required... when present: a token without exp never expires, as in Envoy), nbf, iss, aud.
// The error message says which check failed, never the token.
core::Result<void> checkClaims(const boost::json::object& claims, const ClaimRules& rules);

// The value at a dotted path ("sub", "org.team"), or null.
const boost::json::value* claimAt(const boost::json::object& claims, std::string_view path);

}  // namespace switchyard::jose
