#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace switchyard::core {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8Test, WellFormedTextIsKept) {
  for (const std::string text : {"", "plain ascii", "caf\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC",
                                 "\xF0\x9F\x98\x80 emoji", "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF"})
    EXPECT_EQ(validUtf8(text), text);
}

TEST(Utf8Test, EveryByteOutsideAWellFormedSequenceBecomesAReplacement) {
  EXPECT_EQ(validUtf8("/v1/\xFF"), "/v1/" + kFffd);
  EXPECT_EQ(validUtf8("\xC0\xAF"), kFffd + kFffd);                          // overlong '/'
  EXPECT_EQ(validUtf8("\xE0\x80\xAF"), kFffd + kFffd + kFffd);              // overlong, 3 bytes
  EXPECT_EQ(validUtf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);              // a surrogate
  EXPECT_EQ(validUtf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // above U+10FFFF
  EXPECT_EQ(validUtf8("\xE2\x82"), kFffd + kFffd);                          // cut short at the end
  EXPECT_EQ(validUtf8("\xE2\x82x"), kFffd + kFffd + "x");                   // cut short mid-text
  EXPECT_EQ(validUtf8("\x80\xC3\xA9"), kFffd + "\xC3\xA9");                 // a stray continuation
}

}  // namespace
}  // namespace switchyard::core
