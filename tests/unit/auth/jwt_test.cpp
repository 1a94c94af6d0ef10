#include "auth/jwt.hpp"

#include <openssl/evp.h>

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "core/base64.hpp"
#include "test_keys.hpp"

namespace switchyard::auth {
namespace {

using testing::otherKey;
using testing::testKey;

// The encodings spelled out in docs/spec/wire.md §3.2.
constexpr std::string_view kWireHeaderB64 =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEy"
    "MzQ1NjcifQ";
constexpr std::string_view kWireClaimsB64 =
    "eyJpc3MiOiJnd0BteS1wcm9qZWN0LmlhbS5nc2VydmljZWFjY291bnQuY29tIiwic2NvcGUiOiJodHRwczovL3d3dy5n"
    "b29nbGVhcGlzLmNvbS9hdXRoL2Nsb3VkLXBsYXRmb3JtIiwiYXVkIjoiaHR0cHM6Ly9vYXV0aDIuZ29vZ2xlYXBpcy5j"
    "b20vdG9rZW4iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0";
constexpr std::int64_t kIat = 1700000000;

ServiceAccountKey wireKey() {
  ServiceAccountKey key;
  key.privateKeyId = testing::kKeyId;
  key.clientEmail = testing::kClientEmail;
  key.tokenUri = "https://oauth2.googleapis.com/token";
  key.privateKey = testKey();
  return key;
}

std::string base64UrlEncode(std::string_view bytes) {
  return core::base64::encode(bytes, core::base64::Alphabet::kUrl,
                              core::base64::Padding::kUnpadded);
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
  return core::base64::decode(text, {.alphabet = core::base64::AcceptAlphabet::kUrl,
                                     .padding = core::base64::AcceptPadding::kNone,
                                     .canonical = true});
}

struct Parts {
  std::string header, claims, signature;
};

Parts split(const std::string& jwt) {
  const auto a = jwt.find('.');
  const auto b = jwt.find('.', a + 1);
  return {jwt.substr(0, a), jwt.substr(a + 1, b - a - 1), jwt.substr(b + 1)};
}

// Independent check of the signature with OpenSSL's verify API.
bool opensslVerifies(const EVP_PKEY& key, const std::string& jwt) {
  const auto dot = jwt.rfind('.');
  const auto signature = base64UrlDecode(std::string_view(jwt).substr(dot + 1));
  if (!signature) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, const_cast<EVP_PKEY*>(&key)) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature->data()),
                       signature->size(), reinterpret_cast<const unsigned char*>(jwt.data()),
                       dot) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

JwtVerifyOptions at(std::int64_t now) {
  JwtVerifyOptions options;
  options.now = now;
  return options;
}

TEST(Jwt, BearerAssertionMatchesWireEncoding) {
  const auto jwt = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat);
  ASSERT_TRUE(jwt) << jwt.error().message;
  const auto parts = split(*jwt);
  EXPECT_EQ(parts.header, kWireHeaderB64);
  EXPECT_EQ(parts.claims, kWireClaimsB64);
  EXPECT_EQ(parts.signature.size(), 342u);  // 256 bytes for RSA-2048
  EXPECT_TRUE(opensslVerifies(*testKey(), *jwt));
  EXPECT_FALSE(opensslVerifies(*otherKey(), *jwt));
}

TEST(Jwt, HeaderAndClaimsJsonAreCompactAndOrdered) {
  const auto key = wireKey();
  EXPECT_EQ(jwtBearerHeaderJson(key),
            R"({"alg":"RS256","typ":"JWT","kid":"0123456789abcdef0123456789abcdef01234567"})");
  EXPECT_EQ(jwtBearerClaimsJson(key, kCloudPlatformScope, key.tokenUri, kIat),
            R"({"iss":"gw@my-project.iam.gserviceaccount.com",)"
            R"("scope":"https://www.googleapis.com/auth/cloud-platform",)"
            R"("aud":"https://oauth2.googleapis.com/token","iat":1700000000,"exp":1700003600})");
}

TEST(Jwt, NoKidWithoutPrivateKeyId) {
  auto key = wireKey();
  key.privateKeyId.clear();
  EXPECT_EQ(jwtBearerHeaderJson(key), R"({"alg":"RS256","typ":"JWT"})");
}

TEST(Jwt, AudienceIsTokenUriUnlessGiven) {
  auto key = wireKey();
  key.tokenUri = "https://127.0.0.1:8443/token";
  auto claims =
      verifyJwtRs256(*testKey(), makeJwtBearerAssertion(key, "s", kIat).value(), at(kIat));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->at("aud").as_string(), "https://127.0.0.1:8443/token");
  claims =
      verifyJwtRs256(*testKey(), makeJwtBearerAssertion(key, "s", kIat, "other").value(), at(kIat));
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->at("aud").as_string(), "other");
}

TEST(Jwt, Pkcs1v15SignaturesAreDeterministic) {
  const auto first = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat);
  const auto second = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);
}

TEST(Jwt, VerifyReturnsClaims) {
  const auto jwt = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat).value();
  const auto claims = verifyJwtRs256(*testKey(), jwt, at(kIat + 10));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->at("iss").as_string(), testing::kClientEmail);
  EXPECT_EQ(claims->at("scope").as_string(), kCloudPlatformScope);
  EXPECT_EQ(claims->at("exp").as_int64(), kIat + 3600);

  // The PEM overload, with only the public half.
  EXPECT_TRUE(verifyJwtRs256(testing::publicPem(*testKey()), jwt, at(kIat)));
}

TEST(Jwt, VerifyRejectsTamperedPayload) {
  const auto jwt = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat).value();
  auto parts = split(jwt);
  auto tampered = wireKey();
  tampered.clientEmail = "attacker@evil.iam.gserviceaccount.com";
  parts.claims =
      base64UrlEncode(jwtBearerClaimsJson(tampered, kCloudPlatformScope, tampered.tokenUri, kIat));
  const auto result = verifyJwtRs256(
      *testKey(), parts.header + "." + parts.claims + "." + parts.signature, at(kIat));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "Invalid JWT Signature.");
}

TEST(Jwt, VerifyRejectsWrongKey) {
  const auto jwt = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat).value();
  const auto result = verifyJwtRs256(*otherKey(), jwt, at(kIat));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "Invalid JWT Signature.");
}

TEST(Jwt, VerifyRejectsExpiredAndFuture) {
  const auto jwt = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat).value();
  EXPECT_TRUE(verifyJwtRs256(*testKey(), jwt, at(kIat + 3600 + 59)));   // inside the skew
  EXPECT_FALSE(verifyJwtRs256(*testKey(), jwt, at(kIat + 3600 + 60)));  // expired
  EXPECT_TRUE(verifyJwtRs256(*testKey(), jwt, at(kIat - 60)));
  const auto future = verifyJwtRs256(*testKey(), jwt, at(kIat - 61));  // iat too far ahead
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().message.find("short-lived token"), std::string::npos);
}

TEST(Jwt, VerifyRejectsLifetimeOverAnHour) {
  const std::string header = R"({"alg":"RS256","typ":"JWT"})";
  const auto longLived =
      signJwtRs256(*testKey(), header, R"({"iss":"a","iat":1700000000,"exp":1700003601})");
  ASSERT_TRUE(longLived);
  EXPECT_FALSE(verifyJwtRs256(*testKey(), *longLived, at(kIat)));
  const auto backwards =
      signJwtRs256(*testKey(), header, R"({"iss":"a","iat":1700000000,"exp":1700000000})");
  EXPECT_FALSE(verifyJwtRs256(*testKey(), backwards.value(), at(kIat)));
  const auto noExp = signJwtRs256(*testKey(), header, R"({"iss":"a","iat":1700000000})");
  EXPECT_FALSE(verifyJwtRs256(*testKey(), noExp.value(), at(kIat)));
}

TEST(Jwt, VerifyRejectsOtherAlgorithmsAndShapes) {
  const std::string claims = R"({"iat":1700000000,"exp":1700003600})";
  const auto hs256 = signJwtRs256(*testKey(), R"({"alg":"HS256","typ":"JWT"})", claims);
  EXPECT_FALSE(verifyJwtRs256(*testKey(), hs256.value(), at(kIat)));
  const std::string none =
      base64UrlEncode(R"({"alg":"none"})") + "." + base64UrlEncode(claims) + ".";
  EXPECT_FALSE(verifyJwtRs256(*testKey(), none, at(kIat)));
  EXPECT_FALSE(verifyJwtRs256(*testKey(), "a.b", at(kIat)));
  EXPECT_FALSE(verifyJwtRs256(*testKey(), "a.b.c.d", at(kIat)));
  EXPECT_FALSE(verifyJwtRs256(*testKey(), "", at(kIat)));
  EXPECT_FALSE(verifyJwtRs256("not a pem", "a.b.c", at(kIat)));
}

}  // namespace
}  // namespace switchyard::auth
