#pragma once
// Vertex AI `:streamGenerateContent?alt=sse` → the Gemini API client's stream, event by event and
// unchanged: each upstream event's JSON is relayed as it arrives, in the framing the client asked
// for with its `alt` (docs/spec/wire.md §2.5):
// - SSE (`alt=sse`): `data: {...}\r\n\r\n`, as Google frames it (CRLF), content type
//   `text/event-stream`. An event whose JSON spans several lines goes out on one line (the line
//   breaks of valid JSON are whitespace between tokens).
// - JSON array (no `alt`, or `alt=json`, Google's default): `[{...}` then `\n,\r\n{...}` per
//   further event and `\n]` at the end, the separators Google's array stream uses (its elements
//   are pretty-printed; ours stay compact), content type `application/json; charset=UTF-8`.
//   Nothing is written before the first event, so a stream that fails before it may still fall
//   back to another backend.
// Usage comes from the last event whose usageMetadata has counts (non-final events may carry only
// `trafficType`), the model from the last `modelVersion` (else target.model).
//
// Errors (the caller renders the error event; `out` keeps nothing of the failing event): an event
// with a top-level `error` is UpstreamStatus (vertex::translateError, its HTTP status from the
// error's code or status); an event that is not a JSON object, a body that ends inside an event
// and a body with no event at all are UpstreamBadResponse. A stream that ends without a
// finishReason is relayed as it came: Google ends a stream that way when the prompt is blocked
// (promptFeedback, no candidates), and its SDKs accept it.

#include <memory>
#include <optional>
#include <string_view>

#include "providers/sse_stream_translator.hpp"

namespace switchyard::providers::vertex {

enum class GeminiFraming { Sse, JsonArray };

// The framing the client's query asks for: `alt=sse` → Sse; no `alt` or `alt=json` → JsonArray;
// any other `alt` (e.g. `proto`) → nullopt.
std::optional<GeminiFraming> geminiFramingOf(std::string_view query);

std::unique_ptr<SseStreamTranslator> makeGeminiStreamTranslator(GeminiFraming framing,
                                                                const BackendTarget& target);

}  // namespace switchyard::providers::vertex
