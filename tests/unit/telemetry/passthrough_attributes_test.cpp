// Span content of the endpoints whose bodies pass through (Anthropic Messages, Gemini): both
// conventions, the input/output redaction switches, and token counts.

#include "telemetry/passthrough_attributes.hpp"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>

#include <string>

namespace switchyard::telemetry {
namespace {

std::string textOf(const AttributeList& list, std::string_view key) {
  const auto* value = list.find(key);
  return value && std::holds_alternative<std::string>(*value) ? std::get<std::string>(*value)
                                                              : std::string("<absent>");
}

std::int64_t intOf(const AttributeList& list, std::string_view key) {
  const auto* value = list.find(key);
  return value && std::holds_alternative<std::int64_t>(*value) ? std::get<std::int64_t>(*value)
                                                               : -1;
}

const boost::json::object kBody{{"model", "claude"}};
constexpr std::string_view kRaw = R"({"model":"claude","messages":[]})";

TEST(PassthroughAttributes, OpenInferenceRecordsTheBodiesAsTheyAre) {
  AttributeSettings settings;
  AttributeList out;
  EXPECT_EQ(passthroughSpanName(settings, "Messages", "chat", "claude"), "Messages");
  addPassthroughRequestAttributes(settings, "chat", "claude", {kBody, kRaw, {}}, out);
  addPassthroughResponseAttributes(settings, R"({"id":"msg"})", out);
  addPassthroughUsageAttributes(settings, {10, 5, 15, "claude-x"}, out);
  EXPECT_EQ(textOf(out, "openinference.span.kind"), "LLM");
  EXPECT_EQ(textOf(out, "input.value"), kRaw);
  EXPECT_EQ(textOf(out, "input.mime_type"), "application/json");
  EXPECT_EQ(textOf(out, "output.value"), R"({"id":"msg"})");
  EXPECT_EQ(intOf(out, "llm.token_count.prompt"), 10);
  EXPECT_EQ(intOf(out, "llm.token_count.completion"), 5);
  EXPECT_EQ(intOf(out, "llm.token_count.total"), 15);
  EXPECT_EQ(textOf(out, "gen_ai.operation.name"), "<absent>");
}

TEST(PassthroughAttributes, HideSwitchesRedactTheBodies) {
  AttributeSettings settings;
  settings.redaction.hideInputs = true;
  settings.redaction.hideOutputs = true;
  AttributeList out;
  addPassthroughRequestAttributes(settings, "chat", "claude", {kBody, kRaw, {}}, out);
  addPassthroughResponseAttributes(settings, R"({"id":"msg"})", out);
  EXPECT_EQ(textOf(out, "input.value"), "__REDACTED__");
  EXPECT_EQ(textOf(out, "input.mime_type"), "<absent>");
  EXPECT_EQ(textOf(out, "output.value"), "__REDACTED__");
}

TEST(PassthroughAttributes, GenAiNamesTheOperationAndCountsTokens) {
  AttributeSettings settings;
  settings.convention = SemanticConvention::GenAi;
  AttributeList out;
  EXPECT_EQ(passthroughSpanName(settings, "GenerateContent", "generate_content", "gemini"),
            "generate_content gemini");
  addPassthroughRequestAttributes(settings, "generate_content", "gemini", {kBody, kRaw, {}}, out);
  addPassthroughResponseAttributes(settings, R"({"candidates":[]})", out);
  addPassthroughUsageAttributes(settings, {7, 3, 10, "gemini-2.5-flash-001"}, out);
  EXPECT_EQ(textOf(out, "gen_ai.operation.name"), "generate_content");
  EXPECT_EQ(textOf(out, "gen_ai.request.model"), "gemini");
  EXPECT_EQ(textOf(out, "gen_ai.response.model"), "gemini-2.5-flash-001");
  EXPECT_EQ(intOf(out, "gen_ai.usage.input_tokens"), 7);
  EXPECT_EQ(intOf(out, "gen_ai.usage.output_tokens"), 3);
  EXPECT_EQ(textOf(out, "input.value"), "<absent>");
  EXPECT_EQ(textOf(out, "output.value"), "<absent>");
}

}  // namespace
}  // namespace switchyard::telemetry
