// OpenAI-schema stream passthrough: cases/openai_stream.json (upstream event data in, client bytes
// out). An event is a JSON value (serialized) or a string (sent as is). Unless "expect_raw" gives
// the output, it must be every event before the failing one ("error_at", else none) re-framed byte
// for byte as `data: <event>\n\n`, the upstream `[DONE]` swallowed and re-sent last by finish().
// The same events as the upstream's SSE bytes, cut anywhere, give what they give event by event.

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <optional>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/openai/stream_translator.hpp"
#include "stream_runs.hpp"

namespace switchyard::providers {
namespace {

namespace json = boost::json;
using testing::Case;
using testing::str;

std::unique_ptr<SseStreamTranslator> translatorFor(const std::string& targetModel) {
  const json::object body{{"model", "m"}, {"stream", true}};
  const ApiRequest request{.body = &body, .model = "m", .stream = true};
  const BackendTarget target{targetModel, {}, {}, "/v1"};
  return openai::makeStreamTranslator(request, target, ResponseContext{1, "req"});
}

std::string eventData(const json::value& event) {
  return event.is_string() ? std::string(event.get_string()) : json::serialize(event);
}

class OpenAiStream : public ::testing::TestWithParam<Case> {};

TEST_P(OpenAiStream, PassesThrough) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto translator = translatorFor(str(data, "target_model", "gpt-4o-mini"));

  const auto& events = data.at("events").as_array();
  const std::size_t errorAt =
      data.contains("error_at") ? data.at("error_at").to_number<std::size_t>() : events.size();
  std::string out;
  std::string expected;
  std::optional<core::Error> error;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string event = eventData(events[i]);
    const auto result = translator->onEvent(event, out);
    if (!result) {
      error = result.error();
      EXPECT_EQ(i, errorAt) << "failed on event " << i << ": " << error->message;
      break;
    }
    EXPECT_LT(i, errorAt) << "event " << i << " should have failed";
    if (event != "[DONE]") expected += "data: " + event + "\n\n";
  }
  if (!error) {
    if (const auto result = translator->finish(out); !result) {
      error = result.error();
    } else {
      expected += "data: [DONE]\n\n";
    }
  }
  if (data.contains("expect_raw")) expected = str(data, "expect_raw");
  EXPECT_EQ(out, expected);

  if (const auto* expectedError = data.if_contains("error")) {
    ASSERT_TRUE(error.has_value()) << "expected an error";
    const auto& e = expectedError->as_object();
    EXPECT_EQ(core::kindName(error->kind), str(e, "kind")) << error->message;
    if (e.contains("status")) {
      EXPECT_EQ(error->upstreamStatus, e.at("status").to_number<unsigned>());
    }
    if (e.contains("code")) {
      EXPECT_EQ(error->code, str(e, "code"));
    }
    if (e.contains("message")) {
      EXPECT_EQ(error->message, str(e, "message"));
    }
  } else {
    EXPECT_FALSE(error.has_value()) << error->message;
  }
  if (const auto* model = data.if_contains("expect_model")) {
    EXPECT_EQ(translator->responseModel(), std::string(model->as_string()));
  }
  if (const auto* usage = data.if_contains("expect_usage")) {
    const auto& u = usage->as_object();
    EXPECT_EQ(translator->usage().promptTokens, u.at("prompt").to_number<std::int64_t>());
    EXPECT_EQ(translator->usage().completionTokens, u.at("completion").to_number<std::int64_t>());
    EXPECT_EQ(translator->usage().totalTokens, u.at("total").to_number<std::int64_t>());
    EXPECT_EQ(translator->usage().cachedTokens, u.at("cached").to_number<std::int64_t>());
    EXPECT_EQ(translator->usage().reasoningTokens, u.at("reasoning").to_number<std::int64_t>());
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, OpenAiStream,
                         ::testing::ValuesIn(testing::loadCases("openai_stream.json")),
                         [](const auto& info) { return testing::testName(info.param); });

// LF-framed as OpenAI sends them, and CRLF-framed; cut once at every offset and between every two
// bytes. An event's line breaks come back as LF (SSE joins data lines so).
class OpenAiStreamBytes : public ::testing::TestWithParam<Case> {};

TEST_P(OpenAiStreamBytes, AnyCutGivesTheEventByEventOutcome) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto targetModel = str(data, "target_model", "gpt-4o-mini");
  std::vector<std::string> events;
  for (const auto& event : data.at("events").as_array())
    events.push_back(testing::sseData(eventData(event)));
  const auto expected = testing::runEvents(*translatorFor(targetModel), events);
  const auto make = [&targetModel] { return translatorFor(targetModel); };
  EXPECT_TRUE(testing::everyCutGives(make, testing::sseBody(events, "\n"), expected)) << "LF";
  EXPECT_TRUE(testing::everyCutGives(make, testing::sseBody(events, "\r\n"), expected)) << "CRLF";
}

INSTANTIATE_TEST_SUITE_P(Cases, OpenAiStreamBytes,
                         ::testing::ValuesIn(testing::loadCases("openai_stream.json")),
                         [](const auto& info) { return testing::testName(info.param); });

constexpr std::string_view kChunk =
    R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]})";

TEST(OpenAiStreamBytes, EventOverTheSizeLimitIsABadResponse) {
  const auto translator = translatorFor("gpt-4o-mini");
  std::string out;
  ASSERT_TRUE(translator->onBytes("data: " + std::string(kChunk) + "\n\n", out));
  ASSERT_EQ(out, "data: " + std::string(kChunk) + "\n\n");
  const auto result = translator->onBytes("data: " + std::string((16u << 20) + 1, ' '), out);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::UpstreamBadResponse);
  EXPECT_EQ(result.error().message, "upstream event exceeds the size limit");
  EXPECT_EQ(out, "data: " + std::string(kChunk) + "\n\n");
}

// Even after `[DONE]`: bytes of another event that never ended mean the body was cut short.
TEST(OpenAiStreamBytes, BodyEndingInsideAnEventIsABadResponse) {
  const std::string chunk = "data: " + std::string(kChunk) + "\n\n";
  for (const std::string& cutShort :
       {chunk + "data: [DONE]\n", chunk + "data: {\"id\":", chunk + "data: [DONE]\n\ndata: x"}) {
    const auto translator = translatorFor("gpt-4o-mini");
    std::string out;
    ASSERT_TRUE(translator->onBytes(cutShort, out)) << cutShort;
    EXPECT_EQ(out, chunk);
    const auto result = translator->finish(out);
    ASSERT_FALSE(result) << cutShort;
    EXPECT_EQ(result.error().kind, core::ErrorKind::UpstreamBadResponse);
    EXPECT_EQ(result.error().message, "upstream stream ended inside an event");
    EXPECT_EQ(out, chunk);
  }
  const auto whole = translatorFor("gpt-4o-mini");
  std::string out;
  ASSERT_TRUE(whole->onBytes(chunk + "data: [DONE]\n\n", out));
  ASSERT_TRUE(whole->finish(out));
  EXPECT_EQ(out, chunk + "data: [DONE]\n\n");
}

}  // namespace
}  // namespace switchyard::providers
