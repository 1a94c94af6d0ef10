#pragma once
// The OAuth token endpoint exchange of docs/spec/wire.md §3.2 as plain data: where to send it, the
// request, and what the answer means. No I/O here, so all of it is unit-tested.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/access_token.hpp"
#include "core/http_message.hpp"
#include "core/result.hpp"

namespace switchyard::auth {

struct TokenEndpoint {
  std::string uri;   // as written in the key file, for messages
  std::string host;  // DNS name or IP literal (IPv6 without brackets)
  std::uint16_t port = 0;
  bool tls = true;
  std::string target;  // origin-form: path and query
};

// True for "localhost", 127.0.0.0/8 and ::1.
bool isLoopbackHost(std::string_view host);

// Checks the parts of a parsed token_uri. The token endpoint receives a signed credential, so it
// must be https; plain http is allowed only to a loopback host (a local emulator in tests).
// `port` absent = the scheme's default; `target` empty = "/".
core::Result<TokenEndpoint> makeTokenEndpoint(std::string_view uri, std::string_view scheme,
                                              std::string_view host,
                                              std::optional<std::uint16_t> port,
                                              std::string_view target);

// POST <target>, form-encoded grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=...
core::OutboundRequest makeJwtBearerRequest(const TokenEndpoint& endpoint,
                                           std::string_view assertion);

// What one token response means.
struct TokenResponse {
  core::Result<AccessToken> token;
  bool retryable =
      false;  // 408, 429, 5xx, or error internal_failure/server_error/temporarily_unavailable
};

// Reads {"access_token", "expires_in" (number or numeric string)} from a 200, or the RFC 6749
// {"error", "error_description"} of anything else. Messages quote only `error` and
// `error_description` (shortened), never a response body that could hold a token.
TokenResponse readTokenResponse(const core::InboundResponse& response,
                                std::chrono::system_clock::time_point now,
                                std::string_view endpointUri);

}  // namespace switchyard::auth
