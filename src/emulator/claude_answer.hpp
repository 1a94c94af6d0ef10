#pragma once
// The emulator's Claude: a deterministic Messages answer derived from the request (rules in
// src/emulator/README.md, "Claude"), as one Message or as Anthropic's SSE events.
//   text       "[<model>] echo: <last user text>" + " (system: <first 40 bytes>)" + " [saw ...]"
//   tools      "call <name>" in the last user text (or tool_choice any/tool) → tool_use blocks
//   tool turn  tool_result blocks → "[<model>] <name> returned <content>"
//   thinking   enabled → a thinking block first, signed (claude_request.hpp thinkingSignature)
//   stops      stop_sequences cut the text; max_tokens cuts it by words
// Tokens are whitespace-separated words, as for Gemini.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::emulator {

class PromptCache;

struct ClaudeUsage {
  long long inputTokens = 0;  // not read from or written to the cache
  long long cacheCreationInputTokens = 0;
  long long cacheReadInputTokens = 0;
  long long outputTokens = 0;
};

struct ClaudeAnswer {
  boost::json::array content;
  std::string stopReason;                   // end_turn, max_tokens, stop_sequence, tool_use
  std::optional<std::string> stopSequence;  // the one that matched
  ClaudeUsage usage;
};

struct SseEvent {
  std::string name;  // `event:` line
  std::string data;  // JSON
};

// Every input token of the request (what count-tokens answers): system, tools and messages.
long long countClaudeInputTokens(const boost::json::object& request);

// `request` has passed parseClaudeRequest(kMessages). `cache` (may be null) decides whether the
// cached prefix is written or read.
ClaudeAnswer deriveClaudeAnswer(const boost::json::object& request, std::string_view model,
                                PromptCache* cache);

// All text of the last message (text blocks and tool_result contents): where directives are read.
std::string claudeDirectiveText(const boost::json::object& request);

std::string renderClaudeMessage(const ClaudeAnswer& answer, std::string_view id,
                                std::string_view model);

// message_start, ping, per block content_block_start / _delta… / _stop, message_delta,
// message_stop.
std::vector<SseEvent> renderClaudeStreamEvents(const ClaudeAnswer& answer, std::string_view id,
                                               std::string_view model);

}  // namespace switchyard::emulator
