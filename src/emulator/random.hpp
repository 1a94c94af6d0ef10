#pragma once
// Unpredictable identifiers (access tokens, response ids, key ids) from OpenSSL's CSPRNG.

#include <cstddef>
#include <string>

namespace switchyard::emulator {

// `bytes` random bytes as unpadded base64url.
std::string randomBase64Url(std::size_t bytes);
// `bytes` random bytes as lower-case hex.
std::string randomHex(std::size_t bytes);

}  // namespace switchyard::emulator
