// StreamFold: a streamed answer, folded, gives the same span attributes as the same answer not
// streamed. The Vertex cases go through the real Vertex provider both ways (one upstream body, and
// the upstream events through its stream translator); the OpenAI-schema case through the
// pass-through translator against the body an OpenAI backend would have sent. Then the fold's own
// contract: first-content flag, frames split anywhere, error events, [DONE], logprobs, odd data.

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "attribute_cases.hpp"
#include "providers/openai/stream_translator.hpp"
#include "providers/registry.hpp"
#include "telemetry/stream_fold.hpp"

namespace switchyard::telemetry {
namespace {

namespace json = boost::json;
using testing::Case;

// Each answer twice: as Vertex's stream events and as Vertex's one non-streamed body.
constexpr std::string_view kVertexAnswers = R"json([
{
  "name": "text",
  "events": [
    {"candidates": [{"content": {"role": "model", "parts": [{"text": "Cloud"}]}}],
     "modelVersion": "gemini-2.5-flash-001", "createTime": "2025-07-11T22:15:44.956335Z", "responseId": "resp-1"},
    {"candidates": [{"content": {"role": "model", "parts": [{"text": " computing"}]}}],
     "modelVersion": "gemini-2.5-flash-001", "createTime": "2025-07-11T22:15:44.956335Z", "responseId": "resp-1"},
    {"candidates": [{"content": {"role": "model", "parts": [{"text": " is \"elastic\"."}]}, "finishReason": "STOP"}],
     "usageMetadata": {"promptTokenCount": 6, "candidatesTokenCount": 5, "totalTokenCount": 11},
     "modelVersion": "gemini-2.5-flash-001", "createTime": "2025-07-11T22:15:44.956335Z", "responseId": "resp-1"}],
  "body": {"candidates": [{"content": {"role": "model", "parts": [
      {"text": "Cloud"}, {"text": " computing"}, {"text": " is \"elastic\"."}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 6, "candidatesTokenCount": 5, "totalTokenCount": 11},
    "modelVersion": "gemini-2.5-flash-001", "createTime": "2025-07-11T22:15:44.956335Z", "responseId": "resp-1"}
},
{
  "name": "thoughts_then_text",
  "events": [
    {"candidates": [{"content": {"role": "model", "parts": [{"text": "The user wants", "thought": true}]}}],
     "modelVersion": "gemini-2.5-pro", "responseId": "resp-2"},
    {"candidates": [{"content": {"role": "model", "parts": [{"text": " a haiku.", "thought": true}]}}],
     "modelVersion": "gemini-2.5-pro", "responseId": "resp-2"},
    {"candidates": [{"content": {"role": "model", "parts": [{"text": "Clouds drift by"}]}, "finishReason": "MAX_TOKENS"}],
     "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 3, "thoughtsTokenCount": 7,
                       "cachedContentTokenCount": 4, "totalTokenCount": 19},
     "modelVersion": "gemini-2.5-pro", "responseId": "resp-2"}],
  "body": {"candidates": [{"content": {"role": "model", "parts": [
      {"text": "The user wants", "thought": true}, {"text": " a haiku.", "thought": true},
      {"text": "Clouds drift by"}]}, "finishReason": "MAX_TOKENS"}],
    "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 3, "thoughtsTokenCount": 7,
                      "cachedContentTokenCount": 4, "totalTokenCount": 19},
    "modelVersion": "gemini-2.5-pro", "responseId": "resp-2"}
},
{
  "name": "two_tool_calls",
  "events": [
    {"candidates": [{"content": {"role": "model", "parts": [
      {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]}}],
     "modelVersion": "gemini-2.5-flash", "responseId": "resp-3"},
    {"candidates": [{"content": {"role": "model", "parts": [
      {"functionCall": {"name": "get_time", "args": {"tz": "CET", "exact": true}}}]}, "finishReason": "STOP"}],
     "usageMetadata": {"promptTokenCount": 30, "candidatesTokenCount": 12, "totalTokenCount": 42},
     "modelVersion": "gemini-2.5-flash", "responseId": "resp-3"}],
  "body": {"candidates": [{"content": {"role": "model", "parts": [
      {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
      {"functionCall": {"name": "get_time", "args": {"tz": "CET", "exact": true}}}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 30, "candidatesTokenCount": 12, "totalTokenCount": 42},
    "modelVersion": "gemini-2.5-flash", "responseId": "resp-3"}
},
{
  "name": "two_candidates_interleaved",
  "events": [
    {"candidates": [{"index": 1, "content": {"role": "model", "parts": [{"text": "B1"}]}},
                    {"content": {"role": "model", "parts": [{"text": "A1"}]}}],
     "modelVersion": "gemini-2.5-flash", "responseId": "resp-4"},
    {"candidates": [{"content": {"role": "model", "parts": [{"text": " A2"}]}, "finishReason": "STOP"},
                    {"index": 1, "content": {"role": "model", "parts": [{"text": " B2"}]}, "finishReason": "STOP"}],
     "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 8, "totalTokenCount": 12},
     "modelVersion": "gemini-2.5-flash", "responseId": "resp-4"}],
  "body": {"candidates": [
      {"content": {"role": "model", "parts": [{"text": "A1"}, {"text": " A2"}]}, "finishReason": "STOP"},
      {"index": 1, "content": {"role": "model", "parts": [{"text": "B1"}, {"text": " B2"}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 8, "totalTokenCount": 12},
    "modelVersion": "gemini-2.5-flash", "responseId": "resp-4"}
}
])json";

AttributeSettings settingsFor(SemanticConvention convention) {
  AttributeSettings settings;
  settings.convention = convention;
  return settings;
}

struct BothWays {
  std::string unaryBody;                    // the chat.completion the client gets without streaming
  StreamFold fold;                          // fed what the client gets when streaming
  std::vector<std::size_t> firstContentAt;  // events whose frames carried the first content
};

void translateBothWays(const json::object& answer, BothWays& out) {
  const json::object body{{"model", "gemini-2.5-flash"}, {"stream", true}};
  const providers::ApiRequest request{
      .body = &body, .model = "gemini-2.5-flash", .stream = true, .includeUsage = true};
  const providers::BackendTarget target{"gemini-2.5-flash", "proj-1", "us-central1", {}};
  const providers::ResponseContext context{1700000000, "req-1"};
  const auto* chat =
      providers::findProvider("GCPVertexAI")->translator(providers::Endpoint::ChatCompletions);

  const std::string upstream = json::serialize(answer.at("body"));
  const std::string_view bodies[] = {upstream};
  auto unary = chat->translateResponse(bodies, request, target, context);
  ASSERT_TRUE(unary.has_value()) << unary.error().message;
  out.unaryBody = std::move(unary->body);

  // Each event as the SSE bytes Vertex sends for it, one piece each.
  const auto translator = chat->newStreamTranslator(request, target, context);
  const auto& events = answer.at("events").as_array();
  for (std::size_t i = 0; i < events.size(); ++i) {
    std::string frames;
    const std::string bytes = "data: " + json::serialize(events[i]) + "\r\n\r\n";
    ASSERT_TRUE(translator->onBytes(bytes, frames).has_value());
    if (out.fold.feedFrames(frames)) out.firstContentAt.push_back(i);
  }
  std::string closing;
  ASSERT_TRUE(translator->finish(closing).has_value());
  if (out.fold.feedFrames(closing)) out.firstContentAt.push_back(events.size());
}

class VertexAgreement : public ::testing::TestWithParam<Case> {};

TEST_P(VertexAgreement, FoldedStreamHasTheNonStreamedAttributes) {
  BothWays both;
  translateBothWays(GetParam().data, both);
  if (HasFatalFailure()) return;
  EXPECT_EQ(both.firstContentAt, std::vector<std::size_t>{0});
  EXPECT_TRUE(both.fold.sawDone());
  for (const auto convention : {SemanticConvention::OpenInference, SemanticConvention::GenAi}) {
    const auto settings = settingsFor(convention);
    AttributeList unary;
    ASSERT_TRUE(addChatResponseAttributes(settings, both.unaryBody, unary));
    AttributeList streamed;
    addChatStreamAttributes(settings, both.fold, streamed);
    EXPECT_GT(unary.size(), 5u);
    EXPECT_EQ(testing::differences(testing::asJson(unary, {}), testing::asJson(streamed, {})), "")
        << (convention == SemanticConvention::GenAi ? "gen_ai" : "openinference");
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, VertexAgreement,
                         ::testing::ValuesIn(testing::loadCases(kVertexAnswers)),
                         testing::caseName);

// An OpenAI-schema backend's stream, one chunk a line, passed through: two choices interleaved,
// parallel tool calls whose arguments come in pieces, the usage chunk after the last choice chunk.
constexpr std::string_view kOpenAiChunks = R"json(
{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}
{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_1","choices":[{"index":1,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}
{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"It is"},"logprobs":null,"finish_reason":null}],"usage":null}
{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_1","choices":[{"index":1,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"tz\""}},{"index":0,"function":{"arguments":"{\"city\":"}}]},"logprobs":null,"finish_reason":null}],"usage":null}
{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_1","choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}},{"index":1,"function":{"arguments":":\"CET\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}
{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":" sunny."},"logprobs":null,"finish_reason":null}],"usage":null}
{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}
{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_1","choices":[{"index":1,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}
{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_1","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":25,"total_tokens":44,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0}}}
[DONE]
)json";

// The chunks as the upstream sends them (and the pass-through translator emits them).
std::string openAiFrames() {
  std::string frames;
  std::string_view rest = kOpenAiChunks;
  while (!rest.empty()) {
    const auto line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (!line.empty()) frames.append("data: ").append(line).append("\n\n");
  }
  return frames;
}

constexpr std::string_view kOpenAiBody =
    R"json({"id":"chatcmpl-7","object":"chat.completion","created":1741569952,"model":"gpt-4.1-2025-04-14","system_fingerprint":"fp_1","choices":[{"index":0,"message":{"role":"assistant","content":"It is sunny.","refusal":null},"logprobs":null,"finish_reason":"stop"},{"index":1,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"tz\":\"CET\"}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":19,"completion_tokens":25,"total_tokens":44,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0}}})json";

TEST(StreamFold, OpenAiPassThroughStreamHasTheNonStreamedAttributes) {
  const json::object body{{"model", "gpt-4.1"}, {"stream", true}};
  const providers::ApiRequest request{
      .body = &body, .model = "gpt-4.1", .stream = true, .includeUsage = true};
  const providers::BackendTarget target{"gpt-4.1", {}, {}, "/v1"};
  const auto translator = providers::openai::makeStreamTranslator(request, target, {});
  StreamFold fold;
  int firstContent = 0;
  core::SseDecoder upstream;
  upstream.feed(openAiFrames(), [&](std::string_view data) {
    std::string out;
    ASSERT_TRUE(translator->onEvent(data, out).has_value());
    firstContent += fold.feedFrames(out);
  });
  std::string closing;
  ASSERT_TRUE(translator->finish(closing).has_value());
  fold.feedFrames(closing);
  EXPECT_EQ(firstContent, 1);
  EXPECT_TRUE(fold.sawDone());

  for (const auto convention : {SemanticConvention::OpenInference, SemanticConvention::GenAi}) {
    const auto settings = settingsFor(convention);
    AttributeList unary;
    ASSERT_TRUE(addChatResponseAttributes(settings, kOpenAiBody, unary));
    AttributeList streamed;
    addChatStreamAttributes(settings, fold, streamed);
    EXPECT_EQ(testing::differences(testing::asJson(unary, {}), testing::asJson(streamed, {})), "");
  }
}

std::string frame(std::string_view json) { return "data: " + std::string(json) + "\n\n"; }

TEST(StreamFold, FirstContentIsTheFirstChunkWithTextReasoningRefusalOrToolCall) {
  struct Row {
    const char* name;
    std::vector<const char*> chunks;
    int firstContentChunk;  // -1: none
  };
  const Row rows[] = {
      {"role chunk with empty content is not content",
       {R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})",
        R"({"choices":[{"index":0,"delta":{"content":"Hi"}}]})",
        R"({"choices":[{"index":0,"delta":{"content":" there"}}]})"},
       1},
      {"reasoning first",
       {R"({"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]})",
        R"({"choices":[{"index":0,"delta":{"content":"Hi"}}]})"},
       0},
      {"a tool call",
       {R"({"choices":[{"index":0,"delta":{"role":"assistant","content":null}}]})",
        R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":""}}]}}]})"},
       1},
      {"a refusal", {R"({"choices":[{"index":0,"delta":{"refusal":"No."}}]})"}, 0},
      {"nothing but a finish and usage",
       {R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})",
        R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1}})"},
       -1},
  };
  for (const auto& row : rows) {
    StreamFold fold;
    int first = -1;
    for (std::size_t i = 0; i < row.chunks.size(); ++i) {
      if (fold.feedFrames(frame(row.chunks[i]))) {
        EXPECT_EQ(first, -1) << row.name << ": flagged twice";
        first = static_cast<int>(i);
      }
    }
    EXPECT_EQ(first, row.firstContentChunk) << row.name;
    EXPECT_EQ(fold.sawContent(), row.firstContentChunk >= 0) << row.name;
  }
}

TEST(StreamFold, FramesSplitAnywhereFoldTheSame) {
  const auto frames = openAiFrames();
  StreamFold whole;
  whole.feedFrames(frames);
  StreamFold bytewise;
  int firstContent = 0;
  for (const char byte : frames) firstContent += bytewise.feedFrames(std::string_view(&byte, 1));
  EXPECT_EQ(firstContent, 1);
  EXPECT_EQ(json::value(bytewise.completion()), json::value(whole.completion()));
  EXPECT_EQ(json::value(whole.completion()), json::parse(kOpenAiBody));
}

TEST(StreamFold, ErrorEventIsKeptAndWhatCameBeforeStays) {
  StreamFold fold;
  fold.feedFrames(frame(
      R"({"id":"x","model":"m","created":5,"choices":[{"index":0,"delta":{"role":"assistant","content":"Par"}}]})"));
  fold.feedFrames(frame(
      R"({"error":{"message":"upstream reset","type":"server_error","param":null,"code":"upstream_reset"}})"));
  ASSERT_TRUE(fold.error().has_value());
  EXPECT_EQ(fold.error()->at("message").as_string(), "upstream reset");
  EXPECT_FALSE(fold.sawDone());
  EXPECT_EQ(json::value(fold.completion()),
            json::parse(R"({"id":"x","object":"chat.completion","created":5,"model":"m",
      "choices":[{"index":0,"message":{"role":"assistant","content":"Par","refusal":null},"logprobs":null,"finish_reason":null}]})"));

  AttributeList attributes;
  addChatStreamAttributes(AttributeSettings{}, fold, attributes);
  const auto* content = attributes.find("llm.output_messages.0.message.content");
  ASSERT_NE(content, nullptr);
  EXPECT_EQ(std::get<std::string>(*content), "Par");
  EXPECT_EQ(attributes.find("llm.finish_reason"), nullptr);
}

TEST(StreamFold, LogprobsAreAppendedPerChoice) {
  StreamFold fold;
  fold.feedChunk(
      R"({"choices":[{"index":0,"delta":{"content":"A"},"logprobs":{"content":[{"token":"A","logprob":-0.5,"bytes":[65],"top_logprobs":[]}],"refusal":null}}]})");
  fold.feedChunk(
      R"({"choices":[{"index":0,"delta":{"content":"B"},"logprobs":{"content":[{"token":"B","logprob":-1.5,"bytes":[66],"top_logprobs":[]}],"refusal":null}}]})");
  const auto completion = fold.completion();
  EXPECT_EQ(completion.at("choices").at(0).at("logprobs"),
            json::parse(R"({"content":[{"token":"A","logprob":-0.5,"bytes":[65],"top_logprobs":[]},
                                       {"token":"B","logprob":-1.5,"bytes":[66],"top_logprobs":[]}],
                            "refusal":null})"));
}

TEST(StreamFold, SkipsDataThatIsNotAChunkAndNeverSizesByAnIndex) {
  StreamFold fold;
  EXPECT_FALSE(fold.feedChunk("not json"));
  EXPECT_FALSE(fold.feedChunk("[1,2]"));
  EXPECT_FALSE(fold.feedChunk(R"({"choices":"nope"})"));
  EXPECT_FALSE(fold.feedChunk(R"({"choices":[{"index":0,"delta":{"content":42}}]})"));
  EXPECT_FALSE(fold.sawContent());
  EXPECT_EQ(fold.completion().at("choices").as_array().size(), 1u);  // index 0, nothing in it
  EXPECT_FALSE(fold.sawDone());
  fold.feedChunk("[DONE]");
  EXPECT_TRUE(fold.sawDone());

  // A huge tool-call or choice index is a key, not a size.
  StreamFold huge;
  EXPECT_TRUE(huge.feedChunk(
      R"({"choices":[{"index":9000000000000,"delta":{"tool_calls":[{"index":9000000000000,"id":"c","function":{"name":"f","arguments":"{}"}}]}}]})"));
  const auto completion = huge.completion();
  ASSERT_EQ(completion.at("choices").as_array().size(), 1u);
  EXPECT_EQ(completion.at("choices").at(0).at("index").as_int64(), 9000000000000);
  EXPECT_EQ(completion.at("choices").at(0).at("message").at("tool_calls").as_array().size(), 1u);
}

}  // namespace
}  // namespace switchyard::telemetry
