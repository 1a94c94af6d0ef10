#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <cmath>
#include <numeric>

#include "emulator/embedding_answer.hpp"

namespace switchyard::emulator {
namespace {

namespace json = boost::json;

double norm(const std::vector<float>& v) {
  double squares = 0;
  for (const float x : v) squares += static_cast<double>(x) * x;
  return std::sqrt(squares);
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) dot += double(a[i]) * b[i];
  return dot / (norm(a) * norm(b));
}

TEST(EmbeddingVector, DeterministicUnitLengthAndKeyedOnEveryInput) {
  const auto a = embeddingVector("text-embedding-005", "RETRIEVAL_QUERY", "hello", 768);
  ASSERT_EQ(a.size(), 768u);
  EXPECT_NEAR(norm(a), 1.0, 1e-5);
  EXPECT_EQ(a, embeddingVector("text-embedding-005", "RETRIEVAL_QUERY", "hello", 768));
  EXPECT_EQ(a, embeddingVector("text-embedding-005", "", "hello", 768));  // the default task

  for (const auto& other :
       {embeddingVector("text-embedding-004", "RETRIEVAL_QUERY", "hello", 768),
        embeddingVector("text-embedding-005", "CLUSTERING", "hello", 768),
        embeddingVector("text-embedding-005", "RETRIEVAL_QUERY", "hello!", 768)}) {
    EXPECT_NE(a, other);
    EXPECT_LT(std::abs(cosine(a, other)), 0.2);  // unrelated random directions
  }
}

TEST(EmbeddingVector, FewerDimensionsKeepTheLeadingDirection) {
  const auto full = embeddingVector("gemini-embedding-001", "SEMANTIC_SIMILARITY", "text", 3072);
  const auto cut = embeddingVector("gemini-embedding-001", "SEMANTIC_SIMILARITY", "text", 256);
  ASSERT_EQ(full.size(), 3072u);
  ASSERT_EQ(cut.size(), 256u);
  EXPECT_NEAR(norm(cut), 1.0, 1e-5);
  const std::vector<float> lead(full.begin(), full.begin() + 256);
  EXPECT_NEAR(cosine(cut, lead), 1.0, 1e-5);  // the same leading values, rescaled
  EXPECT_NEAR(norm(embeddingVector("gemini-embedding-001", "", "x", 1)), 1.0, 1e-6);
}

TEST(PredictResponse, HasVertexShape) {
  const EmbeddingModel& model = *findEmbeddingModel("text-embedding-005");
  auto request = parsePredictRequest(
      R"({"instances":[{"content":"What is life?","task_type":"RETRIEVAL_QUERY"},
                       {"content":"a b","task_type":"RETRIEVAL_DOCUMENT","title":"T"}],
          "parameters":{"outputDimensionality":16}})",
      model);
  ASSERT_TRUE(request) << request.error().message;
  const std::string body = renderPredictResponse(*request, model);
  const json::value response = json::parse(body);

  const auto& object = response.as_object();
  EXPECT_EQ(object.size(), 2u);
  EXPECT_EQ(object.at("metadata").at("billableCharacterCount").as_int64(), 13);
  const auto& predictions = object.at("predictions").as_array();
  ASSERT_EQ(predictions.size(), 2u);
  const auto& first = predictions[0].at("embeddings");
  EXPECT_EQ(first.at("statistics").at("token_count").as_int64(), 3);
  EXPECT_EQ(first.at("statistics").at("truncated").as_bool(), false);
  const auto& values = first.at("values").as_array();
  ASSERT_EQ(values.size(), 16u);
  const auto expected =
      embeddingVector("text-embedding-005", "RETRIEVAL_QUERY", "What is life?", 16);
  for (std::size_t i = 0; i < values.size(); ++i)
    EXPECT_FLOAT_EQ(static_cast<float>(values[i].to_number<double>()), expected[i]) << i;
  EXPECT_EQ(predictions[1].at("embeddings").at("statistics").at("token_count").as_int64(), 2);
  EXPECT_EQ(body, renderPredictResponse(*request, model));  // byte for byte
}

TEST(PredictResponse, ReportsTruncation) {
  const EmbeddingModel& model = *findEmbeddingModel("text-embedding-005");
  std::string text;
  for (int k = 0; k < 2100; ++k) text += "w ";
  auto request = parsePredictRequest(R"({"instances":[{"content":")" + text + R"("}]})", model);
  ASSERT_TRUE(request);
  const json::value response = json::parse(renderPredictResponse(*request, model));
  const auto& statistics = response.at("predictions").at(0).at("embeddings").at("statistics");
  EXPECT_EQ(statistics.at("truncated").as_bool(), true);
  EXPECT_EQ(statistics.at("token_count").as_int64(), 2048);
  EXPECT_EQ(response.at("predictions").at(0).at("embeddings").at("values").as_array().size(), 768u);
}

}  // namespace
}  // namespace switchyard::emulator
