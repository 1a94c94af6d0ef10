#pragma once
// Vertex AI GenerateContentResponse → OpenAI chat.completion (docs/spec/wire.md §2.4, §2.8).
//
// Decisions beyond the spec tables:
// - `id` is `chatcmpl-<responseId>`, else `chatcmpl-<requestId>`; `created` comes from
//   `createTime`, else the context's clock; `model` is `modelVersion`, else the upstream model.
// - Thought parts (`thought: true`) are not content: their text goes to the non-standard
//   `message.reasoning_content` (present only when non-empty).
// - Function calls become `tool_calls` with ids minted by mintToolCallId (wire.hpp), which also
//   carry the part's thoughtSignature for the next turn. `content` is null when there is no text.
// - A thoughtSignature on a text part (thought or not) → non-standard `message.thinking_blocks`:
//   one `{"type":"thinking","thinking":...,"signature":...}` per signature, the first holding the
//   reasoning text, so a client can send it back (the request translator puts it back on the
//   answer part). Streamed: a `delta.thinking_blocks` chunk (empty `thinking`) after that part.
// - `candidates[].safetyRatings` → non-standard `message.safety_ratings`, Vertex's objects
//   verbatim. Streamed: on the choice's finish chunk, the latest event's ratings.
// - Usage: prompt_tokens = promptTokenCount + toolUsePromptTokenCount; completion_tokens =
//   candidatesTokenCount + thoughtsTokenCount; total_tokens = totalTokenCount (else the sum);
//   cached_tokens = cachedContentTokenCount; reasoning_tokens = thoughtsTokenCount.
// - A prompt blocked by `promptFeedback.blockReason` with no candidates is a 200 with one choice:
//   content null, finish_reason "content_filter", and the block reason (and message) in the
//   non-standard-but-schema-valid `refusal`. Never an empty `choices` array.
// - Integers (usage counts, candidate index) that are not numbers within int64's range read as 0
//   (json_fields.hpp toInt64); usage sums saturate. A logProbability below double range (`-1e999`)
//   is written as -9999, OpenAI's floor; an unreadable one as 0.
// - No candidates and no block reason, or a body that is not a JSON object, or a function call
//   whose `args` hold a number beyond double range (it has no JSON form): UpstreamBadResponse.
//
// How: building a document was most of a request's translation cost, so a usual answer
// is read in one SAX pass by scanResponse (response_scanner.hpp) into a CompletionDigest
// (completion_digest.hpp); any shape that pass declines — function calls, logprobs, safety ratings,
// text-part thought signatures, blocked prompts, errors, odd types, duplicate keys, bodies that do
// not parse — is parsed into a document
// and read into the same digest. One writer turns a digest into the chat.completion, so the bytes
// written depend on the answer, never on the path it took.

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>

#include "core/json_writer.hpp"
#include "core/result.hpp"
#include "providers/provider.hpp"
#include "providers/vertex/completion_digest.hpp"

namespace switchyard::providers::vertex {

core::Result<TranslatedResponse> translateResponse(std::string_view upstreamBody,
                                                   const BackendTarget& target,
                                                   const ResponseContext& context);

// The same translation through the parsed document alone: the path of every body the scanner
// declines. Public so tests can check that both paths write the same bytes.
core::Result<TranslatedResponse> translateResponseFromDocument(std::string_view upstreamBody,
                                                               const BackendTarget& target,
                                                               const ResponseContext& context);

// Pieces shared with the stream translator, so streamed and non-streamed answers agree.
// The document reader of one candidate: its index, parts (text and functionCall ones), finish
// reason and logprobs, appended to `digest`.
void readCandidate(const boost::json::object& candidate, CompletionDigest& digest);
// The counts of a usageMetadata (null = all zero; `counted` when one of them is present, whatever
// it holds), and OpenAI usage from them with the arithmetic above.
UsageCounts usageCounts(const boost::json::object* usageMetadata);
Usage usageFromCounts(const UsageCounts& counts);
// Appends `"usage":{...}`, a member of the object being written (the caller places the comma).
void writeUsage(std::string& out, const Usage& usage);
// The `refusal` text for a prompt blocked by promptFeedback.blockReason.
std::string blockedPromptRefusal(const boost::json::object& promptFeedback);
// A candidate's logprobsResult as an OpenAI choice `logprobs` object (the value only).
void writeLogprobs(core::JsonWriter& w, const boost::json::object& logprobsResult);

}  // namespace switchyard::providers::vertex
