#pragma once
// Reads of the OpenAI chat JSON that both conventions record the same way. Tolerant like the
// providers' json_fields: a missing or mistyped field reads as absent.

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace switchyard::telemetry {

// `usage` of a chat.completion (docs/spec/wire.md §1.6); each count only if the answer has it.
struct TokenCounts {
  std::optional<std::int64_t> prompt;
  std::optional<std::int64_t> completion;  // includes reasoning
  std::optional<std::int64_t> total;
  std::optional<std::int64_t> cacheRead;  // prompt_tokens_details.cached_tokens
  std::optional<std::int64_t> reasoning;  // completion_tokens_details.reasoning_tokens
};

TokenCounts readTokenCounts(const boost::json::object* usage);

// A choice's `index` when it is a non-negative integer, else its position in `choices`.
std::size_t choiceIndex(const boost::json::object& choice, std::size_t position);

}  // namespace switchyard::telemetry
