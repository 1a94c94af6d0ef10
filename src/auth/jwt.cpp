#include "auth/jwt.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <memory>

#include "core/base64.hpp"

namespace switchyard::auth {
namespace {

// JWS compact serialization (RFC 7515 §2): base64url without padding.
std::string jwsEncode(std::string_view bytes) {
  return core::base64::encode(bytes, core::base64::Alphabet::kUrl,
                              core::base64::Padding::kUnpadded);
}

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// OpenSSL's signing calls take non-const keys but only read them (reference counts are atomic).
EVP_PKEY* mutableKey(const EVP_PKEY& key) { return const_cast<EVP_PKEY*>(&key); }

}  // namespace

core::Result<std::string> signJwtRs256(const EVP_PKEY& key, std::string_view headerJson,
                                       std::string_view claimsJson) {
  std::string jwt = jwsEncode(headerJson);
  jwt += '.';
  jwt += jwsEncode(claimsJson);

  MdCtx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::string signature(static_cast<std::size_t>(EVP_PKEY_get_size(&key)), '\0');
  std::size_t length = signature.size();
  const bool ok =
      ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, mutableKey(key)) == 1 &&
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(jwt.data()), jwt.size()) == 1;
  ERR_clear_error();
  if (!ok) return core::Error::make(core::ErrorKind::Internal, "RS256 signing failed");
  signature.resize(length);
  jwt += '.';
  jwt += jwsEncode(signature);
  return jwt;
}

std::string jwtBearerHeaderJson(const ServiceAccountKey& key) {
  boost::json::object header;
  header["alg"] = "RS256";
  header["typ"] = "JWT";
  if (!key.privateKeyId.empty()) header["kid"] = key.privateKeyId;
  return boost::json::serialize(header);
}

std::string jwtBearerClaimsJson(const ServiceAccountKey& key, std::string_view scope,
                                std::string_view audience, std::int64_t iat) {
  boost::json::object claims;
  claims["iss"] = key.clientEmail;
  claims["scope"] = scope;
  claims["aud"] = audience;
  claims["iat"] = iat;
  claims["exp"] = iat + kMaxAssertionLifetimeSeconds;
  return boost::json::serialize(claims);
}

core::Result<std::string> makeJwtBearerAssertion(const ServiceAccountKey& key,
                                                 std::string_view scope, std::int64_t iat,
                                                 std::string_view audience) {
  if (!key.privateKey) {
    return core::Error::make(core::ErrorKind::CredentialUnavailable,
                             "service account key has no private key loaded");
  }
  return signJwtRs256(
      *key.privateKey, jwtBearerHeaderJson(key),
      jwtBearerClaimsJson(key, scope, audience.empty() ? key.tokenUri : audience, iat));
}

}  // namespace switchyard::auth
