// Upstream error translation for both providers: cases/errors.json (status, body and optional
// "headers" in, Error out). Retry-After fills retryAfterSeconds when the body gives no delay.

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/openai/chat_translator.hpp"
#include "providers/vertex/chat_translator.hpp"

namespace switchyard::providers {
namespace {

using testing::Case;
using testing::str;

class UpstreamError : public ::testing::TestWithParam<Case> {};

TEST_P(UpstreamError, Translates) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const std::string body =
      data.contains("body_raw") ? str(data, "body_raw") : boost::json::serialize(data.at("body"));
  const auto status = data.at("status").to_number<unsigned>();
  std::vector<core::Header> headers;
  if (const auto* spec = data.if_contains("headers"))
    for (const auto& entry : spec->as_object())
      headers.push_back({std::string(entry.key()), std::string(entry.value().as_string())});
  const bool isOpenAi = str(data, "provider", "vertex") == "openai";

  const core::Error error = isOpenAi
                                ? openai::ChatTranslator().translateError(status, headers, body)
                                : vertex::ChatTranslator().translateError(status, headers, body);

  const auto& expected = data.at("expect").as_object();
  EXPECT_EQ(error.kind, core::ErrorKind::UpstreamStatus);
  EXPECT_EQ(error.upstreamStatus, status);
  EXPECT_EQ(error.message, str(expected, "message"));
  EXPECT_EQ(error.code, str(expected, "code"));
  EXPECT_EQ(error.param, str(expected, "param"));
  const int retryAfter =
      expected.contains("retry_after") ? expected.at("retry_after").to_number<int>() : -1;
  EXPECT_EQ(error.retryAfterSeconds, retryAfter);
}

INSTANTIATE_TEST_SUITE_P(Cases, UpstreamError,
                         ::testing::ValuesIn(testing::loadCases("errors.json")),
                         [](const auto& info) { return testing::testName(info.param); });

}  // namespace
}  // namespace switchyard::providers
