// The span of POST /v1/embeddings, table-driven like the chat span's: OpenInference (the embedding
// span spec: texts, base64-decoded vectors, each switch) and OpenTelemetry GenAI (the embeddings
// client span), one string or an array of them, float and base64 answers. Base64 vectors are
// little-endian float32: "AADAPwAAAEAAAIC+" is [1.5, 2.0, -0.25], "AAAAPwAAgL8=" [0.5, -1.0],
// "AAAAPgAAgEA=" [0.125, 4.0].

#include <string>

#include "embedding_cases.hpp"

namespace switchyard::telemetry {
namespace {

using testing::Case;

constexpr std::string_view kOpenInferenceCases = R"json([
{
  "name": "one_string_float_answer",
  "request": {"model": "text-embedding-3-small", "input": "hello world", "encoding_format": "float",
              "dimensions": 3, "user": "u-1"},
  "backend": {"provider": "openai", "model": "text-embedding-3-small"},
  "response": {"object": "list", "model": "text-embedding-3-small",
    "data": [{"object": "embedding", "index": 0, "embedding": [0.5, -0.25, 1]}],
    "usage": {"prompt_tokens": 2, "total_tokens": 2}},
  "expect": {
    "openinference.span.kind": "EMBEDDING",
    "embedding.invocation_parameters": {"model": "text-embedding-3-small", "encoding_format": "float",
                                        "dimensions": 3, "user": "u-1"},
    "input.value": "{{request}}",
    "input.mime_type": "application/json",
    "embedding.embeddings.0.embedding.text": "hello world",
    "user.id": "u-1",
    "embedding.model_name": "text-embedding-3-small",
    "output.value": "{{response}}",
    "output.mime_type": "application/json",
    "embedding.embeddings.0.embedding.vector": [0.5, -0.25, 1.0],
    "llm.token_count.prompt": 2,
    "llm.token_count.total": 2
  }
},
{
  "name": "batch_base64_answer_out_of_order",
  "headers": {"agent-session-id": "sess-1"},
  "request": {"model": "text-embedding-005", "input": ["first", "second", "third"],
              "encoding_format": "base64"},
  "backend": {"provider": "vertex", "model": "text-embedding-005@002"},
  "response": {"object": "list", "model": "text-embedding-005",
    "data": [{"object": "embedding", "index": 2, "embedding": "AAAAPgAAgEA="},
             {"object": "embedding", "index": 0, "embedding": "AADAPwAAAEAAAIC+"},
             {"object": "embedding", "index": 1, "embedding": "AAAAPwAAgL8="}],
    "usage": {"prompt_tokens": 7, "total_tokens": 7}},
  "expect": {
    "openinference.span.kind": "EMBEDDING",
    "embedding.invocation_parameters": {"model": "text-embedding-005", "encoding_format": "base64"},
    "input.value": "{{request}}",
    "input.mime_type": "application/json",
    "embedding.embeddings.0.embedding.text": "first",
    "embedding.embeddings.1.embedding.text": "second",
    "embedding.embeddings.2.embedding.text": "third",
    "session.id": "sess-1",
    "embedding.model_name": "text-embedding-005@002",
    "output.value": "{{response}}",
    "output.mime_type": "application/json",
    "embedding.embeddings.0.embedding.vector": [1.5, 2.0, -0.25],
    "embedding.embeddings.1.embedding.vector": [0.5, -1.0],
    "embedding.embeddings.2.embedding.vector": [0.125, 4.0],
    "llm.token_count.prompt": 7,
    "llm.token_count.total": 7
  }
},
{
  "name": "hide_embeddings_text",
  "like": "batch_base64_answer_out_of_order",
  "env": {"OPENINFERENCE_HIDE_EMBEDDINGS_TEXT": "true"},
  "changes": {"embedding.embeddings.0.embedding.text": "__REDACTED__",
              "embedding.embeddings.1.embedding.text": "__REDACTED__",
              "embedding.embeddings.2.embedding.text": "__REDACTED__"}
},
{
  "name": "hide_embeddings_vectors",
  "like": "batch_base64_answer_out_of_order",
  "env": {"OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS": "true"},
  "changes": {"embedding.embeddings.0.embedding.vector": "__REDACTED__",
              "embedding.embeddings.1.embedding.vector": "__REDACTED__",
              "embedding.embeddings.2.embedding.vector": "__REDACTED__"}
},
{
  "name": "hide_embedding_vectors_the_deprecated_spelling",
  "like": "hide_embeddings_vectors",
  "env": {"OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS": "false",
          "OPENINFERENCE_HIDE_EMBEDDING_VECTORS": "true"},
  "changes": {}
},
{
  "name": "hide_inputs_leaves_the_texts_out",
  "like": "batch_base64_answer_out_of_order",
  "env": {"OPENINFERENCE_HIDE_INPUTS": "true"},
  "changes": {"input.value": "__REDACTED__", "input.mime_type": null,
              "embedding.embeddings.0.embedding.text": null,
              "embedding.embeddings.1.embedding.text": null,
              "embedding.embeddings.2.embedding.text": null}
},
{
  "name": "hide_outputs_leaves_the_vectors_out",
  "like": "batch_base64_answer_out_of_order",
  "env": {"OPENINFERENCE_HIDE_OUTPUTS": "true"},
  "changes": {"output.value": "__REDACTED__", "output.mime_type": null,
              "embedding.embeddings.0.embedding.vector": null,
              "embedding.embeddings.1.embedding.vector": null,
              "embedding.embeddings.2.embedding.vector": null}
},
{
  "name": "hide_llm_invocation_parameters",
  "like": "batch_base64_answer_out_of_order",
  "env": {"OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS": "true"},
  "changes": {"embedding.invocation_parameters": null}
},
{
  "name": "message_switches_do_not_touch_embeddings",
  "like": "batch_base64_answer_out_of_order",
  "env": {"OPENINFERENCE_HIDE_INPUT_MESSAGES": "true", "OPENINFERENCE_HIDE_OUTPUT_MESSAGES": "true",
          "OPENINFERENCE_HIDE_INPUT_TEXT": "true", "OPENINFERENCE_HIDE_OUTPUT_TEXT": "true",
          "OPENINFERENCE_HIDE_LLM_TOOLS": "true"},
  "changes": {}
},
{
  "name": "token_inputs_have_no_text",
  "request": {"model": "text-embedding-3-small", "input": [[15339, 1917], [991]]},
  "expect": {
    "openinference.span.kind": "EMBEDDING",
    "embedding.invocation_parameters": {"model": "text-embedding-3-small"},
    "input.value": "{{request}}",
    "input.mime_type": "application/json"
  }
},
{
  "name": "one_token_array_has_no_text",
  "like": "token_inputs_have_no_text",
  "request": {"model": "text-embedding-3-small", "input": [15339, 1917]},
  "changes": {}
},
{
  "name": "unreadable_vectors_are_left_out",
  "request": {"model": "m", "input": ["a", "b", "c", "d", "e"]},
  "response": {"object": "list", "model": "m",
    "data": [{"index": 0, "embedding": "YWJj"},
             {"index": 1, "embedding": [0.5, "x"]},
             {"index": 2, "embedding": []},
             {"index": 3},
             {"index": 4, "embedding": "AADAPw=="}]},
  "expect": {
    "openinference.span.kind": "EMBEDDING",
    "embedding.invocation_parameters": {"model": "m"},
    "input.value": "{{request}}",
    "input.mime_type": "application/json",
    "embedding.embeddings.0.embedding.text": "a",
    "embedding.embeddings.1.embedding.text": "b",
    "embedding.embeddings.2.embedding.text": "c",
    "embedding.embeddings.3.embedding.text": "d",
    "embedding.embeddings.4.embedding.text": "e",
    "output.value": "{{response}}",
    "output.mime_type": "application/json",
    "embedding.embeddings.4.embedding.vector": [1.5]
  }
}
])json";

constexpr std::string_view kGenAiCases = R"json([
{
  "name": "batch_base64_answer",
  "env": {"AI_GATEWAY_TRACING_SEMCONV": "gen_ai"},
  "headers": {"agent-session-id": "sess-1"},
  "request": {"model": "text-embedding-005", "input": ["first", "second"],
              "encoding_format": "base64", "user": "u-1"},
  "backend": {"provider": "vertex", "model": "text-embedding-005@002"},
  "response": {"object": "list", "model": "text-embedding-005@002",
    "data": [{"object": "embedding", "index": 0, "embedding": "AADAPwAAAEAAAIC+"},
             {"object": "embedding", "index": 1, "embedding": "AAAAPwAAgL8="}],
    "usage": {"prompt_tokens": 5, "total_tokens": 5}},
  "expect": {
    "gen_ai.operation.name": "embeddings",
    "gen_ai.request.model": "text-embedding-005",
    "gen_ai.request.encoding_formats": ["base64"],
    "session.id": "sess-1",
    "gen_ai.conversation.id": "sess-1",
    "user.id": "u-1",
    "gen_ai.provider.name": "gcp.vertex_ai",
    "gen_ai.response.model": "text-embedding-005@002",
    "gen_ai.usage.input_tokens": 5,
    "gen_ai.embeddings.dimension.count": 3
  }
},
{
  "name": "no_switch_has_content_to_hide",
  "like": "batch_base64_answer",
  "env": {"OPENINFERENCE_HIDE_INPUTS": "true", "OPENINFERENCE_HIDE_OUTPUTS": "true",
          "OPENINFERENCE_HIDE_EMBEDDINGS_TEXT": "true", "OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS": "true",
          "OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS": "true"},
  "changes": {}
},
{
  "name": "one_string_float_answer_default_format",
  "env": {"AI_GATEWAY_TRACING_SEMCONV": "gen_ai"},
  "request": {"model": "text-embedding-3-small", "input": "hello world", "dimensions": 4},
  "backend": {"provider": "openai", "model": "text-embedding-3-small"},
  "response": {"object": "list", "model": "text-embedding-3-small",
    "data": [{"object": "embedding", "index": 0, "embedding": [0.5, -0.25, 1, 0]}],
    "usage": {"prompt_tokens": 2, "total_tokens": 2}},
  "expect": {
    "gen_ai.operation.name": "embeddings",
    "gen_ai.request.model": "text-embedding-3-small",
    "gen_ai.provider.name": "openai",
    "gen_ai.response.model": "text-embedding-3-small",
    "gen_ai.usage.input_tokens": 2,
    "gen_ai.embeddings.dimension.count": 4
  }
},
{
  "name": "failed_request_has_the_request_and_backend_only",
  "like": "one_string_float_answer_default_format",
  "response": null,
  "changes": {"gen_ai.response.model": null, "gen_ai.usage.input_tokens": null,
              "gen_ai.embeddings.dimension.count": null}
}
])json";

class OpenInferenceEmbeddingCases : public ::testing::TestWithParam<Case> {};

TEST_P(OpenInferenceEmbeddingCases, AttributesAreExactlyTheExpectedOnes) {
  EXPECT_EQ(testing::embeddingsMismatches(GetParam().data), "");
}

INSTANTIATE_TEST_SUITE_P(Table, OpenInferenceEmbeddingCases,
                         ::testing::ValuesIn(testing::loadCases(kOpenInferenceCases)),
                         testing::caseName);

class GenAiEmbeddingCases : public ::testing::TestWithParam<Case> {};

TEST_P(GenAiEmbeddingCases, AttributesAreExactlyTheExpectedOnes) {
  EXPECT_EQ(testing::embeddingsMismatches(GetParam().data), "");
}

INSTANTIATE_TEST_SUITE_P(Table, GenAiEmbeddingCases,
                         ::testing::ValuesIn(testing::loadCases(kGenAiCases)), testing::caseName);

AttributeSettings genAiSettings() {
  AttributeSettings settings;
  settings.convention = SemanticConvention::GenAi;
  return settings;
}

TEST(EmbeddingAttributes, SpanNames) {
  EXPECT_EQ(embeddingsSpanName(AttributeSettings{}, "text-embedding-3-small"), "CreateEmbeddings");
  EXPECT_EQ(embeddingsSpanName(genAiSettings(), "text-embedding-3-small"),
            "embeddings text-embedding-3-small");
  EXPECT_EQ(embeddingsSpanName(genAiSettings(), ""), "embeddings");
}

TEST(EmbeddingAttributes, ResponseThatIsNotAnObjectAddsNothing) {
  for (const auto& settings : {AttributeSettings{}, genAiSettings()}) {
    AttributeList out;
    EXPECT_FALSE(addEmbeddingsResponseAttributes(settings, "[1]", out));
    EXPECT_FALSE(addEmbeddingsResponseAttributes(settings, "{\"data\":", out));
    EXPECT_TRUE(out.empty());
  }
}

// A list answer with `sizes[i]` zeros in data[i].
std::string answerWithVectors(const std::vector<std::size_t>& sizes) {
  std::string text = R"({"object":"list","model":"m","data":[)";
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (i) text += ',';
    text += R"({"index":)" + std::to_string(i) + R"(,"embedding":[)";
    for (std::size_t k = 0; k < sizes[i]; ++k) text += k ? ",0" : "0";
    text += "]}";
  }
  return text + "]}";
}

TEST(EmbeddingAttributes, VectorsPastTheSpanBudgetAreRedactedNotDecoded) {
  constexpr std::size_t kHalf = kMaxEmbeddingVectorValues / 2;
  AttributeList out;
  ASSERT_TRUE(addEmbeddingsResponseAttributes(
      AttributeSettings{}, answerWithVectors({kHalf, kHalf, 1, kMaxEmbeddingVectorValues + 1}),
      out));
  auto vector = [&](std::size_t i) {
    return out.find(attributeKey("embedding.embeddings.", i, ".embedding.vector"));
  };
  ASSERT_NE(vector(0), nullptr);
  EXPECT_EQ(std::get<std::vector<double>>(*vector(0)).size(), kHalf);
  ASSERT_NE(vector(1), nullptr);  // exactly at the budget
  EXPECT_EQ(std::get<std::vector<double>>(*vector(1)).size(), kHalf);
  ASSERT_NE(vector(2), nullptr);  // one past it
  EXPECT_EQ(std::get<std::string>(*vector(2)), kRedacted);
  ASSERT_NE(vector(3), nullptr);
  EXPECT_EQ(std::get<std::string>(*vector(3)), kRedacted);
}

TEST(EmbeddingAttributes, OneVectorOverTheBudgetIsRedactedAlone) {
  AttributeList out;
  ASSERT_TRUE(addEmbeddingsResponseAttributes(
      AttributeSettings{}, answerWithVectors({kMaxEmbeddingVectorValues + 1, 3}), out));
  EXPECT_EQ(std::get<std::string>(*out.find("embedding.embeddings.0.embedding.vector")), kRedacted);
  EXPECT_EQ(std::get<std::vector<double>>(*out.find("embedding.embeddings.1.embedding.vector")),
            (std::vector<double>{0.0, 0.0, 0.0}));
}

}  // namespace
}  // namespace switchyard::telemetry
