#pragma once
// A Claude stream (`:streamRawPredict`, Anthropic's named SSE events) relayed to a Messages client
// unchanged, each event as soon as it is complete, re-framed as `event: <name>\ndata: <data>\n\n`
// (the upstream's name, else the data's `type`; line breaks inside the data, whitespace in JSON,
// become spaces). On the way:
// - responseModel() is message_start's `message.model`, else the backend's model; usage() is read
//   from message_start's `message.usage` and each message_delta's `usage` (messages_usage.hpp).
// - An event whose data is not a JSON object is UpstreamBadResponse.
// - An `error` event is UpstreamStatus with its type's status (overloaded_error → 529) and message
//   (error_translator.hpp streamError). It is not forwarded: the relay renders the error as
//   Anthropic's `error` event itself (the same envelope), or, before the client saw a byte, the
//   exchange falls back to the next backend.
// - A stream that ends without message_stop was cut short: UpstreamBadResponse.
// Events of types not named here (ping, content blocks, ones Anthropic adds later) pass as they
// are.

#include <memory>

#include "providers/sse_stream_translator.hpp"

namespace switchyard::providers::anthropic {

std::unique_ptr<SseStreamTranslator> makeMessagesStreamTranslator(const BackendTarget& target);

}  // namespace switchyard::providers::anthropic
