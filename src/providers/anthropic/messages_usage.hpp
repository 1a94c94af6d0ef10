#pragma once
// Anthropic's token counts (a Messages answer's `usage`, a stream's message_start and
// message_delta) and how they map to the gateway's OpenAI-style Usage: Anthropic's input_tokens
// leaves out the tokens read from and written to the prompt cache, OpenAI's prompt_tokens counts
// them, so prompt = input + cache_read + cache_creation, cached = cache_read and cache creation =
// cache_creation (kept apart for CacheCreationInputToken costs).

#include <boost/json/object.hpp>

#include <cstdint>

#include "providers/provider.hpp"

namespace switchyard::providers::anthropic {

struct MessagesUsage {
  std::int64_t input = 0;
  std::int64_t output = 0;
  std::int64_t cacheRead = 0;
  std::int64_t cacheCreation = 0;

  // Overwrites the counts `usage` carries and keeps the others: message_delta repeats only some
  // (always output_tokens, cumulative). Counts that are not integers read as 0.
  void read(const boost::json::object& usage);
  Usage toUsage() const;
};

}  // namespace switchyard::providers::anthropic
