#pragma once
// The head of a request to an upstream, written straight into one string. Building a Beast message
// and running its serializer cost a tenth of the gateway's instructions per request; the bytes on
// the wire are the same.

#include <string>
#include <string_view>

#include "core/http_message.hpp"
#include "core/result.hpp"

namespace switchyard::net {

// Appends to `out`: the request line (an empty target is "/"), the caller's headers without the
// framing and routing ones, then Host: `host`, Connection: keep-alive and Content-Length (left out
// only for a body-less GET, HEAD, DELETE or OPTIONS), then the empty line. As Beast's fields did,
// values lose surrounding spaces and tabs and same-name headers are written together. A name or
// value too long for Beast's field storage is an error, as it was.
core::Result<void> appendRequestHead(std::string& out, std::string_view host,
                                     const core::OutboundRequest& request);

// A response to HEAD has no body, whatever its Content-Length says.
inline bool isHeadRequest(const core::OutboundRequest& request) { return request.method == "HEAD"; }

}  // namespace switchyard::net
