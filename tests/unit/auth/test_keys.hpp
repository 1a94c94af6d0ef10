#pragma once
// Throwaway RSA keys and key-file JSON for the auth tests (generated once per test binary).

#include <openssl/bio.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace switchyard::auth::testing {

inline std::shared_ptr<EVP_PKEY> generateRsaKey() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  if (key == nullptr) throw std::runtime_error("RSA keygen failed");
  return std::shared_ptr<EVP_PKEY>(key, &EVP_PKEY_free);
}

// Two distinct keys shared by all tests: keygen is the slow part.
inline const std::shared_ptr<EVP_PKEY>& testKey() {
  static const auto key = generateRsaKey();
  return key;
}
inline const std::shared_ptr<EVP_PKEY>& otherKey() {
  static const auto key = generateRsaKey();
  return key;
}

inline std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// "-----BEGIN PRIVATE KEY-----" (PKCS#8), as Google issues keys.
inline std::string pkcs8Pem(const EVP_PKEY& key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr);
  return bioText(bio.get());
}

// "-----BEGIN RSA PRIVATE KEY-----" (PKCS#1), through the OpenSSL 3 encoder.
inline std::string pkcs1Pem(const EVP_PKEY& key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(&key, OSSL_KEYMGMT_SELECT_KEYPAIR, "PEM",
                                                        "type-specific", nullptr);
  if (ctx == nullptr || OSSL_ENCODER_to_bio(ctx, bio.get()) != 1) {
    OSSL_ENCODER_CTX_free(ctx);
    throw std::runtime_error("PKCS#1 encoding failed");
  }
  OSSL_ENCODER_CTX_free(ctx);
  return bioText(bio.get());
}

inline std::string publicPem(const EVP_PKEY& key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), &key);
  return bioText(bio.get());
}

inline constexpr const char* kKeyId = "0123456789abcdef0123456789abcdef01234567";
inline constexpr const char* kClientEmail = "gw@my-project.iam.gserviceaccount.com";

// A complete key file as IAM downloads it.
inline boost::json::object keyFileObject(const std::string& pem) {
  return boost::json::object{
      {"type", "service_account"},
      {"project_id", "my-project"},
      {"private_key_id", kKeyId},
      {"private_key", pem},
      {"client_email", kClientEmail},
      {"client_id", "123456789012345678901"},
      {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
      {"token_uri", "https://oauth2.googleapis.com/token"},
      {"auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs"},
      {"client_x509_cert_url",
       "https://www.googleapis.com/robot/v1/metadata/x509/gw%40my-project.iam.gserviceaccount.com"},
      {"universe_domain", "googleapis.com"},
  };
}

inline std::string keyFileJson() {
  return boost::json::serialize(keyFileObject(pkcs8Pem(*testKey())));
}

// A line from the middle of a PEM: if an error text contained the key, it would contain this.
inline std::string pemFragment(const std::string& pem) {
  const auto start = pem.find('\n') + 1;
  return pem.substr(start + 64 * 3, 40);
}

}  // namespace switchyard::auth::testing
