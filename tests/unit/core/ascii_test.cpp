#include <gtest/gtest.h>

#include "core/ascii.hpp"
#include "core/http_message.hpp"

namespace switchyard::core {
namespace {

TEST(Ascii, FoldsOnlyAsciiLetters) {
  EXPECT_TRUE(iequalsAscii("Content-Type", "content-type"));
  EXPECT_FALSE(iequalsAscii("Content-Type", "content-typ"));
  EXPECT_FALSE(iequalsAscii("a[", "A{"));  // '[' and '{' differ by the case bit but are not letters
  EXPECT_TRUE(istartsWithAscii("Application/JSON; charset=utf-8", "application/json"));
  EXPECT_FALSE(istartsWithAscii("text/json", "application/json"));
}

TEST(Headers, LookupAndReplaceIgnoreCase) {
  std::vector<Header> headers{{"X-Request-Id", "a"}};
  EXPECT_EQ(findHeader(headers, "x-request-id"), "a");
  setHeader(headers, "X-REQUEST-ID", "b");
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].value, "b");
  setHeader(headers, "traceparent", "t");
  EXPECT_EQ(findHeader(headers, "TraceParent"), "t");
}

}  // namespace
}  // namespace switchyard::core
