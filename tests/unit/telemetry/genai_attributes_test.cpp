// OpenTelemetry GenAI span content (AI_GATEWAY_TRACING_SEMCONV=gen_ai, docs/spec/wire.md §5.4),
// table-driven like the OpenInference cases: request parameters, provider, response, usage, and the
// message JSON that the OpenInference switches leave out or redact.

#include "attribute_cases.hpp"

namespace switchyard::telemetry {
namespace {

using testing::Case;

constexpr std::string_view kCases = R"json([
{
  "name": "everything",
  "inputs": "everything",
  "env": {"AI_GATEWAY_TRACING_SEMCONV": "gen_ai"},
  "expect": {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "gemini-2.5-flash",
    "gen_ai.request.max_tokens": 512,
    "gen_ai.request.temperature": 0.2,
    "gen_ai.request.stream": false,
    "gen_ai.input.messages": [
      {"role": "system", "parts": [{"type": "text", "content": "You are terse."}]},
      {"role": "user", "parts": [
        {"type": "text", "content": "What is in these images?"},
        {"type": "uri", "modality": "image", "uri": "https://example.com/cat.png"},
        {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "iVBORw0KGgo="},
        {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "__REDACTED__"}]},
      {"role": "assistant", "parts": [
        {"type": "tool_call", "id": "call_abc", "name": "get_weather", "arguments": {"city": "Paris"}}]},
      {"role": "tool", "parts": [
        {"type": "tool_call_response", "id": "call_abc", "response": "18C, cloudy"}]}],
    "gen_ai.tool.definitions": [{"type": "function", "name": "get_weather",
      "description": "Weather by city",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}],
    "session.id": "sess-1",
    "gen_ai.conversation.id": "sess-1",
    "gen_ai.provider.name": "gcp.vertex_ai",
    "gen_ai.response.id": "chatcmpl-2",
    "gen_ai.response.model": "gemini-2.5-flash-001",
    "gen_ai.response.finish_reasons": ["tool_calls"],
    "gen_ai.usage.input_tokens": 50,
    "gen_ai.usage.output_tokens": 30,
    "gen_ai.usage.cache_read.input_tokens": 10,
    "gen_ai.usage.reasoning.output_tokens": 12,
    "gen_ai.output.messages": [{"role": "assistant", "parts": [
        {"type": "reasoning", "content": "The user may want tomorrow too."},
        {"type": "text", "content": "Let me check tomorrow."},
        {"type": "tool_call", "id": "call_def", "name": "get_weather",
         "arguments": {"city": "Paris", "day": 1}}],
      "finish_reason": "tool_calls"}]
  }
},
{
  "name": "hide_inputs",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_INPUTS": "true"},
  "changes": {"gen_ai.input.messages": null, "gen_ai.tool.definitions": null}
},
{
  "name": "hide_input_messages",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_INPUT_MESSAGES": "true"},
  "changes": {"gen_ai.input.messages": null}
},
{
  "name": "hide_llm_tools",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_LLM_TOOLS": "true"},
  "changes": {"gen_ai.tool.definitions": null}
},
{
  "name": "hide_outputs",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_OUTPUTS": "true"},
  "changes": {"gen_ai.output.messages": null}
},
{
  "name": "hide_output_messages",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_OUTPUT_MESSAGES": "true"},
  "changes": {"gen_ai.output.messages": null}
},
{
  "name": "hide_text_both_ways",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_INPUT_TEXT": "true", "OPENINFERENCE_HIDE_OUTPUT_TEXT": "true"},
  "changes": {
    "gen_ai.input.messages": [
      {"role": "system", "parts": [{"type": "text", "content": "__REDACTED__"}]},
      {"role": "user", "parts": [
        {"type": "text", "content": "__REDACTED__"},
        {"type": "uri", "modality": "image", "uri": "https://example.com/cat.png"},
        {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "iVBORw0KGgo="},
        {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "__REDACTED__"}]},
      {"role": "assistant", "parts": [
        {"type": "tool_call", "id": "call_abc", "name": "get_weather", "arguments": {"city": "Paris"}}]},
      {"role": "tool", "parts": [
        {"type": "tool_call_response", "id": "call_abc", "response": "__REDACTED__"}]}],
    "gen_ai.output.messages": [{"role": "assistant", "parts": [
        {"type": "reasoning", "content": "__REDACTED__"},
        {"type": "text", "content": "__REDACTED__"},
        {"type": "tool_call", "id": "call_def", "name": "get_weather",
         "arguments": {"city": "Paris", "day": 1}}],
      "finish_reason": "tool_calls"}]}
},
{
  "name": "hide_input_images",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_INPUT_IMAGES": "true"},
  "changes": {
    "gen_ai.input.messages": [
      {"role": "system", "parts": [{"type": "text", "content": "You are terse."}]},
      {"role": "user", "parts": [{"type": "text", "content": "What is in these images?"}]},
      {"role": "assistant", "parts": [
        {"type": "tool_call", "id": "call_abc", "name": "get_weather", "arguments": {"city": "Paris"}}]},
      {"role": "tool", "parts": [
        {"type": "tool_call_response", "id": "call_abc", "response": "18C, cloudy"}]}]}
},
{
  "name": "request_parameters_and_openai_backend",
  "env": {"AI_GATEWAY_TRACING_SEMCONV": "gen_ai", "OPENINFERENCE_HIDE_INPUT_MESSAGES": "true"},
  "request": {"model": "gpt-5", "max_tokens": 100, "top_p": 1, "frequency_penalty": 0.5,
    "presence_penalty": -0.5, "seed": 42, "n": 2, "stop": ["END", "STOP"], "stream": true,
    "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}},
    "messages": [{"role": "user", "content": "hi"}]},
  "backend": {"provider": "openai", "model": "gpt-5"},
  "response": {"id": "chatcmpl-9", "model": "gpt-5-2025",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"}, "finish_reason": "stop"},
                {"index": 1, "message": {"role": "assistant", "content": "{\"a\""}, "finish_reason": "length"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 9, "total_tokens": 12}},
  "expect": {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "gpt-5",
    "gen_ai.request.max_tokens": 100,
    "gen_ai.request.top_p": 1.0,
    "gen_ai.request.frequency_penalty": 0.5,
    "gen_ai.request.presence_penalty": -0.5,
    "gen_ai.request.seed": 42,
    "gen_ai.request.choice.count": 2,
    "gen_ai.request.stop_sequences": ["END", "STOP"],
    "gen_ai.request.stream": true,
    "gen_ai.output.type": "json",
    "gen_ai.provider.name": "openai",
    "gen_ai.response.id": "chatcmpl-9",
    "gen_ai.response.model": "gpt-5-2025",
    "gen_ai.response.finish_reasons": ["stop", "length"],
    "gen_ai.usage.input_tokens": 3,
    "gen_ai.usage.output_tokens": 9,
    "gen_ai.output.messages": [
      {"role": "assistant", "parts": [{"type": "text", "content": "{}"}], "finish_reason": "stop"},
      {"role": "assistant", "parts": [{"type": "text", "content": "{\"a\""}], "finish_reason": "length"}]
  }
},
{
  "name": "one_stop_string_text_output_and_arguments_that_are_not_json",
  "env": {"AI_GATEWAY_TRACING_SEMCONV": "gen_ai"},
  "request": {"model": "m", "stop": "END", "n": 1, "response_format": {"type": "text"},
    "user": "u-1",
    "messages": [{"role": "assistant", "tool_calls": [
      {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"unterminated"}}]}]},
  "expect": {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "m",
    "gen_ai.request.stop_sequences": ["END"],
    "gen_ai.request.stream": false,
    "gen_ai.output.type": "text",
    "gen_ai.input.messages": [{"role": "assistant", "parts": [
      {"type": "tool_call", "id": "c1", "name": "f", "arguments": "{\"unterminated"}]}],
    "user.id": "u-1"
  }
}
])json";

class GenAiCases : public ::testing::TestWithParam<Case> {};

TEST_P(GenAiCases, AttributesAreExactlyTheExpectedOnes) {
  EXPECT_EQ(testing::mismatches(GetParam().data), "");
}

INSTANTIATE_TEST_SUITE_P(Table, GenAiCases, ::testing::ValuesIn(testing::loadCases(kCases)),
                         testing::caseName);

AttributeSettings genAiSettings() {
  AttributeSettings settings;
  settings.convention = SemanticConvention::GenAi;
  return settings;
}

TEST(GenAi, SpanNameIsOperationThenRequestedModel) {
  EXPECT_EQ(chatSpanName(genAiSettings(), "gemini-2.5-flash"), "chat gemini-2.5-flash");
  EXPECT_EQ(chatSpanName(genAiSettings(), ""), "chat");
}

TEST(GenAi, ErrorTypeIsTheUpstreamStatusOrTheErrorKind) {
  struct Row {
    core::Error error;
    const char* errorType;
  };
  const Row rows[] = {
      {core::Error::upstream(429, "quota exhausted", "RESOURCE_EXHAUSTED"), "429"},
      {core::Error::make(core::ErrorKind::UpstreamTimeout, "attempt deadline passed"),
       "upstream_timeout"},
      {core::Error::make(core::ErrorKind::NoBackendAvailable, "none left"), "no_backend_available"},
  };
  for (const auto& row : rows) {
    AttributeList span;
    AttributeList event;
    addChatErrorAttributes(genAiSettings(), row.error, span, event);
    EXPECT_EQ(span.entries(),
              (std::vector<AttributeList::Entry>{{"error.type", std::string(row.errorType)}}));
    EXPECT_EQ(event.entries(), (std::vector<AttributeList::Entry>{
                                   {"exception.type", std::string(core::kindName(row.error.kind))},
                                   {"exception.message", row.error.message}}));
  }
}

}  // namespace
}  // namespace switchyard::telemetry
