#pragma once
// RS256 JSON Web Tokens (RFC 7515 compact form): signing the JWT-bearer assertion of
// docs/spec/wire.md §3.2. The gateway never verifies one: the token endpoint does (the emulator's
// with its own code, src/emulator/token_service.cpp; the unit tests with tests/unit/auth/).

#include <openssl/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/service_account_key.hpp"
#include "core/result.hpp"

namespace switchyard::auth {

inline constexpr std::string_view kCloudPlatformScope =
    "https://www.googleapis.com/auth/cloud-platform";
inline constexpr std::int64_t kMaxAssertionLifetimeSeconds = 3600;  // Google rejects longer ones

// B64URL(header) "." B64URL(claims) "." B64URL(RSASSA-PKCS1-v1_5/SHA-256 signature), over the JSON
// texts exactly as given. Fails (Internal) only if OpenSSL cannot sign with `key`.
core::Result<std::string> signJwtRs256(const EVP_PKEY& key, std::string_view headerJson,
                                       std::string_view claimsJson);

// The compact JSON texts of the assertion, byte for byte as signed:
// header {"alg":"RS256","typ":"JWT","kid":<private_key_id>} (no kid when the key has none);
// claims {"iss":<client_email>,"scope":<scope>,"aud":<audience>,"iat":<iat>,"exp":<iat+3600>}.
std::string jwtBearerHeaderJson(const ServiceAccountKey& key);
std::string jwtBearerClaimsJson(const ServiceAccountKey& key, std::string_view scope,
                                std::string_view audience, std::int64_t iat);

// The signed assertion for the JWT-bearer grant. `audience` empty = the key's token_uri.
core::Result<std::string> makeJwtBearerAssertion(const ServiceAccountKey& key,
                                                 std::string_view scope, std::int64_t iat,
                                                 std::string_view audience = {});

}  // namespace switchyard::auth
