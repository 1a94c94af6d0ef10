// The in-process Emulator over a real socket (plaintext here; TLS is covered by tests/e2e).
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <chrono>

#include "emulator/emulator.hpp"
#include "test_jwt.hpp"

namespace switchyard::emulator {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

struct Reply {
  unsigned status;
  std::string body;
  std::string retryAfter;
};

Reply call(std::uint16_t port, bhttp::verb method, const std::string& target,
           const std::string& body, const std::string& contentType = "application/json",
           const std::string& bearer = {}) {
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  bhttp::request<bhttp::string_body> request{method, target, 11};
  request.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  request.set(bhttp::field::content_type, contentType);
  if (!bearer.empty()) request.set(bhttp::field::authorization, "Bearer " + bearer);
  request.body() = body;
  request.prepare_payload();
  bhttp::write(socket, request);
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(socket, buffer, response);
  return {response.result_int(), response.body(), std::string(response[bhttp::field::retry_after])};
}

std::string tokenFor(const Emulator& emulator) {
  const auto key = json::parse(emulator.serviceAccountJson()).as_object();
  auto pkey = testing::readPrivateKey(std::string(key.at("private_key").as_string()));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::string jwt =
      testing::makeJwt({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", key.at("private_key_id")}},
                       {{"iss", key.at("client_email")},
                        {"scope", "https://www.googleapis.com/auth/cloud-platform"},
                        {"aud", key.at("token_uri")},
                        {"iat", now},
                        {"exp", now + 3600}},
                       pkey.get());
  const auto reply =
      call(emulator.port(), bhttp::verb::post, "/token",
           "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + jwt,
           "application/x-www-form-urlencoded");
  EXPECT_EQ(reply.status, 200u) << reply.body;
  return std::string(json::parse(reply.body).at("access_token").as_string());
}

constexpr const char* kPath =
    "/v1/projects/p/locations/us-central1/publishers/google/models/"
    "gemini-2.5-flash:generateContent";
constexpr const char* kBody = R"({"contents":[{"role":"user","parts":[{"text":"in process"}]}]})";

TEST(Emulator, ServesTokensAnswersFaultsAndStats) {
  EmulatorOptions options;
  options.tls = false;
  Emulator emulator(options);
  emulator.start();
  ASSERT_GT(emulator.port(), 0);
  EXPECT_EQ(emulator.baseUrl(), "http://127.0.0.1:" + std::to_string(emulator.port()));
  EXPECT_EQ(emulator.caPem(), "");
  const auto key = json::parse(emulator.serviceAccountJson());
  EXPECT_EQ(key.at("token_uri").as_string(), emulator.baseUrl() + "/token");

  const std::string token = tokenFor(emulator);
  auto ok = call(emulator.port(), bhttp::verb::post, kPath, kBody, "application/json", token);
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(json::parse(ok.body)
                .at("candidates")
                .at(0)
                .at("content")
                .at("parts")
                .at(0)
                .at("text")
                .as_string(),
            "[gemini-2.5-flash] echo: in process");

  EXPECT_EQ(call(emulator.port(), bhttp::verb::post, kPath, kBody).status, 401u);

  Fault busy;
  busy.status = 429;
  busy.retryAfterSeconds = 4;
  emulator.addFault("gemini-2.5-flash", busy, 1);
  auto limited = call(emulator.port(), bhttp::verb::post, kPath, kBody, "application/json", token);
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.retryAfter, "4");
  EXPECT_EQ(json::parse(limited.body).at("error").at("status").as_string(), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(
      call(emulator.port(), bhttp::verb::post, kPath, kBody, "application/json", token).status,
      200u);

  const Stats stats = emulator.stats();
  EXPECT_EQ(stats.tokenRequests, 1u);
  EXPECT_EQ(stats.tokensIssued, 1u);
  EXPECT_EQ(stats.generateRequestsTotal, 4u);
  EXPECT_EQ(stats.generateRequests.at("gemini-2.5-flash"), 4u);
  EXPECT_EQ(stats.faultsInjected, 1u);
  EXPECT_EQ(stats.lastRequestBody, kBody);

  const auto served =
      json::parse(call(emulator.port(), bhttp::verb::get, "/emulator/stats", "").body);
  EXPECT_EQ(served.at("generate_requests_total").to_number<std::uint64_t>(), 4u);
  EXPECT_EQ(served.at("last_request_headers").at("authorization").as_string(), "Bearer " + token);
  emulator.stop();
}

constexpr const char* kPredictPath =
    "/v1/projects/p/locations/us-central1/publishers/google/models/text-embedding-005:predict";
constexpr const char* kPredictBody =
    R"({"instances":[{"content":"embed me","task_type":"RETRIEVAL_QUERY"}],)"
    R"("parameters":{"outputDimensionality":8}})";

TEST(Emulator, PredictAnswersEmbeddingsWithAuthFaultsAndStats) {
  EmulatorOptions options;
  options.tls = false;
  Emulator emulator(options);
  emulator.start();
  const std::string token = tokenFor(emulator);
  auto post = [&](const std::string& path, const std::string& body, const std::string& bearer) {
    return call(emulator.port(), bhttp::verb::post, path, body, "application/json", bearer);
  };

  auto ok = post(kPredictPath, kPredictBody, token);
  ASSERT_EQ(ok.status, 200u) << ok.body;
  const auto answer = json::parse(ok.body);
  const auto& embeddings = answer.at("predictions").at(0).at("embeddings");
  EXPECT_EQ(embeddings.at("values").as_array().size(), 8u);
  EXPECT_EQ(embeddings.at("statistics").at("token_count").as_int64(), 2);
  EXPECT_EQ(answer.at("metadata").at("billableCharacterCount").as_int64(), 7);
  EXPECT_EQ(post(kPredictPath, kPredictBody, token).body, ok.body);  // deterministic

  auto unauthenticated = post(kPredictPath, kPredictBody, "");
  EXPECT_EQ(unauthenticated.status, 401u);
  EXPECT_EQ(json::parse(unauthenticated.body).at("error").at("status").as_string(),
            "UNAUTHENTICATED");
  EXPECT_EQ(post(kPredictPath, kPredictBody, "ya29.not-issued").status, 401u);

  auto unknown =
      post("/v1/projects/p/locations/l/publishers/google/models/text-embedding-999:predict",
           kPredictBody, token);
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_NE(unknown.body.find("Publisher Model `projects/p/locations/l/publishers/google/models/"
                              "text-embedding-999` was not found"),
            std::string::npos);
  EXPECT_EQ(post("/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:predict",
                 kPredictBody, token)
                .status,
            404u);

  auto invalid = post(kPredictPath, R"({"instances":[]})", token);
  EXPECT_EQ(invalid.status, 400u);
  EXPECT_EQ(json::parse(invalid.body).at("error").at("status").as_string(), "INVALID_ARGUMENT");
  auto tooMany =
      post("/v1/projects/p/locations/l/publishers/google/models/gemini-embedding-001:predict",
           R"({"instances":[{"content":"a"},{"content":"b"}]})", token);
  EXPECT_EQ(tooMany.status, 400u);
  EXPECT_NE(tooMany.body.find("at most 1 instance per request"), std::string::npos);

  // A control-API fault for the model, before authentication, with Retry-After.
  Fault busy;
  busy.status = 503;
  busy.retryAfterSeconds = 7;
  emulator.addFault("text-embedding-005", busy, 1);
  auto unavailable = post(kPredictPath, kPredictBody, "");
  EXPECT_EQ(unavailable.status, 503u);
  EXPECT_EQ(unavailable.retryAfter, "7");
  EXPECT_EQ(json::parse(unavailable.body).at("error").at("status").as_string(), "UNAVAILABLE");
  EXPECT_EQ(post(kPredictPath, kPredictBody, token).status, 200u);  // count 1: used up

  // "*" applies to predict as well; reset drops the connection without an answer.
  Fault reset;
  reset.reset = true;
  emulator.addFault("*", reset, 1);
  EXPECT_THROW(post(kPredictPath, kPredictBody, token), boost::system::system_error);

  // Directive faults travel in an instance's content.
  auto limited = post(
      kPredictPath,
      R"({"instances":[{"content":"a"},{"content":"b [[emulator: status=429, retry_after=2]]"}]})",
      token);
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.retryAfter, "2");
  auto delayed = post(
      kPredictPath,
      R"({"instances":[{"content":"embed me [[emulator: delay_ms=5, chunked_body]]","task_type":"RETRIEVAL_QUERY"}],"parameters":{"outputDimensionality":8}})",
      token);
  EXPECT_EQ(delayed.status, 200u);
  EXPECT_EQ(delayed.body, ok.body);  // the directive is not embedded
  EXPECT_EQ(
      post(kPredictPath, R"({"instances":[{"content":"[[emulator: status=abc]]"}]})", token).status,
      400u);

  const Stats stats = emulator.stats();
  EXPECT_EQ(stats.predictRequestsTotal, 14u);
  EXPECT_EQ(stats.predictRequests.at("text-embedding-005"), 11u);
  EXPECT_EQ(stats.predictRequests.at("gemini-embedding-001"), 1u);
  EXPECT_EQ(stats.generateRequestsTotal, 0u);
  EXPECT_EQ(stats.faultsInjected, 4u);
  EXPECT_EQ(stats.lastRequestPath, kPredictPath);
  const auto served =
      json::parse(call(emulator.port(), bhttp::verb::get, "/emulator/stats", "").body);
  EXPECT_EQ(served.at("predict_requests_total").to_number<std::uint64_t>(), 14u);
  EXPECT_EQ(served.at("predict_requests").at("text-embedding-005").to_number<std::uint64_t>(), 11u);
  emulator.stop();
}

TEST(Emulator, TlsModeMakesItsOwnCa) {
  Emulator emulator(EmulatorOptions{});
  emulator.start();
  EXPECT_TRUE(emulator.baseUrl().starts_with("https://127.0.0.1:"));
  EXPECT_NE(emulator.caPem().find("BEGIN CERTIFICATE"), std::string::npos);
}

// Claude over a real socket: the answer, Anthropic's envelope for faults, stream event order and
// a mid-stream `event: error`, the stats.
TEST(Emulator, ServesClaudeWithAnthropicErrorsAndStreamFaults) {
  EmulatorOptions options;
  options.tls = false;
  Emulator emulator(options);
  emulator.start();
  const std::string token = tokenFor(emulator);
  const std::string base =
      "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514";
  auto body = [](std::string text) {
    return R"({"anthropic_version":"vertex-2023-10-16","max_tokens":50,"messages":[{"role":"user","content":")" +
           text + R"("}]})";
  };

  auto ok = call(emulator.port(), bhttp::verb::post, base + ":rawPredict", body("hi"),
                 "application/json", token);
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(json::parse(ok.body).at("content").at(0).at("text").as_string(),
            "[claude-sonnet-4@20250514] echo: hi");

  auto unauthorized = call(emulator.port(), bhttp::verb::post, base + ":rawPredict", body("hi"));
  EXPECT_EQ(unauthorized.status, 401u);
  EXPECT_EQ(json::parse(unauthorized.body).at("error").at("type").as_string(),
            "authentication_error");

  Fault overloaded;
  overloaded.status = 529;
  overloaded.retryAfterSeconds = 2;
  emulator.addFault("claude-sonnet-4@20250514", overloaded, 1);
  auto busy = call(emulator.port(), bhttp::verb::post, base + ":streamRawPredict", body("hi"),
                   "application/json", token);
  EXPECT_EQ(busy.status, 529u);
  EXPECT_EQ(busy.retryAfter, "2");
  EXPECT_EQ(busy.body,
            R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");

  auto stream = call(emulator.port(), bhttp::verb::post, base + ":streamRawPredict",
                     body("a b [[emulator: stream_error_after=3]]"), "application/json", token);
  ASSERT_EQ(stream.status, 200u);
  EXPECT_EQ(stream.body.find("event: message_start\n"), 0u);
  EXPECT_LT(stream.body.find("event: ping\n"), stream.body.find("event: content_block_start\n"));
  EXPECT_NE(stream.body.find("event: error\ndata: "
                             R"({"type":"error","error":{"type":"overloaded_error")"),
            std::string::npos);
  EXPECT_EQ(stream.body.find("message_stop"), std::string::npos);

  const Stats stats = emulator.stats();
  EXPECT_EQ(stats.claudeRequestsTotal, 4u);
  EXPECT_EQ(stats.claudeRequests.at("claude-sonnet-4@20250514"), 4u);
  EXPECT_EQ(stats.streamRequests, 2u);
  EXPECT_EQ(stats.faultsInjected, 2u);
  emulator.stop();
}

}  // namespace
}  // namespace switchyard::emulator
