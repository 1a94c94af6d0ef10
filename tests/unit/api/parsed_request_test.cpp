// ParsedRequest::parse (chat completions): raw bodies in (raw, so that a case can repeat a key),
// the fields every provider relies on or the client's error out.

#include "api/parsed_request.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "api/endpoint_spec.hpp"
#include "api/error_envelopes.hpp"
#include "core/error.hpp"

namespace switchyard::api {
namespace {

struct ParseCase {
  std::string_view name;
  std::string_view contentType;
  std::string_view body;
  // Expected on success:
  std::string_view model = {};
  bool stream = false;
  bool includeUsage = false;
  // Expected on failure (an empty kind means success):
  std::string_view errorKind = {};
  std::string_view errorParam = {};
  std::string_view errorMessage = {};
};

void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.name; }

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kModelMissing = "you must provide a model parameter";

const ParseCase kCases[] = {
    {.name = "minimal",
     .contentType = kJson,
     .body = R"({"model":"m","messages":[]})",
     .model = "m"},
    {.name = "no_content_type_is_json",
     .contentType = "",
     .body = R"({"model":"m"})",
     .model = "m"},
    {.name = "content_type_case_and_parameters",
     .contentType = "Application/JSON; charset=utf-8",
     .body = R"({"model":"m"})",
     .model = "m"},
    {.name = "other_content_type",
     .contentType = "text/plain",
     .body = R"({"model":"m"})",
     .errorKind = "unsupported_media_type",
     .errorMessage = "Content-Type must be application/json, got text/plain"},
    {.name = "not_json", .contentType = kJson, .body = R"({"model":)", .errorKind = "invalid_json"},
    {.name = "trailing_garbage",
     .contentType = kJson,
     .body = R"({"model":"m"} x)",
     .errorKind = "invalid_json"},
    {.name = "not_an_object",
     .contentType = kJson,
     .body = R"(["model"])",
     .errorKind = "invalid_request",
     .errorMessage = "the request body must be a JSON object"},
    {.name = "stream_and_usage",
     .contentType = kJson,
     .body = R"({"stream_options":{"include_usage":true},"stream":true,"model":"m"})",
     .model = "m",
     .stream = true,
     .includeUsage = true},
    {.name = "unknown_fields_and_near_misses_ignored",
     .contentType = kJson,
     .body =
         R"({"models":1,"Model":2,"streams":"x","stream_option":1,"model":"m","x":{"stream":1}})",
     .model = "m"},
    {.name = "escaped_key_is_matched",
     .contentType = kJson,
     .body = R"({"mod\u0065l":"m","str\u0065am":true})",
     .model = "m",
     .stream = true},
    // Null reads as absent for the optional fields, and as missing for the model.
    {.name = "nulls_are_absent",
     .contentType = kJson,
     .body = R"({"model":"m","stream":null,"stream_options":null})",
     .model = "m"},
    {.name = "null_include_usage_is_absent",
     .contentType = kJson,
     .body = R"({"model":"m","stream_options":{"include_usage":null}})",
     .model = "m"},
    {.name = "model_null",
     .contentType = kJson,
     .body = R"({"model":null})",
     .errorKind = "invalid_request",
     .errorParam = "model",
     .errorMessage = kModelMissing},
    {.name = "model_missing",
     .contentType = kJson,
     .body = R"({"messages":[]})",
     .errorKind = "invalid_request",
     .errorParam = "model",
     .errorMessage = kModelMissing},
    {.name = "model_empty",
     .contentType = kJson,
     .body = R"({"model":""})",
     .errorKind = "invalid_request",
     .errorParam = "model",
     .errorMessage = kModelMissing},
    {.name = "model_not_string",
     .contentType = kJson,
     .body = R"({"model":7})",
     .errorKind = "invalid_request",
     .errorParam = "model",
     .errorMessage = kModelMissing},
    {.name = "stream_not_bool",
     .contentType = kJson,
     .body = R"({"model":"m","stream":"yes"})",
     .errorKind = "invalid_request",
     .errorParam = "stream",
     .errorMessage = "stream must be a boolean"},
    {.name = "stream_options_not_object",
     .contentType = kJson,
     .body = R"({"model":"m","stream_options":[]})",
     .errorKind = "invalid_request",
     .errorParam = "stream_options",
     .errorMessage = "stream_options must be an object"},
    {.name = "include_usage_not_bool",
     .contentType = kJson,
     .body = R"({"model":"m","stream_options":{"include_usage":1}})",
     .errorKind = "invalid_request",
     .errorParam = "stream_options.include_usage",
     .errorMessage = "include_usage must be a boolean"},
    // The model is checked first, then stream, then stream_options, whatever their order.
    {.name = "model_error_before_stream_error",
     .contentType = kJson,
     .body = R"({"stream":1,"stream_options":1})",
     .errorKind = "invalid_request",
     .errorParam = "model"},
    {.name = "stream_error_before_stream_options_error",
     .contentType = kJson,
     .body = R"({"stream_options":1,"stream":1,"model":"m"})",
     .errorKind = "invalid_request",
     .errorParam = "stream"},
    // Boost.JSON keeps the last of repeated keys.
    {.name = "repeated_model_last_wins",
     .contentType = kJson,
     .body = R"({"model":"a","model":"b"})",
     .model = "b"},
    {.name = "repeated_model_last_empty_is_missing",
     .contentType = kJson,
     .body = R"({"model":"a","model":""})",
     .errorKind = "invalid_request",
     .errorParam = "model"},
    {.name = "repeated_stream_last_null_is_absent",
     .contentType = kJson,
     .body = R"({"model":"m","stream":true,"stream":null})",
     .model = "m"},
    {.name = "repeated_stream_last_wrong_type_is_refused",
     .contentType = kJson,
     .body = R"({"model":"m","stream":true,"stream":"true"})",
     .errorKind = "invalid_request",
     .errorParam = "stream"},
    {.name = "repeated_include_usage_last_wins",
     .contentType = kJson,
     .body = R"({"model":"m","stream_options":{"include_usage":false,"include_usage":true}})",
     .model = "m",
     .includeUsage = true},
};

class ChatRequestParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ChatRequestParse, ReadsTheCommonFields) {
  const auto& c = GetParam();
  ParsedRequest request;
  const auto result = request.parse(matchEndpoint("/v1/chat/completions"), c.contentType, c.body);
  if (!c.errorKind.empty()) {
    ASSERT_FALSE(result) << "expected an error";
    EXPECT_EQ(core::kindName(result.error().kind), c.errorKind) << result.error().message;
    EXPECT_EQ(result.error().param, c.errorParam) << result.error().message;
    if (!c.errorMessage.empty()) {
      EXPECT_EQ(result.error().message, c.errorMessage);
    }
    return;
  }
  ASSERT_TRUE(result) << core::kindName(result.error().kind) << ": " << result.error().message;
  const auto& chat = request.request();
  ASSERT_NE(chat.body, nullptr);
  EXPECT_EQ(chat.model, c.model);
  EXPECT_EQ(chat.stream, c.stream);
  EXPECT_EQ(chat.includeUsage, c.includeUsage);
}

INSTANTIATE_TEST_SUITE_P(Cases, ChatRequestParse, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ApiRequest, BodyKeepsEveryMember) {
  ParsedRequest request;
  ASSERT_TRUE(request.parse(matchEndpoint("/v1/chat/completions"), kJson,
                            R"({"model":"m","temperature":0.5,"x":[1]})"));
  const auto& body = *request.request().body;
  EXPECT_EQ(body.size(), 3u);
  EXPECT_EQ(body.at("temperature").as_double(), 0.5);
}

}  // namespace
}  // namespace switchyard::api

namespace switchyard::api {
namespace {

TEST(EmbeddingsRequest, StreamFieldsAreNotReadAndTheEndpointIsSet) {
  ParsedRequest request;
  const auto match = matchEndpoint("/v1/embeddings");
  ASSERT_NE(match.spec, nullptr);
  ASSERT_TRUE(request.parse(match, kJson, R"({"model":"e","input":"hi","stream":"yes"})"));
  EXPECT_EQ(request.request().endpoint, providers::Endpoint::Embeddings);
  EXPECT_EQ(request.request().model, "e");
  EXPECT_FALSE(request.request().stream);
}

TEST(EmbeddingsRequest, ModelIsRequired) {
  ParsedRequest request;
  const auto result = request.parse(matchEndpoint("/v1/embeddings"), kJson, R"({"input":"hi"})");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().param, "model");
}

TEST(EndpointSpec, OpenAiPathsAreExact) {
  EXPECT_EQ(matchEndpoint("/v1/chat/completions/").spec, nullptr);
  EXPECT_EQ(matchEndpoint("/v1/embedding").spec, nullptr);
  EXPECT_EQ(matchEndpoint("/v1/chat/completions").spec->operationName, "chat");
  EXPECT_EQ(matchEndpoint("/v1/embeddings").spec->operationName, "embeddings");
}

TEST(EndpointSpec, AnthropicPaths) {
  for (const auto* path : {"/anthropic/v1/messages", "/v1/messages"})
    EXPECT_EQ(matchEndpoint(path).spec->endpoint, providers::Endpoint::AnthropicMessages) << path;
  for (const auto* path : {"/anthropic/v1/messages/count_tokens", "/v1/messages/count_tokens"})
    EXPECT_EQ(matchEndpoint(path).spec->endpoint, providers::Endpoint::AnthropicCountTokens)
        << path;
  EXPECT_EQ(matchEndpoint("/anthropic/v1/messages/batches").spec, nullptr);
}

TEST(EndpointSpec, GeminiPathsNameTheModelAndTheMethod) {
  auto match = matchEndpoint("/v1beta/models/gemini-2.5-flash:generateContent");
  ASSERT_NE(match.spec, nullptr);
  EXPECT_EQ(match.spec->endpoint, providers::Endpoint::GeminiGenerateContent);
  EXPECT_EQ(match.model, "gemini-2.5-flash");
  EXPECT_FALSE(match.stream);
  match = matchEndpoint("/v1beta/models/vertex-virtual-model:streamGenerateContent");
  EXPECT_EQ(match.model, "vertex-virtual-model");
  EXPECT_TRUE(match.stream);
  match = matchEndpoint("/v1beta/models/m:countTokens");
  EXPECT_EQ(match.spec->endpoint, providers::Endpoint::GeminiCountTokens);
  match = matchEndpoint(
      "/v1beta1/projects/p/locations/us-central1/publishers/google/models/m:streamGenerateContent");
  EXPECT_EQ(match.spec->endpoint, providers::Endpoint::GeminiGenerateContent);
  EXPECT_EQ(match.model, "m");
  EXPECT_TRUE(match.stream);
  EXPECT_EQ(matchEndpoint("/v1/projects/p/locations/l/publishers/google/models/m:countTokens")
                .spec->endpoint,
            providers::Endpoint::GeminiCountTokens);
  // Not a model method: no endpoint.
  EXPECT_EQ(matchEndpoint("/v1beta/models/a/b:generateContent").spec, nullptr);
  EXPECT_EQ(matchEndpoint("/v1beta/models/:generateContent").spec, nullptr);
  EXPECT_EQ(matchEndpoint("/v1beta/models/m:embedContent").spec, nullptr);
  EXPECT_EQ(
      matchEndpoint("/v1/projects/p/locations/l/publishers/anthropic/models/m:rawPredict").spec,
      nullptr);
}

TEST(EndpointSpec, ErrorsOfUnmatchedPathsUseTheirApisEnvelope) {
  EXPECT_EQ(errorRendererFor("/anthropic/v1/nope"), &renderAnthropicError);
  EXPECT_EQ(errorRendererFor("/v1beta/models/m:nope"), &renderGoogleError);
  EXPECT_EQ(errorRendererFor("/v1/nope"), &core::renderOpenAiError);
}

TEST(GeminiRequest, TheModelAndStreamComeFromThePath) {
  ParsedRequest request;
  const auto match = matchEndpoint("/v1beta/models/gem:streamGenerateContent");
  ASSERT_TRUE(request.parse(match, kJson, R"({"contents":[],"model":"ignored","stream":false})",
                            "alt=sse"));
  EXPECT_EQ(request.request().model, "gem");
  EXPECT_TRUE(request.request().stream);
  EXPECT_EQ(request.request().query, "alt=sse");
}

TEST(AnthropicRequest, StreamFromTheBodyAndNoStreamOptions) {
  ParsedRequest request;
  ASSERT_TRUE(request.parse(matchEndpoint("/v1/messages"), kJson,
                            R"({"model":"claude","stream":true,"stream_options":7})"));
  EXPECT_TRUE(request.request().stream);
  EXPECT_EQ(request.request().endpoint, providers::Endpoint::AnthropicMessages);
}

// A client's bytes need not be UTF-8 (a Content-Type or a request target may carry any byte from
// 0x80 up), and JSON must be: each envelope's message is made valid, each bad byte a U+FFFD.
// Found by tests/fuzz/api_request_fuzzer.cpp.
TEST(ApiRequest, ErrorEnvelopesStayUtf8ForAClientsBytes) {
  ParsedRequest request;
  const auto match = matchEndpoint("/v1/messages");
  const auto refused = request.parse(match, "text/\xFF\xC0\xAF", R"({"model":"m"})");
  ASSERT_FALSE(refused);
  const auto notFound =
      core::Error::make(core::ErrorKind::RouteNotFound, "no route for /v1/\xE2\x82");
  for (const auto& [error, render] : {std::pair{refused.error(), &renderAnthropicError},
                                      std::pair{refused.error(), &core::renderOpenAiError},
                                      std::pair{notFound, errorRendererFor("/v1beta/models/x")},
                                      std::pair{notFound, errorRendererFor("/anthropic/v1/x")}}) {
    const std::string body = render(error);
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(body, ec);  // Boost.JSON refuses invalid UTF-8
    ASSERT_FALSE(ec) << body;
    const std::string message(parsed.at("error").at("message").as_string());
    EXPECT_NE(message.find("\xEF\xBF\xBD"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace switchyard::api
