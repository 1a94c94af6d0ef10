#pragma once
// Removes credential-shaped text from what an upstream said in an error, before it reaches a client
// or a log: an upstream (or a proxy in front of it) that echoes the request's headers would
// otherwise hand the gateway's access token to whoever asked. Only error paths call this; a
// successful answer is never scanned.

#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard::gateway {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// Replaces, in place, each of these with kRedacted and returns how many it replaced:
//  - the value after an echoed credential header name (Authorization, Proxy-Authorization,
//    x-goog-api-key, x-api-key, api-key, Cookie, Set-Cookie) and `:` or `=`, as text or JSON;
//  - the token after `Bearer `;
//  - Google OAuth access tokens (`ya29.`...), Google API keys (`AIza` + 35), `sk-` keys (OpenAI,
//    Anthropic), and JWT-shaped strings (`eyJ`... with three dot-separated base64url parts).
std::size_t scrubCredentials(std::string& text);

}  // namespace switchyard::gateway
