// OpenAI-schema passthrough provider: cases/openai.json (request: prefix + body rewrite, or the
// error refusing it; response: verbatim body, usage and model read out).

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/openai/chat_translator.hpp"

namespace switchyard::providers {
namespace {

using testing::Case;
using testing::pretty;
using testing::str;

class OpenAiCases : public ::testing::TestWithParam<Case> {};

TEST_P(OpenAiCases, Translates) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const openai::ChatTranslator translator;
  const auto prefix = str(data, "prefix");
  const auto targetModel = str(data, "target_model", "gpt-4o-mini");
  BackendTarget target{targetModel, {}, {}, prefix};

  if (str(data, "kind") == "request") {
    const auto& body = data.at("request").as_object();
    const auto model = str(body, "model");
    const auto* stream = body.if_contains("stream");
    const ApiRequest request{
        .body = &body, .model = model, .stream = stream && stream->is_bool() && stream->get_bool()};
    const auto result = translator.buildRequest(request, target);
    if (const auto* expected = data.if_contains("error")) {
      ASSERT_FALSE(result.has_value())
          << "expected an error, got body " << testing::firstBody(*result);
      const auto& error = expected->as_object();
      EXPECT_EQ(core::kindName(result.error().kind), str(error, "kind")) << result.error().message;
      EXPECT_EQ(result.error().param, str(error, "param")) << result.error().message;
      if (const auto contains = str(error, "message_contains"); !contains.empty()) {
        EXPECT_NE(result.error().message.find(contains), std::string::npos)
            << result.error().message;
      }
      return;
    }
    ASSERT_TRUE(result.has_value()) << result.error().message;
    ASSERT_EQ(result->size(), 1u);  // a chat request is one upstream call
    const core::OutboundRequest& outbound = result->front();
    EXPECT_EQ(outbound.method, "POST");
    EXPECT_EQ(outbound.target, str(data, "expect_target"));
    EXPECT_EQ(core::findHeader(outbound.headers, "Content-Type"), "application/json");
    const auto actual = boost::json::parse(outbound.body);
    EXPECT_EQ(actual, data.at("expect_body"))
        << "actual:   " << pretty(actual) << "\nexpected: " << pretty(data.at("expect_body"));
    return;
  }

  const std::string upstream = data.contains("upstream_raw")
                                   ? str(data, "upstream_raw")
                                   : boost::json::serialize(data.at("upstream"));
  const boost::json::object body{{"model", "m"}};
  const ApiRequest request{.body = &body, .model = "m"};
  const std::string_view bodies[] = {upstream};
  const auto result =
      translator.translateResponse(bodies, request, target, ResponseContext{1, "req"});
  if (const auto* expected = data.if_contains("error")) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(core::kindName(result.error().kind), str(expected->as_object(), "kind"));
    return;
  }
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->body, upstream);  // byte for byte
  EXPECT_EQ(result->responseModel, str(data, "expect_model"));
  const auto& u = data.at("expect_usage").as_object();
  EXPECT_EQ(result->usage.promptTokens, u.at("prompt").to_number<std::int64_t>());
  EXPECT_EQ(result->usage.completionTokens, u.at("completion").to_number<std::int64_t>());
  EXPECT_EQ(result->usage.totalTokens, u.at("total").to_number<std::int64_t>());
  EXPECT_EQ(result->usage.cachedTokens, u.at("cached").to_number<std::int64_t>());
  EXPECT_EQ(result->usage.reasoningTokens, u.at("reasoning").to_number<std::int64_t>());
}

INSTANTIATE_TEST_SUITE_P(Cases, OpenAiCases, ::testing::ValuesIn(testing::loadCases("openai.json")),
                         [](const auto& info) { return testing::testName(info.param); });

TEST(OpenAiProvider, BodyKeepsFieldOrderAndValuesVerbatim) {
  const auto body = boost::json::parse(
      R"({"messages":[{"role":"user","content":"a\u0000b"}],"model":"alias","temperature":0.5,"x_vendor":{"k":[1,2.5,null]}})");
  const ApiRequest request{.body = &body.as_object(), .model = "alias"};
  const auto result =
      openai::ChatTranslator().buildRequest(request, BackendTarget{"gpt-4o", {}, {}, "/v1"});
  ASSERT_TRUE(result.has_value());
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ(
      result->front().body,
      R"({"messages":[{"role":"user","content":"a\u0000b"}],"model":"gpt-4o","temperature":0.5,"x_vendor":{"k":[1,2.5,null]}})");
}

TEST(OpenAiProvider, PathPrefixForms) {
  EXPECT_EQ(openai::chatCompletionsPath(""), "/v1/chat/completions");
  EXPECT_EQ(openai::chatCompletionsPath("/v1"), "/v1/chat/completions");
  EXPECT_EQ(openai::chatCompletionsPath("/v1/"), "/v1/chat/completions");
  EXPECT_EQ(openai::chatCompletionsPath("/api/openai/v1//"), "/api/openai/v1/chat/completions");
  EXPECT_EQ(openai::chatCompletionsPath("openai"), "/openai/chat/completions");
  EXPECT_EQ(openai::chatCompletionsPath("/"), "/v1/chat/completions");
}

}  // namespace
}  // namespace switchyard::providers
