// Client authentication per request: an API key matched by digest against 100 clients, and a JWT
// (RS256, ES256) decoded, verified and its claims checked — what a request pays before its rate
// limits when a SecurityPolicy applies.

#include <benchmark/benchmark.h>

#include <string>

#include <openssl/sha.h>
#include "../../tests/unit/jose/test_jwk.hpp"

#include "clientauth/api_key_matcher.hpp"
#include "jose/jwt.hpp"

namespace switchyard::bench {
namespace {

void BM_ApiKeyOf100Clients(benchmark::State& state) {
  config::ApiKeyAuth auth;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "sk-client-" + std::to_string(i) + "-0123456789abcdef";
    config::ApiKeyClient client;
    client.clientId = "client-" + std::to_string(i);
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), client.digest.data());
    auth.clients.push_back(std::move(client));
  }
  const std::string presented = "sk-client-57-0123456789abcdef";
  for (auto _ : state) benchmark::DoNotOptimize(clientauth::findApiKeyClient(auth, presented));
}
BENCHMARK(BM_ApiKeyOf100Clients);

void verifyJwt(benchmark::State& state, const jose::testing::TestKey& key) {
  const auto set = jose::parseJwks(jose::testing::jwks({&key}));
  const auto token = jose::testing::signJwt(
      key, R"({"iss":"https://issuer","aud":"switchyard","sub":"carol","exp":4102444800})");
  const std::string audiences[] = {"switchyard"};
  for (auto _ : state) {
    auto jwt = jose::decodeJwt(token);
    const bool ok = jose::verifySignature(*jwt, *set) == jose::SignatureCheck::Valid &&
                    jose::checkClaims(jwt->claims, {"https://issuer", audiences, 1700000000, 60});
    benchmark::DoNotOptimize(ok);
  }
}

void BM_JwtRs256(benchmark::State& state) { verifyJwt(state, jose::testing::rsaKey("r")); }
void BM_JwtEs256(benchmark::State& state) { verifyJwt(state, jose::testing::ecKey("e")); }
BENCHMARK(BM_JwtRs256);
BENCHMARK(BM_JwtEs256);

}  // namespace
}  // namespace switchyard::bench
