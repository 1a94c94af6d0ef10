#pragma once
// Claude Messages response → OpenAI chat.completion (docs/spec/openai-anthropic-fields.md).
//
// Decisions:
// - `id` is `chatcmpl-<Claude's message id>`, else `chatcmpl-<requestId>`; `created` is the
//   context's clock (Claude gives no time); `model` is the body's `model`, else the upstream model.
// - One choice. `text` blocks are concatenated into `content` (null when there is none);
//   `thinking` blocks into the non-standard `reasoning_content`; each thinking block also goes,
//   with its signature, into the non-standard `thinking_blocks` (and redacted_thinking blocks as
//   `{"type":"redacted_thinking","data":...}`), so a client can send them back next turn.
//   `tool_use` blocks become `tool_calls` with Claude's ids and the input as the arguments' JSON.
//   Other block types (server tools) are left out.
// - stop_reason → finish_reason: end_turn, stop_sequence, pause_turn → stop; max_tokens,
//   model_context_window_exceeded → length; tool_use → tool_calls; refusal → content_filter;
//   absent or unknown → stop.
// - Usage as OpenAI counts it: prompt_tokens = input_tokens + cache_read_input_tokens +
//   cache_creation_input_tokens; cached_tokens = cache_read_input_tokens; completion_tokens =
//   output_tokens (thinking included; Claude does not report it apart, so reasoning_tokens is 0);
//   total the sum. Unreadable or negative counts read as 0; sums saturate. The gateway's Usage
//   also keeps cache_creation_input_tokens apart (for costs); OpenAI's usage has no field for it.
// - A body that is not a JSON object, has no `content` array, is an `error` envelope, or has a
//   tool input with a number beyond double range: UpstreamBadResponse.

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "providers/provider.hpp"

namespace switchyard::providers::anthropic {

core::Result<TranslatedResponse> translateResponse(std::string_view upstreamBody,
                                                   const BackendTarget& target,
                                                   const ResponseContext& context);

// Pieces shared with the stream translator, so streamed and whole answers agree.
std::string_view mapStopReason(std::string_view stopReason);

// Claude's usage counts (a stream updates them as message_start and message_delta arrive).
struct UsageCounts {
  std::int64_t input = 0;
  std::int64_t output = 0;
  std::int64_t cacheRead = 0;
  std::int64_t cacheCreation = 0;
};
// Overwrites the counts present in a Claude `usage` object (null: none).
void readUsage(const boost::json::object* usage, UsageCounts& counts);
Usage usageFromCounts(const UsageCounts& counts);
// The status an OpenAI client is given for Claude's: 529 (overloaded_error, a status OpenAI's API
// does not have) is 503, OpenAI's own "overloaded", which clients and the gateway's default
// fallback already treat as worth another backend. The Anthropic type stays the error's code.
unsigned openAiStatus(unsigned anthropicStatus);
// Appends `"usage":{...}`, a member of the object being written (the caller places the comma).
void writeUsage(std::string& out, const Usage& usage);

}  // namespace switchyard::providers::anthropic
