#pragma once
// Reads a client credential (API key, JWT) from where a SecurityPolicy says it is: a header after
// its prefix, a query parameter (percent-decoded), or a cookie.

#include <optional>
#include <span>
#include <string>

#include "clientauth/request_facts.hpp"
#include "config/client_auth_policy.hpp"

namespace switchyard::clientauth {

// The value at the first source that holds a non-empty one, or nullopt.
std::optional<std::string> readCredential(std::span<const config::CredentialSource> sources,
                                          const RequestFacts& request);

// The value of query parameter `name` in `query`, percent-decoded ('+' is a space); nullopt when
// absent or badly encoded.
std::optional<std::string> queryParam(std::string_view query, std::string_view name);

// The value of cookie `name` in a Cookie header (RFC 6265 §4.2.1), or nullopt.
std::optional<std::string_view> cookieValue(std::string_view header, std::string_view name);

}  // namespace switchyard::clientauth
