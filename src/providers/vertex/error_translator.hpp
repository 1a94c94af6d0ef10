#pragma once
// Vertex AI error answer → core::Error (docs/spec/wire.md §2.6). The upstream HTTP status is kept;
// Google's `status` string (e.g. RESOURCE_EXHAUSTED) becomes the OpenAI `code`; a RetryInfo
// detail's `retryDelay` becomes retryAfterSeconds. Both the object envelope and the single-element
// array form of streaming calls are read. A body that is not Google's envelope gives the message
// "upstream returned HTTP <status>" plus a short printable-ASCII prefix of the body.

#include <string_view>

#include "core/error.hpp"

namespace switchyard::providers::vertex {

core::Error translateError(unsigned status, std::string_view upstreamBody);

}  // namespace switchyard::providers::vertex
