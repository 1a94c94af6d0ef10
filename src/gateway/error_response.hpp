#pragma once
// The one way an error answer leaves the gateway: status from core::httpStatusOf, body in the
// endpoint's envelope, the request id and Retry-After headers, and the request record's error
// fields (response code, error type, Envoy-style response flag).

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "gateway/request_info.hpp"
#include "http/server.hpp"

namespace switchyard::gateway {

inline constexpr std::string_view kJsonContentType = "application/json";

// Envoy-style response flag for the error that ended a request ("UF", "UH", "NR", ...).
std::string_view responseFlagFor(const core::Error& error);

// How an attempt ended, for the access log and metrics ("status_503", "upstream_connect", ...).
std::string attemptOutcome(const core::Error& error);

// What a client may be told of `error`: failures on the way to a backend (DNS, connect, TLS, reset,
// timeout, unreadable answer, no credential) in words of their own, which name no host, backend,
// token endpoint or policy; any other message without credential-shaped text (scrubCredentials).
// The full error stays in the access log's transport failure reason and in traces.
core::Error clientFacing(const core::Error& error);

// Sends clientFacing(`error`) rendered by `render` (an endpoint's envelope) with `headers` plus
// x-request-id.
boost::asio::awaitable<void> respondError(http::ResponseWriter& writer, RequestInfo& info,
                                          const core::Error& error,
                                          std::string (*render)(const core::Error&),
                                          http::HeaderList headers = {});

}  // namespace switchyard::gateway
