#pragma once
// What a headerMutation or bodyMutation may touch. Shared by the loader (which rejects a mutation
// of a protected name with a diagnostic) and the gateway's apply step (which skips one anyway, so
// a snapshot built by hand cannot break signing or framing either).

#include <string_view>

namespace switchyard::config {

// Why `name` (any case) is not the operator's to set or remove on the upstream request; empty when
// it is. Protected: the credential headers a signer writes (Authorization, x-goog-api-key, api-key,
// x-api-key, proxy-authorization), the framing and hop-by-hop headers the HTTP client owns (Host,
// Content-Length, Transfer-Encoding, Connection, Keep-Alive, Proxy-Connection, TE, Trailer,
// Upgrade), and the per-attempt headers the gateway writes after signing (x-request-id,
// traceparent, tracestate).
std::string_view protectedHeaderReason(std::string_view name);

// Why the top-level body member `name` may not be set or removed; empty when it may.
// "stream" is protected: the gateway reads the upstream answer as the client asked for it.
std::string_view protectedBodyMemberReason(std::string_view name);

// True when a header of this name likely carries a secret (its name holds key, token, secret,
// auth, password, cookie, credential or signature): `switchyard check` and /config_dump print
// "[redacted]" instead of the value a headerMutation sets.
bool headerValueMayBeSecret(std::string_view name);

// An RFC 9110 token (what Gateway API's HTTPHeaderName allows): no ':' pseudo-headers, no spaces.
bool isHeaderNameToken(std::string_view name);

}  // namespace switchyard::config
