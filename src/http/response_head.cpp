#include "http/response_head.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

#include "core/ascii.hpp"

namespace switchyard::http {

namespace {

// A plain loop: find_first_of with a three-byte set calls memchr over the set for every byte of
// the text (about 40 calls a response).
bool safeHeaderText(std::string_view text) {
  for (const char c : text)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

bool handlerSets(const HeaderList* headers, std::string_view name) {
  if (!headers) return false;
  for (const auto& header : *headers)
    if (core::iequalsAscii(header.first, name)) return true;
  return false;
}

// Framing is the server's: a handler's Content-Length or Connection would contradict the body.
bool isFraming(std::string_view name) {
  return core::iequalsAscii(name, "content-length") ||
         core::iequalsAscii(name, "transfer-encoding") || core::iequalsAscii(name, "connection");
}

void appendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void appendNumber(std::string& out, std::size_t number) {
  std::array<char, 24> digits;
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), number).ptr;
  out.append(digits.data(),
             static_cast<std::size_t>(
                 end - digits.data()));  // not append(first, last): see core/json_writer.cpp
}

}  // namespace

void writeResponseHead(std::string& out, const ResponseHead& head) {
  out.clear();
  out.append(head.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  appendNumber(out, head.status);
  out.push_back(' ');
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(head.status));
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  if (!handlerSets(head.headers, "server")) appendField(out, "Server", "switchyard");
  if (!handlerSets(head.headers, "content-type"))
    appendField(out, "Content-Type", head.contentType);
  const bool stream = head.chunked || head.untilClose;
  if (stream && !handlerSets(head.headers, "cache-control"))
    appendField(out, "Cache-Control", "no-cache");
  if (head.headers) {
    for (const auto& [name, value] : *head.headers) {
      if (name.empty() || !safeHeaderText(name) || !safeHeaderText(value) || isFraming(name))
        continue;
      appendField(out, name, value);
    }
  }
  // HTTP/1.1 keeps a connection open unless told otherwise; HTTP/1.0 closes it unless told so.
  const bool keepAlive = head.keepAlive && !head.untilClose;
  if (head.version == 10 && keepAlive) appendField(out, "Connection", "keep-alive");
  if (head.version != 10 && !keepAlive) appendField(out, "Connection", "close");
  if (head.untilClose) {
    // no framing field: the connection's end is the body's
  } else if (head.chunked) {
    appendField(out, "Transfer-Encoding", "chunked");
  } else {
    out.append("Content-Length: ");
    appendNumber(out, head.contentLength);
    out.append("\r\n");
  }
  out.append("\r\n");
}

std::size_t chunkSizeLine(std::array<char, 20>& line, std::size_t size) {
  const auto end = std::to_chars(line.data(), line.data() + line.size() - 2, size, 16).ptr;
  end[0] = '\r';
  end[1] = '\n';
  return static_cast<std::size_t>(end + 2 - line.data());
}

}  // namespace switchyard::http
