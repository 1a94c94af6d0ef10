#include "jose/jwks.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/base64.hpp"
#include "core/json_fields.hpp"

namespace switchyard::jose {

namespace {

using core::Error;
using core::ErrorKind;

Error invalid(std::string message) {
  return Error::make(ErrorKind::InvalidRequest, std::move(message));
}

std::optional<std::string> base64url(std::string_view text) {
  core::base64::DecodeOptions options;
  options.alphabet = core::base64::AcceptAlphabet::kUrl;
  options.padding = core::base64::AcceptPadding::kUpToTwo;  // some publishers pad
  return core::base64::decode(text, options);
}

using ParamBuild = std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)>;
using Params = std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)>;
using Bignum = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

Bignum bignum(std::string_view bytes) {
  return Bignum(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()), nullptr),
                &BN_free);
}

std::shared_ptr<EVP_PKEY> fromParams(const char* type, OSSL_PARAM_BLD* build) {
  Params params(OSSL_PARAM_BLD_to_param(build), &OSSL_PARAM_free);
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return std::shared_ptr<EVP_PKEY>(key, &EVP_PKEY_free);
}

std::shared_ptr<EVP_PKEY> rsaKey(std::string_view n, std::string_view e) {
  // 2048 bits at least (RFC 7518 §3.3); e is small and odd.
  if (n.size() < 256 || n.size() > 1024 || e.empty() || e.size() > 8) return nullptr;
  const auto modulus = bignum(n);
  const auto exponent = bignum(e);
  ParamBuild build(OSSL_PARAM_BLD_new(), &OSSL_PARAM_BLD_free);
  if (!modulus || !exponent || !build ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return fromParams("RSA", build.get());
}

std::shared_ptr<EVP_PKEY> ecKey(const char* group, std::size_t coordinate, std::string_view x,
                                std::string_view y) {
  if (x.size() != coordinate || y.size() != coordinate) return nullptr;
  std::string point;
  point.reserve(1 + 2 * coordinate);
  point += '\x04';  // uncompressed (SEC 1 §2.3.3)
  point += x;
  point += y;
  ParamBuild build(OSSL_PARAM_BLD_new(), &OSSL_PARAM_BLD_free);
  if (!build ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  // fromdata checks that the point lies on the curve.
  return fromParams("EC", build.get());
}

// One JWK: a usable key, nullopt for a type switchyard ignores, or why it is malformed.
core::Result<std::optional<PublicKey>> readKey(const boost::json::object& jwk) {
  const auto kty = core::stringField(&jwk, "kty");
  const auto use = core::stringField(&jwk, "use");
  if (!use.empty() && use != "sig") return std::optional<PublicKey>();  // an encryption key
  PublicKey key;
  key.kid = std::string(core::stringField(&jwk, "kid"));
  key.alg = std::string(core::stringField(&jwk, "alg"));
  if (kty == "RSA") {
    const auto n = base64url(core::stringField(&jwk, "n"));
    const auto e = base64url(core::stringField(&jwk, "e"));
    if (!n || !e || n->empty() || e->empty()) return invalid("RSA key without valid n and e");
    key.type = PublicKey::Type::Rsa;
    key.key = rsaKey(*n, *e);
    if (!key.key) return invalid("RSA key is not a usable public key (2048 to 8192 bits)");
    return std::optional<PublicKey>(std::move(key));
  }
  if (kty == "EC") {
    const auto crv = core::stringField(&jwk, "crv");
    const auto x = base64url(core::stringField(&jwk, "x"));
    const auto y = base64url(core::stringField(&jwk, "y"));
    if (!x || !y) return invalid("EC key without valid x and y");
    key.type = PublicKey::Type::Ec;
    if (crv == "P-256") {
      key.curveBits = 256;
      key.key = ecKey("prime256v1", 32, *x, *y);
    } else if (crv == "P-384") {
      key.curveBits = 384;
      key.key = ecKey("secp384r1", 48, *x, *y);
    } else if (crv == "P-521") {
      key.curveBits = 521;
      key.key = ecKey("secp521r1", 66, *x, *y);
    } else {
      return std::optional<PublicKey>();  // a curve switchyard does not verify with
    }
    if (!key.key) return invalid("EC key is not a point on " + std::string(crv));
    return std::optional<PublicKey>(std::move(key));
  }
  return std::optional<PublicKey>();
}

}  // namespace

core::Result<KeySet> parseJwks(std::string_view json) {
  if (json.size() > kMaxJwksBytes)
    return invalid("JWKS is larger than " + std::to_string(kMaxJwksBytes / 1024) + " KiB");
  boost::system::error_code ec;
  const auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return invalid("JWKS is not a JSON object");
  const auto& root = value.get_object();
  KeySet set;
  std::vector<const boost::json::object*> jwks;
  if (const auto* keys = core::arrayField(&root, "keys")) {
    for (const auto& item : *keys) {
      if (!item.is_object()) return invalid("JWKS keys[] holds a non-object");
      jwks.push_back(&item.get_object());
    }
  } else if (root.contains("kty")) {
    jwks.push_back(&root);
  } else {
    return invalid("JWKS has no keys[]");
  }
  for (std::size_t i = 0; i < jwks.size(); ++i) {
    auto key = readKey(*jwks[i]);
    if (!key) {
      return invalid("JWKS keys[" + std::to_string(i) + "]: " + key.error().message);
    }
    if (*key) set.keys.push_back(std::move(**key));
  }
  if (set.keys.empty()) return invalid("JWKS has no RSA or EC signing key");
  return set;
}

}  // namespace switchyard::jose
