#pragma once
// OpenAI-schema upstream stream → the client (docs/spec/wire.md §1.7). Upstream events already are
// chat.completion.chunk objects, so each is passed through unchanged, only re-framed as
// `data: <json>\n\n` (line breaks inside the JSON, which can only be whitespace, become spaces).
//
// - Each event is parsed (to refuse a malformed one and to read `model` and `usage`): an event
//   that is not a JSON object is UpstreamBadResponse; one with a top-level `error` object is
//   UpstreamStatus (the error's numeric `code` when it is 4xx/5xx, else 500) keeping its message.
// - responseModel() is the first chunk's non-empty `model`, else the upstream model; usage() is
//   the last `usage` object seen. The request's stream_options go upstream as the client sent them,
//   so without include_usage the upstream sends no usage and usage() stays zero.
// - The upstream `[DONE]` is swallowed and re-sent by finish(). OpenAI-compatible servers always
//   send it, so a body ending without it is UpstreamBadResponse ("ended before finishing"), and
//   an event after it is UpstreamBadResponse.

#include <memory>

#include "providers/sse_stream_translator.hpp"

namespace switchyard::providers::openai {

std::unique_ptr<SseStreamTranslator> makeStreamTranslator(const ApiRequest& request,
                                                          const BackendTarget& target,
                                                          const ResponseContext& context);

}  // namespace switchyard::providers::openai
