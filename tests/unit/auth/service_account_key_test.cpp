#include "auth/service_account_key.hpp"

#include <openssl/evp.h>

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "auth/jwt.hpp"
#include "test_keys.hpp"

namespace switchyard::auth {
namespace {

using testing::keyFileObject;
using testing::pemFragment;

TEST(ServiceAccountKey, ParsesAGoogleKeyFile) {
  const auto key = parseServiceAccountKey(testing::keyFileJson());
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->projectId, "my-project");
  EXPECT_EQ(key->privateKeyId, testing::kKeyId);
  EXPECT_EQ(key->clientEmail, testing::kClientEmail);
  EXPECT_EQ(key->tokenUri, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(key->universeDomain, "googleapis.com");
  ASSERT_TRUE(key->privateKey);
  EXPECT_EQ(EVP_PKEY_is_a(key->privateKey.get(), "RSA"), 1);
  EXPECT_EQ(EVP_PKEY_eq(key->privateKey.get(), testing::testKey().get()), 1);
}

TEST(ServiceAccountKey, OptionalFieldsMayBeAbsent) {
  auto object = keyFileObject(testing::pkcs8Pem(*testing::testKey()));
  for (const char* name :
       {"type", "project_id", "private_key_id", "universe_domain", "client_id", "auth_uri"}) {
    object.erase(name);
  }
  const auto key = parseServiceAccountKey(boost::json::serialize(object));
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_TRUE(key->privateKeyId.empty());
  EXPECT_EQ(key->universeDomain, "googleapis.com");
}

TEST(ServiceAccountKey, AcceptsPkcs1Pem) {
  const auto pem = testing::pkcs1Pem(*testing::testKey());
  ASSERT_NE(pem.find("BEGIN RSA PRIVATE KEY"), std::string::npos);
  const auto key = parseServiceAccountKey(boost::json::serialize(keyFileObject(pem)));
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(EVP_PKEY_eq(key->privateKey.get(), testing::testKey().get()), 1);
  // The same key signs the same bytes either way.
  EXPECT_EQ(makeJwtBearerAssertion(*key, kCloudPlatformScope, 1).value(),
            makeJwtBearerAssertion(parseServiceAccountKey(testing::keyFileJson()).value(),
                                   kCloudPlatformScope, 1)
                .value());
}

TEST(ServiceAccountKey, MissingRequiredFieldIsNamedAndKeyNotEchoed) {
  const auto pem = testing::pkcs8Pem(*testing::testKey());
  for (const char* name : {"client_email", "private_key", "token_uri"}) {
    auto object = keyFileObject(pem);
    object.erase(name);
    const auto key = parseServiceAccountKey(boost::json::serialize(object));
    ASSERT_FALSE(key) << name;
    EXPECT_EQ(key.error().kind, core::ErrorKind::CredentialUnavailable);
    EXPECT_NE(key.error().message.find(std::string("\"") + name + "\""), std::string::npos)
        << key.error().message;
    EXPECT_EQ(key.error().message.find(pemFragment(pem)), std::string::npos);
  }
}

TEST(ServiceAccountKey, WrongTypesAreNamed) {
  auto object = keyFileObject(testing::pkcs8Pem(*testing::testKey()));
  object["token_uri"] = 42;
  auto key = parseServiceAccountKey(boost::json::serialize(object));
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("\"token_uri\" is not a string"), std::string::npos);

  object = keyFileObject(testing::pkcs8Pem(*testing::testKey()));
  object["type"] = "authorized_user";
  key = parseServiceAccountKey(boost::json::serialize(object));
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("authorized_user"), std::string::npos);
}

TEST(ServiceAccountKey, GarbagePemIsRejectedWithoutEchoingIt) {
  const auto real = testing::pkcs8Pem(*testing::testKey());
  // A damaged copy of a real key: one base64 line replaced.
  std::string damaged = real;
  damaged.replace(real.find('\n') + 1 + 64 * 5, 20, "AAAAAAAAAAAAAAAAAAAA");
  for (const std::string& pem :
       {std::string("-----BEGIN PRIVATE KEY-----\nnot-base64-at-all\n-----END PRIVATE KEY-----\n"),
        damaged, std::string("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7")}) {
    const auto key = parseServiceAccountKey(boost::json::serialize(keyFileObject(pem)));
    ASSERT_FALSE(key);
    EXPECT_NE(key.error().message.find("\"private_key\""), std::string::npos);
    EXPECT_EQ(key.error().message.find("BEGIN"), std::string::npos);
    EXPECT_EQ(key.error().message.find("MIIE"), std::string::npos);
    EXPECT_EQ(key.error().message.find(pemFragment(real)), std::string::npos);
  }
}

TEST(ServiceAccountKey, NonRsaKeyIsRejected) {
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec, nullptr);
  const auto pem = testing::pkcs8Pem(*ec);
  EVP_PKEY_free(ec);
  const auto key = parseServiceAccountKey(boost::json::serialize(keyFileObject(pem)));
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("RSA"), std::string::npos);
}

TEST(ServiceAccountKey, NotJson) {
  EXPECT_FALSE(parseServiceAccountKey("{"));
  EXPECT_FALSE(parseServiceAccountKey("[]"));
  EXPECT_FALSE(parseServiceAccountKey(""));
}

}  // namespace
}  // namespace switchyard::auth
