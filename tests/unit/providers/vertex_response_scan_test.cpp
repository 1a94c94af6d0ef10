// The scanning reader of Vertex answers against the document reader, on generated bodies the case
// table cannot hold: every prefix and many one-byte edits of a real answer, escapes on both sides
// of the parser's 4 KiB string buffer, megabytes of text, the depth limit, invalid UTF-8. Whichever
// reader takes a body, the bytes written (or the error) must be those of the document reader.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory_resource>
#include <string>
#include <string_view>

#include "body_edits.hpp"
#include "providers/vertex/response_scanner.hpp"
#include "providers/vertex/response_translator.hpp"

namespace switchyard::providers::vertex {
namespace {

const BackendTarget kTarget{"gemini-2.5-flash", "p", "us-central1", {}, {}};
const ResponseContext kContext{1700000000, "req-scan"};

// A recorded answer, as the canned upstream of the benchmarks serves it.
constexpr std::string_view kAnswer =
    R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Switchyard is a gateway \u2014 )"
    R"(it \"speaks\" OpenAI.\n"},{"text":"Plan first.","thought":true}]},"finishReason":"STOP",)"
    R"("avgLogprobs":-0.21,"index":0}],"usageMetadata":{"promptTokenCount":24,)"
    R"("candidatesTokenCount":58,"thoughtsTokenCount":7,"totalTokenCount":89,)"
    R"("trafficType":"ON_DEMAND","promptTokensDetails":[{"modality":"TEXT","tokenCount":24}]},)"
    R"("modelVersion":"gemini-2.5-flash","createTime":"2025-11-26T21:14:07.481203Z",)"
    R"("responseId":"f1wnaeOlHbq-2PgP1Je38Qk"})";

bool scans(std::string_view body) {
  std::pmr::monotonic_buffer_resource arena;
  CompletionDigest digest(&arena);
  return scanResponse(body, digest, arena);
}

// Both paths give the same result; returns the translated body ("" for an error).
std::string translatesAlike(std::string_view body) {
  const auto fast = translateResponse(body, kTarget, kContext);
  const auto reference = translateResponseFromDocument(body, kTarget, kContext);
  if (!testing::expectSameAnswer(fast, reference, body)) return {};
  return fast->body;
}

std::string withText(std::string_view text) {
  return R"({"candidates":[{"content":{"parts":[{"text":")" + std::string(text) +
         R"("}]},"finishReason":"STOP"}]})";
}

TEST(VertexResponseScan, TakesTheRecordedAnswer) {
  EXPECT_TRUE(scans(kAnswer));
  const auto body = translatesAlike(kAnswer);
  EXPECT_NE(body.find(R"("reasoning_content":"Plan first.")"), std::string::npos) << body;
}

TEST(VertexResponseScan, TakesTheBenchmarkAnswer) {
  const std::string answer = testing::cannedUpstreamBody("generate.json");
  ASSERT_FALSE(answer.empty()) << "bench/canned-upstream/generate.json";
  EXPECT_TRUE(scans(answer));
  translatesAlike(answer);
}

TEST(VertexResponseScan, EveryPrefixTranslatesAlike) {
  testing::forEachPrefix(kAnswer, [](std::string_view body) { translatesAlike(body); });
}

TEST(VertexResponseScan, EveryOneByteEditTranslatesAlike) {
  testing::forEachOneByteEdit(kAnswer, [](std::string_view body) { translatesAlike(body); });
}

TEST(VertexResponseScan, EscapesAroundTheParsersStringBufferTranslateAlike) {
  // The parser hands an escaped string over in pieces of up to 4 KiB; escapes land on every side of
  // a piece boundary here.
  for (const std::string_view escape : {R"(\n)", R"(\u00e9)", R"(\ud83d\ude00)", R"(\")"}) {
    for (std::size_t plain = 4080; plain <= 4110; ++plain) {
      std::string text = R"(\t)" + std::string(plain, 'a');
      for (int i = 0; i < 3; ++i) text += std::string(escape) + "b";
      const auto body = withText(text);
      EXPECT_TRUE(scans(body));
      EXPECT_FALSE(translatesAlike(body).empty());
    }
  }
}

TEST(VertexResponseScan, MegabytesOfEscapedTextTranslateAlike) {
  std::string text;
  while (text.size() < (3u << 20)) text += R"(Sentence \"seven\" \u00e9\ud83d\ude00 caf\u00e9\n)";
  const auto body = withText(text);
  EXPECT_TRUE(scans(body));
  EXPECT_GT(translatesAlike(body).size(), 2u << 20);
}

TEST(VertexResponseScan, EscapedKeysAreTheKeysTheySpell) {
  // Each key the reader knows, with its first letter written as \u00XX.
  for (const std::string_view key :
       {"candidates", "content", "parts", "text", "thought", "index", "finishReason",
        "usageMetadata", "promptTokenCount", "candidatesTokenCount", "totalTokenCount",
        "thoughtsTokenCount", "cachedContentTokenCount", "toolUsePromptTokenCount", "modelVersion",
        "responseId", "createTime"}) {
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(key[0]));
    const std::string plainKey = "\"" + std::string(key) + "\"";
    const std::string escapedKey = "\"" + std::string(escaped) + std::string(key.substr(1)) + "\"";
    std::string body(kAnswer);
    if (body.find(plainKey) == std::string::npos) continue;
    const auto plain = translatesAlike(body);
    body.replace(body.find(plainKey), plainKey.size(), escapedKey);
    EXPECT_TRUE(scans(body)) << body;
    EXPECT_EQ(translatesAlike(body), plain) << key;
  }
}

TEST(VertexResponseScan, DepthLimitIsTheDocumentReadersDepthLimit) {
  for (int depth = 25; depth <= 40; ++depth) {
    const std::string nested = std::string(depth, '[') + std::string(depth, ']');
    translatesAlike(R"({"candidates":[{"content":{"parts":[{"text":"ok","x":)" + nested + "}]}}]}");
    translatesAlike(R"({"x":)" + nested +
                    R"(,"candidates":[{"content":{"parts":[{"text":"ok"}]}}]})");
  }
}

TEST(VertexResponseScan, InvalidUtf8IsRejectedAlike) {
  for (const std::string_view bad : {"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf"}) {
    const std::string text = "ok" + std::string(bad);
    EXPECT_TRUE(translatesAlike(withText(text)).empty());
    const std::string unknownField =
        R"({"candidates":[{"content":{"parts":[{"text":"ok"}]}}],"x":")" + std::string(bad) + "\"}";
    EXPECT_TRUE(translatesAlike(unknownField).empty());
  }
  EXPECT_TRUE(translatesAlike(withText(R"(\ud800)")).empty());  // a lone surrogate
}

}  // namespace
}  // namespace switchyard::providers::vertex
