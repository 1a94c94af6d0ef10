// Upstream error translation for both providers: cases/errors.json (status + body in, Error out).

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/factory.hpp"

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
  const auto provider =
      str(data, "provider", "vertex") == "openai" ? makeOpenAiProvider() : makeVertexProvider();

  const core::Error error = provider->translateError(status, body);

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
