#pragma once
// Each inbound API's error envelope, whole (the body of an error answer) and as a stream's closing
// event. The status is always core::httpStatusOf(error); only the shape differs.

#include <string>

#include "core/error.hpp"

namespace switchyard::api {

// OpenAI: `data: {"error":{"message","type","param","code"}}` (clients raise on it).
std::string renderOpenAiStreamError(const core::Error& error);

// Anthropic: {"type":"error","error":{"type":"invalid_request_error","message":"..."}}, the type
// from the status (rate_limit_error, overloaded_error for 529, api_error for other 5xx, ...) or
// the upstream's own Anthropic type when the error carries one in `code`.
std::string renderAnthropicError(const core::Error& error);
// `event: error` with the same object, as Anthropic ends a failed stream.
std::string renderAnthropicStreamError(const core::Error& error);
// The Anthropic error type for an HTTP status.
std::string_view anthropicErrorType(unsigned status);

// Google: {"error":{"code":404,"message":"...","status":"NOT_FOUND"}}; `status` is the upstream's
// Google status when the error carries one in `code`, else the canonical one for the HTTP status.
std::string renderGoogleError(const core::Error& error);
// `data: {"error":{...}}` (an SSE event, as Gemini streams report errors).
std::string renderGoogleStreamError(const core::Error& error);
// The canonical Google status name for an HTTP status (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ...).
std::string_view googleStatusName(unsigned status);

}  // namespace switchyard::api
