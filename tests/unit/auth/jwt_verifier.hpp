#pragma once
// Test-only RS256 check of the gateway's JWTs with OpenSSL's verify API: the product signs but
// never verifies. Expiry, lifetime and audience are the token endpoint's policy; the emulator
// checks those (tests/unit/emulator/token_service_test.cpp).

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/base64.hpp"

namespace switchyard::auth::testing {

inline std::optional<std::string> jwsDecode(std::string_view text) {
  return core::base64::decode(text, {.alphabet = core::base64::AcceptAlphabet::kUrl,
                                     .padding = core::base64::AcceptPadding::kNone,
                                     .canonical = true});
}

inline std::string jwsEncode(std::string_view bytes) {
  return core::base64::encode(bytes, core::base64::Alphabet::kUrl,
                              core::base64::Padding::kUnpadded);
}

// A public key from a "PUBLIC KEY" PEM; null when unreadable.
inline std::shared_ptr<EVP_PKEY> publicKeyFromPem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  ERR_clear_error();
  return key ? std::shared_ptr<EVP_PKEY>(key, &EVP_PKEY_free) : nullptr;
}

// The claims of `jwt` when it is three unpadded base64url parts, the header is a JSON object with
// alg "RS256", `key` verifies the RSASSA-PKCS1-v1_5/SHA-256 signature over the first two parts,
// and the claims are a JSON object; nullopt otherwise.
inline std::optional<boost::json::object> verifiedClaims(const EVP_PKEY& key,
                                                         std::string_view jwt) {
  const auto first = jwt.find('.');
  const auto second = first == std::string_view::npos ? first : jwt.find('.', first + 1);
  if (second == std::string_view::npos || jwt.find('.', second + 1) != std::string_view::npos)
    return std::nullopt;
  const auto headerText = jwsDecode(jwt.substr(0, first));
  const auto claimsText = jwsDecode(jwt.substr(first + 1, second - first - 1));
  const auto signature = jwsDecode(jwt.substr(second + 1));
  if (!headerText || !claimsText || !signature) return std::nullopt;

  boost::system::error_code ec;
  const auto header = boost::json::parse(*headerText, ec);
  if (ec || !header.is_object()) return std::nullopt;
  const auto* alg = header.get_object().if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "RS256") return std::nullopt;

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const std::string_view signingInput = jwt.substr(0, second);
  const bool valid =
      ctx &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                           const_cast<EVP_PKEY*>(&key)) == 1 &&
      EVP_DigestVerify(
          ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
          reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size()) == 1;
  ERR_clear_error();
  if (!valid) return std::nullopt;

  auto claims = boost::json::parse(*claimsText, ec);
  if (ec || !claims.is_object()) return std::nullopt;
  return std::move(claims.as_object());
}

}  // namespace switchyard::auth::testing
