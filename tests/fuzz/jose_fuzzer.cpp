// libFuzzer target: the JOSE parsers of client authentication, on bytes a client (a JWT) or a JWKS
// server (a key set) controls. The first byte picks the parser; the rest is the input. Neither may
// crash, and a token that decodes must have a signing input that is a prefix of it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "jose/jwks.hpp"
#include "jose/jwt.hpp"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    const auto set = jose::parseJwks(input);
    if (set && set->keys.empty()) {
      std::fprintf(stderr, "contract broken: an accepted key set has no key\n");
      std::abort();
    }
    return 0;
  }
  const auto jwt = jose::decodeJwt(input);
  if (!jwt) return 0;
  if (input.substr(0, jwt->signingInput.size()) != jwt->signingInput) {
    std::fprintf(stderr, "contract broken: the signing input is not the token's prefix\n");
    std::abort();
  }
  jose::KeySet none;
  (void)jose::verifySignature(*jwt, none);
  (void)jose::checkClaims(jwt->claims, jose::ClaimRules{"iss", {}, 1000, 60});
  (void)jose::claimAt(jwt->claims, "a.b.c");
  return 0;
}
