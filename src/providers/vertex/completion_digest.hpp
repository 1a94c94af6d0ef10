#pragma once
// What a chat.completion is written from: the few pieces of a Vertex GenerateContentResponse that
// reach the output. Two readers fill it — the one-pass scanner (response_scanner.hpp) for the
// common shapes, the parsed document (response_translator.cpp) for every other one — and one writer
// turns it into JSON, so the two paths cannot drift apart.

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::providers::vertex {

// A part's `text`, in document order; thought parts become reasoning_content, the others content.
struct TextPart {
  std::string_view text;
  bool thought = false;
  // The body's own bytes of a string without escapes, which hold nothing JSON escapes either: the
  // writer copies them as they are (megabytes of answer text, otherwise escaped byte by byte).
  bool escapeFree = false;
};

struct ChoiceDigest {
  std::int64_t index = 0;     // `index` as json_fields.hpp integerField reads it
  std::size_t firstPart = 0;  // this candidate's text parts in CompletionDigest::textParts
  std::size_t partCount = 0;
  std::string_view finishReason;
  // Shapes only the document reader takes; the scanner leaves them null.
  const boost::json::array* callParts = nullptr;  // the parts, when one of them is a functionCall
  const boost::json::object* logprobsResult = nullptr;
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
};

// Views point into the upstream body's parsed form (the document, or the scanner's decoded
// strings), which must outlive the digest.
struct CompletionDigest {
  explicit CompletionDigest(std::pmr::memory_resource* arena) : choices(arena), textParts(arena) {}

  std::pmr::vector<ChoiceDigest> choices;  // in document order; the writer sorts them by index
  std::pmr::vector<TextPart> textParts;
  UsageCounts usage;
  std::string_view responseId;    // empty: the request id stands in
  std::string_view modelVersion;  // empty: the target model stands in
  std::string_view createTime;    // unparseable: the context's clock stands in
  std::string blockedRefusal;     // with no choices: the one choice of a blocked prompt
};

}  // namespace switchyard::providers::vertex
