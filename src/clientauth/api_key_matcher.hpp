#pragma once
// apiKeyAuth's check: which client an API key belongs to. The presented key is hashed (SHA-256)
// and its digest compared with every client's in constant time (CRYPTO_memcmp, no early exit), so
// neither the comparison nor the number of comparisons says how close a guess was.

#include <string_view>

#include "config/client_auth_policy.hpp"

namespace switchyard::clientauth {

// The client whose key is `key`, or null.
const config::ApiKeyClient* findApiKeyClient(const config::ApiKeyAuth& auth, std::string_view key);

}  // namespace switchyard::clientauth
