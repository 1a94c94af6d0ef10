// Vertex wire helpers, and the thought-signature round trip across two turns.

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <cstdint>
#include <limits>

#include "providers/vertex/chat_translator.hpp"
#include "providers/vertex/wire.hpp"

namespace switchyard::providers::vertex {
namespace {

TEST(VertexWire, LenientBase64TakesBothAlphabets) {
  const std::string bytes("\xfb\xff\x00\x01", 4);
  EXPECT_EQ(core::base64::decode("+/8AAQ==", kLenientBase64), bytes);
  EXPECT_EQ(core::base64::decode("-_8AAQ", kLenientBase64), bytes);
  EXPECT_EQ(core::base64::decode("", kLenientBase64), std::string());
  EXPECT_FALSE(core::base64::decode("a", kLenientBase64));
  EXPECT_FALSE(core::base64::decode("ab!d", kLenientBase64));
  EXPECT_FALSE(core::base64::decode("ab=d", kLenientBase64));
}

TEST(VertexWire, ToolCallIdShapeAndDeterminism) {
  const auto plain = mintToolCallId("req-1", 0, 0, "");
  ASSERT_EQ(plain.size(), 5u + 24u);
  EXPECT_TRUE(plain.starts_with("call_"));
  for (const char c : plain.substr(5))
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << plain;
  EXPECT_EQ(plain, mintToolCallId("req-1", 0, 0, ""));
  EXPECT_NE(plain, mintToolCallId("req-1", 0, 1, ""));
  EXPECT_NE(plain, mintToolCallId("req-1", 1, 0, ""));
  EXPECT_NE(plain, mintToolCallId("req-2", 0, 0, ""));
  EXPECT_FALSE(thoughtSignatureFromToolCallId(plain));

  const auto withSignature = mintToolCallId("req-1", 0, 0, "+/8AAQ==");
  EXPECT_EQ(withSignature, plain + ".ts.-_8AAQ");
  EXPECT_EQ(thoughtSignatureFromToolCallId(withSignature), "+/8AAQ==");
  // URL-safe input is accepted and normalised; an invalid signature is dropped, not smuggled.
  EXPECT_EQ(mintToolCallId("req-1", 0, 0, "-_8AAQ"), withSignature);
  EXPECT_EQ(mintToolCallId("req-1", 0, 0, "not base64!"), plain);
  // Ids from elsewhere never yield a signature.
  EXPECT_FALSE(thoughtSignatureFromToolCallId("toolu_01.ts.AQID"));
  EXPECT_FALSE(thoughtSignatureFromToolCallId("call_x.ts."));
  EXPECT_FALSE(thoughtSignatureFromToolCallId("call_x.ts.AQ+D"));
}

TEST(VertexWire, SafePathSegments) {
  for (const char* good : {"gemini-2.5-flash", "gemini-2.0-flash-001", "claude-3-5-sonnet@20240620",
                           "us-central1", "my_project.1"})
    EXPECT_TRUE(isSafePathSegment(good)) << good;
  for (const char* bad : {"", ".", "..", "a..b", "a/b", "a\\b", "a?b", "a#b", "a%2f", "a:b", "a b",
                          "a\x7f", "a\x1f", "\xc3\xa9"})
    EXPECT_FALSE(isSafePathSegment(bad)) << bad;
}

TEST(VertexWire, Durations) {
  EXPECT_EQ(parseDurationSeconds("30s"), 30);
  EXPECT_EQ(parseDurationSeconds("0.000001s"), 1);
  EXPECT_EQ(parseDurationSeconds("2.000s"), 2);
  EXPECT_FALSE(parseDurationSeconds("30"));
  EXPECT_FALSE(parseDurationSeconds("-1s"));
  EXPECT_FALSE(parseDurationSeconds("1.s"));
  // Rounding up must not overflow int64 (undefined behaviour found by fuzzing).
  EXPECT_EQ(parseDurationSeconds("9223372036854775807s"), std::numeric_limits<std::int64_t>::max());
  EXPECT_FALSE(parseDurationSeconds("9223372036854775807.5s"));
  EXPECT_FALSE(parseDurationSeconds("9223372036854775808s"));
}

TEST(VertexWire, DataUrlsAndMimeTypes) {
  const auto url = parseDataUrl("data:image/png;charset=x;base64,AAAA");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->mimeType, "image/png");
  EXPECT_EQ(url->data, "AAAA");
  EXPECT_FALSE(parseDataUrl("data:image/png,AAAA"));
  EXPECT_FALSE(parseDataUrl("https://x/a.png"));
  EXPECT_EQ(mimeTypeFromName("https://x/y/photo.JPEG?x=1.png", "z"), "image/jpeg");
  EXPECT_EQ(mimeTypeFromName("gs://b/clip.mp4", "z"), "video/mp4");
  EXPECT_EQ(mimeTypeFromName("https://x.com/file", "image/jpeg"), "image/jpeg");
  EXPECT_EQ(mimeTypeFromName("report.pdf", "z"), "application/pdf");
}

// Turn 1: Vertex answers with a signed function call; turn 2: the client replays the assistant
// message with the id it got, and the signature is back on the functionCall part.
TEST(VertexThoughtSignature, RoundTripsThroughTheToolCallId) {
  const vertex::ChatTranslator translator;
  const BackendTarget target{"gemini-3-pro-preview", "proj-1", "global", {}};
  const boost::json::object firstBody{{"model", "gemini-3-pro-preview"}};
  const ApiRequest first{.body = &firstBody, .model = "gemini-3-pro-preview"};
  const std::string signature = "CiQBjz1rX5Yv/7Xg+Q3mH0qzGx8dN4sQy1v2w6zZ0bK3mJ9aT0E=";
  const std::string upstream =
      R"({"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":")" +
      signature + R"("},{"functionCall":{"name":"get_time","args":{}}}]},"finishReason":"STOP"}]})";
  const std::string_view bodies[] = {upstream};
  const auto answer =
      translator.translateResponse(bodies, first, target, ResponseContext{1700000000, "req-42"});
  ASSERT_TRUE(answer.has_value()) << answer.error().message;
  const auto completion = boost::json::parse(answer->body);
  const auto& message = completion.at("choices").at(0).at("message");
  const auto& calls = message.at("tool_calls").as_array();
  ASSERT_EQ(calls.size(), 2u);

  boost::json::array messages{
      boost::json::object{{"role", "user"}, {"content", "Weather and time in Paris?"}}};
  messages.push_back(message);  // replayed verbatim, as OpenAI clients do
  for (const auto& call : calls)
    messages.push_back(
        boost::json::object{{"role", "tool"}, {"tool_call_id", call.at("id")}, {"content", "ok"}});
  const boost::json::object secondBody{{"model", "gemini-3-pro-preview"}, {"messages", messages}};
  const ApiRequest second{.body = &secondBody, .model = "gemini-3-pro-preview"};
  const auto outbound = translator.buildRequest(second, target);
  ASSERT_TRUE(outbound.has_value()) << outbound.error().message;
  ASSERT_EQ(outbound->size(), 1u);

  const auto sent = boost::json::parse(outbound->front().body);
  const auto& modelParts = sent.at("contents").at(1).at("parts").as_array();
  ASSERT_EQ(modelParts.size(), 2u);
  EXPECT_EQ(modelParts[0].at("thoughtSignature").as_string(), signature);
  EXPECT_EQ(modelParts[0].at("functionCall").at("name"), "get_weather");
  EXPECT_FALSE(modelParts[1].as_object().contains("thoughtSignature"));
  const auto& responses = sent.at("contents").at(2).at("parts").as_array();
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].at("functionResponse").at("name"), "get_weather");
  EXPECT_EQ(responses[1].at("functionResponse").at("name"), "get_time");
}

TEST(VertexWire, GoogleStatusToHttp) {
  EXPECT_EQ(httpStatusForGoogleStatus("RESOURCE_EXHAUSTED"), 429u);
  EXPECT_EQ(httpStatusForGoogleStatus("INVALID_ARGUMENT"), 400u);
  EXPECT_EQ(httpStatusForGoogleStatus("UNAUTHENTICATED"), 401u);
  EXPECT_EQ(httpStatusForGoogleStatus("UNAVAILABLE"), 503u);
  EXPECT_EQ(httpStatusForGoogleStatus("DEADLINE_EXCEEDED"), 504u);
  EXPECT_EQ(httpStatusForGoogleStatus("OK"), 500u);  // not an error status
  EXPECT_EQ(httpStatusForGoogleStatus("SOMETHING_NEW"), 500u);
  EXPECT_EQ(httpStatusForGrpcCode(8), 429u);
  EXPECT_EQ(httpStatusForGrpcCode(16), 401u);
  EXPECT_EQ(httpStatusForGrpcCode(0), 500u);
  EXPECT_EQ(httpStatusForGrpcCode(17), 500u);
  EXPECT_EQ(httpStatusForGrpcCode(-3), 500u);
}

}  // namespace
}  // namespace switchyard::providers::vertex
