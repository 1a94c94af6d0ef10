#include "jose/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json/parse.hpp>

#include <memory>

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
  options.padding = core::base64::AcceptPadding::kNone;  // RFC 7515 §2: no padding
  return core::base64::decode(text, options);
}

struct Algorithm {
  std::string_view name;
  PublicKey::Type type;
  const EVP_MD* (*digest)();
  bool pss = false;
  int curveBits = 0;  // Ec
};

constexpr Algorithm kAlgorithms[] = {
    {"RS256", PublicKey::Type::Rsa, &EVP_sha256},
    {"RS384", PublicKey::Type::Rsa, &EVP_sha384},
    {"RS512", PublicKey::Type::Rsa, &EVP_sha512},
    {"PS256", PublicKey::Type::Rsa, &EVP_sha256, true},
    {"PS384", PublicKey::Type::Rsa, &EVP_sha384, true},
    {"PS512", PublicKey::Type::Rsa, &EVP_sha512, true},
    {"ES256", PublicKey::Type::Ec, &EVP_sha256, false, 256},
    {"ES384", PublicKey::Type::Ec, &EVP_sha384, false, 384},
    {"ES512", PublicKey::Type::Ec, &EVP_sha512, false, 521},
};

const Algorithm* algorithmOf(std::string_view name) {
  for (const auto& alg : kAlgorithms)
    if (alg.name == name) return &alg;
  return nullptr;
}

core::Result<boost::json::object> jsonObject(std::string_view part, std::string_view what) {
  const auto bytes = base64url(part);
  if (!bytes) return invalid("JWT " + std::string(what) + " is not base64url");
  boost::system::error_code ec;
  auto value = boost::json::parse(*bytes, ec);
  if (ec || !value.is_object())
    return invalid("JWT " + std::string(what) + " is not a JSON object");
  return std::move(value.get_object());
}

// JWS ECDSA signatures are R || S (RFC 7518 §3.4); OpenSSL verifies DER.
std::optional<std::string> ecdsaDer(std::string_view raw, int curveBits) {
  const std::size_t half = static_cast<std::size_t>((curveBits + 7) / 8);
  if (raw.size() != 2 * half) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), &ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half),
                        static_cast<int>(half), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &out);
  return der;
}

bool verifyWith(const Algorithm& alg, const PublicKey& key, std::string_view input,
                std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, alg.digest(), nullptr, key.key.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  if (alg.pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    ERR_clear_error();
    return false;
  }
  std::string der;
  if (alg.type == PublicKey::Type::Ec) {
    auto converted = ecdsaDer(signature, alg.curveBits);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  const int ok = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(input.data()), input.size());
  ERR_clear_error();
  return ok == 1;
}

bool keyFits(const Algorithm& alg, const PublicKey& key) {
  if (key.type != alg.type) return false;
  if (alg.type == PublicKey::Type::Ec && key.curveBits != alg.curveBits) return false;
  return key.alg.empty() || key.alg == alg.name;
}

// A NumericDate (RFC 7519 §2): a JSON number, fractions allowed.
std::optional<std::int64_t> numericDate(const boost::json::value& value) {
  if (!value.is_number()) return std::nullopt;
  return core::toInt64(value);
}

}  // namespace

core::Result<DecodedJwt> decodeJwt(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return invalid("JWT is too long");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return invalid("JWT is not in compact form (header.payload.signature)");
  auto header = jsonObject(token.substr(0, first), "header");
  if (!header) return header.error();
  auto claims = jsonObject(token.substr(first + 1, second - first - 1), "payload");
  if (!claims) return claims.error();
  auto signature = base64url(token.substr(second + 1));
  if (!signature || signature->empty()) return invalid("JWT signature is not base64url");

  DecodedJwt jwt;
  jwt.alg = std::string(core::stringField(&*header, "alg"));
  if (!algorithmOf(jwt.alg))
    return invalid("JWT alg \"" + jwt.alg.substr(0, 16) +
                   "\" is not accepted (RS256/384/512, PS256/384/512, ES256/384/512)");
  if (header->contains("crit")) return invalid("JWT header has crit extensions");
  jwt.kid = std::string(core::stringField(&*header, "kid"));
  jwt.claims = std::move(*claims);
  jwt.signingInput = token.substr(0, second);
  jwt.signature = std::move(*signature);
  return jwt;
}

SignatureCheck verifySignature(const DecodedJwt& jwt, const KeySet& keys) {
  const Algorithm* alg = algorithmOf(jwt.alg);
  if (!alg) return SignatureCheck::Invalid;
  bool kidFound = jwt.kid.empty();
  for (const auto& key : keys.keys) {
    if (!jwt.kid.empty() && key.kid != jwt.kid) continue;
    kidFound = true;
    if (keyFits(*alg, key) && verifyWith(*alg, key, jwt.signingInput, jwt.signature))
      return SignatureCheck::Valid;
  }
  return kidFound ? SignatureCheck::Invalid : SignatureCheck::UnknownKid;
}

core::Result<void> checkClaims(const boost::json::object& claims, const ClaimRules& rules) {
  if (const auto* exp = claims.if_contains("exp")) {
    const auto at = numericDate(*exp);
    if (!at) return invalid("JWT exp is not a number");
    if (*at + rules.clockSkewSeconds <= rules.now) return invalid("Jwt is expired");
  }
  if (const auto* nbf = claims.if_contains("nbf")) {
    const auto at = numericDate(*nbf);
    if (!at) return invalid("JWT nbf is not a number");
    if (*at - rules.clockSkewSeconds > rules.now) return invalid("Jwt not yet valid");
  }
  if (!rules.issuer.empty() && core::stringField(&claims, "iss") != rules.issuer)
    return invalid("Jwt issuer is not configured");
  if (!rules.audiences.empty()) {
    const auto allowed = [&](const boost::json::value& value) {
      if (!value.is_string()) return false;
      for (const auto& audience : rules.audiences)
        if (core::sv(value.get_string()) == audience) return true;
      return false;
    };
    bool ok = false;
    if (const auto* aud = claims.if_contains("aud")) {
      if (aud->is_array()) {
        for (const auto& item : aud->get_array()) ok = ok || allowed(item);
      } else {
        ok = allowed(*aud);
      }
    }
    if (!ok) return invalid("Audiences in Jwt are not allowed");
  }
  return {};
}

const boost::json::value* claimAt(const boost::json::object& claims, std::string_view path) {
  const boost::json::object* object = &claims;
  for (;;) {
    const auto dot = path.find('.');
    const auto* value = object->if_contains(path.substr(0, dot));
    if (!value || dot == std::string_view::npos) return value;
    if (!value->is_object()) return nullptr;
    object = &value->get_object();
    path.remove_prefix(dot + 1);
  }
}

}  // namespace switchyard::jose
