#include "clientauth/api_key_matcher.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace switchyard::clientauth {

const config::ApiKeyClient* findApiKeyClient(const config::ApiKeyAuth& auth, std::string_view key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  const config::ApiKeyClient* found = nullptr;
  for (const auto& client : auth.clients) {
    const bool same = CRYPTO_memcmp(digest, client.digest.data(), sizeof digest) == 0;
    if (same && !found) found = &client;
  }
  OPENSSL_cleanse(digest, sizeof digest);
  return found;
}

}  // namespace switchyard::clientauth
