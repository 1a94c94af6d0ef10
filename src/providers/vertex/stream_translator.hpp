#pragma once
// Vertex AI streamGenerateContent (`?alt=sse`) → OpenAI chat.completion.chunk events
// (docs/spec/wire.md §1.7, §2.5, §2.8). Each upstream event is translated on arrival; nothing is
// buffered across events except the per-choice state (role sent, tool calls counted, finished) and
// the last usage.
//
// Decisions beyond the spec:
// - Every chunk carries the same `id` (`chatcmpl-<responseId>` of the first event, else
//   `chatcmpl-<requestId>`), `created` (its `createTime`, else the context's clock) and `model`
//   (its `modelVersion`, else the upstream model): all fixed by the first event.
// - A choice's first chunk is `{"role":"assistant","content":""}`. Consecutive text parts of one
//   event go out as one `content` delta, consecutive thought parts as one `reasoning_content`
//   delta (the same non-standard field as non-streamed answers); empty texts are skipped.
//   A candidate's `logprobsResult` rides on its first content delta of that event.
// - Each functionCall is one chunk with one whole tool call: `index` counts the choice's calls
//   across the stream, `id` is mintToolCallId (same ids as the non-streamed answer),
//   `arguments` is the complete JSON text.
// - A finishReason gives a `delta:{}` chunk with mapFinishReason; STOP becomes `tool_calls` when
//   the choice called a tool in any earlier event. A repeated finishReason on an empty candidate
//   is ignored; content after a choice finished is an unreadable stream.
// - `usage` appears only in the final `{"choices":[],"usage":{...}}` chunk with include_usage (it
//   is absent, not null, from every other chunk — both forms are what OpenAI sends, §1.7). It is
//   built from the last event whose usageMetadata had counts, and usage() reports it regardless.
// - A prompt blocked by promptFeedback.blockReason (an event with no candidates) ends choice 0 as
//   in the non-streamed answer: role chunk, a `refusal` delta with the block reason, and a
//   `content_filter` finish. Never an empty stream.
// - Errors (the caller sends the error event; `out` keeps nothing of the failing event):
//   an event that is not a JSON object, or has a malformed `candidates`, or a function call whose
//   `args` hold a number beyond double range (no JSON form), is UpstreamBadResponse;
//   an event with a top-level `error` is UpstreamStatus with the HTTP status for Google's code
//   (`code` when it is 4xx/5xx, else from `status`) and Google's status as the OpenAI code;
//   a body that ends before every choice seen has finished (or before any event) is
//   UpstreamBadResponse "upstream stream ended before finishing".

#include <memory>

#include "providers/sse_stream_translator.hpp"

namespace switchyard::providers::vertex {

std::unique_ptr<SseStreamTranslator> makeStreamTranslator(const ApiRequest& request,
                                                          const BackendTarget& target,
                                                          const ResponseContext& context);

}  // namespace switchyard::providers::vertex
