#include "auth/token_endpoint.hpp"

#include <gtest/gtest.h>

namespace switchyard::auth {
namespace {

using namespace std::chrono_literals;

const auto kNow = std::chrono::system_clock::time_point(1'700'000'000s);
constexpr std::string_view kUri = "https://oauth2.googleapis.com/token";

core::InboundResponse response(unsigned status, std::string body) {
  core::InboundResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = std::move(body);
  return r;
}

TEST(TokenEndpoint, HttpsWithDefaultPort) {
  const auto endpoint = makeTokenEndpoint(kUri, "https", "oauth2.googleapis.com", {}, "/token");
  ASSERT_TRUE(endpoint) << endpoint.error().message;
  EXPECT_TRUE(endpoint->tls);
  EXPECT_EQ(endpoint->host, "oauth2.googleapis.com");
  EXPECT_EQ(endpoint->port, 443);
  EXPECT_EQ(endpoint->target, "/token");
  EXPECT_EQ(endpoint->uri, kUri);
}

TEST(TokenEndpoint, PlainHttpOnlyToLoopback) {
  for (const char* host : {"127.0.0.1", "127.8.9.10", "localhost", "::1"}) {
    const auto endpoint = makeTokenEndpoint("http://x/token", "http", host, 8080, "/token");
    ASSERT_TRUE(endpoint) << host;
    EXPECT_FALSE(endpoint->tls);
    EXPECT_EQ(endpoint->port, 8080);
  }
  EXPECT_EQ(makeTokenEndpoint("http://127.0.0.1", "http", "127.0.0.1", {}, "")->port, 80);
  EXPECT_EQ(makeTokenEndpoint("http://127.0.0.1", "http", "127.0.0.1", {}, "")->target, "/");
  for (const char* host : {"oauth2.googleapis.com", "10.0.0.1", "localhost.evil.com", "::2"}) {
    const auto endpoint = makeTokenEndpoint("http://h/token", "http", host, {}, "/token");
    ASSERT_FALSE(endpoint) << host;
    EXPECT_EQ(endpoint.error().kind, core::ErrorKind::CredentialUnavailable);
    EXPECT_NE(endpoint.error().message.find("must be https"), std::string::npos);
  }
  EXPECT_FALSE(makeTokenEndpoint("ftp://127.0.0.1/t", "ftp", "127.0.0.1", {}, "/t"));
  EXPECT_FALSE(makeTokenEndpoint("https:///t", "https", "", {}, "/t"));
  EXPECT_FALSE(makeTokenEndpoint("https://h:0/t", "https", "h", 0, "/t"));
}

TEST(TokenEndpoint, JwtBearerRequestIsFormEncoded) {
  const auto endpoint = makeTokenEndpoint(kUri, "https", "oauth2.googleapis.com", {}, "/token");
  const auto request = makeJwtBearerRequest(*endpoint, "aaa.bbb.c-_c");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/token");
  EXPECT_EQ(core::findHeader(request.headers, "content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(
      request.body,
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=aaa.bbb.c-_c");
}

TEST(TokenEndpoint, ReadsAccessTokenAndExpiry) {
  auto result = readTokenResponse(
      response(200, R"({"access_token":"ya29.abc","expires_in":3599,"token_type":"Bearer"})"), kNow,
      kUri);
  ASSERT_TRUE(result.token) << result.token.error().message;
  EXPECT_EQ(result.token->value, "ya29.abc");
  EXPECT_EQ(result.token->expiresAt, kNow + 3599s);

  result =
      readTokenResponse(response(200, R"({"access_token":"t","expires_in":"120"})"), kNow, kUri);
  ASSERT_TRUE(result.token);
  EXPECT_EQ(result.token->expiresAt, kNow + 120s);

  result =
      readTokenResponse(response(200, R"({"access_token":"t","expires_in":3599.0})"), kNow, kUri);
  ASSERT_TRUE(result.token);
  EXPECT_EQ(result.token->expiresAt, kNow + 3599s);

  result = readTokenResponse(response(200, R"({"access_token":"t"})"), kNow, kUri);
  ASSERT_TRUE(result.token);  // no expires_in: an hour, Google's lifetime
  EXPECT_EQ(result.token->expiresAt, kNow + 3600s);
}

TEST(TokenEndpoint, UnusableSuccessBodiesAreErrorsWithoutTheBody) {
  for (const char* body :
       {R"({"access_token":"ya29.SECRET","expires_in":"soon"})",
        R"({"access_token":"ya29.SECRET","expires_in":-5})", R"({"token":"ya29.SECRET"})",
        R"({"access_token":""})", "ya29.SECRET", R"(["ya29.SECRET"])"}) {
    const auto result = readTokenResponse(response(200, body), kNow, kUri);
    ASSERT_FALSE(result.token) << body;
    EXPECT_FALSE(result.retryable);
    EXPECT_EQ(result.token.error().kind, core::ErrorKind::CredentialUnavailable);
    EXPECT_NE(result.token.error().message.find(kUri), std::string::npos);
    EXPECT_EQ(result.token.error().message.find("SECRET"), std::string::npos) << body;
  }
}

TEST(TokenEndpoint, OAuthErrorsNameCodeAndDescription) {
  const auto result = readTokenResponse(
      response(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"),
      kNow, kUri);
  ASSERT_FALSE(result.token);
  EXPECT_FALSE(result.retryable);
  EXPECT_EQ(result.token.error().message,
            "token endpoint https://oauth2.googleapis.com/token answered 400 invalid_grant: "
            "Invalid JWT Signature.");
}

TEST(TokenEndpoint, RetryableStatusesAndCodes) {
  for (unsigned status : {408u, 429u, 500u, 502u, 503u, 504u}) {
    EXPECT_TRUE(readTokenResponse(response(status, "<html>busy</html>"), kNow, kUri).retryable)
        << status;
  }
  for (unsigned status : {400u, 401u, 403u, 404u}) {
    EXPECT_FALSE(readTokenResponse(response(status, "{}"), kNow, kUri).retryable) << status;
  }
  EXPECT_TRUE(readTokenResponse(response(400, R"({"error":"temporarily_unavailable"})"), kNow, kUri)
                  .retryable);
  EXPECT_TRUE(
      readTokenResponse(response(400, R"({"error":"x","error_description":"internal_failure"})"),
                        kNow, kUri)
          .retryable);
}

TEST(TokenEndpoint, ErrorTextIsBoundedAndPrintable) {
  const std::string longText(5000, 'x');
  const auto result =
      readTokenResponse(response(400, R"({"error":"invalid_grant","error_description":")" +
                                          longText + "\\n\\u0007\"}"),
                        kNow, kUri);
  ASSERT_FALSE(result.token);
  EXPECT_LT(result.token.error().message.size(), 400u);
  EXPECT_EQ(result.token.error().message.find('\n'), std::string::npos);
  // A non-JSON error body is not quoted at all.
  const auto html =
      readTokenResponse(response(502, "<html>proxy said ya29.SECRET</html>"), kNow, kUri);
  EXPECT_EQ(html.token.error().message.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::auth
