#include "auth/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <optional>

#include "core/base64.hpp"

namespace switchyard::auth {
namespace {

// JWS compact serialization (RFC 7515 §2): base64url without padding; a decoder accepts exactly
// one text per value.
std::string jwsEncode(std::string_view bytes) {
  return core::base64::encode(bytes, core::base64::Alphabet::kUrl,
                              core::base64::Padding::kUnpadded);
}

std::optional<std::string> jwsDecode(std::string_view text) {
  return core::base64::decode(text, {.alphabet = core::base64::AcceptAlphabet::kUrl,
                                     .padding = core::base64::AcceptPadding::kNone,
                                     .canonical = true});
}

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// OpenSSL's signing calls take non-const keys but only read them (reference counts are atomic).
EVP_PKEY* mutableKey(const EVP_PKEY& key) { return const_cast<EVP_PKEY*>(&key); }

core::Error invalidJwt(std::string message) {
  return core::Error::make(core::ErrorKind::InvalidRequest, std::move(message));
}

constexpr std::string_view kBadTimeframe =
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim.";

std::optional<std::int64_t> integerClaim(const boost::json::object& claims, std::string_view name) {
  const auto* value = claims.if_contains(name);
  if (value == nullptr) return std::nullopt;
  if (const auto* i = value->if_int64()) return *i;
  if (const auto* u = value->if_uint64(); u && *u <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(*u);
  }
  return std::nullopt;
}

std::optional<boost::json::object> parseObject(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

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

core::Result<boost::json::object> verifyJwtRs256(const EVP_PKEY& publicKey, std::string_view jwt,
                                                 const JwtVerifyOptions& options) {
  const auto firstDot = jwt.find('.');
  const auto secondDot =
      firstDot == std::string_view::npos ? firstDot : jwt.find('.', firstDot + 1);
  if (secondDot == std::string_view::npos ||
      jwt.find('.', secondDot + 1) != std::string_view::npos) {
    return invalidJwt("Invalid JWT: not three base64url parts separated by '.'.");
  }
  const std::string_view signingInput = jwt.substr(0, secondDot);
  const auto headerText = jwsDecode(jwt.substr(0, firstDot));
  const auto claimsText = jwsDecode(jwt.substr(firstDot + 1, secondDot - firstDot - 1));
  const auto signature = jwsDecode(jwt.substr(secondDot + 1));
  if (!headerText || !claimsText || !signature) {
    return invalidJwt("Invalid JWT: a part is not unpadded base64url.");
  }

  const auto header = parseObject(*headerText);
  if (!header) return invalidJwt("Invalid JWT: header is not a JSON object.");
  const auto* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "RS256") {
    return invalidJwt("Invalid JWT: alg must be RS256.");
  }
  if (const auto* typ = header->if_contains("typ");
      typ != nullptr && (!typ->is_string() || typ->get_string() != "JWT")) {
    return invalidJwt("Invalid JWT: typ must be JWT.");
  }

  MdCtx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const bool valid =
      ctx &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, mutableKey(publicKey)) == 1 &&
      EVP_DigestVerify(
          ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
          reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size()) == 1;
  ERR_clear_error();
  if (!valid) return invalidJwt("Invalid JWT Signature.");

  auto claims = parseObject(*claimsText);
  if (!claims) return invalidJwt("Invalid JWT: claims are not a JSON object.");
  const auto iat = integerClaim(*claims, "iat");
  const auto exp = integerClaim(*claims, "exp");
  if (!iat || !exp) return invalidJwt("Invalid JWT: iat and exp must be integers.");
  if (*exp <= *iat || *exp - *iat > options.maxLifetimeSeconds ||
      *iat > options.now + options.clockSkewSeconds ||
      *exp <= options.now - options.clockSkewSeconds) {
    return invalidJwt(std::string(kBadTimeframe));
  }
  return std::move(*claims);
}

core::Result<boost::json::object> verifyJwtRs256(std::string_view publicKeyPem,
                                                 std::string_view jwt,
                                                 const JwtVerifyOptions& options) {
  const auto key = loadPublicKeyPem(publicKeyPem);
  if (!key) return core::Error::make(core::ErrorKind::Internal, "unreadable public key PEM");
  return verifyJwtRs256(*key, jwt, options);
}

std::shared_ptr<EVP_PKEY> loadPublicKeyPem(std::string_view pem) {
  auto read = [pem](auto&& reader) -> EVP_PKEY* {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    return bio ? reader(bio.get()) : nullptr;
  };
  EVP_PKEY* key =
      read([](BIO* bio) { return PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr); });
  if (key == nullptr) {
    key = read([](BIO* bio) -> EVP_PKEY* {
      X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
      if (cert == nullptr) return nullptr;
      EVP_PKEY* inner = X509_get_pubkey(cert);
      X509_free(cert);
      return inner;
    });
  }
  ERR_clear_error();
  if (key != nullptr) return std::shared_ptr<EVP_PKEY>(key, &EVP_PKEY_free);
  return loadRsaPrivateKeyPem(pem);
}

}  // namespace switchyard::auth
