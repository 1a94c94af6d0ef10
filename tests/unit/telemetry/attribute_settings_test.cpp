// Span content settings from an injected environment: the OpenInference switches with their
// documented names and defaults, AI_GATEWAY_TRACING_SEMCONV, and the header → attribute mapping in
// Envoy AI Gateway's format and resolution (span mapping over the shared one, default
// agent-session-id:session.id only while unset).

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "telemetry/attribute_settings.hpp"

namespace switchyard::telemetry {
namespace {

using Environment = std::map<std::string, std::string, std::less<>>;

EnvironmentLookup lookupIn(const Environment& environment) {
  return [&environment](std::string_view name) -> std::optional<std::string> {
    const auto found = environment.find(name);
    if (found == environment.end()) return std::nullopt;
    return found->second;
  };
}

LoadedAttributeSettings load(const Environment& environment) {
  auto loaded = loadAttributeSettings(lookupIn(environment));
  EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : loaded.error());
  return loaded ? *loaded : LoadedAttributeSettings{};
}

TEST(AttributeSettings, DefaultsShowEverythingInOpenInference) {
  const auto loaded = load({});
  const auto& settings = loaded.settings;
  EXPECT_EQ(settings.convention, SemanticConvention::OpenInference);
  EXPECT_EQ(settings.redaction, Redaction{});  // every switch off (EachSwitch checks each)
  EXPECT_EQ(settings.redaction.base64ImageMaxLength, 32000);
  EXPECT_EQ(settings.headerAttributes,
            (std::vector<HeaderAttribute>{{"agent-session-id", "session.id"}}));
  EXPECT_TRUE(loaded.warnings.empty());
}

struct SwitchCase {
  const char* variable;
  bool Redaction::*field;
};

class EachSwitch : public ::testing::TestWithParam<SwitchCase> {};

TEST_P(EachSwitch, ReadsTrueAndFalseInAnyCaseAndKeepsTheDefaultOtherwise) {
  const auto& param = GetParam();
  EXPECT_FALSE(load({}).settings.redaction.*param.field);
  EXPECT_TRUE(load({{param.variable, "true"}}).settings.redaction.*param.field);
  EXPECT_TRUE(load({{param.variable, "TRUE"}}).settings.redaction.*param.field);
  EXPECT_FALSE(load({{param.variable, "False"}}).settings.redaction.*param.field);
  // Only this switch moves.
  auto redaction = load({{param.variable, "true"}}).settings.redaction;
  redaction.*param.field = false;
  EXPECT_EQ(redaction, Redaction{});

  for (const char* value : {"1", "yes", " true", ""}) {
    const auto ignored = load({{param.variable, value}});
    EXPECT_FALSE(ignored.settings.redaction.*param.field) << value;
    ASSERT_EQ(ignored.warnings.size(), 1u) << value;
    EXPECT_NE(ignored.warnings[0].find(param.variable), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AttributeSettings, EachSwitch,
    ::testing::Values(
        SwitchCase{"OPENINFERENCE_HIDE_INPUTS", &Redaction::hideInputs},
        SwitchCase{"OPENINFERENCE_HIDE_OUTPUTS", &Redaction::hideOutputs},
        SwitchCase{"OPENINFERENCE_HIDE_INPUT_MESSAGES", &Redaction::hideInputMessages},
        SwitchCase{"OPENINFERENCE_HIDE_OUTPUT_MESSAGES", &Redaction::hideOutputMessages},
        SwitchCase{"OPENINFERENCE_HIDE_INPUT_IMAGES", &Redaction::hideInputImages},
        SwitchCase{"OPENINFERENCE_HIDE_INPUT_TEXT", &Redaction::hideInputText},
        SwitchCase{"OPENINFERENCE_HIDE_OUTPUT_TEXT", &Redaction::hideOutputText},
        SwitchCase{"OPENINFERENCE_HIDE_EMBEDDING_VECTORS", &Redaction::hideEmbeddingVectors},
        SwitchCase{"OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS", &Redaction::hideEmbeddingsVectors},
        SwitchCase{"OPENINFERENCE_HIDE_EMBEDDINGS_TEXT", &Redaction::hideEmbeddingsText},
        SwitchCase{"OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS",
                   &Redaction::hideLlmInvocationParameters},
        SwitchCase{"OPENINFERENCE_HIDE_LLM_TOOLS", &Redaction::hideLlmTools}),
    [](const auto& info) { return std::string(info.param.variable); });

TEST(AttributeSettings, HideInputsAlsoHidesInputMessagesAndTools) {
  const auto redaction = load({{"OPENINFERENCE_HIDE_INPUTS", "true"}}).settings.redaction;
  EXPECT_TRUE(redaction.inputMessagesHidden());
  EXPECT_TRUE(redaction.toolsHidden());
  EXPECT_FALSE(redaction.outputMessagesHidden());
  const auto outputs = load({{"OPENINFERENCE_HIDE_OUTPUTS", "true"}}).settings.redaction;
  EXPECT_TRUE(outputs.outputMessagesHidden());
  EXPECT_FALSE(outputs.inputMessagesHidden());
}

TEST(AttributeSettings, EitherSpellingOfTheVectorsSwitchHidesEmbeddingVectors) {
  EXPECT_FALSE(load({}).settings.redaction.embeddingVectorsHidden());
  EXPECT_TRUE(load({{"OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS", "true"}})
                  .settings.redaction.embeddingVectorsHidden());
  EXPECT_TRUE(load({{"OPENINFERENCE_HIDE_EMBEDDING_VECTORS", "true"}})  // deprecated spelling
                  .settings.redaction.embeddingVectorsHidden());
  EXPECT_FALSE(load({{"OPENINFERENCE_HIDE_EMBEDDINGS_TEXT", "true"}})
                   .settings.redaction.embeddingVectorsHidden());
}

TEST(AttributeSettings, Base64ImageMaxLength) {
  EXPECT_EQ(load({{"OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH", "100"}})
                .settings.redaction.base64ImageMaxLength,
            100);
  EXPECT_EQ(load({{"OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH", " +64 "}})
                .settings.redaction.base64ImageMaxLength,
            64);
  for (const char* bad : {"", "12kb", "1e3", "0x10"}) {
    const auto loaded = load({{"OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH", bad}});
    EXPECT_EQ(loaded.settings.redaction.base64ImageMaxLength, 32000) << bad;
    EXPECT_EQ(loaded.warnings.size(), 1u) << bad;
  }
}

TEST(AttributeSettings, RedactsOnlyBase64ImageDataUrlsLongerThanTheLimit) {
  Redaction redaction;
  redaction.base64ImageMaxLength = 30;
  const std::string atLimit = "data:image/png;base64,AAAAAAAA";  // 30 characters
  ASSERT_EQ(atLimit.size(), 30u);
  EXPECT_FALSE(redaction.redactsImageUrl(atLimit));
  EXPECT_TRUE(redaction.redactsImageUrl(atLimit + "A"));
  EXPECT_FALSE(redaction.redactsImageUrl("https://example.com/" + std::string(40, 'a') + ".png"));
  EXPECT_FALSE(redaction.redactsImageUrl("data:text/plain;base64," + std::string(40, 'A')));
  EXPECT_FALSE(redaction.redactsImageUrl("data:image/svg+xml," + std::string(40, 'A')));
}

TEST(AttributeSettings, SemanticConvention) {
  EXPECT_EQ(load({{"AI_GATEWAY_TRACING_SEMCONV", "gen_ai"}}).settings.convention,
            SemanticConvention::GenAi);
  EXPECT_EQ(load({{"AI_GATEWAY_TRACING_SEMCONV", "openinference"}}).settings.convention,
            SemanticConvention::OpenInference);
  EXPECT_EQ(load({{"AI_GATEWAY_TRACING_SEMCONV", ""}}).settings.convention,
            SemanticConvention::OpenInference);
  const Environment unknown{{"AI_GATEWAY_TRACING_SEMCONV", "genai"}};
  const auto loaded = loadAttributeSettings(lookupIn(unknown));
  ASSERT_FALSE(loaded.has_value());
  EXPECT_NE(loaded.error().find("AI_GATEWAY_TRACING_SEMCONV=genai"), std::string::npos);
}

TEST(AttributeSettings, SpanHeaderMappingReplacesTheDefaultAndEmptyMeansNone) {
  EXPECT_EQ(
      load({{"OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES",
             " X-Session-ID : session.id , x-user-id:user.id"}})
          .settings.headerAttributes,
      (std::vector<HeaderAttribute>{{"x-session-id", "session.id"}, {"x-user-id", "user.id"}}));
  EXPECT_TRUE(
      load({{"OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES", ""}}).settings.headerAttributes.empty());
}

TEST(AttributeSettings, SharedHeaderMappingUnderTheSpanOne) {
  const auto settings =
      load({{"OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES", "x-tenant-id:tenant.id,agent-session-id:old"}})
          .settings;
  EXPECT_EQ(settings.headerAttributes,
            (std::vector<HeaderAttribute>{{"x-tenant-id", "tenant.id"},
                                          {"agent-session-id", "session.id"}}));
}

TEST(AttributeSettings, MalformedHeaderMappingIsAnError) {
  const Environment bad{
      {"OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES", "agent-session-id:session.id,"}};
  const auto loaded = loadAttributeSettings(lookupIn(bad));
  ASSERT_FALSE(loaded.has_value());
  EXPECT_NE(loaded.error().find("OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES"), std::string::npos);
  EXPECT_NE(loaded.error().find("pair 2"), std::string::npos);
}

TEST(ParseHeaderAttributes, EnvoyAiGatewayFormat) {
  struct Row {
    const char* text;
    std::vector<HeaderAttribute> mapping;
    bool error;
  };
  const Row rows[] = {
      {"", {}, false},
      {"agent-session-id:session.id", {{"agent-session-id", "session.id"}}, false},
      {"a:x,b:y", {{"a", "x"}, {"b", "y"}}, false},
      {" a : x , b : y ", {{"a", "x"}, {"b", "y"}}, false},
      {"a:x:extra", {{"a", "x:extra"}}, false},  // the first colon splits
      {"agent-session-id", {}, true},
      {":session.id", {}, true},
      {"agent-session-id:", {}, true},
      {"a:x,", {}, true},
      {"a:x,,b:y", {}, true},
      {"a : x , , b : y", {}, true},
      {",a:x", {}, true},
  };
  for (const auto& row : rows) {
    const auto parsed = parseHeaderAttributes(row.text);
    EXPECT_EQ(parsed.has_value(), !row.error) << row.text;
    if (parsed) {
      EXPECT_EQ(*parsed, row.mapping) << row.text;
    }
  }
}

}  // namespace
}  // namespace switchyard::telemetry
