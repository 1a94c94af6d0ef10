#pragma once
// Anthropic's error envelope, as Claude on Vertex AI answers rawPredict / streamRawPredict:
// {"type":"error","error":{"type":"<error type>","message":"..."}} — whole as the body of a failed
// call, or as the data of an `event: error` in the middle of a stream.

#include <string>
#include <string_view>

namespace switchyard::emulator {

struct AnthropicError {
  unsigned status = 500;  // HTTP status
  std::string message;    // empty = the usual text for the status
};

// The documented error type for a status: 400 invalid_request_error, 401 authentication_error,
// 403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
// 500 api_error, 529 overloaded_error (other 4xx invalid_request_error, other 5xx api_error).
std::string_view anthropicErrorType(unsigned status);

std::string renderAnthropicError(const AnthropicError& error);

}  // namespace switchyard::emulator
