#pragma once
// Claude Messages stream (Vertex `streamRawPredict`, SSE) → OpenAI chat.completion.chunk events,
// event by event (docs/spec/openai-anthropic-fields.md). Nothing is buffered across events but the
// per-block state (its type, its tool call's index) and the usage counts.
//
// Decisions:
// - message_start fixes every chunk's `id` (`chatcmpl-<message id>`, else `chatcmpl-<requestId>`),
//   `created` (the context's clock) and `model` (the message's, else the upstream model), and
//   sends the role chunk `{"role":"assistant","content":""}`.
// - content_block_start of a tool_use block sends the call's header (index counting the calls of
//   the stream, Claude's id, the name, `arguments: ""`); each input_json_delta then sends its
//   piece of the arguments. A tool block that streamed no arguments gets its start `input` (else
//   `{}`) at content_block_stop, so the arguments always end up a JSON object.
// - text_delta → `content`; thinking_delta → `reasoning_content`; signature_delta → a
//   `thinking_blocks` delta `[{"type":"thinking","thinking":"","signature":...}]`; a
//   redacted_thinking block → a `thinking_blocks` delta with its data. Empty texts are skipped;
//   citations and server-tool blocks are left out.
// - message_delta with a stop_reason sends the finish chunk (`delta:{}`, the mapped reason; once).
//   Its usage counts replace those of message_start (Claude's are cumulative).
// - message_stop ends the message (a finish chunk with `stop` if none came). The body's end then
//   sends, with include_usage, `{"choices":[],"usage":{...}}`, and `data: [DONE]`.
// - ping, and event types Claude may add, are ignored.
// - Errors (`out` keeps nothing of the failing event): an `error` event is UpstreamStatus with the
//   status of its Anthropic type (rate_limit_error 429, api_error 500, overloaded_error 529 given
//   to the client as 503: response_translator.hpp openAiStatus) and the type as the code; data that
//   is not a JSON object with a `type`, an event before message_start or after message_stop, a
//   block event after the stop reason, a delta for a block not open or of another type, or a tool
//   input beyond double range, is UpstreamBadResponse; so is a body that ends before message_stop
//   ("upstream stream ended before finishing").

#include <memory>

#include "providers/sse_stream_translator.hpp"

namespace switchyard::providers::anthropic {

std::unique_ptr<SseStreamTranslator> makeStreamTranslator(const ApiRequest& request,
                                                          const BackendTarget& target,
                                                          const ResponseContext& context);

}  // namespace switchyard::providers::anthropic
