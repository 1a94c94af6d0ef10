#pragma once
// The emulator's "model": a deterministic answer derived from the request, so a test can see what
// travelled through the gateway. Rules (src/emulator/README.md has the full list):
//   text       "[<model>] echo: <last user text>" + " (system: <first 40 chars>)"
//              + " [saw image/png 16 bytes]"
//   tools      "call <fn>" in the last user text, or mode ANY → functionCall parts
//              + thoughtSignature
//   tool turn  last content holds functionResponse parts
//              → "[<model>] <fn> returned <response JSON>"
//   JSON       responseMimeType application/json → a value conforming to the response schema
//   thinking   thinkingBudget > 0 (or -1, or thinkingLevel) counts thought tokens; includeThoughts
//              adds a `thought: true` part first
//   n          candidateCount candidates; maxOutputTokens cuts the text (by words) → MAX_TOKENS
// Tokens are whitespace-separated words.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::emulator {

struct CandidateAnswer {
  boost::json::array parts;
  std::string finishReason = "STOP";
};

struct Answer {
  std::vector<CandidateAnswer> candidates;
  long long promptTokens = 0;
  long long candidatesTokens = 0;
  long long thoughtsTokens = 0;
};

// What every response (and every stream event) repeats.
struct AnswerMeta {
  std::string modelVersion;
  std::string responseId;
  std::string createTime;  // RFC 3339
};

// `request` has passed parseGenerateRequest().
Answer deriveAnswer(const boost::json::object& request, std::string_view model);

// The request's prompt tokens as generateContent's usage counts them (promptTokenCount): words
// of the system instruction and of every text part, 1 per other part.
long long countPromptTokens(const boost::json::object& request);

// The countTokens answer for the same request: {"totalTokens": n, "totalBillableCharacters": c,
// "promptTokensDetails": [{"modality": "TEXT", "tokenCount": n}]}; c counts the non-whitespace
// characters (code points) of the text parts and system instruction.
std::string renderCountTokensResponse(const boost::json::object& request);

// All text the last content carries (text parts and functionResponse payloads): where fault
// directives are read from.
std::string lastContentText(const boost::json::object& request);

// The GenerateContentResponse JSON.
std::string renderResponse(const Answer& answer, const AnswerMeta& meta);

// The same answer as streamGenerateContent events (JSON texts, without the `data: ` framing): text
// split by words, usageMetadata holding only trafficType until the last event, which carries the
// counts; each candidate's last event carries its finishReason.
std::vector<std::string> renderStreamEvents(const Answer& answer, const AnswerMeta& meta);

// "2025-07-11T22:15:44.956335Z".
std::string rfc3339(std::chrono::system_clock::time_point time);

// Whitespace-separated words in `text`.
long long countWords(std::string_view text);
std::vector<std::string> splitWords(std::string_view text);

// Shared by the Gemini and Claude answers (tool calls asked for in the prompt):
// indices of `names` that `text` asks for as "call <name>", in the order they appear;
std::vector<std::size_t> calledNames(std::string_view text, const std::vector<std::string>& names);
// the prompt's words after "call <function>" that fill string arguments (filler words dropped).
std::vector<std::string> argumentWords(std::string_view text, std::string_view function);

}  // namespace switchyard::emulator
