#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

#include "core/clock.hpp"
#include "emulator/base64.hpp"
#include "emulator/token_service.hpp"
#include "test_jwt.hpp"

namespace switchyard::emulator {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kEmail = "gw@my-project.iam.gserviceaccount.com";
constexpr std::string_view kKeyId = "0123456789abcdef0123456789abcdef01234567";
constexpr std::string_view kTokenUrl = "https://127.0.0.1:8443/token";

// A test RSA key made with OpenSSL directly, so the check does not share code with the emulator.
struct TestKey {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey{EVP_RSA_gen(2048), &EVP_PKEY_free};
  std::string pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, n);
  }
  std::string sign(std::string_view input) const { return testing::signRs256(pkey.get(), input); }
};

const TestKey& accountKey() {
  static const TestKey key;
  return key;
}
const TestKey& otherKey() {
  static const TestKey key;
  return key;
}

struct Assertion {
  json::object header{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", kKeyId}};
  json::object claims{{"iss", kEmail},
                      {"scope", "https://www.googleapis.com/auth/cloud-platform"},
                      {"aud", kTokenUrl},
                      {"iat", kNow},
                      {"exp", kNow + 3600}};
  std::string sign(const TestKey& key = accountKey()) const {
    return testing::makeJwt(header, claims, key.pkey.get());
  }
};

std::string form(std::string_view assertion) {
  return "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
         std::string(assertion);
}

class TokenServiceTest : public ::testing::Test {
 protected:
  TokenServiceTest()
      : clock_(std::chrono::system_clock::time_point(std::chrono::seconds(kNow))),
        service_(clock_, 3599s) {
    service_.acceptKey(ServiceAccountKey{"my-project", std::string(kEmail), std::string(kKeyId),
                                         accountKey().pem()});
    service_.addAudience(std::string(kTokenUrl));
  }

  void expectGrantError(const Assertion& assertion, std::string_view error,
                        std::string_view descriptionPart, const TestKey& key = accountKey()) {
    auto result = service_.exchange("application/x-www-form-urlencoded", form(assertion.sign(key)));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().status, 400u);
    EXPECT_EQ(result.error().error, error);
    EXPECT_NE(result.error().description.find(descriptionPart), std::string::npos)
        << result.error().description;
  }

  core::ManualClock clock_;
  TokenService service_;
};

TEST_F(TokenServiceTest, GoodAssertionGetsAToken) {
  auto grant = service_.exchange("application/x-www-form-urlencoded", form(Assertion{}.sign()));
  ASSERT_TRUE(grant) << grant.error().description;
  EXPECT_TRUE(grant->accessToken.starts_with("ya29.emu-"));
  EXPECT_EQ(grant->expiresIn, 3599);
  const auto body = json::parse(grant->body());
  EXPECT_EQ(body.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(body.at("expires_in").as_int64(), 3599);
  EXPECT_TRUE(service_.isValid(grant->accessToken));
  EXPECT_FALSE(service_.isValid("ya29.emu-forged"));
}

TEST_F(TokenServiceTest, TokensExpire) {
  auto grant = service_.exchange("application/x-www-form-urlencoded", form(Assertion{}.sign()));
  ASSERT_TRUE(grant);
  clock_.advance(3598s);
  EXPECT_TRUE(service_.isValid(grant->accessToken));
  clock_.advance(1s);
  EXPECT_FALSE(service_.isValid(grant->accessToken));
}

TEST_F(TokenServiceTest, GoogleTokenUrlAndRequestHostAreAcceptedAudiences) {
  Assertion google;
  google.claims["aud"] = "https://oauth2.googleapis.com/token";
  EXPECT_TRUE(service_.exchange("application/x-www-form-urlencoded", form(google.sign())));
  Assertion host;
  host.claims["aud"] = "https://localhost:8443/token";
  EXPECT_FALSE(service_.exchange("application/x-www-form-urlencoded", form(host.sign())));
  EXPECT_TRUE(service_.exchange("application/x-www-form-urlencoded", form(host.sign()),
                                "https://localhost:8443/token"));
}

TEST_F(TokenServiceTest, NoKidIsFine) {
  Assertion assertion;
  assertion.header.erase("kid");
  EXPECT_TRUE(service_.exchange("application/x-www-form-urlencoded", form(assertion.sign())));
}

TEST_F(TokenServiceTest, BadSignature) {
  expectGrantError(Assertion{}, "invalid_grant", "Invalid JWT Signature.", otherKey());
}

TEST_F(TokenServiceTest, TamperedClaims) {
  const std::string good = Assertion{}.sign();
  Assertion changed;
  changed.claims["scope"] =
      "https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/drive";
  const auto firstDot = good.find('.');
  const auto secondDot = good.find('.', firstDot + 1);
  const std::string forged = good.substr(0, firstDot) + "." +
                             base64UrlEncode(json::serialize(changed.claims)) +
                             good.substr(secondDot);
  auto result = service_.exchange("application/x-www-form-urlencoded", form(forged));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().description, "Invalid JWT Signature.");
}

TEST_F(TokenServiceTest, WrongKid) {
  Assertion assertion;
  assertion.header["kid"] = "ffff";
  expectGrantError(assertion, "invalid_grant", "Invalid JWT Signature.");
}

TEST_F(TokenServiceTest, WrongAlgorithm) {
  Assertion assertion;
  assertion.header["alg"] = "HS256";
  expectGrantError(assertion, "invalid_grant", "Invalid JWT Signature.");
}

TEST_F(TokenServiceTest, UnknownAccount) {
  Assertion assertion;
  assertion.claims["iss"] = "someone@else.iam.gserviceaccount.com";
  expectGrantError(assertion, "invalid_grant", "account not found");
}

TEST_F(TokenServiceTest, WrongAudience) {
  Assertion assertion;
  assertion.claims["aud"] = "https://example.com/token";
  expectGrantError(assertion, "invalid_grant",
                   "Failed audience check. The right audience is https://127.0.0.1:8443/token");
}

TEST_F(TokenServiceTest, Expired) {
  Assertion assertion;
  assertion.claims["iat"] = kNow - 7200;
  assertion.claims["exp"] = kNow - 3600;
  expectGrantError(assertion, "invalid_grant", "Token must be a short-lived token (60 minutes)");
}

TEST_F(TokenServiceTest, LifetimeOverAnHour) {
  Assertion assertion;
  assertion.claims["exp"] = kNow + 3601;
  expectGrantError(assertion, "invalid_grant", "Token must be a short-lived token (60 minutes)");
}

TEST_F(TokenServiceTest, ClockSkewBeyondFiveMinutes) {
  Assertion future;
  future.claims["iat"] = kNow + 301;
  future.claims["exp"] = kNow + 301 + 3600;
  expectGrantError(future, "invalid_grant", "Check your iat and exp values");
  Assertion nearFuture;
  nearFuture.claims["iat"] = kNow + 299;
  nearFuture.claims["exp"] = kNow + 299 + 3600;
  EXPECT_TRUE(service_.exchange("application/x-www-form-urlencoded", form(nearFuture.sign())));
}

TEST_F(TokenServiceTest, ScopeMustIncludeCloudPlatform) {
  Assertion assertion;
  assertion.claims["scope"] = "https://www.googleapis.com/auth/cloud-platform.read-only";
  expectGrantError(assertion, "invalid_scope", "Invalid OAuth scope");
  Assertion none;
  none.claims.erase("scope");
  expectGrantError(none, "invalid_scope", "Invalid OAuth scope");
}

TEST_F(TokenServiceTest, FormErrors) {
  auto wrongType = service_.exchange("application/json", "{}");
  ASSERT_FALSE(wrongType);
  EXPECT_EQ(wrongType.error().error, "invalid_request");
  auto grantType =
      service_.exchange("application/x-www-form-urlencoded", "grant_type=client_credentials");
  ASSERT_FALSE(grantType);
  EXPECT_EQ(grantType.error().error, "unsupported_grant_type");
  auto missing =
      service_.exchange("application/x-www-form-urlencoded",
                        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().description, "Missing required parameter: assertion");
  auto garbage = service_.exchange("application/x-www-form-urlencoded", form("not.a.jwt.at.all"));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().error, "invalid_grant");
}

TEST(ServiceAccountKeyFile, RoundTrips) {
  const ServiceAccountKey key{"p", "a@p.iam.gserviceaccount.com", "k1",
                              "-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n"};
  const std::string text = renderServiceAccountKey(key, "https://127.0.0.1:1/token");
  const auto object = json::parse(text).as_object();
  EXPECT_EQ(object.at("type").as_string(), "service_account");
  EXPECT_EQ(object.at("token_uri").as_string(), "https://127.0.0.1:1/token");
  auto parsed = parseServiceAccountKey(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->clientEmail, key.clientEmail);
  EXPECT_EQ(parsed->privateKeyId, "k1");
  EXPECT_EQ(parsed->privateKeyPem, key.privateKeyPem);
  EXPECT_FALSE(parseServiceAccountKey(R"({"private_key":"x"})"));
  EXPECT_FALSE(parseServiceAccountKey("nope"));
}

}  // namespace
}  // namespace switchyard::emulator
