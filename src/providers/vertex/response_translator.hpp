#pragma once
// Vertex AI GenerateContentResponse → OpenAI chat.completion (wire.md §2.4, §2.8).
//
// Decisions beyond the spec tables:
// - `id` is `chatcmpl-<responseId>`, else `chatcmpl-<requestId>`; `created` comes from
// `createTime`,
//   else the context's clock; `model` is `modelVersion`, else the upstream model asked for.
// - Thought parts (`thought: true`) are not content: their text goes to the non-standard
//   `message.reasoning_content` (present only when non-empty).
// - Function calls become `tool_calls` with ids minted by mintToolCallId (wire.hpp), which also
//   carry the part's thoughtSignature for the next turn. `content` is null when there is no text.
// - Usage: prompt_tokens = promptTokenCount + toolUsePromptTokenCount; completion_tokens =
//   candidatesTokenCount + thoughtsTokenCount; total_tokens = totalTokenCount (else the sum);
//   cached_tokens = cachedContentTokenCount; reasoning_tokens = thoughtsTokenCount.
// - A prompt blocked by `promptFeedback.blockReason` with no candidates is a 200 with one choice:
//   content null, finish_reason "content_filter", and the block reason (and message) in the
//   non-standard-but-schema-valid `refusal`. Never an empty `choices` array.
// - No candidates and no block reason, or a body that is not a JSON object: UpstreamBadResponse.

#include <string_view>

#include "core/result.hpp"
#include "providers/provider.hpp"

namespace switchyard::providers::vertex {

core::Result<TranslatedResponse> translateResponse(std::string_view upstreamBody,
                                                   const BackendTarget& target,
                                                   const ResponseContext& context);

}  // namespace switchyard::providers::vertex
