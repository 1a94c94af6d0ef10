#include "clientauth/gatekeeper.hpp"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <map>

#include "../jose/test_jwk.hpp"
#include "clientauth/api_key_matcher.hpp"
#include "clientauth/authorization.hpp"
#include "clientauth/credential_reader.hpp"
#include "clientauth/verified_signatures.hpp"

namespace switchyard::clientauth {
namespace {

using config::CredentialSource;
using Where = config::CredentialSource::Where;

config::ApiKeyClient client(std::string id, std::string_view key) {
  config::ApiKeyClient c;
  c.clientId = std::move(id);
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), c.digest.data());
  return c;
}

struct FakeRequest {
  std::map<std::string, std::string, std::less<>> headers;
  std::string query;
  std::array<std::uint8_t, 4> address{127, 0, 0, 1};
  RequestFacts facts() const {
    RequestFacts f;
    f.header = [this](std::string_view name) -> std::string_view {
      const auto it = headers.find(name);
      return it == headers.end() ? std::string_view() : std::string_view(it->second);
    };
    f.query = query;
    f.method = "POST";
    f.address = address;
    return f;
  }
};

Verdict run(const Gatekeeper& gatekeeper, const config::ClientAuthPolicy& policy,
            const FakeRequest& request, std::int64_t now = 1000,
            VerifiedSignatures* verified = nullptr) {
  boost::asio::io_context ioc;
  const auto facts = request.facts();
  auto future = boost::asio::co_spawn(ioc, gatekeeper.check(&policy, facts, now, verified),
                                      boost::asio::use_future);
  ioc.run();
  return future.get();
}

TEST(ApiKeys, MatchesByDigestOnly) {
  config::ApiKeyAuth auth;
  auth.clients = {client("alice", "key-a"), client("bob", "key-b")};
  ASSERT_NE(findApiKeyClient(auth, "key-b"), nullptr);
  EXPECT_EQ(findApiKeyClient(auth, "key-b")->clientId, "bob");
  EXPECT_EQ(findApiKeyClient(auth, "key-"), nullptr);
  EXPECT_EQ(findApiKeyClient(auth, ""), nullptr);
}

TEST(Credentials, ReadsHeadersParamsAndCookies) {
  FakeRequest request;
  request.headers = {{"authorization", "bearer tok-1"}, {"cookie", "a=1; session = \"s-2\""}};
  request.query = "x=1&api_key=k%2B3+4";
  const CredentialSource bearer{Where::Header, "authorization", "Bearer ", false};
  const CredentialSource optionalBearer{Where::Header, "authorization", "Bearer ", true};
  const CredentialSource param{Where::Param, "api_key", "", false};
  const CredentialSource cookie{Where::Cookie, "session", "", false};
  EXPECT_EQ(readCredential(std::span(&bearer, 1), request.facts()), "tok-1");
  EXPECT_EQ(readCredential(std::span(&param, 1), request.facts()), "k+3 4");
  EXPECT_EQ(readCredential(std::span(&cookie, 1), request.facts()), "s-2");
  request.headers["authorization"] = "raw-key";
  EXPECT_EQ(readCredential(std::span(&bearer, 1), request.facts()), std::nullopt);
  EXPECT_EQ(readCredential(std::span(&optionalBearer, 1), request.facts()), "raw-key");
  EXPECT_EQ(queryParam("a=%zz", "a"), std::nullopt);
  EXPECT_EQ(queryParam("a=%4", "a"), std::nullopt);
}

TEST(Authorization, FirstMatchingRuleDecidesElseTheDefault) {
  config::Authorization authz;
  config::AuthorizationRule office;
  office.allow = true;
  config::SourceCidrMatch range;
  range.network = {10, 0, 0, 0};
  range.prefixLength = 8;
  office.clientCidrs.push_back(range);
  config::AuthorizationRule admins;
  admins.allow = false;
  admins.name = "no-guests";
  admins.jwt = config::AuthorizationRule::JwtPrincipal{"p", {{"roles", true, {"guest"}}}, {}};
  config::AuthorizationRule scoped;
  scoped.allow = true;
  scoped.jwt = config::AuthorizationRule::JwtPrincipal{"p", {}, {"chat", "write"}};
  authz.rules = {office, admins, scoped};

  FakeRequest request;
  request.address = {10, 1, 2, 3};
  EXPECT_TRUE(authorize(authz, request.facts(), {}).allowed);
  request.address = {11, 1, 2, 3};
  EXPECT_FALSE(authorize(authz, request.facts(), {}).allowed);

  const auto claims = [](std::string_view json) { return boost::json::parse(json).as_object(); };
  const auto token = [](std::string_view provider, const boost::json::object& c) {
    return VerifiedToken{provider, &c};
  };
  const auto guest = claims(R"({"roles":["dev","guest"],"scope":"chat write"})");
  const auto result = authorize(authz, request.facts(), token("p", guest));
  EXPECT_FALSE(result.allowed);
  ASSERT_NE(result.rule, nullptr);
  EXPECT_EQ(result.rule->name, "no-guests");
  const auto writer = claims(R"({"roles":["dev"],"scope":"read chat write"})");
  EXPECT_TRUE(authorize(authz, request.facts(), token("p", writer)).allowed);
  EXPECT_FALSE(authorize(authz, request.facts(), token("other", writer)).allowed);
  const auto reader = claims(R"({"roles":["dev"],"scope":"chat"})");
  EXPECT_FALSE(authorize(authz, request.facts(), token("p", reader)).allowed);
  authz.defaultAllow = true;
  EXPECT_TRUE(authorize(authz, request.facts(), token("p", reader)).allowed);
}

class GatekeeperTest : public ::testing::Test {
 protected:
  jose::testing::TestKey key = jose::testing::ecKey("k1");
  config::Snapshot snapshot;
  config::ClientAuthPolicy policy;

  void SetUp() override {
    policy.name = "default/p";
    config::ApiKeyAuth apiKey;
    apiKey.clients = {client("alice", "sk-alice")};
    apiKey.extractFrom = {{Where::Header, "x-api-key", "", false}};
    apiKey.forwardClientIdHeader = "x-client-id";
    policy.apiKey = apiKey;
  }

  void addJwt() {
    config::JwtProvider provider;
    provider.name = "p";
    provider.issuer = "iss";
    provider.localKeys =
        std::make_shared<const jose::KeySet>(*jose::parseJwks(jose::testing::jwks({&key})));
    provider.claimToHeaders = {{"x-team", "org.team"}, {"x-level", "level"}, {"x-obj", "org"}};
    provider.extractFrom = {{Where::Header, "authorization", "Bearer ", false}};
    policy.jwt = config::JwtAuth{false, {provider}};
  }
};

TEST_F(GatekeeperTest, ApiKeyNamesTheClientAndForwardsIt) {
  const Gatekeeper gatekeeper(snapshot, nullptr);
  FakeRequest request;
  request.headers = {{"x-api-key", "sk-alice"}};
  auto verdict = run(gatekeeper, policy, request);
  EXPECT_FALSE(verdict.error);
  EXPECT_EQ(verdict.clientId, "alice");
  ASSERT_EQ(verdict.headers.size(), 1u);
  EXPECT_EQ(verdict.headers[0], (std::pair<std::string, std::string>{"x-client-id", "alice"}));

  request.headers = {{"x-api-key", "sk-alicf"}};
  verdict = run(gatekeeper, policy, request);
  ASSERT_TRUE(verdict.error);
  EXPECT_EQ(verdict.error->kind, core::ErrorKind::Unauthenticated);
  EXPECT_EQ(verdict.error->message.find("sk-alicf"), std::string::npos);
  request.headers.clear();
  verdict = run(gatekeeper, policy, request);
  ASSERT_TRUE(verdict.error);
  EXPECT_NE(verdict.error->message.find("x-api-key header"), std::string::npos);
}

TEST_F(GatekeeperTest, JwtClaimsBecomeHeadersAndTheClientId) {
  addJwt();
  const Gatekeeper gatekeeper(snapshot, nullptr);
  FakeRequest request;
  request.headers = {
      {"x-api-key", "sk-alice"},
      {"authorization",
       "Bearer " +
           jose::testing::signJwt(
               key, R"({"iss":"iss","sub":"carol","exp":2000,"org":{"team":"blue"},"level":3})")}};
  auto verdict = run(gatekeeper, policy, request);
  ASSERT_FALSE(verdict.error) << verdict.error->message;
  EXPECT_EQ(verdict.clientId, "alice");  // the API key's client comes first
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"x-client-id", "alice"}, {"x-team", "blue"}, {"x-level", "3"}};
  EXPECT_EQ(verdict.headers, expected);

  policy.apiKey.reset();
  verdict = run(gatekeeper, policy, request);
  EXPECT_EQ(verdict.clientId, "carol");
  verdict = run(gatekeeper, policy, request, 3000);  // expired by then
  ASSERT_TRUE(verdict.error);
  EXPECT_TRUE(verdict.bearerChallenge);
  request.headers.erase("authorization");
  verdict = run(gatekeeper, policy, request);
  ASSERT_TRUE(verdict.error);
  EXPECT_EQ(verdict.error->message, "Jwt is missing");
  policy.jwt->optional = true;
  EXPECT_FALSE(run(gatekeeper, policy, request).error);
}

// A token verified once is not verified again with the same keys; its claims still are, and a
// new key set (a rotation) or another token is verified afresh.
TEST_F(GatekeeperTest, AVerifiedTokenIsRememberedForItsKeySetOnly) {
  addJwt();
  policy.apiKey.reset();
  const Gatekeeper gatekeeper(snapshot, nullptr);
  VerifiedSignatures verified;
  const auto good = jose::testing::signJwt(key, R"({"iss":"iss","sub":"carol","exp":2000})");
  FakeRequest request;
  request.headers = {{"authorization", "Bearer " + good}};
  EXPECT_FALSE(run(gatekeeper, policy, request, 1000, &verified).error);
  EXPECT_EQ(verified.size(), 1u);
  EXPECT_TRUE(verified.contains(good, policy.jwt->providers[0].localKeys));
  EXPECT_FALSE(run(gatekeeper, policy, request, 1000, &verified).error);
  EXPECT_EQ(verified.size(), 1u);
  EXPECT_TRUE(run(gatekeeper, policy, request, 3000, &verified).error);  // expired: claims checked

  // The same claims with a signature that does not verify: not taken for the remembered token.
  auto forged = good;
  char& inSignature = forged[forged.rfind('.') + 5];
  inSignature = inSignature == 'A' ? 'B' : 'A';
  request.headers = {{"authorization", "Bearer " + forged}};
  EXPECT_TRUE(run(gatekeeper, policy, request, 1000, &verified).error);
  EXPECT_EQ(verified.size(), 1u);

  // The keys rotate to a set without the token's key: the remembered verification no longer holds.
  const auto other = jose::testing::ecKey("k2");
  policy.jwt->providers[0].localKeys =
      std::make_shared<const jose::KeySet>(*jose::parseJwks(jose::testing::jwks({&other})));
  request.headers = {{"authorization", "Bearer " + good}};
  const auto verdict = run(gatekeeper, policy, request, 1000, &verified);
  ASSERT_TRUE(verdict.error);
  EXPECT_EQ(verdict.error->kind, core::ErrorKind::Unauthenticated);
}

TEST(VerifiedSignaturesTest, ForgetsOneTokenWhenFullAndNeverHoldsHugeOnes) {
  VerifiedSignatures verified;
  const auto keys = std::make_shared<const jose::KeySet>();
  for (std::size_t i = 0; i < VerifiedSignatures::kCapacity + 10; ++i)
    verified.remember("token-" + std::to_string(i), keys);
  EXPECT_EQ(verified.size(), VerifiedSignatures::kCapacity);
  verified.remember(std::string(VerifiedSignatures::kMaxTokenSize + 1, 'x'), keys);
  EXPECT_FALSE(verified.contains(std::string(VerifiedSignatures::kMaxTokenSize + 1, 'x'), keys));
  EXPECT_FALSE(verified.contains("token-0", std::make_shared<const jose::KeySet>()));
}

TEST_F(GatekeeperTest, AuthorizationSeesTheHeadersAuthenticationSet) {
  config::AuthorizationRule rule;
  rule.name = "not-alice";
  rule.allow = false;
  rule.headers = {{"x-client-id", {"alice"}}};
  policy.authorization = config::Authorization{{rule}, true};
  const Gatekeeper gatekeeper(snapshot, nullptr);
  FakeRequest request;
  request.headers = {{"x-api-key", "sk-alice"}};
  const auto verdict = run(gatekeeper, policy, request);
  ASSERT_TRUE(verdict.error);
  EXPECT_EQ(verdict.error->kind, core::ErrorKind::Forbidden);
  EXPECT_EQ(core::httpStatusOf(*verdict.error), 403u);
  EXPECT_NE(verdict.error->message.find("not-alice"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::clientauth
