#include "http/response_head.hpp"

#include <gtest/gtest.h>

namespace switchyard::http {
namespace {

std::string headOf(const ResponseHead& head) {
  std::string out = "stale bytes from the last response";
  writeResponseHead(out, head);
  return out;
}

TEST(ResponseHead, FixedLengthResponseOnHttp11) {
  const HeaderList headers{{"x-request-id", "r1"}};
  EXPECT_EQ(
      headOf({.status = 429,
              .contentType = "application/json",
              .headers = &headers,
              .contentLength = 12}),
      "HTTP/1.1 429 Too Many Requests\r\nServer: switchyard\r\nContent-Type: application/json\r\n"
      "x-request-id: r1\r\nContent-Length: 12\r\n\r\n");
}

TEST(ResponseHead, ConnectionHeaderOnlyWhereTheVersionsDefaultDiffers) {
  EXPECT_NE(headOf({.version = 11, .keepAlive = false}).find("\r\nConnection: close\r\n"),
            std::string::npos);
  EXPECT_EQ(headOf({.version = 11, .keepAlive = true}).find("Connection"), std::string::npos);
  EXPECT_NE(headOf({.version = 10, .keepAlive = true}).find("\r\nConnection: keep-alive\r\n"),
            std::string::npos);
  EXPECT_EQ(headOf({.version = 10, .keepAlive = false}).find("Connection"), std::string::npos);
}

TEST(ResponseHead, StreamIsChunkedAndNotCached) {
  const auto head = headOf({.status = 200, .contentType = "text/event-stream", .chunked = true});
  EXPECT_NE(head.find("\r\nCache-Control: no-cache\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nTransfer-Encoding: chunked\r\n\r\n"), std::string::npos);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos);
}

TEST(ResponseHead, HandlerHeadersReplaceDefaultsButNeverFramingOrSplitTheHead) {
  const HeaderList headers{{"Content-Type", "text/plain"},
                           {"content-length", "999"},
                           {"Connection", "close"},
                           {"x-evil", "a\r\nSet-Cookie: b"},
                           {"x-ok", "fine"}};
  const auto head =
      headOf({.contentType = "application/json", .headers = &headers, .contentLength = 3});
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\nServer: switchyard\r\nContent-Type: text/plain\r\nx-ok: fine\r\n"
            "Content-Length: 3\r\n\r\n");
}

TEST(ResponseHead, AHeaderWithACrLfOrNulAnywhereIsLeftOut) {
  using namespace std::string_literals;
  const HeaderList headers{{"x-lf", "a\nb"},
                           {"x-cr", "a\rb"},
                           {"x-nul", "ab\0"s},
                           {"x-\nname", "v"},
                           {"x-nul-name\0"s, "v"},
                           {"x-long-lf", std::string(40, 'a') + "\n"},
                           {"x-kept", "a\tb \x7f\xc3\xa9"}};
  const auto head = headOf({.contentType = "a/b", .headers = &headers, .contentLength = 0});
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\nServer: switchyard\r\nContent-Type: a/b\r\n"
            "x-kept: a\tb \x7f\xc3\xa9\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHead, ChunkSizeLineIsHex) {
  std::array<char, 20> line;
  EXPECT_EQ(std::string_view(line.data(), chunkSizeLine(line, 0x1a2)), "1a2\r\n");
  EXPECT_EQ(std::string_view(line.data(), chunkSizeLine(line, SIZE_MAX)), "ffffffffffffffff\r\n");
}

}  // namespace
}  // namespace switchyard::http
