#pragma once
// Vertex AI error answer → core::Error (docs/spec/wire.md §2.6). The upstream HTTP status is kept;
// Google's `status` string (e.g. RESOURCE_EXHAUSTED) becomes the OpenAI `code`; a RetryInfo
// detail's `retryDelay` becomes retryAfterSeconds. Both the object envelope and the single-element
// array form of streaming calls are read. A body that is not Google's envelope gives the message
// "upstream returned HTTP <status>" plus a short printable-ASCII prefix of the body.

#include <boost/json/fwd.hpp>

#include <string_view>

#include "core/error.hpp"

namespace switchyard::providers::vertex {

core::Error translateError(unsigned status, std::string_view upstreamBody);

// The envelope's `error` object, from `{"error":{...}}` or `[{"error":{...}}]`; null otherwise.
const boost::json::object* findGoogleError(const boost::json::value& root);

// The HTTP status an `error` object stands for: its `code` when that is 4xx/5xx (REST envelopes),
// else from its `status` name, else from a numeric gRPC code. For errors that arrive inside a 200
// stream, where there is no HTTP status of their own.
unsigned httpStatusOfGoogleError(const boost::json::object& error);

}  // namespace switchyard::providers::vertex
