#include <gtest/gtest.h>

#include <cctype>

#include "emulator/generate_request.hpp"

namespace switchyard::emulator {
namespace {

TEST(ModelCall, ParsesUnaryAndStreamingPaths) {
  auto unary = parseModelCall(
      "/v1/projects/p1/locations/us-central1/publishers/google/models/"
      "gemini-2.5-flash:generateContent");
  ASSERT_TRUE(unary);
  EXPECT_EQ(unary->apiVersion, "v1");
  EXPECT_EQ(unary->project, "p1");
  EXPECT_EQ(unary->location, "us-central1");
  EXPECT_EQ(unary->model, "gemini-2.5-flash");
  EXPECT_FALSE(unary->stream);

  auto stream = parseModelCall(
      "/v1beta1/projects/p/locations/global/publishers/google/models/"
      "gemini-3-pro-preview:streamGenerateContent?alt=sse");
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->apiVersion, "v1beta1");
  EXPECT_TRUE(stream->stream);
  EXPECT_TRUE(stream->sse);
}

TEST(ModelCall, RefusesOtherPaths) {
  for (const char* target :
       {"/v1/projects/p/locations/l/publishers/google/models/m:computeTokens",
        "/v2/projects/p/locations/l/publishers/google/models/m:generateContent",
        "/v1/projects/p/locations/l/publishers/meta/models/m:generateContent",
        "/v1/projects/p/locations/l/endpoints/e:generateContent", "/token", "/"}) {
    EXPECT_FALSE(parseModelCall(target)) << target;
  }
}

TEST(ModelCall, KnownModels) {
  EXPECT_TRUE(isKnownModel("gemini-2.5-flash"));
  EXPECT_TRUE(isKnownModel("gemini-2.0-flash-lite-001"));
  EXPECT_FALSE(isKnownModel("gemini-"));
  EXPECT_FALSE(isKnownModel("Gemini-2.5"));
  EXPECT_FALSE(isKnownModel("claude-3"));
  EXPECT_FALSE(isKnownModel("gemini-2.5 flash"));
  auto call =
      parseModelCall("/v1/projects/p/locations/l/publishers/google/models/nope:generateContent");
  const auto error = modelNotFound(*call);
  EXPECT_EQ(error.status, 404u);
  EXPECT_NE(
      error.message.find(
          "Publisher Model `projects/p/locations/l/publishers/google/models/nope` was not found"),
      std::string::npos);
}

struct InvalidCase {
  const char* name;
  const char* body;
  const char* messagePart;
  const char* model = "gemini-2.5-flash";
};

class InvalidRequest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidRequest, IsA400WithVertexText) {
  const auto& c = GetParam();
  auto result = parseGenerateRequest(c.body, c.model);
  ASSERT_FALSE(result) << c.name;
  EXPECT_EQ(result.error().status, 400u);
  EXPECT_NE(result.error().message.find(c.messagePart), std::string::npos)
      << result.error().message;
}

constexpr const char* kCallTurn =
    R"({"role":"model","parts":[{"functionCall":{"name":"f","args":{}}},{"functionCall":{"name":"g","args":{}}}]})";

INSTANTIATE_TEST_SUITE_P(
    Vertex, InvalidRequest,
    ::testing::Values(
        InvalidCase{"not json", R"({"contents": )", "Invalid JSON payload received."},
        InvalidCase{"array", R"([])", "Invalid JSON payload received."},
        InvalidCase{"no contents", R"({})", "contents is not specified"},
        InvalidCase{"empty contents", R"({"contents": []})", "contents is not specified"},
        InvalidCase{"unknown field",
                    R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"stream":true})",
                    "Unknown name \"stream\": Cannot find field."},
        InvalidCase{"bad role", R"({"contents":[{"role":"assistant","parts":[{"text":"x"}]}]})",
                    "Please use a valid role: user, model."},
        InvalidCase{"system role", R"({"contents":[{"role":"system","parts":[{"text":"x"}]}]})",
                    "Please use a valid role: user, model."},
        InvalidCase{"no parts", R"({"contents":[{"role":"user","parts":[]}]})",
                    "at least one parts field"},
        InvalidCase{
            "two data members",
            R"({"contents":[{"role":"user","parts":[{"text":"x","inlineData":{"mimeType":"image/png","data":"AA=="}}]}]})",
            "Oneof field 'data' is already set"},
        InvalidCase{"no data member",
                    R"({"contents":[{"role":"user","parts":[{"thought":true}]}]})", "empty part"},
        InvalidCase{
            "bad base64",
            R"({"contents":[{"role":"user","parts":[{"inlineData":{"mimeType":"image/png","data":"!!"}}]}]})",
            "Base64 decoding failed"},
        InvalidCase{
            "fileData without mimeType",
            R"({"contents":[{"role":"user","parts":[{"fileData":{"fileUri":"gs://b/o"}}]}]})",
            "needs both mimeType and fileUri"},
        InvalidCase{
            "args as string",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]},{"role":"model","parts":[{"functionCall":{"name":"f","args":"{}"}}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{}}}]}]})",
            "expected an object"},
        InvalidCase{
            "response without call",
            R"({"contents":[{"role":"user","parts":[{"functionResponse":{"name":"f","response":{}}}]}]})",
            "number of function response parts is equal to the number of function call parts"},
        InvalidCase{
            "call first",
            R"({"contents":[{"role":"model","parts":[{"functionCall":{"name":"f"}}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{}}}]}]})",
            "function call turn comes immediately after a user turn"},
        InvalidCase{
            "gemini 3 signature",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]},{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{}}}]},{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{}}}]}]})",
            "Function call is missing a thought_signature in functionCall parts",
            "gemini-3-pro-preview"},
        InvalidCase{
            "system image",
            R"({"systemInstruction":{"parts":[{"inlineData":{"mimeType":"image/png","data":"AA=="}}]},"contents":[{"role":"user","parts":[{"text":"x"}]}]})",
            "system_instruction accepts text parts only"},
        InvalidCase{
            "bad function name",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"9bad"}]}]})",
            "Invalid function name"},
        InvalidCase{
            "bad mode",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"toolConfig":{"functionCallingConfig":{"mode":"REQUIRED"}}})",
            "function_calling_config.mode"},
        InvalidCase{
            "unknown generation field",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"max_tokens":5}})",
            "Unknown name \"max_tokens\" at 'generation_config'"},
        InvalidCase{
            "candidate count",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"candidateCount":9}})",
            "candidateCount"},
        InvalidCase{
            "schema without mime",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"responseJsonSchema":{"type":"object"}}})",
            "response_mime_type application/json"},
        InvalidCase{
            "unknown tool member",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"webSearch":{}}]})",
            "Unknown name \"webSearch\" at 'tools[0]'"},
        InvalidCase{
            "google search time range",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"googleSearch":{"timeRangeFilter":{}}}]})",
            "Unknown name \"timeRangeFilter\" at 'tools[0].google_search'"},
        InvalidCase{
            "google search threshold",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"googleSearch":{"blockingConfidence":"HIGH"}}]})",
            "PhishBlockThreshold"},
        InvalidCase{
            "enterprise search domains",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"enterpriseWebSearch":{"excludeDomains":[1]}}]})",
            "exclude_domains"},
        InvalidCase{
            "thinking level unknown",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingLevel":"EXTREME"}}})",
            "ThinkingLevel", "gemini-3-pro-preview"},
        InvalidCase{
            "thinking level and budget",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingLevel":"LOW","thinkingBudget":5}}})",
            "mutually exclusive", "gemini-3-flash-preview"},
        InvalidCase{
            "thinking level before gemini 3",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingLevel":"LOW"}}})",
            "thinking_level is not supported by this model"},
        InvalidCase{
            "minimal level on pro",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingLevel":"MINIMAL"}}})",
            "MINIMAL is not supported", "gemini-3-pro-preview"},
        InvalidCase{
            "unknown thinking field",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"level":"LOW"}}})",
            "Unknown name \"level\""},
        InvalidCase{
            "media resolution value",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"mediaResolution":"LOW"}})",
            "MediaResolution"},
        InvalidCase{
            "part media resolution",
            R"({"contents":[{"role":"user","parts":[{"fileData":{"mimeType":"image/png","fileUri":"gs://b/o"},"mediaResolution":{"level":"HIGH"}}]}]})",
            "PartMediaResolutionLevel"},
        InvalidCase{"thought not bool",
                    R"({"contents":[{"role":"user","parts":[{"text":"x","thought":"yes"}]}]})",
                    "thought' (TYPE_BOOL)"},
        InvalidCase{
            "response schema type",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"object"}}})",
            "google.cloud.aiplatform.v1.Type"},
        InvalidCase{
            "response schema unknown keyword",
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"OBJECT","properties":{"a":{"type":"STRING","const":"x"}}}}})",
            "Unknown name \"const\""}),
    [](const auto& info) {
      std::string name = info.param.name;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(GenerateRequest, FunctionResponseCountMustMatchTheCallTurn) {
  const std::string tooFew =
      std::string(R"({"contents":[{"role":"user","parts":[{"text":"x"}]},)") + kCallTurn +
      R"(,{"role":"user","parts":[{"functionResponse":{"name":"f","response":{}}}]}]})";
  auto result = parseGenerateRequest(tooFew, "gemini-2.5-flash");
  ASSERT_FALSE(result);
  EXPECT_EQ(
      result.error().message,
      "Please ensure that the number of function response parts is equal to the number of function "
      "call parts of the function call turn.");

  const std::string matching =
      std::string(R"({"contents":[{"role":"user","parts":[{"text":"x"}]},)") + kCallTurn +
      R"(,{"role":"user","parts":[{"functionResponse":{"name":"f","response":{}}},{"functionResponse":{"name":"g","response":{}}}]}]})";
  EXPECT_TRUE(parseGenerateRequest(matching, "gemini-2.5-flash"));
}

TEST(GenerateRequest, AcceptsAFullRequestInEitherSpelling) {
  const char* camel = R"({
    "systemInstruction": {"parts": [{"text": "You are terse."}]},
    "contents": [
      {"role": "user",  "parts": [{"text": "Weather in Paris?"}]},
      {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "c2ln"}]},
      {"role": "user",  "parts": [{"functionResponse": {"name": "get_weather", "response": {"output": "18C"}}}]}
    ],
    "tools": [{"functionDeclarations": [{"name": "get_weather", "parametersJsonSchema": {"type": "object"}}]}],
    "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
    "generationConfig": {"temperature": 0.2, "maxOutputTokens": 512, "thinkingConfig": {"thinkingBudget": 1024}},
    "labels": {"team": "a"}
  })";
  auto result = parseGenerateRequest(camel, "gemini-3-pro-preview");
  EXPECT_TRUE(result) << (result ? "" : result.error().message);

  const char* snake = R"({"system_instruction": {"parts": [{"text": "s"}]},
    "contents": [{"role": "user", "parts": [{"inline_data": {"mime_type": "image/png", "data": "iVBO"}}]}],
    "generation_config": {"max_output_tokens": 5, "response_mime_type": "application/json",
                          "response_json_schema": {"type": "object"}}})";
  auto snakeResult = parseGenerateRequest(snake, "gemini-2.5-flash");
  EXPECT_TRUE(snakeResult) << (snakeResult ? "" : snakeResult.error().message);
}

TEST(GenerateRequest, DummySignatureSatisfiesGemini3) {
  const char* body = R"({"contents":[{"role":"user","parts":[{"text":"x"}]},
    {"role":"model","parts":[{"functionCall":{"name":"f"},"thoughtSignature":"c2tpcF90aG91Z2h0X3NpZ25hdHVyZV92YWxpZGF0b3I="}]},
    {"role":"user","parts":[{"functionResponse":{"name":"f","response":{}}}]}]})";
  EXPECT_TRUE(parseGenerateRequest(body, "gemini-3-flash"));
}

TEST(GenerateRequest, AcceptsTheFieldsSwitchyardSends) {
  const char* body = R"({"contents":[{"role":"user","parts":[{"text":"x"},
      {"fileData":{"mimeType":"image/png","fileUri":"gs://b/o"},"mediaResolution":{"level":"MEDIA_RESOLUTION_LOW"}}]},
    {"role":"model","parts":[{"text":"t","thought":true},{"text":"a","thoughtSignature":"c2ln"}]},
    {"role":"user","parts":[{"text":"y"}]}],
    "tools":[{"googleSearch":{"excludeDomains":["a.test"],"blockingConfidence":"BLOCK_HIGH_AND_ABOVE"}},
             {"enterpriseWebSearch":{}}],
    "generationConfig":{"mediaResolution":"MEDIA_RESOLUTION_HIGH",
      "thinkingConfig":{"thinkingLevel":"LOW","includeThoughts":true},
      "responseMimeType":"text/x.enum","responseSchema":{"type":"STRING","enum":["a","b"]}}})";
  auto result = parseGenerateRequest(body, "gemini-3-pro-preview");
  EXPECT_TRUE(result) << result.error().message;
  const char* legacy = R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],
    "generationConfig":{"responseMimeType":"application/json","thinking_config":{"thinking_budget":0},
      "response_schema":{"type":"OBJECT","nullable":true,"properties":{"a":{"type":"ARRAY",
        "items":{"anyOf":[{"type":"STRING","pattern":"^x"},{"type":"INTEGER","minimum":1}]}}},
        "required":["a"]}}})";
  auto legacyResult = parseGenerateRequest(legacy, "gemini-2.0-flash");
  EXPECT_TRUE(legacyResult) << legacyResult.error().message;
}

}  // namespace
}  // namespace switchyard::emulator
