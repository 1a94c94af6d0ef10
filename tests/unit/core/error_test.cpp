#include "core/error.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace switchyard::core {
namespace {

struct StatusCase {
  Error error;
  unsigned status;
  const char* type;
  bool retriable;
};

TEST(ErrorTest, StatusTypeAndRetryFollowTheKind) {
  const StatusCase cases[] = {
      {Error::make(ErrorKind::InvalidJson, "bad"), 400, "invalid_request_error", false},
      {Error::make(ErrorKind::ModelNotFound, "no"), 404, "invalid_request_error", false},
      {Error::make(ErrorKind::MethodNotAllowed, "no"), 405, "invalid_request_error", false},
      {Error::make(ErrorKind::PayloadTooLarge, "big"), 413, "invalid_request_error", false},
      {Error::make(ErrorKind::UnsupportedMediaType, "xml"), 415, "invalid_request_error", false},
      {Error::upstream(429, "slow down", "RESOURCE_EXHAUSTED"), 429, "rate_limit_error", true},
      {Error::upstream(401, "who", "UNAUTHENTICATED"), 401, "authentication_error", false},
      {Error::upstream(403, "no", "PERMISSION_DENIED"), 403, "permission_error", false},
      {Error::upstream(503, "down", "UNAVAILABLE"), 503, "service_unavailable_error", true},
      {Error::upstream(400, "bad", "INVALID_ARGUMENT"), 400, "invalid_request_error", false},
      {Error::make(ErrorKind::UpstreamDns, "nx"), 503, "service_unavailable_error", true},
      {Error::make(ErrorKind::UpstreamTls, "cert"), 502, "server_error", true},
      {Error::make(ErrorKind::UpstreamTimeout, "slow"), 504, "server_error", true},
      {Error::make(ErrorKind::Internal, "bug"), 500, "server_error", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(httpStatusOf(c.error), c.status) << c.error.message;
    EXPECT_EQ(mayRetry(c.error), c.retriable) << c.error.message;
    const auto body = boost::json::parse(renderOpenAiError(c.error)).as_object();
    const auto& inner = body.at("error").as_object();
    EXPECT_EQ(inner.at("type").as_string(), c.type) << c.error.message;
    EXPECT_EQ(inner.at("message").as_string(), c.error.message);
    EXPECT_TRUE(inner.contains("param"));
    EXPECT_TRUE(inner.contains("code"));
  }
}

TEST(ErrorTest, ModelNotFoundCarriesItsCode) {
  const auto body =
      boost::json::parse(renderOpenAiError(Error::make(ErrorKind::ModelNotFound, "m"))).as_object();
  EXPECT_EQ(body.at("error").at("code").as_string(), "model_not_found");
  EXPECT_TRUE(body.at("error").at("param").is_null());
}

TEST(ErrorTest, UpstreamStatusOutsideErrorRangeBecomes502) {
  EXPECT_EQ(httpStatusOf(Error::upstream(302, "redirect")), 502u);
}

}  // namespace
}  // namespace switchyard::core
