// OpenAI-schema stream passthrough: cases/openai_stream.json (upstream event data in, client bytes
// out). An event is a JSON value (serialized) or a string (sent as is). Unless "expect_raw" gives
// the output, it must be every event before the failing one ("error_at", else none) re-framed byte
// for byte as `data: <event>\n\n`, the upstream `[DONE]` swallowed and re-sent last by finish().

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <optional>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/factory.hpp"

namespace switchyard::providers {
namespace {

namespace json = boost::json;
using testing::Case;
using testing::str;

class OpenAiStream : public ::testing::TestWithParam<Case> {};

TEST_P(OpenAiStream, PassesThrough) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const json::object body{{"model", "m"}, {"stream", true}};
  ApiRequest request{&body, "m", true, false};
  const auto targetModel = str(data, "target_model", "gpt-4o-mini");
  BackendTarget target{targetModel, {}, {}, "/v1"};
  const auto translator =
      makeOpenAiProvider()->newStreamTranslator(request, target, ResponseContext{1, "req"});

  const auto& events = data.at("events").as_array();
  const std::size_t errorAt =
      data.contains("error_at") ? data.at("error_at").to_number<std::size_t>() : events.size();
  std::string out;
  std::string expected;
  std::optional<core::Error> error;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string event =
        events[i].is_string() ? std::string(events[i].get_string()) : json::serialize(events[i]);
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

}  // namespace
}  // namespace switchyard::providers
