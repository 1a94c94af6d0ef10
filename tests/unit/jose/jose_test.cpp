#include <gtest/gtest.h>

#include "jose/jwks.hpp"
#include "jose/jwt.hpp"
#include "test_jwk.hpp"

namespace switchyard::jose {
namespace {

using testing::b64url;
using testing::ecKey;
using testing::jwks;
using testing::rsaKey;
using testing::signJwt;

const auto& rsa() {
  static const auto key = rsaKey("r1");
  return key;
}
const auto& pss() {
  static const auto key = rsaKey("p1", "PS256");
  return key;
}
const auto& ec() {
  static const auto key = ecKey("e1");
  return key;
}

KeySet keySet(std::initializer_list<const testing::TestKey*> keys) {
  auto set = parseJwks(jwks(keys));
  EXPECT_TRUE(set) << set.error().message;
  return set ? *set : KeySet{};
}

TEST(Jwks, ReadsRsaAndEcKeysAndSkipsOthers) {
  const std::string text =
      R"({"keys":[)" + rsa().jwk + "," + ec().jwk +
      R"(,{"kty":"oct","k":"c2VjcmV0"},{"kty":"RSA","use":"enc","n":"AQ","e":"AQ"}]})";
  const auto set = parseJwks(text);
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->keys.size(), 2u);
  EXPECT_EQ(set->keys[0].kid, "r1");
  EXPECT_EQ(set->keys[1].curveBits, 256);
  EXPECT_TRUE(set->hasKid("e1"));
  EXPECT_FALSE(set->hasKid("nope"));
}

TEST(Jwks, RefusesWhatIsNotAKeySet) {
  for (const std::string_view text :
       {"", "[]", "{}", R"({"keys":[]})", R"({"keys":[1]})", R"({"keys":[{"kty":"oct","k":"AA"}]})",
        R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})",  // 24-bit modulus
        R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]})"}) {
    EXPECT_FALSE(parseJwks(text)) << text;
  }
  // A point that is not on the curve.
  const std::string zeros = b64url(std::string(32, '\0'));
  EXPECT_FALSE(parseJwks(R"({"keys":[{"kty":"EC","crv":"P-256","x":")" + zeros + R"(","y":")" +
                         zeros + R"("}]})"));
}

TEST(Jwt, VerifiesRs256Ps256AndEs256) {
  const auto set = keySet({&rsa(), &pss(), &ec()});
  for (const auto* key : {&rsa(), &pss(), &ec()}) {
    const auto token = signJwt(*key, R"({"sub":"x"})");
    const auto jwt = decodeJwt(token);
    ASSERT_TRUE(jwt) << key->alg << ": " << jwt.error().message;
    EXPECT_EQ(verifySignature(*jwt, set), SignatureCheck::Valid) << key->alg;
    // Without a kid every key that fits the alg is tried.
    // The decoded token's signing input is a view into the token: keep the token alive.
    const auto anonymousToken = signJwt(*key, R"({"sub":"x"})", "");
    const auto anonymous = decodeJwt(anonymousToken);
    EXPECT_EQ(verifySignature(*anonymous, set), SignatureCheck::Valid) << key->alg;
  }
}

TEST(Jwt, RefusesTamperingForeignKeysAndUnknownKids) {
  const auto set = keySet({&rsa(), &ec()});
  const auto token = signJwt(rsa(), R"({"sub":"alice"})");
  const auto dot = token.find('.');
  const auto tampered = token.substr(0, dot + 1) + b64url(R"({"sub":"admin"})") +
                        token.substr(token.find('.', dot + 1));
  EXPECT_EQ(verifySignature(*decodeJwt(tampered), set), SignatureCheck::Invalid);
  const auto stranger = rsaKey("r1");  // same kid, another key
  EXPECT_EQ(verifySignature(*decodeJwt(signJwt(stranger, "{}")), set), SignatureCheck::Invalid);
  EXPECT_EQ(verifySignature(*decodeJwt(signJwt(rsa(), "{}", "r2")), set),
            SignatureCheck::UnknownKid);
  // The alg must fit the key: an RS256 header over the EC key's kid fails.
  EXPECT_EQ(verifySignature(*decodeJwt(signJwt(rsa(), "{}", "e1")), set), SignatureCheck::Invalid);
}

TEST(Jwt, RefusesNoneHmacAndMalformedTokens) {
  const std::string claims = b64url(R"({"sub":"x"})");
  for (const std::string& token :
       {b64url(R"({"alg":"none"})") + "." + claims + ".",
        b64url(R"({"alg":"none"})") + "." + claims + "." + b64url("x"),
        b64url(R"({"alg":"HS256"})") + "." + claims + "." + b64url("x"),
        b64url(R"({"alg":"RS256","crit":["b64"]})") + "." + claims + "." + b64url("x"),
        std::string("a.b"), std::string("a.b.c.d"), b64url("[]") + "." + claims + ".AA",
        b64url(R"({"alg":"RS256"})") + "." + b64url("not json") + ".AA",
        b64url(R"({"alg":"RS256"})") + "=." + claims + ".AA", std::string(20000, 'a')}) {
    EXPECT_FALSE(decodeJwt(token)) << token;
  }
}

TEST(Jwt, ChecksExpiryNotBeforeIssuerAndAudience) {
  const auto claims = [](std::string_view json) { return decodeJwt(signJwt(rsa(), json))->claims; };
  const std::string audiences[] = {"a", "b"};
  ClaimRules rules{"https://iss", audiences, 1000, 60};
  EXPECT_TRUE(checkClaims(claims(R"({"iss":"https://iss","aud":"b","exp":1001})"), rules));
  EXPECT_TRUE(checkClaims(claims(R"({"iss":"https://iss","aud":["x","a"],"exp":950})"), rules));
  EXPECT_FALSE(checkClaims(claims(R"({"iss":"https://iss","aud":"a","exp":900})"), rules));
  EXPECT_FALSE(checkClaims(claims(R"({"iss":"https://iss","aud":"a","nbf":1100})"), rules));
  EXPECT_FALSE(checkClaims(claims(R"({"iss":"https://other","aud":"a"})"), rules));
  EXPECT_FALSE(checkClaims(claims(R"({"iss":"https://iss","aud":["x"]})"), rules));
  EXPECT_FALSE(checkClaims(claims(R"({"iss":"https://iss"})"), rules));
  EXPECT_FALSE(checkClaims(claims(R"({"iss":"https://iss","aud":"a","exp":"soon"})"), rules));
  EXPECT_TRUE(checkClaims(claims(R"({})"), ClaimRules{{}, {}, 1000, 60}));
}

TEST(Jwt, FindsNestedClaims) {
  const auto jwt = decodeJwt(signJwt(rsa(), R"({"org":{"team":{"name":"blue"}},"n":3})"));
  ASSERT_TRUE(jwt);
  ASSERT_NE(claimAt(jwt->claims, "org.team.name"), nullptr);
  EXPECT_EQ(claimAt(jwt->claims, "org.team.name")->as_string(), "blue");
  EXPECT_EQ(claimAt(jwt->claims, "n.x"), nullptr);
  EXPECT_EQ(claimAt(jwt->claims, "missing"), nullptr);
}

}  // namespace
}  // namespace switchyard::jose
