#pragma once
// The bytes of an HTTP/1.1 response head, written straight into a reused string: the server sends
// head and body with one gather write instead of running Beast's serializer per response.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "http/server.hpp"

namespace switchyard::http {

struct ResponseHead {
  unsigned version = 11;  // of the request: 10 or 11
  unsigned status = 200;
  std::string_view contentType;
  const HeaderList* headers =
      nullptr;  // the handler's own; one of the same name replaces a default
  bool keepAlive = true;
  bool chunked = false;  // a stream: Transfer-Encoding: chunked, Cache-Control: no-cache
  // A stream to an HTTP/1.0 client, which knows no chunked coding: no length at all, the body ends
  // with the connection (RFC 9112 §6.3). Implies keepAlive = false.
  bool untilClose = false;
  std::size_t contentLength = 0;  // when not chunked
};

// Replaces `out` with the head, ending with the blank line. A header whose name or value holds CR,
// LF or NUL is left out: nothing a handler passes can split the response.
void writeResponseHead(std::string& out, const ResponseHead& head);

// The line that opens a chunk of `size` bytes ("1a2\r\n"); returns how many bytes of `line` it
// uses.
std::size_t chunkSizeLine(std::array<char, 20>& line, std::size_t size);

inline constexpr std::string_view kChunkEnd = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace switchyard::http
