// Claude on Vertex in the emulator: the path, Messages validation (table), answers, stream events.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "emulator/anthropic_error.hpp"
#include "emulator/claude_answer.hpp"
#include "emulator/claude_request.hpp"
#include "emulator/faults.hpp"
#include "emulator/prompt_cache.hpp"

namespace switchyard::emulator {
namespace {

namespace json = boost::json;

constexpr std::string_view kModel = "claude-sonnet-4@20250514";

json::object parsed(std::string_view body, ClaudeBody kind = ClaudeBody::kMessages) {
  auto r = parseClaudeRequest(body, kind);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : json::object{};
}

TEST(ClaudeCall, ParsesPublisherPaths) {
  auto call = parseClaudeCall(
      "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:"
      "streamRawPredict");
  ASSERT_TRUE(call);
  EXPECT_EQ(call->model, "claude-sonnet-4@20250514");
  EXPECT_TRUE(call->stream);
  EXPECT_FALSE(call->countTokens);
  auto count = parseClaudeCall(
      "/v1/projects/p/locations/l/publishers/anthropic/models/count-tokens:rawPredict");
  ASSERT_TRUE(count);
  EXPECT_TRUE(count->countTokens);
  EXPECT_FALSE(parseClaudeCall("/v1/projects/p/locations/l/publishers/google/models/x:rawPredict"));
  EXPECT_FALSE(parseClaudeCall("/v1/projects/p/locations/l/publishers/anthropic/models/x:predict"));
  EXPECT_TRUE(isKnownClaudeModel("claude-3-5-haiku@20241022"));
  EXPECT_TRUE(isKnownClaudeModel("claude-opus-4-1"));
  EXPECT_FALSE(isKnownClaudeModel("claude-x@"));
  EXPECT_FALSE(isKnownClaudeModel("gemini-2.5-flash"));
}

struct Invalid {
  std::string body;
  std::string message;
};

TEST(ClaudeRequest, RefusesWhatAnthropicRefuses) {
  const std::string v = R"("anthropic_version":"vertex-2023-10-16","max_tokens":100,)";
  const std::string user = R"("messages":[{"role":"user","content":"hi"}])";
  const std::vector<Invalid> cases = {
      {"[]", "Input should be a valid dictionary"},
      {"{" + v + user + R"(,"model":"m"})", "model: Extra inputs are not permitted"},
      {R"({"max_tokens":1,)" + user + "}", "anthropic_version: Field required"},
      {R"({"anthropic_version":"v1","max_tokens":1,)" + user + "}",
       "anthropic_version: Input should be 'vertex-2023-10-16'"},
      {R"({"anthropic_version":"vertex-2023-10-16",)" + user + "}", "max_tokens: Field required"},
      {"{" + v + R"("messages":[]})", "messages: at least one message is required"},
      {"{" + v + R"("messages":[{"role":"assistant","content":"x"}]})",
       "messages: first message must use the \"user\" role"},
      {"{" + v + R"("messages":[{"role":"user","content":[{"type":"text","text":""}]}]})",
       "messages: text content blocks must be non-empty"},
      {"{" + v + R"("messages":[{"role":"user","content":[{"type":"video"}]}]})",
       "messages.0.content.0.type: Input tag 'video' found using 'type' does not match any of the "
       "expected tags: 'text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', "
       "'redacted_thinking'"},
      {"{" + v +
           R"("messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/bmp","data":"AA=="}}]}]})",
       "messages.0.content.0.source.base64.media_type: Input should be 'image/jpeg', 'image/png', "
       "'image/gif' or 'image/webp'"},
      {"{" + v +
           R"("messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"user","content":"b"}]})",
       "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: t1. "
       "Each `tool_use` block must have a corresponding `tool_result` block in the next message."},
      {"{" + v +
           R"("messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t9"}]}]})",
       "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: t9. Each "
       "`tool_result` block must have a corresponding `tool_use` block in the previous message."},
      {"{" + v +
           R"("messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"forged"}]}]})",
       "messages.1.content.0: Invalid `signature` in `thinking` block"},
      {"{" + v + R"("tools":[{"name":"bad name","input_schema":{"type":"object"}}],)" + user + "}",
       "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'"},
      {"{" + v + R"("tools":[{"name":"f"}],)" + user + "}",
       "tools.0.custom.input_schema: Field required"},
      {"{" + v + R"("tool_choice":{"type":"auto"},)" + user + "}",
       "tool_choice may only be specified while providing tools"},
      {R"({"anthropic_version":"vertex-2023-10-16","max_tokens":1024,"thinking":{"type":"enabled","budget_tokens":1024},)" +
           user + "}",
       "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
       "documentation at https://docs.claude.com/en/docs/build-with-claude/"
       "extended-thinking#max-tokens-and-context-window-size"},
      {"{" + v + R"("top_k":-1,)" + user + "}",
       "top_k: Input should be greater than or equal to 0"},
      {"{" + v + R"("stop_sequences":[" "],)" + user + "}",
       "stop_sequences: each stop sequence must contain non-whitespace"},
      {"{" + v + R"("system":[{"type":"text","text":"s","cache_control":{"type":"forever"}}],)" +
           user + "}",
       "system.0.cache_control.type: Input should be 'ephemeral'"},
  };
  for (const auto& c : cases) {
    auto r = parseClaudeRequest(c.body, ClaudeBody::kMessages);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_EQ(r.error().message, c.message) << c.body;
  }
  // count-tokens takes the model in the body and no max_tokens.
  EXPECT_TRUE(parseClaudeRequest(R"({"model":"m",)" + user + "}", ClaudeBody::kCountTokens));
  auto noModel = parseClaudeRequest("{" + user + "}", ClaudeBody::kCountTokens);
  ASSERT_FALSE(noModel);
  EXPECT_EQ(noModel.error().message, "model: Field required");
  auto withMax =
      parseClaudeRequest(R"({"model":"m","max_tokens":1,)" + user + "}", ClaudeBody::kCountTokens);
  ASSERT_FALSE(withMax);
  EXPECT_EQ(withMax.error().message, "max_tokens: Extra inputs are not permitted");
}

TEST(ClaudeAnswer, EchoesWithSystemAndImages) {
  const auto request = parsed(
      R"({"anthropic_version":"vertex-2023-10-16","max_tokens":100,"system":"be brief",
          "messages":[{"role":"user","content":[{"type":"text","text":"look [[emulator: delay_ms=1]]"},
          {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAEC"}}]}]})");
  const auto answer = deriveClaudeAnswer(request, kModel, nullptr);
  EXPECT_EQ(
      json::serialize(answer.content),
      R"([{"type":"text","text":"[claude-sonnet-4@20250514] echo: look (system: be brief) [saw image/png 3 bytes]"}])");
  EXPECT_EQ(answer.stopReason, "end_turn");
  EXPECT_EQ(answer.usage.inputTokens, 2 + 3 + 1);  // system, text (with directive), image
  EXPECT_EQ(answer.usage.inputTokens, countClaudeInputTokens(request));
}

TEST(ClaudeAnswer, StopSequenceAndMaxTokens) {
  auto stop = deriveClaudeAnswer(
      parsed(R"({"anthropic_version":"vertex-2023-10-16","max_tokens":100,"stop_sequences":["END"],
                 "messages":[{"role":"user","content":"one END two"}]})"),
      kModel, nullptr);
  EXPECT_EQ(stop.stopReason, "stop_sequence");
  EXPECT_EQ(*stop.stopSequence, "END");
  EXPECT_EQ(stop.content[0].as_object().at("text").as_string(),
            "[claude-sonnet-4@20250514] echo: one ");
  auto cut = deriveClaudeAnswer(parsed(R"({"anthropic_version":"vertex-2023-10-16","max_tokens":3,
                 "messages":[{"role":"user","content":"one two three four"}]})"),
                                kModel, nullptr);
  EXPECT_EQ(cut.stopReason, "max_tokens");
  EXPECT_EQ(cut.usage.outputTokens, 3);
}

TEST(ClaudeAnswer, ToolChoiceDecidesTheCalls) {
  const std::string tools =
      R"("tools":[{"name":"a","input_schema":{"type":"object","properties":{"q":{"type":"string"}}}},
                  {"name":"b","input_schema":{"type":"object"}}])";
  auto base = [&](std::string extra, std::string prompt) {
    return parsed(R"({"anthropic_version":"vertex-2023-10-16","max_tokens":100,)" + tools + extra +
                  R"(,"messages":[{"role":"user","content":")" + prompt + R"("}]})");
  };
  auto both = deriveClaudeAnswer(base("", "call b then call a with cats"), kModel, nullptr);
  ASSERT_EQ(both.content.size(), 2u);
  EXPECT_EQ(both.content[0].as_object().at("name").as_string(), "b");
  EXPECT_EQ(json::serialize(both.content[1].as_object().at("input")), R"({"q":"cats"})");
  EXPECT_EQ(both.stopReason, "tool_use");
  auto single =
      deriveClaudeAnswer(base(R"(,"tool_choice":{"type":"auto","disable_parallel_tool_use":true})",
                              "call b then call a"),
                         kModel, nullptr);
  EXPECT_EQ(single.content.size(), 1u);
  auto any = deriveClaudeAnswer(base(R"(,"tool_choice":{"type":"any"})", "hello"), kModel, nullptr);
  EXPECT_EQ(any.content[0].as_object().at("name").as_string(), "a");
  auto forced = deriveClaudeAnswer(base(R"(,"tool_choice":{"type":"tool","name":"b"})", "call a"),
                                   kModel, nullptr);
  EXPECT_EQ(forced.content[0].as_object().at("name").as_string(), "b");
  auto none =
      deriveClaudeAnswer(base(R"(,"tool_choice":{"type":"none"})", "call a"), kModel, nullptr);
  EXPECT_EQ(none.content[0].as_object().at("type").as_string(), "text");
}

TEST(ClaudeAnswer, PromptCacheWritesThenReads) {
  PromptCache cache;
  const auto request = parsed(
      R"({"anthropic_version":"vertex-2023-10-16","max_tokens":100,
          "system":[{"type":"text","text":"three word system","cache_control":{"type":"ephemeral"}}],
          "messages":[{"role":"user","content":"hi"}]})");
  const auto first = deriveClaudeAnswer(request, kModel, &cache);
  EXPECT_EQ(first.usage.cacheCreationInputTokens, 3);
  EXPECT_EQ(first.usage.cacheReadInputTokens, 0);
  EXPECT_EQ(first.usage.inputTokens, 1);
  const auto second = deriveClaudeAnswer(request, kModel, &cache);
  EXPECT_EQ(second.usage.cacheCreationInputTokens, 0);
  EXPECT_EQ(second.usage.cacheReadInputTokens, 3);
}

TEST(ClaudeStream, EventOrder) {
  const auto request = parsed(
      R"({"anthropic_version":"vertex-2023-10-16","max_tokens":2000,
          "thinking":{"type":"enabled","budget_tokens":1024},
          "tools":[{"name":"f","input_schema":{"type":"object","properties":{"x":{"type":"string"}}}}],
          "messages":[{"role":"user","content":"call f now"}]})");
  const auto answer = deriveClaudeAnswer(request, kModel, nullptr);
  std::vector<std::string> names;
  std::vector<std::string> deltas;
  std::string json;
  for (const auto& e : renderClaudeStreamEvents(answer, "msg_1", kModel)) {
    names.push_back(e.name);
    const auto data = json::parse(e.data).as_object();
    EXPECT_EQ(data.at("type").as_string(), e.name);
    if (e.name == "content_block_delta") {
      const auto& delta = data.at("delta").as_object();
      deltas.emplace_back(delta.at("type").as_string());
      if (delta.at("type") == "input_json_delta") json += delta.at("partial_json").as_string();
    }
  }
  EXPECT_EQ(names.front(), "message_start");
  EXPECT_EQ(names[1], "ping");
  EXPECT_EQ(names[names.size() - 2], "message_delta");
  EXPECT_EQ(names.back(), "message_stop");
  EXPECT_EQ(std::count(names.begin(), names.end(), "content_block_start"), 2);
  EXPECT_EQ(std::count(names.begin(), names.end(), "content_block_stop"), 2);
  EXPECT_EQ(deltas.front(), "thinking_delta");
  EXPECT_EQ(std::count(deltas.begin(), deltas.end(), "signature_delta"), 1);
  EXPECT_EQ(json, R"({"x":"now"})");
}

TEST(AnthropicError, EnvelopeAndTypes) {
  EXPECT_EQ(renderAnthropicError({529, {}}),
            R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(anthropicErrorType(429), "rate_limit_error");
  EXPECT_EQ(anthropicErrorType(401), "authentication_error");
  EXPECT_EQ(anthropicErrorType(404), "not_found_error");
  EXPECT_EQ(anthropicErrorType(500), "api_error");
  EXPECT_EQ(anthropicErrorType(503), "api_error");
  EXPECT_EQ(anthropicErrorType(422), "invalid_request_error");
}

TEST(ClaudeFaults, StreamErrorAndGoogleEnvelopeKeys) {
  auto fault = parseFaultDirectives("[[emulator: stream_error_after=3, google_error]]");
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->streamErrorAfter, 3);
  EXPECT_TRUE(fault->googleError);
  EXPECT_FALSE(fault->empty());
}

}  // namespace
}  // namespace switchyard::emulator
