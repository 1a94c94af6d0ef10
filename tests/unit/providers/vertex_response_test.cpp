// Vertex response translation: cases/vertex_response.json (GenerateContentResponse in,
// chat.completion out). Expected tool-call ids are written "{{call:<choice>:<call>[:<signature>]}}"
// and replaced with mintToolCallId(request id, choice, call, signature) before comparing.

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/factory.hpp"

namespace switchyard::providers {
namespace {

using testing::Case;
using testing::pretty;
using testing::resolveIds;
using testing::str;

class VertexResponse : public ::testing::TestWithParam<Case> {};

TEST_P(VertexResponse, Translates) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const std::string upstream = data.contains("upstream_raw")
                                   ? str(data, "upstream_raw")
                                   : boost::json::serialize(data.at("upstream"));
  const auto contextSpec =
      data.contains("context") ? data.at("context").as_object() : boost::json::object{};
  const auto requestId = str(contextSpec, "request_id", "req-1");
  ResponseContext context;
  context.nowSeconds =
      contextSpec.contains("now") ? contextSpec.at("now").to_number<std::int64_t>() : 1700000000;
  context.requestId = requestId;
  const auto targetModel = str(data, "target_model", "gemini-2.5-flash");
  BackendTarget target{targetModel, "proj-1", "us-central1", {}};
  const boost::json::object requestBody{{"model", "m"}};
  ChatRequest request{&requestBody, "m", false, false};

  const auto result = makeVertexProvider()->translateResponse(upstream, request, target, context);

  if (const auto* expected = data.if_contains("error")) {
    ASSERT_FALSE(result.has_value()) << "expected an error, got " << result->body;
    EXPECT_EQ(core::kindName(result.error().kind), str(expected->as_object(), "kind"))
        << result.error().message;
    return;
  }
  ASSERT_TRUE(result.has_value()) << core::kindName(result.error().kind) << ": "
                                  << result.error().message;
  boost::system::error_code ec;
  const auto actual = boost::json::parse(result->body, ec);
  ASSERT_FALSE(ec) << "output is not JSON: " << result->body;
  auto expected = data.at("expect");
  resolveIds(expected, requestId);
  EXPECT_EQ(actual, expected) << "actual:   " << pretty(actual)
                              << "\nexpected: " << pretty(expected);
  EXPECT_EQ(result->responseModel, std::string(actual.at("model").as_string()));
  if (const auto* usage = data.if_contains("expect_usage")) {
    const auto& u = usage->as_object();
    EXPECT_EQ(result->usage.promptTokens, u.at("prompt").to_number<std::int64_t>());
    EXPECT_EQ(result->usage.completionTokens, u.at("completion").to_number<std::int64_t>());
    EXPECT_EQ(result->usage.totalTokens, u.at("total").to_number<std::int64_t>());
    EXPECT_EQ(result->usage.cachedTokens, u.at("cached").to_number<std::int64_t>());
    EXPECT_EQ(result->usage.reasoningTokens, u.at("reasoning").to_number<std::int64_t>());
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, VertexResponse,
                         ::testing::ValuesIn(testing::loadCases("vertex_response.json")),
                         [](const auto& info) { return testing::testName(info.param); });

}  // namespace
}  // namespace switchyard::providers
