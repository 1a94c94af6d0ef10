// GCPAnthropic's Messages and count_tokens translators: cases/anthropic_request.json (client body
// text and backend in, upstream path and body text out, byte for byte) and
// cases/anthropic_response.json (upstream answer in, the same bytes out with usage and model).

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <array>
#include <string>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/anthropic/count_tokens_translator.hpp"
#include "providers/anthropic/messages_translator.hpp"

namespace switchyard::providers {
namespace {

namespace json = boost::json;
using testing::Case;
using testing::str;

// Designated initializers would have to name every member (-Wmissing-field-initializers).
BackendTarget targetOf(std::string_view model) {
  BackendTarget target;
  target.model = model;
  return target;
}

BackendTarget withVersion(std::string_view version) {
  BackendTarget target;
  target.schemaVersion = version;
  return target;
}

const Translator& translatorOf(const json::object& data) {
  static const anthropic::MessagesTranslator messages;
  static const anthropic::CountTokensTranslator countTokens;
  if (str(data, "kind") == "count_tokens") return countTokens;
  return messages;
}

void expectError(const core::Error& error, const json::object& expected) {
  EXPECT_EQ(core::kindName(error.kind), str(expected, "kind")) << error.message;
  if (expected.contains("param")) {
    EXPECT_EQ(error.param, str(expected, "param"));
  }
}

class AnthropicRequest : public ::testing::TestWithParam<Case> {};

TEST_P(AnthropicRequest, Builds) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const json::value body = json::parse(str(data, "body_raw"));
  const auto& object = body.as_object();
  const auto* stream = object.if_contains("stream");
  const ApiRequest request{.endpoint = str(data, "kind") == "count_tokens"
                                           ? Endpoint::AnthropicCountTokens
                                           : Endpoint::AnthropicMessages,
                           .body = &object,
                           .model = object.at("model").as_string(),
                           .stream = stream && stream->is_bool() && stream->get_bool(),
                           .query = {}};
  const std::string project = str(data, "project", "my-project");
  const std::string model = str(data, "target_model");
  const std::string version = str(data, "schema_version", "vertex-2023-10-16");
  BackendTarget target = targetOf(model);
  target.project = project;
  target.region = "us-east5";
  target.schemaVersion = version;
  const auto calls = translatorOf(data).buildRequest(request, target);
  if (const auto* expected = data.if_contains("error")) {
    ASSERT_FALSE(calls) << testing::firstBody(*calls);
    expectError(calls.error(), expected->as_object());
    return;
  }
  ASSERT_TRUE(calls) << calls.error().message;
  ASSERT_EQ(calls->size(), 1u);
  const auto& call = calls->front();
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.target, str(data, "expect_target"));
  EXPECT_EQ(call.body, str(data, "expect_body_raw"));
  EXPECT_EQ(core::findHeader(call.headers, "Content-Type"), "application/json");
}

INSTANTIATE_TEST_SUITE_P(Cases, AnthropicRequest,
                         ::testing::ValuesIn(testing::loadCases("anthropic_request.json")),
                         [](const auto& info) { return testing::testName(info.param); });

class AnthropicResponse : public ::testing::TestWithParam<Case> {};

TEST_P(AnthropicResponse, ReadsUsageAndKeepsTheBytes) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const json::object body{{"model", "m"}};
  ApiRequest request;
  request.body = &body;
  request.model = "m";
  const std::string model = str(data, "target_model");
  BackendTarget target = targetOf(model);
  target.project = "p";
  target.region = "r";
  const std::string upstream = str(data, "body_raw");
  const std::array<std::string_view, 1> bodies{upstream};
  const auto response =
      translatorOf(data).translateResponse(bodies, request, target, ResponseContext{1, "req"});
  if (const auto* expected = data.if_contains("error")) {
    ASSERT_FALSE(response);
    expectError(response.error(), expected->as_object());
    return;
  }
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, upstream);  // byte for byte
  EXPECT_EQ(response->responseModel, str(data, "expect_model"));
  const auto& usage = data.at("expect_usage").as_array();
  EXPECT_EQ(response->usage.promptTokens, usage.at(0).to_number<std::int64_t>());
  EXPECT_EQ(response->usage.completionTokens, usage.at(1).to_number<std::int64_t>());
  EXPECT_EQ(response->usage.totalTokens, usage.at(2).to_number<std::int64_t>());
  EXPECT_EQ(response->usage.cachedTokens, usage.at(3).to_number<std::int64_t>());
  EXPECT_EQ(response->usage.reasoningTokens, usage.at(4).to_number<std::int64_t>());
  EXPECT_EQ(response->usage.cacheCreationTokens, usage.at(5).to_number<std::int64_t>());
}

INSTANTIATE_TEST_SUITE_P(Cases, AnthropicResponse,
                         ::testing::ValuesIn(testing::loadCases("anthropic_response.json")),
                         [](const auto& info) { return testing::testName(info.param); });

TEST(AnthropicCountTokens, DoesNotStream) {
  const anthropic::CountTokensTranslator translator;
  const json::object body{{"model", "m"}};
  ApiRequest request;
  request.endpoint = Endpoint::AnthropicCountTokens;
  request.body = &body;
  request.model = "m";
  EXPECT_EQ(translator.newStreamTranslator(request, targetOf("m"), {}), nullptr);
}

TEST(AnthropicMessages, ErrorsKeepAnthropicTypeAndRetryAfter) {
  const anthropic::MessagesTranslator translator;
  const auto error = translator.translateError(
      529, {{"Retry-After", "7"}},
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(error.kind, core::ErrorKind::UpstreamStatus);
  EXPECT_EQ(error.upstreamStatus, 529u);
  EXPECT_EQ(error.code, "overloaded_error");
  EXPECT_EQ(error.message, "Overloaded");
  EXPECT_EQ(error.retryAfterSeconds, 7);
  EXPECT_TRUE(core::mayRetry(error));
}

TEST(AnthropicMessages, GoogleErrorsFromVertexAreReadToo) {
  const anthropic::MessagesTranslator translator;
  const auto error = translator.translateError(
      404, {},
      R"({"error":{"code":404,"message":"Publisher Model `x` not found.","status":"NOT_FOUND"}})");
  EXPECT_EQ(error.upstreamStatus, 404u);
  EXPECT_EQ(error.message, "Publisher Model `x` not found.");
}

TEST(AnthropicMessages, VersionDefaultsWhenTheBackendHasNone) {
  EXPECT_EQ(anthropic::anthropicVersion(BackendTarget{}), "vertex-2023-10-16");
  EXPECT_EQ(anthropic::anthropicVersion(withVersion("vertex-2099-01-01")), "vertex-2099-01-01");
}

}  // namespace
}  // namespace switchyard::providers
