#include <gtest/gtest.h>

#include <cctype>

#include "emulator/predict_request.hpp"

namespace switchyard::emulator {
namespace {

const EmbeddingModel& model(std::string_view id) {
  const EmbeddingModel* found = findEmbeddingModel(id);
  EXPECT_NE(found, nullptr) << id;
  return *found;
}

std::string words(std::size_t n) {
  std::string out;
  for (std::size_t k = 0; k < n; ++k) out += k == 0 ? "w" : " w";
  return out;
}

std::string instances(std::size_t n) {
  std::string out = R"({"instances":[)";
  for (std::size_t k = 0; k < n; ++k) out += std::string(k == 0 ? "" : ",") + R"({"content":"x"})";
  return out + "]}";
}

TEST(EmbeddingModels, TableHoldsTheDocumentedLimits) {
  for (const char* id :
       {"text-embedding-005", "text-embedding-004", "text-multilingual-embedding-002"}) {
    EXPECT_EQ(model(id).maxInstances, 250u) << id;
    EXPECT_EQ(model(id).defaultDimensions, 768) << id;
    EXPECT_EQ(model(id).maxDimensions, 768) << id;
    EXPECT_EQ(model(id).maxInputTokens, 2048u) << id;
  }
  EXPECT_EQ(model("gemini-embedding-001").maxInstances, 1u);
  EXPECT_EQ(model("gemini-embedding-001").defaultDimensions, 3072);
  EXPECT_EQ(model("gemini-embedding-001").maxInputTokens, 2048u);
  EXPECT_EQ(findEmbeddingModel("gemini-2.5-flash"), nullptr);
  EXPECT_EQ(findEmbeddingModel("textembedding-gecko@003"), nullptr);
}

TEST(PredictCall, ParsesThePredictPathOnly) {
  auto call = parsePredictCall(
      "/v1/projects/p1/locations/us-central1/publishers/google/models/text-embedding-005:predict");
  ASSERT_TRUE(call);
  EXPECT_EQ(call->apiVersion, "v1");
  EXPECT_EQ(call->project, "p1");
  EXPECT_EQ(call->location, "us-central1");
  EXPECT_EQ(call->model, "text-embedding-005");
  EXPECT_TRUE(
      parsePredictCall("/v1beta1/projects/p/locations/global/publishers/google/models/"
                       "gemini-embedding-001:predict"));
  for (const char* target :
       {"/v1/projects/p/locations/l/publishers/google/models/text-embedding-005:generateContent",
        "/v1/projects/p/locations/l/publishers/google/models/text-embedding-005:predictLongRunning",
        "/v1/projects/p/locations/l/publishers/google/models/text-embedding-005",
        "/v1/projects/p/locations/l/endpoints/e:predict",
        "/v2/projects/p/locations/l/publishers/google/models/text-embedding-005:predict", "/"}) {
    EXPECT_FALSE(parsePredictCall(target)) << target;
  }
}

struct InvalidCase {
  const char* name;
  std::string body;
  const char* messagePart;
  const char* model = "text-embedding-005";
};

class InvalidPredict : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidPredict, IsA400) {
  const auto& c = GetParam();
  auto result = parsePredictRequest(c.body, model(c.model));
  ASSERT_FALSE(result) << c.name;
  EXPECT_EQ(result.error().status, 400u);
  EXPECT_NE(result.error().message.find(c.messagePart), std::string::npos)
      << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Vertex, InvalidPredict,
    ::testing::Values(
        InvalidCase{"not json", R"({"instances": )", "Invalid JSON payload received."},
        InvalidCase{"array", R"([])", "Expected an object at the top level"},
        InvalidCase{"no instances", R"({})", "has no instances"},
        InvalidCase{"instances not a list", R"({"instances":{"content":"x"}})",
                    "Invalid value at 'instances': expected a list."},
        InvalidCase{"empty instances", R"({"instances":[]})", "empty instances list"},
        InvalidCase{"unknown top field", R"({"instances":[{"content":"x"}],"model":"m"})",
                    "Unknown name \"model\": Cannot find field."},
        InvalidCase{"instance not object", R"({"instances":["x"]})",
                    "Invalid value at 'instances[0]': expected an object."},
        InvalidCase{"no content", R"({"instances":[{"title":"t"}]})",
                    "instances[0] has no content"},
        InvalidCase{"content not string", R"({"instances":[{"content":["x"]}]})",
                    "Invalid value at 'instances[0].content': expected a string."},
        InvalidCase{"content as parts", R"({"instances":[{"content":{"parts":[{"text":"x"}]}}]})",
                    "Invalid value at 'instances[0].content': expected a string."},
        InvalidCase{"unknown instance field",
                    R"({"instances":[{"content":"x"},{"content":"y","text":"z"}]})",
                    "Unknown name \"text\" at 'instances[1]': Cannot find field."},
        InvalidCase{"bad task type", R"({"instances":[{"content":"x","task_type":"SEARCH"}]})",
                    "Invalid value at 'instances[0].task_type' (\"SEARCH\"): task_type must be one "
                    "of RETRIEVAL_QUERY, RETRIEVAL_DOCUMENT"},
        InvalidCase{"lower-case task type",
                    R"({"instances":[{"content":"x","taskType":"retrieval_query"}]})",
                    "task_type must be one of"},
        InvalidCase{"task type not string", R"({"instances":[{"content":"x","task_type":2}]})",
                    "task_type must be one of"},
        InvalidCase{"title not string", R"({"instances":[{"content":"x","title":1}]})",
                    "'instances[0].title': expected a string."},
        InvalidCase{"parameters not object", R"({"instances":[{"content":"x"}],"parameters":[]})",
                    "Invalid value at 'parameters': expected an object."},
        InvalidCase{"unknown parameter",
                    R"({"instances":[{"content":"x"}],"parameters":{"dimensions":8}})",
                    "Unknown name \"dimensions\" at 'parameters': Cannot find field."},
        InvalidCase{"autoTruncate as string",
                    R"({"instances":[{"content":"x"}],"parameters":{"autoTruncate":"false"}})",
                    "'parameters.autoTruncate': expected a boolean."},
        InvalidCase{"dimensions zero",
                    R"({"instances":[{"content":"x"}],"parameters":{"outputDimensionality":0}})",
                    "text-embedding-005 supports output dimensionality from 1 to 768."},
        InvalidCase{"dimensions negative",
                    R"({"instances":[{"content":"x"}],"parameters":{"outputDimensionality":-5}})",
                    "(-5)"},
        InvalidCase{"dimensions above model",
                    R"({"instances":[{"content":"x"}],"parameters":{"outputDimensionality":769}})",
                    "(769): text-embedding-005 supports output dimensionality from 1 to 768."},
        InvalidCase{
            "dimensions above gemini",
            R"({"instances":[{"content":"x"}],"parameters":{"output_dimensionality":3073}})",
            "from 1 to 3072", "gemini-embedding-001"},
        InvalidCase{"dimensions fraction",
                    R"({"instances":[{"content":"x"}],"parameters":{"outputDimensionality":2.5}})",
                    "'parameters.outputDimensionality': expected an integer."},
        InvalidCase{"dimensions string",
                    R"({"instances":[{"content":"x"}],"parameters":{"outputDimensionality":"8"}})",
                    "expected an integer"},
        InvalidCase{"gemini two instances", R"({"instances":[{"content":"a"},{"content":"b"}]})",
                    "gemini-embedding-001 accepts at most 1 instance per request; this request "
                    "has 2.",
                    "gemini-embedding-001"},
        InvalidCase{"251 instances", instances(251),
                    "text-embedding-005 accepts at most 250 instances per request; this request "
                    "has 251."},
        InvalidCase{"too long without truncation",
                    R"({"instances":[{"content":")" + words(2049) +
                        R"("}],"parameters":{"autoTruncate":false}})",
                    "instances[0] has 2049 tokens, more than the 2048 input tokens "
                    "text-embedding-005 accepts"},
        InvalidCase{"too many tokens in all",
                    [] {
                      std::string body = R"({"instances":[)";
                      for (int k = 0; k < 10; ++k)
                        body += std::string(k == 0 ? "" : ",") + R"({"content":")" + words(2001) +
                                R"("})";
                      return body + "]}";
                    }(),
                    "hold 20010 tokens together, more than the 20000 allowed per request."}),
    [](const auto& info) {
      std::string name = info.param.name;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(PredictRequest, AcceptsTheDocumentedRequestInEitherSpelling) {
  auto snake = parsePredictRequest(
      R"({"instances":[{"content":"What is life?","task_type":"RETRIEVAL_DOCUMENT","title":"Life"},
                       {"content":"  two   words ","task_type":"CODE_RETRIEVAL_QUERY"}],
          "parameters":{"auto_truncate":false,"output_dimensionality":256}})",
      model("text-embedding-005"));
  ASSERT_TRUE(snake) << snake.error().message;
  ASSERT_EQ(snake->instances.size(), 2u);
  EXPECT_EQ(snake->instances[0].content, "What is life?");
  EXPECT_EQ(snake->instances[0].taskType, "RETRIEVAL_DOCUMENT");
  EXPECT_EQ(snake->instances[0].title, "Life");
  EXPECT_EQ(snake->instances[0].tokenCount, 3u);
  EXPECT_EQ(snake->instances[0].billableCharacters, 11u);
  EXPECT_EQ(snake->instances[1].tokenCount, 2u);
  EXPECT_EQ(snake->instances[1].billableCharacters, 8u);
  EXPECT_FALSE(snake->autoTruncate);
  EXPECT_EQ(snake->dimensions, 256);

  auto camel = parsePredictRequest(
      R"({"instances":[{"content":"x","taskType":"SEMANTIC_SIMILARITY"}],
          "parameters":{"autoTruncate":true,"outputDimensionality":3072}})",
      model("gemini-embedding-001"));
  ASSERT_TRUE(camel) << camel.error().message;
  EXPECT_EQ(camel->instances[0].taskType, "SEMANTIC_SIMILARITY");
  EXPECT_EQ(camel->dimensions, 3072);
}

TEST(PredictRequest, DefaultsAndLimits) {
  auto plain =
      parsePredictRequest(R"({"instances":[{"content":""}]})", model("text-embedding-004"));
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_TRUE(plain->autoTruncate);
  EXPECT_EQ(plain->dimensions, 768);
  EXPECT_EQ(plain->instances[0].tokenCount, 0u);
  EXPECT_TRUE(plain->instances[0].taskType.empty());

  EXPECT_TRUE(parsePredictRequest(instances(250), model("text-multilingual-embedding-002")));
  EXPECT_TRUE(parsePredictRequest(R"({"instances":[{"content":"x"}],"parameters":{}})",
                                  model("gemini-embedding-001")));
  auto exact = parsePredictRequest(
      R"({"instances":[{"content":")" + words(2048) + R"("}],"parameters":{"autoTruncate":false}})",
      model("text-embedding-005"));
  ASSERT_TRUE(exact) << exact.error().message;
  EXPECT_FALSE(exact->instances[0].truncated);
  EXPECT_EQ(exact->instances[0].tokenCount, 2048u);
}

TEST(PredictRequest, AutoTruncateCutsToTheModelLimit) {
  const std::string text = words(2047) + " last1 last2 last3";
  auto result = parsePredictRequest(R"({"instances":[{"content":")" + text + R"("}]})",
                                    model("text-embedding-005"));
  ASSERT_TRUE(result) << result.error().message;
  const auto& instance = result->instances[0];
  EXPECT_TRUE(instance.truncated);
  EXPECT_EQ(instance.tokenCount, 2048u);
  EXPECT_EQ(instance.text, words(2047) + " last1");
  EXPECT_EQ(embeddingTokenCount(instance.text), 2048u);
}

TEST(PredictRequest, DirectivesAreNotEmbeddedOrCounted) {
  auto result =
      parsePredictRequest(R"({"instances":[{"content":"hello world [[emulator: delay_ms=1]]"}]})",
                          model("text-embedding-005"));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->instances[0].content, "hello world [[emulator: delay_ms=1]]");
  EXPECT_EQ(result->instances[0].text, "hello world");
  EXPECT_EQ(result->instances[0].tokenCount, 2u);
}

TEST(PredictRequest, CountsWords) {
  EXPECT_EQ(embeddingTokenCount(""), 0u);
  EXPECT_EQ(embeddingTokenCount(" \t\n"), 0u);
  EXPECT_EQ(embeddingTokenCount("one"), 1u);
  EXPECT_EQ(embeddingTokenCount(" one\ttwo\nthree "), 3u);
}

}  // namespace
}  // namespace switchyard::emulator
