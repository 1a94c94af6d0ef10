#pragma once
// What a chat.completion (or one stream event's chunks) is written from: the few pieces of a Vertex
// GenerateContentResponse that reach the output. Two readers fill it — the one-pass scanner
// (response_scanner.hpp) for the common shapes, the parsed document (response_translator.cpp) for
// every other one — and one writer per output turns it into JSON, so the paths cannot drift apart.

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::providers::vertex {

// A part with a string `text`, or a functionCall part; in document order. Thought parts become
// reasoning_content, the others content.
struct PartDigest {
  std::string_view text;
  bool thought = false;
  // The body's own bytes of a string without escapes, which hold nothing JSON escapes either: the
  // writer copies them as they are (megabytes of answer text, otherwise escaped byte by byte).
  bool escapeFree = false;
  // A functionCall part (its text, if any, is not content). Only the document reader sees them.
  const boost::json::object* callPart = nullptr;
  const boost::json::object* functionCall = nullptr;
  // A text part's thoughtSignature (base64 as sent). Only the document reader sees them.
  std::string_view signature;
};

struct ChoiceDigest {
  std::int64_t index = 0;     // `index` as json_fields.hpp integerField reads it
  std::size_t firstPart = 0;  // this candidate's parts in CompletionDigest::parts
  std::size_t partCount = 0;
  std::string_view finishReason;
  const boost::json::object* logprobsResult = nullptr;  // only the document reader sees them
  const boost::json::value* safetyRatings = nullptr;    // an array; likewise
};

// usageMetadata's counts as read (0 when absent or unreadable); response_translator.hpp
// usageFromCounts does the arithmetic.
struct UsageCounts {
  std::int64_t promptTokenCount = 0;
  std::int64_t toolUsePromptTokenCount = 0;
  std::int64_t candidatesTokenCount = 0;
  std::int64_t thoughtsTokenCount = 0;
  std::int64_t cachedContentTokenCount = 0;
  std::int64_t totalTokenCount = 0;
  bool counted = false;  // one of the counts was present (a stream keeps the last usage that was)
};

// Views point into the upstream body's parsed form (the document, or the scanner's decoded
// strings), which must outlive the digest.
struct CompletionDigest {
  explicit CompletionDigest(std::pmr::memory_resource* arena) : choices(arena), parts(arena) {}

  std::pmr::vector<ChoiceDigest> choices;  // in document order; the answer's writer sorts them
  std::pmr::vector<PartDigest> parts;
  UsageCounts usage;
  std::string_view responseId;    // empty: the request id stands in
  std::string_view modelVersion;  // empty: the target model stands in
  std::string_view createTime;    // unparseable: the context's clock stands in
  std::string blockedRefusal;     // with no choices: the one choice of a blocked prompt
};

}  // namespace switchyard::providers::vertex
