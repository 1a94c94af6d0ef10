#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "emulator/answer.hpp"
#include "emulator/base64.hpp"
#include "emulator/generate_request.hpp"

namespace switchyard::emulator {
namespace {

namespace json = boost::json;

constexpr std::string_view kModel = "gemini-2.5-flash";

Answer answerFor(std::string_view body) {
  auto request = parseGenerateRequest(body, kModel);
  EXPECT_TRUE(request) << (request ? "" : request.error().message);
  if (!request) return Answer{{CandidateAnswer{}}, 0, 0, 0};  // keeps callers from indexing nothing
  return deriveAnswer(*request, kModel);
}

std::string textOf(const CandidateAnswer& candidate) {
  std::string out;
  for (const auto& part : candidate.parts) {
    const auto& p = part.as_object();
    if (p.contains("thought")) continue;
    if (const auto* t = p.if_contains("text")) out += t->as_string();
  }
  return out;
}

TEST(Answer, EchoesTheLastUserTextWithModelAndSystem) {
  auto answer = answerFor(
      R"({"systemInstruction":{"parts":[{"text":"You are a terse assistant who answers in one line only."}]},
    "contents":[{"role":"user","parts":[{"text":"first"}]},{"role":"model","parts":[{"text":"one"}]},
                {"role":"user","parts":[{"text":"hello"},{"text":"switchyard"}]}]})");
  ASSERT_EQ(answer.candidates.size(), 1u);
  EXPECT_EQ(textOf(answer.candidates[0]),
            "[gemini-2.5-flash] echo: hello switchyard (system: You are a terse assistant who "
            "answers in)");
  EXPECT_EQ(answer.candidates[0].finishReason, "STOP");
  // system (11 words) + first + one + hello + switchyard
  EXPECT_EQ(answer.promptTokens, 15);
  EXPECT_EQ(answer.candidatesTokens, countWords(textOf(answer.candidates[0])));
  EXPECT_EQ(answer.thoughtsTokens, 0);
}

TEST(Answer, DirectivesAreNotEchoed) {
  auto answer = answerFor(
      R"({"contents":[{"role":"user","parts":[{"text":"slow please [[emulator: delay_ms=1]]"}]}]})");
  EXPECT_EQ(textOf(answer.candidates[0]), "[gemini-2.5-flash] echo: slow please");
}

TEST(Answer, ReportsMedia) {
  const std::string png = base64Encode(std::string(16, 'p'));
  auto answer = answerFor(R"({"contents":[{"role":"user","parts":[{"text":"what is this"},
    {"inlineData":{"mimeType":"image/png","data":")" +
                          png + R"("}},
    {"fileData":{"mimeType":"application/pdf","fileUri":"gs://bucket/doc.pdf"}}]}]})");
  EXPECT_EQ(textOf(answer.candidates[0]),
            "[gemini-2.5-flash] echo: what is this [saw image/png 16 bytes] [saw application/pdf "
            "gs://bucket/doc.pdf]");
}

constexpr const char* kWeatherTool = R"("tools":[{"functionDeclarations":[
    {"name":"get_time","parametersJsonSchema":{"type":"object","properties":{"zone":{"type":"string"}}}},
    {"name":"get_weather","parametersJsonSchema":{"type":"object","properties":{
        "city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},
        "days":{"type":"integer","minimum":3},"detailed":{"type":"boolean"}},
      "required":["city","unit","days"]}}]}])";

TEST(Answer, CallsTheFunctionTheUserNames) {
  auto answer = answerFor(
      std::string(
          R"({"contents":[{"role":"user","parts":[{"text":"please call get_weather for Paris"}]}],)") +
      kWeatherTool + "}");
  ASSERT_EQ(answer.candidates[0].parts.size(), 1u);
  const auto& part = answer.candidates[0].parts[0].as_object();
  const auto& call = part.at("functionCall").as_object();
  EXPECT_EQ(call.at("name").as_string(), "get_weather");
  EXPECT_EQ(json::serialize(call.at("args")), R"({"city":"Paris","unit":"celsius","days":3})");
  EXPECT_EQ(base64Decode(part.at("thoughtSignature").as_string()),
            "emulator-thought-signature:get_weather");
  EXPECT_EQ(answer.candidates[0].finishReason, "STOP");
}

TEST(Answer, CallsSeveralNamedFunctionsInOrder) {
  auto answer = answerFor(
      std::string(
          R"({"contents":[{"role":"user","parts":[{"text":"call get_weather then call get_time"}]}],)") +
      kWeatherTool + "}");
  ASSERT_EQ(answer.candidates[0].parts.size(), 2u);
  EXPECT_EQ(answer.candidates[0].parts[0].at("functionCall").at("name").as_string(), "get_weather");
  EXPECT_EQ(answer.candidates[0].parts[1].at("functionCall").at("name").as_string(), "get_time");
}

TEST(Answer, ModeAnyForcesACall) {
  auto first =
      answerFor(std::string(R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}],)") +
                kWeatherTool + R"(,"toolConfig":{"functionCallingConfig":{"mode":"ANY"}}})");
  EXPECT_EQ(first.candidates[0].parts[0].at("functionCall").at("name").as_string(), "get_time");
  EXPECT_EQ(json::serialize(first.candidates[0].parts[0].at("functionCall").at("args")),
            R"({"zone":"hi"})");

  auto allowed = answerFor(
      std::string(R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}],)") + kWeatherTool +
      R"(,"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}})");
  EXPECT_EQ(allowed.candidates[0].parts[0].at("functionCall").at("name").as_string(),
            "get_weather");
}

TEST(Answer, ModeNoneAndNoMentionGiveText) {
  auto none = answerFor(
      std::string(R"({"contents":[{"role":"user","parts":[{"text":"call get_weather"}]}],)") +
      kWeatherTool + R"(,"toolConfig":{"functionCallingConfig":{"mode":"NONE"}}})");
  EXPECT_EQ(textOf(none.candidates[0]), "[gemini-2.5-flash] echo: call get_weather");
  auto plain = answerFor(
      std::string(R"({"contents":[{"role":"user","parts":[{"text":"recall get_weathers"}]}],)") +
      kWeatherTool + "}");
  EXPECT_TRUE(plain.candidates[0].parts[0].as_object().contains("text"));
}

TEST(Answer, SummarizesFunctionResponses) {
  auto answer = answerFor(std::string(R"({"contents":[
      {"role":"user","parts":[{"text":"call get_weather"}]},
      {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"x"}}}]},
      {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"18C and cloudy"}}}]}],)") +
                          kWeatherTool + "}");
  EXPECT_EQ(textOf(answer.candidates[0]),
            R"([gemini-2.5-flash] get_weather returned {"output":"18C and cloudy"})");
}

TEST(Answer, JsonModeFollowsTheSchema) {
  auto answer = answerFor(R"({"contents":[{"role":"user","parts":[{"text":"give me a person"}]}],
    "generationConfig":{"responseMimeType":"application/json","responseJsonSchema":{
      "type":"object","required":["name","age","tags","address","kind"],
      "properties":{"name":{"type":"string"},"age":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"},"minItems":2},
                    "address":{"$ref":"#/$defs/address"},"kind":{"anyOf":[{"type":"null"},{"type":"string","enum":["a","b"]}]}},
      "$defs":{"address":{"type":"object","properties":{"street":{"type":"string"},"zip":{"type":["null","number"]}}}}}}})");
  const auto value = json::parse(textOf(answer.candidates[0]));
  EXPECT_EQ(
      json::serialize(value),
      R"({"name":"give","age":1,"tags":["me","a"],"address":{"street":"person","zip":1.5E0},"kind":"a"})");
}

TEST(Answer, JsonModeWithVertexSchemaAndWithout) {
  auto vertex = answerFor(R"({"contents":[{"role":"user","parts":[{"text":"q"}]}],
    "generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"OBJECT","properties":{"ok":{"type":"BOOLEAN"}}}}})");
  EXPECT_EQ(textOf(vertex.candidates[0]), R"({"ok":true})");
  auto bare = answerFor(
      R"({"contents":[{"role":"user","parts":[{"text":"q r"}]}],"generationConfig":{"responseMimeType":"application/json"}})");
  EXPECT_EQ(textOf(bare.candidates[0]), R"({"echo":"q r"})");
}

TEST(Answer, CandidateCountGivesIndexedCandidates) {
  auto answer = answerFor(
      R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"candidateCount":3}})");
  ASSERT_EQ(answer.candidates.size(), 3u);
  EXPECT_EQ(textOf(answer.candidates[2]), "[gemini-2.5-flash] echo: hi (candidate 3)");
  const auto response = json::parse(renderResponse(answer, {"gemini-2.5-flash", "id", "t"}));
  const auto& candidates = response.at("candidates").as_array();
  EXPECT_FALSE(candidates[0].as_object().contains("index")) << "proto3 JSON omits index 0";
  EXPECT_EQ(candidates[1].at("index").as_int64(), 1);
  EXPECT_EQ(candidates[2].at("index").as_int64(), 2);
}

TEST(Answer, MaxOutputTokensTruncates) {
  auto answer = answerFor(
      R"({"contents":[{"role":"user","parts":[{"text":"one two three four five"}]}],"generationConfig":{"maxOutputTokens":4}})");
  EXPECT_EQ(textOf(answer.candidates[0]), "[gemini-2.5-flash] echo: one two");
  EXPECT_EQ(answer.candidates[0].finishReason, "MAX_TOKENS");
  EXPECT_EQ(answer.candidatesTokens, 4);
}

TEST(Answer, ThinkingAddsAThoughtPartAndCounts) {
  auto shown = answerFor(R"({"contents":[{"role":"user","parts":[{"text":"why is the sky blue"}]}],
    "generationConfig":{"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}}})");
  ASSERT_EQ(shown.candidates[0].parts.size(), 2u);
  const auto& thought = shown.candidates[0].parts[0].as_object();
  EXPECT_TRUE(thought.at("thought").as_bool());
  EXPECT_EQ(thought.at("text").as_string(), "Thinking about: why is the sky blue");
  EXPECT_EQ(shown.thoughtsTokens, 7);

  auto hidden = answerFor(R"({"contents":[{"role":"user","parts":[{"text":"why"}]}],
    "generationConfig":{"thinkingConfig":{"thinkingBudget":1024}}})");
  EXPECT_EQ(hidden.candidates[0].parts.size(), 1u);
  EXPECT_EQ(hidden.thoughtsTokens, 3);

  auto off = answerFor(R"({"contents":[{"role":"user","parts":[{"text":"why"}]}],
    "generationConfig":{"thinkingConfig":{"thinkingBudget":0,"includeThoughts":true}}})");
  EXPECT_EQ(off.thoughtsTokens, 0);
}

TEST(Answer, ResponseJsonHasUsageAndMeta) {
  auto answer = answerFor(R"({"contents":[{"role":"user","parts":[{"text":"a b c"}]}],
    "generationConfig":{"thinkingConfig":{"thinkingBudget":-1}}})");
  const auto response = json::parse(
      renderResponse(answer, {"gemini-2.5-flash", "resp-1", "2025-07-11T22:15:44.956335Z"}));
  const auto& usage = response.at("usageMetadata").as_object();
  EXPECT_EQ(usage.at("promptTokenCount").as_int64(), 3);
  EXPECT_EQ(usage.at("candidatesTokenCount").as_int64(), 5);
  EXPECT_EQ(usage.at("thoughtsTokenCount").as_int64(), 5);
  EXPECT_EQ(usage.at("totalTokenCount").as_int64(), 13);
  EXPECT_EQ(response.at("modelVersion").as_string(), "gemini-2.5-flash");
  EXPECT_EQ(response.at("responseId").as_string(), "resp-1");
  EXPECT_EQ(response.at("createTime").as_string(), "2025-07-11T22:15:44.956335Z");
  EXPECT_EQ(response.at("candidates").at(0).at("content").at("role").as_string(), "model");
}

TEST(Answer, StreamEventsSplitByWordsAndEndWithCounts) {
  auto answer = answerFor(R"({"contents":[{"role":"user","parts":[{"text":"hello stream"}]}]})");
  const auto events = renderStreamEvents(answer, {"gemini-2.5-flash", "r", "t"});
  ASSERT_EQ(events.size(), 4u);  // "[gemini-2.5-flash]", " echo:", " hello", " stream"
  std::string joined;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto event = json::parse(events[i]);
    const auto& candidate = event.at("candidates").at(0).as_object();
    joined += candidate.at("content").at("parts").at(0).at("text").as_string();
    const auto& usage = event.at("usageMetadata").as_object();
    if (i + 1 < events.size()) {
      EXPECT_FALSE(candidate.contains("finishReason"));
      EXPECT_EQ(usage.size(), 1u);
      EXPECT_EQ(usage.at("trafficType").as_string(), "ON_DEMAND");
    } else {
      EXPECT_EQ(candidate.at("finishReason").as_string(), "STOP");
      EXPECT_EQ(usage.at("totalTokenCount").as_int64(), 2 + 4);
    }
    EXPECT_EQ(event.at("responseId").as_string(), "r");
  }
  EXPECT_EQ(joined, "[gemini-2.5-flash] echo: hello stream");
}

TEST(Answer, StreamedFunctionCallIsOneEventWithItsSignature) {
  auto answer = answerFor(
      std::string(R"({"contents":[{"role":"user","parts":[{"text":"call get_time"}]}],)") +
      kWeatherTool + "}");
  const auto events = renderStreamEvents(answer, {"m", "r", "t"});
  ASSERT_EQ(events.size(), 1u);
  const auto event = json::parse(events[0]);
  const auto& part = event.at("candidates").at(0).at("content").at("parts").at(0).as_object();
  EXPECT_EQ(part.at("functionCall").at("name").as_string(), "get_time");
  EXPECT_TRUE(part.contains("thoughtSignature"));
}

TEST(Answer, LongTextsStreamInAtMost32Events) {
  std::string words;
  for (int i = 0; i < 200; ++i) words += "w" + std::to_string(i) + " ";
  auto answer =
      answerFor(R"({"contents":[{"role":"user","parts":[{"text":")" + words + R"("}]}]})");
  const auto events = renderStreamEvents(answer, {"m", "r", "t"});
  EXPECT_LE(events.size(), 32u);
  EXPECT_GE(events.size(), 2u);
}

TEST(Answer, Rfc3339HasMicroseconds) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::microseconds(1752272144956335));
  EXPECT_EQ(rfc3339(t), "2025-07-11T22:15:44.956335Z");
}

}  // namespace
}  // namespace switchyard::emulator
