// Gemini :countTokens: the path, CountTokensRequest's fields, and agreement with generateContent.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "emulator/answer.hpp"
#include "emulator/generate_request.hpp"

namespace switchyard::emulator {
namespace {

namespace json = boost::json;

constexpr std::string_view kModel = "gemini-2.5-flash";

TEST(CountTokens, ParsesTheMethod) {
  auto call = parseModelCall(
      "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:countTokens");
  ASSERT_TRUE(call);
  EXPECT_TRUE(call->countTokens);
  EXPECT_FALSE(call->stream);
}

TEST(CountTokens, AgreesWithGenerateContentUsage) {
  const std::vector<std::string> bodies = {
      R"({"contents":[{"role":"user","parts":[{"text":"one two three"}]}]})",
      R"({"systemInstruction":{"parts":[{"text":"be brief"}]},
          "contents":[{"role":"user","parts":[{"text":"hi there"},
          {"inlineData":{"mimeType":"image/png","data":"AAEC"}}]}]})",
      R"({"contents":[{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"text":"b c"}]},
          {"role":"user","parts":[{"text":"d [[emulator: delay_ms=1]]"}]}],
          "tools":[{"functionDeclarations":[{"name":"f"}]}]})",
  };
  for (const auto& body : bodies) {
    auto counted = parseCountTokensRequest(body, kModel);
    ASSERT_TRUE(counted) << body;
    const auto response = json::parse(renderCountTokensResponse(*counted)).as_object();
    const Answer answer = deriveAnswer(*parseGenerateRequest(body, kModel), kModel);
    EXPECT_EQ(response.at("totalTokens").as_int64(), answer.promptTokens) << body;
    EXPECT_EQ(response.at("promptTokensDetails").at(0).at("tokenCount").as_int64(),
              answer.promptTokens);
    EXPECT_EQ(response.at("promptTokensDetails").at(0).at("modality").as_string(), "TEXT");
  }
}

TEST(CountTokens, BillableCharactersSkipWhitespaceAndCountCodePoints) {
  auto request = parseCountTokensRequest(
      R"({"contents":[{"role":"user","parts":[{"text":"héllo  world"}]}]})", kModel);
  ASSERT_TRUE(request);
  EXPECT_EQ(
      json::parse(renderCountTokensResponse(*request)).at("totalBillableCharacters").as_int64(),
      10);
}

TEST(CountTokens, RefusesWhatCountTokensRequestLacks) {
  for (const std::string field : {"toolConfig", "safetySettings", "labels", "cachedContent"}) {
    const std::string body =
        R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],")" + field + R"(":{}})";
    auto r = parseCountTokensRequest(body, kModel);
    ASSERT_FALSE(r) << field;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_NE(r.error().message.find("Unknown name \"" + field + "\""), std::string::npos)
        << r.error().message;
  }
  // And what generateContent refuses.
  auto r = parseCountTokensRequest(R"({"contents":[]})", kModel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 400u);
}

}  // namespace
}  // namespace switchyard::emulator
