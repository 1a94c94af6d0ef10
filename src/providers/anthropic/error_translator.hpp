#pragma once
// A non-2xx answer from Claude on Vertex → core::Error. Claude's own errors come in Anthropic's
// envelope `{"type":"error","error":{"type":"overloaded_error","message":"..."}}`: the status and
// message are kept and the Anthropic type becomes the error's `code` (so the Messages endpoint
// renders it back unchanged, and OpenAI clients see it as `code`). Vertex's front end answers in
// Google's envelope (quota, unknown model, auth): those are read as for Gemini. Retry-After comes
// from the header.

#include <optional>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/http_message.hpp"

namespace switchyard::providers::anthropic {

core::Error translateError(unsigned status, const std::vector<core::Header>& headers,
                           std::string_view upstreamBody);

// An Anthropic `error` object (the inner one, or the whole envelope) → core::Error with `status`;
// nullopt when `body` is neither. Streams report errors this way too (an `error` event).
std::optional<core::Error> anthropicError(unsigned status, std::string_view body);

// The HTTP status Anthropic answers with an error of this type (overloaded_error → 529,
// rate_limit_error → 429, ...; unknown → 500). A stream's `error` event carries only the type.
unsigned statusOfErrorType(std::string_view type);

// A stream's `error` event data → UpstreamStatus with the status of its type (statusOfErrorType),
// its message, and the type as `code`; data that is no Anthropic error is a 500 api_error.
core::Error streamError(std::string_view data);

}  // namespace switchyard::providers::anthropic
