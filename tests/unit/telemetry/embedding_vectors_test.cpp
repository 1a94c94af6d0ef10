// Embedding vectors read as numbers from either encoding_format: JSON floats, or base64 of
// little-endian float32 (values checked against Python's struct.pack('<f', ...) + b64encode).

#include "telemetry/embedding_vectors.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>
#include <vector>

namespace switchyard::telemetry {
namespace {

boost::json::value parsed(const std::string& text) { return boost::json::parse(text); }

TEST(EmbeddingVectors, FloatArraysAreTakenAsTheyAre) {
  const auto embedding = parsed("[0.5, -0.25, 1, 0]");
  EXPECT_EQ(embeddingDimensionCount(embedding), 4u);
  EXPECT_EQ(decodeEmbedding(embedding), (std::vector<double>{0.5, -0.25, 1.0, 0.0}));
}

TEST(EmbeddingVectors, Base64IsLittleEndianFloat32) {
  const auto embedding = parsed(R"("AADAPwAAAEAAAIC+")");  // [1.5, 2.0, -0.25]
  EXPECT_EQ(embeddingDimensionCount(embedding), 3u);
  EXPECT_EQ(decodeEmbedding(embedding), (std::vector<double>{1.5, 2.0, -0.25}));
}

TEST(EmbeddingVectors, Base64PaddingIsOptional) {
  for (const char* text : {R"("AADAPw==")", R"("AADAPw")", R"("AAAAPwAAgL8=")"}) {
    const auto embedding = parsed(text);
    ASSERT_TRUE(decodeEmbedding(embedding).has_value()) << text;
    EXPECT_EQ(decodeEmbedding(embedding)->size(), *embeddingDimensionCount(embedding)) << text;
  }
  EXPECT_EQ(decodeEmbedding(parsed(R"("AADAPw")")), (std::vector<double>{1.5}));
  EXPECT_EQ(decodeEmbedding(parsed(R"("AAAAPwAAgL8=")")), (std::vector<double>{0.5, -1.0}));
}

TEST(EmbeddingVectors, EmptyVectorsHaveNoValues) {
  EXPECT_EQ(embeddingDimensionCount(parsed("[]")), 0u);
  EXPECT_EQ(embeddingDimensionCount(parsed(R"("")")), 0u);
  EXPECT_EQ(decodeEmbedding(parsed(R"("")")), std::vector<double>{});
}

TEST(EmbeddingVectors, AnythingElseReadsAsAbsent) {
  for (const char* text : {
           R"("YWJj")",       // 3 bytes: not a whole float32
           R"("AADAPwA")",    // 5 bytes
           R"("AADAP")",      // a single digit left over
           R"("AADA Pw==")",  // not a base64 digit
           R"("AADAPw-_")",   // the URL alphabet is not what OpenAI sends
           R"("AADAPw===")",  // more padding than base64 has
           R"([0.5, "1"])",   // not a number
           R"([[0.5]])",      //
           "null",
           "1.5",
           R"({"embedding": [1]})",
       }) {
    const auto embedding = parsed(text);
    EXPECT_FALSE(embeddingDimensionCount(embedding).has_value()) << text;
    EXPECT_FALSE(decodeEmbedding(embedding).has_value()) << text;
  }
}

TEST(EmbeddingVectors, NonFiniteValuesMakeTheVectorUnreadable) {
  const auto nan = parsed(R"("AADAPwAAwH8=")");  // [1.5, NaN]
  EXPECT_EQ(embeddingDimensionCount(nan), 2u);   // counted, but not decoded
  EXPECT_FALSE(decodeEmbedding(nan).has_value());
}

}  // namespace
}  // namespace switchyard::telemetry
