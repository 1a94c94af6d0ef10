#pragma once
// Test keys for JOSE: fresh RSA and EC key pairs, their public JWKs, and JWTs signed with them.

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

#include "core/base64.hpp"

namespace switchyard::jose::testing {

inline std::string b64url(std::string_view bytes) {
  return core::base64::encode(bytes, core::base64::Alphabet::kUrl,
                              core::base64::Padding::kUnpadded);
}

struct TestKey {
  std::shared_ptr<EVP_PKEY> key;
  std::string kid;
  std::string alg;  // RS256, PS256 or ES256
  std::string jwk;  // the public JWK, JSON
};

inline std::string bnParam(EVP_PKEY* key, const char* name, std::size_t width = 0) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string bytes(width ? width : static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  BN_free(bn);
  return bytes;
}

inline TestKey rsaKey(std::string kid, std::string alg = "RS256") {
  TestKey out{std::shared_ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}),
                                        &EVP_PKEY_free),
              std::move(kid), std::move(alg), ""};
  out.jwk = R"({"kty":"RSA","kid":")" + out.kid + R"(","n":")" +
            b64url(bnParam(out.key.get(), OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
            b64url(bnParam(out.key.get(), OSSL_PKEY_PARAM_RSA_E)) + R"("})";
  return out;
}

inline TestKey ecKey(std::string kid) {
  TestKey out{
      std::shared_ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free),
      std::move(kid), "ES256", ""};
  out.jwk = R"({"kty":"EC","crv":"P-256","kid":")" + out.kid + R"(","x":")" +
            b64url(bnParam(out.key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32)) + R"(","y":")" +
            b64url(bnParam(out.key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + R"("})";
  return out;
}

inline std::string jwks(std::initializer_list<const TestKey*> keys) {
  std::string out = R"({"keys":[)";
  for (const auto* key : keys) out += (out.back() == '[' ? "" : ",") + key->jwk;
  return out + "]}";
}

// header.payload.signature over `claimsJson`, the header naming `kid` (empty: none).
inline std::string signJwt(const TestKey& key, std::string_view claimsJson,
                           std::string kid = "\x01") {
  if (kid == "\x01") kid = key.kid;
  std::string header = R"({"alg":")" + key.alg + R"(","typ":"JWT")";
  if (!kid.empty()) header += R"(,"kid":")" + kid + '"';
  header += '}';
  const std::string input = b64url(header) + "." + b64url(claimsJson);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.key.get());
  if (key.alg == "PS256") {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t length = 0;
  EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string signature(length, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  signature.resize(length);
  if (key.alg == "ES256") {  // DER → R || S
    const auto* p = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    signature = raw;
  }
  return input + "." + b64url(signature);
}

}  // namespace switchyard::jose::testing
