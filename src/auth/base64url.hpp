#pragma once
// base64url (RFC 4648 §5) without '=' padding, as JWS compact serialization uses it.

#include <optional>
#include <string>
#include <string_view>

namespace switchyard::auth {

std::string base64UrlEncode(std::string_view bytes);

// Strict: rejects padding, characters outside the base64url alphabet, an impossible length and
// non-zero trailing bits, so every accepted text has exactly one encoding.
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace switchyard::auth
