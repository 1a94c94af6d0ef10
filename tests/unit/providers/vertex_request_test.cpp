// Vertex request translation: cases/vertex_request.json (OpenAI request in, Vertex path + body
// out).

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/vertex/chat_translator.hpp"

namespace switchyard::providers {
namespace {

using testing::Case;
using testing::pretty;
using testing::str;

class VertexRequest : public ::testing::TestWithParam<Case> {};

TEST_P(VertexRequest, Translates) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto& body = data.at("request").as_object();
  const auto targetSpec =
      data.contains("target") ? data.at("target").as_object() : boost::json::object{};

  ApiRequest request;
  request.body = &body;
  const auto model = str(body, "model");
  request.model = model;
  if (const auto* stream = body.if_contains("stream"); stream && stream->is_bool())
    request.stream = stream->get_bool();
  const auto targetModel = str(targetSpec, "model", model);
  const auto project = str(targetSpec, "project", "proj-1");
  const auto region = str(targetSpec, "region", "us-central1");
  BackendTarget target{targetModel, project, region, {}};

  const vertex::ChatTranslator translator;
  const auto result = translator.buildRequest(request, target);

  if (const auto* expected = data.if_contains("error")) {
    ASSERT_FALSE(result.has_value())
        << "expected an error, got body " << testing::firstBody(*result);
    const auto& error = expected->as_object();
    EXPECT_EQ(core::kindName(result.error().kind), str(error, "kind")) << result.error().message;
    EXPECT_EQ(result.error().param, str(error, "param")) << result.error().message;
    if (const auto contains = str(error, "message_contains"); !contains.empty()) {
      EXPECT_NE(result.error().message.find(contains), std::string::npos) << result.error().message;
    }
    return;
  }
  ASSERT_TRUE(result.has_value()) << core::kindName(result.error().kind)
                                  << " param=" << result.error().param << ": "
                                  << result.error().message;
  ASSERT_EQ(result->size(), 1u);  // a chat request is one upstream call
  const core::OutboundRequest& outbound = result->front();
  EXPECT_EQ(outbound.method, "POST");
  EXPECT_EQ(core::findHeader(outbound.headers, "content-type"), "application/json");
  if (const auto expectedTarget = str(data, "expect_target"); !expectedTarget.empty()) {
    EXPECT_EQ(outbound.target, expectedTarget);
  }
  // Equal JSON ignores member order; where the order is part of what a case pins, it gives the
  // exact bytes as well.
  if (const auto* text = data.if_contains("expect_body_text")) {
    EXPECT_EQ(outbound.body, text->as_string());
  }
  boost::system::error_code ec;
  const auto actual = boost::json::parse(outbound.body, ec);
  ASSERT_FALSE(ec) << "output is not JSON: " << outbound.body;
  const auto& expectedBody = data.at("expect_body");
  EXPECT_EQ(actual, expectedBody) << "actual:   " << pretty(actual)
                                  << "\nexpected: " << pretty(expectedBody);
}

INSTANTIATE_TEST_SUITE_P(Cases, VertexRequest,
                         ::testing::ValuesIn(testing::loadCases("vertex_request.json")),
                         [](const auto& info) { return testing::testName(info.param); });

}  // namespace
}  // namespace switchyard::providers
