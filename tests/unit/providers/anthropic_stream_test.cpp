// Claude's stream relayed to a Messages client: cases/anthropic_stream.json (upstream SSE body in,
// client bytes, error, usage and model out). The output is the body itself ("expect_raw" when the
// upstream's framing differs, or up to the failing event), and the same body cut at every byte,
// and fed byte by byte, gives the same outcome.

#include <gtest/gtest.h>

#include <string>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/anthropic/messages_stream_translator.hpp"
#include "providers/anthropic/messages_translator.hpp"
#include "stream_runs.hpp"

namespace switchyard::providers {
namespace {

namespace json = boost::json;
using testing::Case;
using testing::str;

// Designated initializers would have to name every member (-Wmissing-field-initializers).
BackendTarget targetOf(std::string_view model) {
  BackendTarget target;
  target.model = model;
  return target;
}

std::unique_ptr<SseStreamTranslator> makeTranslator() {
  return anthropic::makeMessagesStreamTranslator(targetOf("backend-model"));
}

class AnthropicStream : public ::testing::TestWithParam<Case> {};

TEST_P(AnthropicStream, RelaysEventsAsTheyCome) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const std::string body = str(data, "stream_raw");
  const auto run = testing::runBytes(*makeTranslator(), body, {});

  EXPECT_EQ(run.out, str(data, "expect_raw", body));
  if (const auto* expected = data.if_contains("error")) {
    ASSERT_TRUE(run.error.has_value()) << "expected an error";
    const auto& e = expected->as_object();
    EXPECT_EQ(core::kindName(run.error->kind), str(e, "kind")) << run.error->message;
    if (e.contains("status")) {
      EXPECT_EQ(run.error->upstreamStatus, e.at("status").to_number<unsigned>());
    }
    if (e.contains("code")) {
      EXPECT_EQ(run.error->code, str(e, "code"));
    }
    if (e.contains("message")) {
      EXPECT_EQ(run.error->message, str(e, "message"));
    }
  } else {
    EXPECT_FALSE(run.error.has_value()) << run.error->message;
  }
  const auto& usage = data.at("usage").as_array();
  EXPECT_EQ(run.usage.promptTokens, usage.at(0).to_number<std::int64_t>());
  EXPECT_EQ(run.usage.completionTokens, usage.at(1).to_number<std::int64_t>());
  EXPECT_EQ(run.usage.totalTokens, usage.at(2).to_number<std::int64_t>());
  EXPECT_EQ(run.usage.cachedTokens, usage.at(3).to_number<std::int64_t>());
  EXPECT_EQ(run.usage.reasoningTokens, usage.at(4).to_number<std::int64_t>());
  EXPECT_EQ(run.usage.cacheCreationTokens, usage.at(5).to_number<std::int64_t>());
  EXPECT_EQ(run.model, str(data, "model"));

  EXPECT_TRUE(testing::everyCutGives(makeTranslator, body, run));
}

INSTANTIATE_TEST_SUITE_P(Cases, AnthropicStream,
                         ::testing::ValuesIn(testing::loadCases("anthropic_stream.json")),
                         [](const auto& info) { return testing::testName(info.param); });

TEST(AnthropicStream, EachEventGoesOutAsSoonAsItIsComplete) {
  const auto translator = makeTranslator();
  std::string out;
  const std::string start =
      R"({"type":"message_start","message":{"model":"claude","usage":{"input_tokens":3}}})";
  ASSERT_TRUE(translator->onBytes("event: message_start\ndata: " + start + "\n", out));
  EXPECT_EQ(out, "");  // the blank line that ends the event has not come yet
  ASSERT_TRUE(translator->onBytes("\nevent: ping\ndata: {\"type\":\"ping\"}\n\nevent: con", out));
  EXPECT_EQ(out, "event: message_start\ndata: " + start +
                     "\n\nevent: ping\ndata: {\"type\":\"ping\"}\n\n");
  EXPECT_EQ(translator->usage().promptTokens, 3);
  EXPECT_EQ(translator->responseModel(), "claude");
}

TEST(AnthropicStream, AfterAnErrorTheTranslatorKeepsReportingIt) {
  const auto translator = makeTranslator();
  std::string out;
  const auto first = translator->onBytes(
      "event: error\ndata: "
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"
      "\n\n",
      out);
  ASSERT_FALSE(first);
  const auto again = translator->onBytes("event: message_stop\ndata: {}\n\n", out);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().upstreamStatus, 529u);
  const auto finished = translator->finish(out);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().code, "overloaded_error");
  EXPECT_EQ(out, "");
}

TEST(AnthropicStream, TheMessagesTranslatorMakesOne) {
  const anthropic::MessagesTranslator translator;
  const json::object body{{"model", "m"}, {"stream", true}};
  const ApiRequest request{.endpoint = Endpoint::AnthropicMessages,
                           .body = &body,
                           .model = "m",
                           .stream = true,
                           .query = {}};
  const auto stream = translator.newStreamTranslator(request, targetOf("m"), {});
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(stream->contentType(), "text/event-stream; charset=utf-8");
}

}  // namespace
}  // namespace switchyard::providers
