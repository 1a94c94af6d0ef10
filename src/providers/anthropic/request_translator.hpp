#pragma once
// OpenAI chat request → Claude Messages request for Vertex AI's `rawPredict` / `streamRawPredict`
// (the field-by-field decisions: docs/spec/openai-anthropic-fields.md).
//
// Decisions beyond the table:
// - The body has `anthropic_version` (the backend's schema.version, else vertex-2023-10-16) and no
//   `model`: Vertex takes the model from the path.
// - `max_tokens` is required by Claude: max_completion_tokens, else max_tokens, else
//   kDefaultMaxTokens (4096, the largest output every Claude model on Vertex accepts, Claude 3
//   Haiku's included); with a thinking budget and no limit given, budget + 4096, since Claude
//   counts thinking inside max_tokens and refuses a budget that is not below it.
// - system and developer messages, wherever they are, become the top-level `system` blocks, in
//   order. Adjacent messages mapping to the same Claude role (tool results and user messages are
//   both `user`) are merged into one message. Empty texts are skipped; a message left with no
//   blocks is skipped.
// - `cache_control` is copied verbatim from a content part, a tool, or a message (then it goes on
//   that message's last block).
// - Thinking blocks are replayed only with their signature (Claude refuses them without): from an
//   assistant message's `thinking_blocks`, or its content parts of type thinking /
//   redacted_thinking. A bare `reasoning_content` has no signature and is not sent.
// - A number beyond double range (`1e999`) in anything copied verbatim (schemas, arguments) is the
//   client's InvalidRequest "number out of range", as for Vertex.

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "providers/provider.hpp"

namespace switchyard::providers::anthropic {

inline constexpr std::string_view kDefaultAnthropicVersion = "vertex-2023-10-16";
inline constexpr std::int64_t kDefaultMaxTokens = 4096;

// `/v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict`, or
// `:streamRawPredict`.
core::Result<std::string> buildTarget(const BackendTarget& target, bool stream);

// The Messages body. Validation failures are InvalidRequest with `param` naming the field.
core::Result<std::string> translateRequestBody(const boost::json::object& body,
                                               std::string_view anthropicVersion, bool stream);

}  // namespace switchyard::providers::anthropic
