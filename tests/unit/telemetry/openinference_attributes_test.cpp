// OpenInference span content (docs/spec/wire.md §5.1–5.3), table-driven: each case's request,
// headers and answer in, its complete attribute list out (attribute_cases.hpp), including every
// OPENINFERENCE_* switch against one request that exercises them all.

#include "attribute_cases.hpp"

namespace switchyard::telemetry {
namespace {

using testing::Case;

constexpr std::string_view kCases = R"json([
{
  "name": "text",
  "request": {"model": "gemini-2.5-flash", "messages": [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Say hi."}]},
  "backend": {"provider": "vertex", "model": "gemini-2.5-flash"},
  "response": {"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000,
    "model": "gemini-2.5-flash-001",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi.", "refusal": null},
                 "logprobs": null, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 6, "completion_tokens": 2, "total_tokens": 8,
              "prompt_tokens_details": {"cached_tokens": 0},
              "completion_tokens_details": {"reasoning_tokens": 0}}},
  "expect": {
    "openinference.span.kind": "LLM",
    "llm.request.model_name": "gemini-2.5-flash",
    "llm.invocation_parameters": {"model": "gemini-2.5-flash"},
    "input.value": "{{request}}",
    "input.mime_type": "application/json",
    "llm.input_messages.0.message.role": "system",
    "llm.input_messages.0.message.content": "You are terse.",
    "llm.input_messages.1.message.role": "user",
    "llm.input_messages.1.message.content": "Say hi.",
    "llm.system": "vertexai",
    "llm.provider": "google",
    "llm.model_name": "gemini-2.5-flash",
    "llm.response.model_name": "gemini-2.5-flash-001",
    "output.value": "{{response}}",
    "output.mime_type": "application/json",
    "llm.output_messages.0.message.role": "assistant",
    "llm.output_messages.0.message.content": "Hi.",
    "llm.finish_reason": "stop",
    "llm.token_count.prompt": 6,
    "llm.token_count.completion": 2,
    "llm.token_count.total": 8,
    "llm.token_count.prompt_details.cache_read": 0,
    "llm.token_count.completion_details.reasoning": 0
  }
},
{
  "name": "everything",
  "inputs": "everything",
  "expect": {
    "openinference.span.kind": "LLM",
    "llm.request.model_name": "gemini-2.5-flash",
    "llm.invocation_parameters": {"model": "gemini-2.5-flash", "temperature": 0.2,
                                  "max_completion_tokens": 512, "stream": false},
    "input.value": "{{request}}",
    "input.mime_type": "application/json",
    "llm.input_messages.0.message.role": "system",
    "llm.input_messages.0.message.content": "You are terse.",
    "llm.input_messages.1.message.role": "user",
    "llm.input_messages.1.message.contents.0.message_content.type": "text",
    "llm.input_messages.1.message.contents.0.message_content.text": "What is in these images?",
    "llm.input_messages.1.message.contents.1.message_content.type": "image",
    "llm.input_messages.1.message.contents.1.message_content.image.image.url": "https://example.com/cat.png",
    "llm.input_messages.1.message.contents.2.message_content.type": "image",
    "llm.input_messages.1.message.contents.2.message_content.image.image.url": "data:image/png;base64,iVBORw0KGgo=",
    "llm.input_messages.1.message.contents.3.message_content.type": "image",
    "llm.input_messages.1.message.contents.3.message_content.image.image.url": "__REDACTED__",
    "llm.input_messages.2.message.role": "assistant",
    "llm.input_messages.2.message.tool_calls.0.tool_call.id": "call_abc",
    "llm.input_messages.2.message.tool_calls.0.tool_call.function.name": "get_weather",
    "llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments": "{\"city\":\"Paris\"}",
    "llm.input_messages.3.message.role": "tool",
    "llm.input_messages.3.message.content": "18C, cloudy",
    "llm.input_messages.3.message.name": "get_weather",
    "llm.input_messages.3.message.tool_call_id": "call_abc",
    "llm.tools.0.tool.json_schema": {"type": "function", "function": {"name": "get_weather",
      "description": "Weather by city",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
    "session.id": "sess-1",
    "llm.system": "vertexai",
    "llm.provider": "google",
    "llm.model_name": "gemini-2.5-flash",
    "llm.response.model_name": "gemini-2.5-flash-001",
    "output.value": "{{response}}",
    "output.mime_type": "application/json",
    "llm.output_messages.0.message.role": "assistant",
    "llm.output_messages.0.message.contents.0.message_content.type": "reasoning",
    "llm.output_messages.0.message.contents.0.message_content.text": "The user may want tomorrow too.",
    "llm.output_messages.0.message.contents.1.message_content.type": "text",
    "llm.output_messages.0.message.contents.1.message_content.text": "Let me check tomorrow.",
    "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_def",
    "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
    "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": "{\"city\":\"Paris\",\"day\":1}",
    "llm.finish_reason": "tool_calls",
    "llm.token_count.prompt": 50,
    "llm.token_count.completion": 30,
    "llm.token_count.total": 80,
    "llm.token_count.prompt_details.cache_read": 10,
    "llm.token_count.completion_details.reasoning": 12
  }
},
{
  "name": "hide_inputs",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_INPUTS": "true"},
  "changes": {"input.value": "__REDACTED__", "input.mime_type": null,
              "llm.input_messages.*": null, "llm.tools.*": null}
},
{
  "name": "hide_outputs",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_OUTPUTS": "true"},
  "changes": {"output.value": "__REDACTED__", "output.mime_type": null, "llm.output_messages.*": null}
},
{
  "name": "hide_input_messages",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_INPUT_MESSAGES": "true"},
  "changes": {"llm.input_messages.*": null}
},
{
  "name": "hide_output_messages",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_OUTPUT_MESSAGES": "true"},
  "changes": {"llm.output_messages.*": null}
},
{
  "name": "hide_input_images",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_INPUT_IMAGES": "true"},
  "changes": {
    "llm.input_messages.1.message.contents.1.message_content.image.image.url": null,
    "llm.input_messages.1.message.contents.2.message_content.image.image.url": null,
    "llm.input_messages.1.message.contents.3.message_content.image.image.url": null}
},
{
  "name": "hide_input_text_keeps_tool_arguments",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_INPUT_TEXT": "true"},
  "changes": {
    "llm.input_messages.0.message.content": "__REDACTED__",
    "llm.input_messages.1.message.contents.0.message_content.text": "__REDACTED__",
    "llm.input_messages.3.message.content": "__REDACTED__"}
},
{
  "name": "hide_output_text_redacts_reasoning_too",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_OUTPUT_TEXT": "true"},
  "changes": {
    "llm.output_messages.0.message.contents.0.message_content.text": "__REDACTED__",
    "llm.output_messages.0.message.contents.1.message_content.text": "__REDACTED__"}
},
{
  "name": "hide_llm_invocation_parameters",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS": "true"},
  "changes": {"llm.invocation_parameters": null}
},
{
  "name": "hide_llm_tools",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_LLM_TOOLS": "true"},
  "changes": {"llm.tools.*": null}
},
{
  "name": "hide_embedding_vectors_changes_nothing_here",
  "like": "everything",
  "env": {"OPENINFERENCE_HIDE_EMBEDDING_VECTORS": "true"},
  "changes": {}
},
{
  "name": "base64_image_within_a_raised_limit",
  "like": "everything",
  "env": {"OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH": "54"},
  "changes": {"llm.input_messages.1.message.contents.3.message_content.image.image.url":
              "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"}
},
{
  "name": "base64_image_one_over_the_limit",
  "like": "everything",
  "env": {"OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH": "53"},
  "changes": {}
},
{
  "name": "openai_backend_and_reasoning_alone",
  "request": {"model": "gpt-5", "messages": [{"role": "user", "content": "2+2?"}]},
  "backend": {"provider": "openai", "model": "gpt-5-mini"},
  "response": {"id": "chatcmpl-3", "object": "chat.completion", "created": 1, "model": "gpt-5-mini-2025",
    "choices": [
      {"index": 0, "message": {"role": "assistant", "content": null, "reasoning_content": "Trivial."},
       "finish_reason": "length"},
      {"index": 1, "message": {"role": "assistant", "content": "4"}, "finish_reason": "stop"}]},
  "expect": {
    "openinference.span.kind": "LLM",
    "llm.request.model_name": "gpt-5",
    "llm.invocation_parameters": {"model": "gpt-5"},
    "input.value": "{{request}}",
    "input.mime_type": "application/json",
    "llm.input_messages.0.message.role": "user",
    "llm.input_messages.0.message.content": "2+2?",
    "llm.system": "openai",
    "llm.provider": "openai",
    "llm.model_name": "gpt-5-mini",
    "llm.response.model_name": "gpt-5-mini-2025",
    "output.value": "{{response}}",
    "output.mime_type": "application/json",
    "llm.output_messages.0.message.role": "assistant",
    "llm.output_messages.0.message.contents.0.message_content.type": "reasoning",
    "llm.output_messages.0.message.contents.0.message_content.text": "Trivial.",
    "llm.output_messages.1.message.role": "assistant",
    "llm.output_messages.1.message.content": "4",
    "llm.finish_reason": "length"
  }
},
{
  "name": "user_id_from_safety_identifier_before_user",
  "request": {"model": "m", "user": "legacy-user", "safety_identifier": "hashed-user",
              "messages": [{"role": "user", "content": "hi"}]},
  "expect": {
    "openinference.span.kind": "LLM",
    "llm.request.model_name": "m",
    "llm.invocation_parameters": {"model": "m", "user": "legacy-user", "safety_identifier": "hashed-user"},
    "input.value": "{{request}}",
    "input.mime_type": "application/json",
    "llm.input_messages.0.message.role": "user",
    "llm.input_messages.0.message.content": "hi",
    "user.id": "hashed-user"
  }
},
{
  "name": "user_id_from_user",
  "like": "user_id_from_safety_identifier_before_user",
  "request": {"model": "m", "user": "legacy-user", "messages": [{"role": "user", "content": "hi"}]},
  "changes": {"llm.invocation_parameters": {"model": "m", "user": "legacy-user"}, "user.id": "legacy-user"}
},
{
  "name": "mapped_headers_win_over_the_body",
  "like": "user_id_from_safety_identifier_before_user",
  "env": {"OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES":
          "agent-session-id:session.id,x-session-id:session.id,x-user-id:user.id,x-tenant-id:tenant.id"},
  "headers": {"x-session-id": "s-2", "x-user-id": "header-user", "agent-session-id": "s-1"},
  "changes": {"session.id": "s-1", "user.id": "header-user"}
},
{
  "name": "default_mapping_gone_when_set_empty",
  "like": "user_id_from_safety_identifier_before_user",
  "env": {"OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES": ""},
  "headers": {"agent-session-id": "s-1"},
  "changes": {}
}
])json";

class OpenInferenceCases : public ::testing::TestWithParam<Case> {};

TEST_P(OpenInferenceCases, AttributesAreExactlyTheExpectedOnes) {
  EXPECT_EQ(testing::mismatches(GetParam().data), "");
}

INSTANTIATE_TEST_SUITE_P(Table, OpenInferenceCases, ::testing::ValuesIn(testing::loadCases(kCases)),
                         testing::caseName);

TEST(OpenInference, SpanNameIsChatCompletion) {
  EXPECT_EQ(chatSpanName(AttributeSettings{}, "gemini-2.5-flash"), "ChatCompletion");
}

TEST(OpenInference, ErrorGivesTheExceptionEventAndNoSpanAttribute) {
  AttributeList span;
  AttributeList event;
  addChatErrorAttributes(
      AttributeSettings{},
      core::Error::make(core::ErrorKind::UpstreamTimeout, "attempt deadline passed"), span, event);
  EXPECT_TRUE(span.empty());
  EXPECT_EQ(event.entries(), (std::vector<AttributeList::Entry>{
                                 {"exception.type", std::string("upstream_timeout")},
                                 {"exception.message", std::string("attempt deadline passed")}}));
}

TEST(OpenInference, ResponseThatIsNotAnObjectAddsNothing) {
  AttributeList out;
  EXPECT_FALSE(addChatResponseAttributes(AttributeSettings{}, "[1]", out));
  EXPECT_FALSE(addChatResponseAttributes(AttributeSettings{}, "{\"id\":", out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace switchyard::telemetry
