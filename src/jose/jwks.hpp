#pragma once
// JSON Web Key Sets (RFC 7517) as the client-auth layer verifies JWTs with them: the public RSA and
// EC (P-256, P-384, P-521) keys of a set, each made into an OpenSSL key once, when the set is read.
// Keys of other types (symmetric "oct", OKP) and private members are ignored, not rejected, so a
// provider can publish keys switchyard does not use next to those it does.

#include <openssl/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace switchyard::jose {

// A JWKS text bigger than this is refused (a real one is a few KiB).
inline constexpr std::size_t kMaxJwksBytes = 256 * 1024;

struct PublicKey {
  enum class Type { Rsa, Ec };
  Type type = Type::Rsa;
  std::string kid;    // empty when the key has none
  std::string alg;    // the key's "alg", empty when absent; when set, only that alg verifies
  int curveBits = 0;  // Ec: 256, 384 or 521
  std::shared_ptr<EVP_PKEY> key;
};

struct KeySet {
  std::vector<PublicKey> keys;
  bool hasKid(std::string_view kid) const {
    for (const auto& key : keys)
      if (key.kid == kid) return true;
    return false;
  }
};

// {"keys":[...]} (a single JWK object is read as a set of one). Fails (InvalidRequest, with a
// message naming the key's index) on text that is not such JSON, on a malformed RSA or EC key, and
// when no usable key is left.
core::Result<KeySet> parseJwks(std::string_view json);

}  // namespace switchyard::jose
