// The shared codec, and each caller's input rules as DecodeOptions (JWS, Secret data, Vertex,
// telemetry's embeddings).

#include "core/base64.hpp"

#include <gtest/gtest.h>

namespace switchyard::core::base64 {
namespace {

constexpr DecodeOptions kStrictStandard{};
constexpr DecodeOptions kJws{
    .alphabet = AcceptAlphabet::kUrl, .padding = AcceptPadding::kNone, .canonical = true};
constexpr DecodeOptions kSecretData{.skipWhitespace = true};
constexpr DecodeOptions kVertex{.alphabet = AcceptAlphabet::kEither,
                                .padding = AcceptPadding::kAnyCount};
constexpr DecodeOptions kEmbedding{.padding = AcceptPadding::kUpToTwo};

struct Vector {
  std::string bytes, padded, unpadded;
};

// RFC 4648 §10.
const Vector kRfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64, Rfc4648Vectors) {
  for (const auto& v : kRfc4648) {
    EXPECT_EQ(encode(v.bytes, Alphabet::kStandard, Padding::kPadded), v.padded);
    EXPECT_EQ(encode(v.bytes, Alphabet::kStandard, Padding::kUnpadded), v.unpadded);
    EXPECT_EQ(encode(v.bytes, Alphabet::kUrl, Padding::kUnpadded), v.unpadded);
    EXPECT_EQ(decode(v.padded, kStrictStandard), v.bytes) << v.padded;
    EXPECT_EQ(decode(v.padded, kSecretData), v.bytes) << v.padded;
    EXPECT_EQ(decode(v.padded, kVertex), v.bytes) << v.padded;
    EXPECT_EQ(decode(v.padded, kEmbedding), v.bytes) << v.padded;
    EXPECT_EQ(decode(v.unpadded, kJws), v.bytes) << v.unpadded;
    EXPECT_EQ(decode(v.unpadded, kVertex), v.bytes) << v.unpadded;
    EXPECT_EQ(decode(v.unpadded, kEmbedding), v.bytes) << v.unpadded;
    EXPECT_EQ(decodedSize(v.padded, kStrictStandard), v.bytes.size()) << v.padded;
    EXPECT_EQ(decodedSize(v.unpadded, kJws), v.bytes.size()) << v.unpadded;
  }
}

TEST(Base64, Alphabets) {
  const std::string bytes("\xfb\xff\x00\x01", 4);
  EXPECT_EQ(encode(bytes, Alphabet::kStandard, Padding::kPadded), "+/8AAQ==");
  EXPECT_EQ(encode(bytes, Alphabet::kUrl, Padding::kUnpadded), "-_8AAQ");
  EXPECT_EQ(encode(bytes, Alphabet::kUrl, Padding::kPadded), "-_8AAQ==");
  EXPECT_EQ(encode("\xff\xff\xfe", Alphabet::kUrl, Padding::kUnpadded), "___-");
  EXPECT_EQ(decode("+/8AAQ==", kStrictStandard), bytes);
  EXPECT_FALSE(decode("-_8AAQ==", kStrictStandard));
  EXPECT_EQ(decode("-_8AAQ", kJws), bytes);
  EXPECT_FALSE(decode("+/8AAQ", kJws));
  EXPECT_EQ(decode("+/8AAQ", kVertex), bytes);
  EXPECT_EQ(decode("-_8AAQ==", kVertex), bytes);
  EXPECT_EQ(decode("+_8AAQ", kVertex), bytes);  // mixed
}

TEST(Base64, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 17) {
    const auto bytes = all.substr(0, n);
    EXPECT_EQ(decode(encode(bytes, Alphabet::kUrl, Padding::kUnpadded), kJws), bytes);
    EXPECT_EQ(decode(encode(bytes, Alphabet::kStandard, Padding::kPadded), kStrictStandard), bytes);
  }
}

TEST(Base64, StrictUrlRejectsNonCanonicalText) {  // JWS
  EXPECT_FALSE(decode("Zg==", kJws));             // padding
  EXPECT_FALSE(decode("Z", kJws));                // impossible length
  EXPECT_FALSE(decode("Zh", kJws));               // non-zero trailing bits
  EXPECT_FALSE(decode("Zm9+", kJws));             // standard alphabet
  EXPECT_FALSE(decode("Zm 9", kJws));
  EXPECT_FALSE(decode("Zm9vYmF", kJws));  // 2 trailing bits set
  EXPECT_EQ(decode("Zh", {.alphabet = AcceptAlphabet::kUrl, .padding = AcceptPadding::kNone}),
            "f");  // the same text without `canonical`
}

TEST(Base64, ExactPadding) {
  EXPECT_FALSE(decode("Zg", kStrictStandard));
  EXPECT_FALSE(decode("Zg=", kStrictStandard));
  EXPECT_FALSE(decode("Zm8", kStrictStandard));
  EXPECT_FALSE(decode("Zg===", kStrictStandard));
  EXPECT_FALSE(decode("Z===", kStrictStandard));
  EXPECT_FALSE(decode("====", kStrictStandard));
  EXPECT_FALSE(decode("Zm9v====", kStrictStandard));
  EXPECT_FALSE(decode("Zg==Zm9v", kStrictStandard));  // padding inside
  EXPECT_FALSE(decode("Zm=v", kStrictStandard));
  EXPECT_EQ(decode("Zh==", kStrictStandard), "f");  // trailing bits are not checked
  EXPECT_FALSE(decode("Zm9v\n", kStrictStandard));  // whitespace only when asked
}

TEST(Base64, SecretDataSkipsWhitespace) {
  EXPECT_EQ(decode("Zm9v\nYmFy\n", kSecretData), "foobar");
  EXPECT_EQ(decode(" Zm9v YmE= ", kSecretData), "fooba");
  EXPECT_EQ(decode("Zm9vYg=\r\n=", kSecretData), "foob");
  EXPECT_EQ(decode("\t\n", kSecretData), "");
  EXPECT_FALSE(decode("Zm9vYg", kSecretData));      // padding still required
  EXPECT_FALSE(decode("Zm9v\vYmFy", kSecretData));  // only space, tab, CR and LF are skipped
  EXPECT_FALSE(decode("Zm9v-_Fy", kSecretData));
}

TEST(Base64, LenientPaddingAsVertexSendsIt) {
  EXPECT_EQ(decode("Zg", kVertex), "f");
  EXPECT_EQ(decode("Zg=", kVertex), "f");
  EXPECT_EQ(decode("Zg=====", kVertex), "f");
  EXPECT_EQ(decode("===", kVertex), "");
  EXPECT_FALSE(decode("a", kVertex));
  EXPECT_FALSE(decode("Z===", kVertex));
  EXPECT_FALSE(decode("ab!d", kVertex));
  EXPECT_FALSE(decode("ab=d", kVertex));
  EXPECT_FALSE(decode("Zm9v YmFy", kVertex));
}

TEST(Base64, UpToTwoPaddingAsEmbeddingsAreRead) {
  EXPECT_EQ(decode("Zg", kEmbedding), "f");
  EXPECT_EQ(decode("Zm8==", kEmbedding), "fo");  // the count is not checked
  EXPECT_FALSE(decode("Zg===", kEmbedding));     // a third '=' is a bad character
  EXPECT_FALSE(decode("Zm9v-_Fy", kEmbedding));
  EXPECT_EQ(decodedSize("AAAAAA==", kEmbedding), 4u);
  EXPECT_EQ(decodedSize("AAAAAA", kEmbedding), 4u);
  EXPECT_FALSE(decodedSize("AAAAA", kEmbedding));
}

}  // namespace
}  // namespace switchyard::core::base64
