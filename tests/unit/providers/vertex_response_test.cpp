// Vertex response translation: cases/vertex_response.json (GenerateContentResponse in,
// chat.completion out). Expected tool-call ids are written "{{call:<choice>:<call>[:<signature>]}}"
// and replaced with mintToolCallId(request id, choice, call, signature) before comparing.
// Every case also goes through the document reader alone, which must write the same bytes (or the
// same error) as the scanning path; `"scanned": true|false` pins which reader a case takes.

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory_resource>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/vertex/chat_translator.hpp"
#include "providers/vertex/response_scanner.hpp"
#include "providers/vertex/response_translator.hpp"

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
  const ApiRequest request{.body = &requestBody, .model = "m"};
  const std::string_view bodies[] = {upstream};

  const auto result = vertex::ChatTranslator().translateResponse(bodies, request, target, context);

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

TEST_P(VertexResponse, DocumentReaderWritesTheSameBytes) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const std::string upstream = data.contains("upstream_raw")
                                   ? str(data, "upstream_raw")
                                   : boost::json::serialize(data.at("upstream"));
  const auto targetModel = str(data, "target_model", "gemini-2.5-flash");
  const BackendTarget target{targetModel, "proj-1", "us-central1", {}};
  const ResponseContext context{1700000000, "req-1"};

  const auto fast = vertex::translateResponse(upstream, target, context);
  const auto reference = vertex::translateResponseFromDocument(upstream, target, context);

  ASSERT_EQ(fast.has_value(), reference.has_value());
  if (!fast) {
    EXPECT_EQ(fast.error().kind, reference.error().kind);
    EXPECT_EQ(fast.error().message, reference.error().message);
  } else {
    EXPECT_EQ(fast->body, reference->body);
    EXPECT_EQ(fast->responseModel, reference->responseModel);
    EXPECT_EQ(fast->usage.totalTokens, reference->usage.totalTokens);
  }
  if (const auto* scanned = data.if_contains("scanned")) {
    std::pmr::monotonic_buffer_resource arena;
    vertex::CompletionDigest digest(&arena);
    EXPECT_EQ(vertex::scanResponse(upstream, digest, arena), scanned->as_bool());
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, VertexResponse,
                         ::testing::ValuesIn(testing::loadCases("vertex_response.json")),
                         [](const auto& info) { return testing::testName(info.param); });

}  // namespace
}  // namespace switchyard::providers
