#pragma once
// Google's JSON error envelope as Vertex AI serves it (docs/spec/wire.md §2.6):
// {"error":{"code":<http status>,"message":...,"status":"<CANONICAL_NAME>","details":[ErrorInfo]}}.

#include <string>
#include <string_view>

namespace switchyard::emulator {

struct GoogleError {
  unsigned status = 500;  // HTTP status; also the body's `code`
  std::string message;    // empty = the usual text for the status
  std::string reason;     // google.rpc.ErrorInfo reason; empty = no details
};

// google/rpc/code.proto name for an HTTP status (400 → INVALID_ARGUMENT, 429 → RESOURCE_EXHAUSTED).
std::string_view googleStatusName(unsigned httpStatus);

// The text Vertex sends for a status when nothing more specific is known.
std::string_view defaultGoogleMessage(unsigned httpStatus);

// The error body. `asArray` wraps it as `[{...}]`, the form seen on failed streaming calls.
std::string renderGoogleError(const GoogleError& error, bool asArray = false);

}  // namespace switchyard::emulator
