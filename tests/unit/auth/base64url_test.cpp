#include "auth/base64url.hpp"

#include <gtest/gtest.h>

namespace switchyard::auth {
namespace {

struct Vector {
  std::string bytes;
  std::string text;
};

TEST(Base64Url, Rfc4648VectorsWithoutPadding) {
  const Vector vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& v : vectors) {
    EXPECT_EQ(base64UrlEncode(v.bytes), v.text) << v.bytes;
    EXPECT_EQ(base64UrlDecode(v.text), v.bytes) << v.text;
  }
}

TEST(Base64Url, UsesUrlAlphabet) {
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");  // standard base64: "+/8="
  EXPECT_EQ(base64UrlEncode("\xff\xff\xfe"), "___-");
  EXPECT_EQ(base64UrlDecode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64Url, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 17) {
    EXPECT_EQ(base64UrlDecode(base64UrlEncode(all.substr(0, n))), all.substr(0, n));
  }
}

TEST(Base64Url, RejectsNonCanonicalText) {
  EXPECT_FALSE(base64UrlDecode("Zg=="));  // padding
  EXPECT_FALSE(base64UrlDecode("Z"));     // impossible length
  EXPECT_FALSE(base64UrlDecode("Zh"));    // non-zero trailing bits
  EXPECT_FALSE(base64UrlDecode("Zm9+"));  // standard alphabet
  EXPECT_FALSE(base64UrlDecode("Zm 9"));
}

}  // namespace
}  // namespace switchyard::auth
