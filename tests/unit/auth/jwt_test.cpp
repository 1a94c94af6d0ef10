#include "auth/jwt.hpp"

#include <gtest/gtest.h>

#include "jwt_verifier.hpp"
#include "test_keys.hpp"

namespace switchyard::auth {
namespace {

using testing::jwsEncode;
using testing::otherKey;
using testing::testKey;
using testing::verifiedClaims;

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

struct Parts {
  std::string header, claims, signature;
};

Parts split(const std::string& jwt) {
  const auto a = jwt.find('.');
  const auto b = jwt.find('.', a + 1);
  return {jwt.substr(0, a), jwt.substr(a + 1, b - a - 1), jwt.substr(b + 1)};
}

TEST(Jwt, BearerAssertionMatchesWireEncoding) {
  const auto jwt = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat);
  ASSERT_TRUE(jwt) << jwt.error().message;
  const auto parts = split(*jwt);
  EXPECT_EQ(parts.header, kWireHeaderB64);
  EXPECT_EQ(parts.claims, kWireClaimsB64);
  EXPECT_EQ(parts.signature.size(), 342u);  // 256 bytes for RSA-2048
  EXPECT_TRUE(verifiedClaims(*testKey(), *jwt));
  EXPECT_FALSE(verifiedClaims(*otherKey(), *jwt));
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
  auto claims = verifiedClaims(*testKey(), makeJwtBearerAssertion(key, "s", kIat).value());
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->at("aud").as_string(), "https://127.0.0.1:8443/token");
  claims = verifiedClaims(*testKey(), makeJwtBearerAssertion(key, "s", kIat, "other").value());
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->at("aud").as_string(), "other");
}

TEST(Jwt, Pkcs1v15SignaturesAreDeterministic) {
  const auto first = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat);
  const auto second = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);
}

TEST(Jwt, SignedClaimsAreAnHourFromIat) {
  const auto jwt = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat).value();
  const auto claims = verifiedClaims(*testKey(), jwt);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->at("iss").as_string(), testing::kClientEmail);
  EXPECT_EQ(claims->at("scope").as_string(), kCloudPlatformScope);
  EXPECT_EQ(claims->at("iat").as_int64(), kIat);
  EXPECT_EQ(claims->at("exp").as_int64(), kIat + kMaxAssertionLifetimeSeconds);

  // With only the public half of the key.
  const auto publicKey = testing::publicKeyFromPem(testing::publicPem(*testKey()));
  ASSERT_TRUE(publicKey);
  EXPECT_TRUE(verifiedClaims(*publicKey, jwt));
}

TEST(Jwt, SignatureCoversThePayload) {
  const auto jwt = makeJwtBearerAssertion(wireKey(), kCloudPlatformScope, kIat).value();
  auto parts = split(jwt);
  auto tampered = wireKey();
  tampered.clientEmail = "attacker@evil.iam.gserviceaccount.com";
  parts.claims =
      jwsEncode(jwtBearerClaimsJson(tampered, kCloudPlatformScope, tampered.tokenUri, kIat));
  EXPECT_FALSE(
      verifiedClaims(*testKey(), parts.header + "." + parts.claims + "." + parts.signature));
}

TEST(Jwt, SignsAnyHeaderAndClaimsAsGiven) {
  const std::string header = R"({"alg":"RS256","typ":"JWT"})";
  const std::string claims = R"({"iss":"a","iat":1700000000})";
  const auto jwt = signJwtRs256(*testKey(), header, claims);
  ASSERT_TRUE(jwt);
  EXPECT_EQ(split(*jwt).header, jwsEncode(header));
  EXPECT_EQ(split(*jwt).claims, jwsEncode(claims));
  const auto verified = verifiedClaims(*testKey(), *jwt);
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->at("iss").as_string(), "a");
}

// The test verifier itself refuses what a token endpoint refuses, so the checks above mean
// something.
TEST(JwtTestVerifier, RejectsOtherAlgorithmsAndShapes) {
  const std::string claims = R"({"iat":1700000000,"exp":1700003600})";
  const auto hs256 = signJwtRs256(*testKey(), R"({"alg":"HS256","typ":"JWT"})", claims);
  EXPECT_FALSE(verifiedClaims(*testKey(), hs256.value()));
  const std::string none = jwsEncode(R"({"alg":"none"})") + "." + jwsEncode(claims) + ".";
  EXPECT_FALSE(verifiedClaims(*testKey(), none));
  EXPECT_FALSE(verifiedClaims(*testKey(), "a.b"));
  EXPECT_FALSE(verifiedClaims(*testKey(), "a.b.c.d"));
  EXPECT_FALSE(verifiedClaims(*testKey(), ""));
  EXPECT_FALSE(testing::publicKeyFromPem("not a pem"));
}

}  // namespace
}  // namespace switchyard::auth
