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

TEST(Emulator, TlsModeMakesItsOwnCa) {
  Emulator emulator(EmulatorOptions{});
  emulator.start();
  EXPECT_TRUE(emulator.baseUrl().starts_with("https://127.0.0.1:"));
  EXPECT_NE(emulator.caPem().find("BEGIN CERTIFICATE"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::emulator
