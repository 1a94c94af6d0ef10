// The scanning reader of OpenAI-schema answers against the document reader: the recorded answer,
// every prefix and many one-byte edits of it, each field it reads in every type, duplicates,
// escaped keys and values, the depth limit, invalid UTF-8. Whichever reader takes a body, the
// result (or the error) must be the document reader's.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "body_edits.hpp"
#include "providers/openai/answer_scanner.hpp"
#include "providers/openai/passthrough.hpp"

namespace switchyard::providers::openai {
namespace {

const BackendTarget kTarget{"gpt-4o-mini", {}, {}, "/v1", {}};

constexpr std::string_view kAnswer =
    R"({"id":"chatcmpl-1","object":"chat.completion","created":1764191647,)"
    R"("model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant",)"
    R"("content":"It \"routes\" \u2014 and falls back.","refusal":null,"annotations":[]},)"
    R"("logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,)"
    R"("completion_tokens":58,"total_tokens":82,"prompt_tokens_details":{"cached_tokens":8,)"
    R"("audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":5,"audio_tokens":0}},)"
    R"("service_tier":"default","system_fingerprint":null})";

bool scans(std::string_view body) { return scanAnswer(body).has_value(); }

// Both readers give the same result; returns the response model ("" for an error).
std::string readsAlike(std::string_view body) {
  const auto fast = passthroughResponse(body, kTarget);
  const auto reference = passthroughResponseFromDocument(body, kTarget);
  if (!testing::expectSameAnswer(fast, reference, body)) return {};
  EXPECT_EQ(fast->body, body);
  return fast->responseModel;
}

TEST(OpenAiAnswerScan, ReadsTheRecordedAnswer) {
  const auto digest = scanAnswer(kAnswer);
  ASSERT_TRUE(digest);
  EXPECT_EQ(digest->model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(digest->usage.promptTokens, 24);
  EXPECT_EQ(digest->usage.completionTokens, 58);
  EXPECT_EQ(digest->usage.totalTokens, 82);
  EXPECT_EQ(digest->usage.cachedTokens, 8);
  EXPECT_EQ(digest->usage.reasoningTokens, 5);
  EXPECT_EQ(readsAlike(kAnswer), "gpt-4o-mini-2024-07-18");
}

TEST(OpenAiAnswerScan, ReadsTheBenchmarkAnswer) {
  const std::string answer = testing::cannedUpstreamBody("chat.json");
  ASSERT_FALSE(answer.empty()) << "bench/canned-upstream/chat.json";
  EXPECT_TRUE(scans(answer));
  readsAlike(answer);
}

TEST(OpenAiAnswerScan, EveryPrefixReadsAlike) {
  testing::forEachPrefix(kAnswer, [](std::string_view body) { readsAlike(body); });
}

TEST(OpenAiAnswerScan, EveryOneByteEditReadsAlike) {
  testing::forEachOneByteEdit(kAnswer, [](std::string_view body) { readsAlike(body); });
}

// Each field the scan reads, holding each kind of value; the scan takes the kinds it expects and
// declines the others, and the result is the document reader's either way.
TEST(OpenAiAnswerScan, EveryTypeOfEveryFieldReadsAlike) {
  const std::string_view values[] = {R"("7")",
                                     R"("x")",
                                     "7",
                                     "-3",
                                     "7.9",
                                     "1e999",
                                     "18446744073709551615",
                                     "true",
                                     "null",
                                     "[]",
                                     "{}",
                                     R"({"cached_tokens":2})",
                                     R"("")",
                                     R"("m\u0031")"};
  const std::string_view fields[] = {"model",
                                     "prompt_tokens",
                                     "completion_tokens",
                                     "total_tokens",
                                     "prompt_tokens_details",
                                     "cached_tokens",
                                     "completion_tokens_details",
                                     "reasoning_tokens",
                                     "usage"};
  for (const auto field : fields) {
    for (const auto value : values) {
      const std::string key = "\"" + std::string(field) + "\":";
      std::string body(kAnswer);
      const auto at = body.find(key);
      ASSERT_NE(at, std::string::npos) << field;
      // The old value runs to the next comma or brace at this nesting; replace it as a whole.
      std::size_t end = at + key.size();
      int depth = 0;
      bool inString = false;
      for (; end < body.size(); ++end) {
        const char c = body[end];
        if (inString) {
          if (c == '\\')
            ++end;
          else if (c == '"')
            inString = false;
        } else if (c == '"') {
          inString = true;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if (c == '}' || c == ']') {
          if (depth-- == 0) break;
        } else if (c == ',' && depth == 0) {
          break;
        }
      }
      body.replace(at + key.size(), end - at - key.size(), value);
      readsAlike(body);
    }
  }
  // Null and absent read as nothing: the target's model, no usage.
  EXPECT_TRUE(scans(R"({"model":null,"usage":null})"));
  EXPECT_EQ(readsAlike(R"({"model":null,"usage":null})"), "gpt-4o-mini");
  EXPECT_EQ(readsAlike("{}"), "gpt-4o-mini");
  EXPECT_EQ(readsAlike(R"({"model":""})"), "gpt-4o-mini");
}

TEST(OpenAiAnswerScan, DuplicateKeysAreTheDocumentReadersLastOne) {
  for (const std::string_view body :
       {R"({"model":"a","model":"b"})",
        R"({"usage":{"prompt_tokens":1},"usage":{"total_tokens":2}})",
        R"({"usage":{"prompt_tokens":1,"prompt_tokens":2}})",
        R"({"usage":{"prompt_tokens_details":{"cached_tokens":1,"cached_tokens":4}}})"}) {
    EXPECT_FALSE(scans(body)) << body;
    readsAlike(body);
  }
  EXPECT_EQ(readsAlike(R"({"model":"a","model":"b"})"), "b");
}

TEST(OpenAiAnswerScan, EscapedKeysAreTheKeysTheySpell) {
  for (const std::string_view key : {"model", "usage", "prompt_tokens", "completion_tokens",
                                     "total_tokens", "prompt_tokens_details", "cached_tokens",
                                     "completion_tokens_details", "reasoning_tokens"}) {
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(key[0]));
    const std::string plainKey = "\"" + std::string(key) + "\"";
    const std::string escapedKey = "\"" + std::string(escaped) + std::string(key.substr(1)) + "\"";
    std::string body(kAnswer);
    body.replace(body.find(plainKey), plainKey.size(), escapedKey);
    EXPECT_TRUE(scans(body)) << body;
    readsAlike(body);
    EXPECT_EQ(scanAnswer(body)->usage.totalTokens, 82) << key;
  }
}

TEST(OpenAiAnswerScan, AnEscapedModelIsLeftToTheDocumentReader) {
  const std::string_view body = R"({"model":"gpt\u002d4o"})";
  EXPECT_FALSE(scans(body));
  EXPECT_EQ(readsAlike(body), "gpt-4o");
  const std::string longModel = R"({"model":")" + std::string(5000, 'm') + R"(\n"})";
  EXPECT_FALSE(scans(longModel));
  readsAlike(longModel);
}

TEST(OpenAiAnswerScan, DepthLimitIsTheDocumentReadersDepthLimit) {
  for (int depth = 25; depth <= 40; ++depth) {
    const std::string nested = std::string(depth, '[') + std::string(depth, ']');
    readsAlike(R"({"usage":{"prompt_tokens":1,"x":)" + nested + "}}");
    readsAlike(R"({"x":)" + nested + R"(,"model":"m"})");
  }
}

TEST(OpenAiAnswerScan, InvalidUtf8IsRejectedAlike) {
  for (const std::string_view bad : {"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf"}) {
    EXPECT_TRUE(readsAlike(R"({"model":"m)" + std::string(bad) + "\"}").empty());
    EXPECT_TRUE(readsAlike(R"({"x":")" + std::string(bad) + R"(","model":"m"})").empty());
  }
  EXPECT_TRUE(readsAlike(R"({"model":"\ud800"})").empty());  // a lone surrogate
}

TEST(OpenAiAnswerScan, OnlyAnObjectIsAnAnswer) {
  for (const std::string_view body : {"[]", "null", R"("x")", "7", "", "{", R"({"model":"m"} x)"}) {
    EXPECT_FALSE(scans(body)) << body;
    EXPECT_TRUE(readsAlike(body).empty()) << body;
  }
}

}  // namespace
}  // namespace switchyard::providers::openai
