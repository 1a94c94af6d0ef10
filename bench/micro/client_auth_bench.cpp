// Client authentication per request: an API key matched by digest against 100 clients, and a JWT
// (RS256, ES256) decoded, verified and its claims checked — what a request pays before its rate
// limits when a SecurityPolicy applies — and the same ES256 token once the worker remembers it.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include <openssl/sha.h>
#include "../../tests/unit/jose/test_jwk.hpp"

#include "clientauth/api_key_matcher.hpp"
#include "clientauth/verified_signatures.hpp"
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

// `remembered`: the worker verified this token before (VerifiedSignatures), as for a client that
// sends the same token with each request; the claims are still decoded and checked.
void verifyJwt(benchmark::State& state, const jose::testing::TestKey& key,
               bool remembered = false) {
  const auto set =
      std::make_shared<const jose::KeySet>(*jose::parseJwks(jose::testing::jwks({&key})));
  clientauth::VerifiedSignatures verified;
  const auto token = jose::testing::signJwt(
      key, R"({"iss":"https://issuer","aud":"switchyard","sub":"carol","exp":4102444800})");
  const std::string audiences[] = {"switchyard"};
  for (auto _ : state) {
    auto jwt = jose::decodeJwt(token);
    bool valid = remembered && verified.contains(token, set);
    if (!valid) {
      valid = jose::verifySignature(*jwt, *set) == jose::SignatureCheck::Valid;
      if (valid && remembered) verified.remember(token, set);
    }
    const bool ok =
        valid && jose::checkClaims(jwt->claims, {"https://issuer", audiences, 1700000000, 60});
    benchmark::DoNotOptimize(ok);
  }
}

void BM_JwtRs256(benchmark::State& state) { verifyJwt(state, jose::testing::rsaKey("r")); }
void BM_JwtEs256(benchmark::State& state) { verifyJwt(state, jose::testing::ecKey("e")); }
void BM_JwtEs256Remembered(benchmark::State& state) {
  verifyJwt(state, jose::testing::ecKey("e"), true);
}
BENCHMARK(BM_JwtRs256);
BENCHMARK(BM_JwtEs256);
BENCHMARK(BM_JwtEs256Remembered);

}  // namespace
}  // namespace switchyard::bench
