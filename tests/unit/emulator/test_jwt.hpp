#pragma once
// Test-side RS256 signing with OpenSSL directly, so token checks do not share code with the
// emulator.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "emulator/base64.hpp"

namespace switchyard::emulator::testing {

inline std::string signRs256(EVP_PKEY* key, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t length = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    throw std::runtime_error("EVP_DigestSign failed");
  }
  std::string signature(length, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  signature.resize(length);
  return signature;
}

inline std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> readPrivateKey(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return {PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free};
}

// header.claims.signature
inline std::string makeJwt(const boost::json::object& header, const boost::json::object& claims,
                           EVP_PKEY* key) {
  const std::string input = base64UrlEncode(boost::json::serialize(header)) + "." +
                            base64UrlEncode(boost::json::serialize(claims));
  return input + "." + base64UrlEncode(signRs256(key, input));
}

}  // namespace switchyard::emulator::testing
