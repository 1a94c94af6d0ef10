#include "net/request_head.hpp"

#include <array>
#include <cassert>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <vector>

#include "core/ascii.hpp"
#include "net/field_syntax.hpp"

namespace switchyard::net {

namespace {

constexpr std::string_view kVersion = " HTTP/1.1\r\n";

bool isHopByHop(std::string_view name) {
  // Framing and routing headers are the client's job, whatever the caller put in.
  switch (name.size()) {
    case 4:
      return core::iequalsAscii(name, "host");
    case 10:
      return core::iequalsAscii(name, "connection") || core::iequalsAscii(name, "keep-alive");
    case 14:
      return core::iequalsAscii(name, "content-length");
    case 17:
      return core::iequalsAscii(name, "transfer-encoding");
    default:
      return false;
  }
}

// Methods Beast knew to carry no body; its verbs are matched case-sensitively.
bool mayOmitLength(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "DELETE" || method == "OPTIONS";
}

// The Content-Length value, or empty when the field is left out.
std::string_view contentLength(const core::OutboundRequest& request, std::array<char, 24>& digits) {
  if (request.body.empty() && mayOmitLength(request.method)) return {};
  const auto end =
      std::to_chars(digits.data(), digits.data() + digits.size(), request.body.size()).ptr;
  return {digits.data(), static_cast<std::size_t>(end - digits.data())};
}

bool seenBefore(const std::vector<core::Header>& headers, std::size_t index) {
  for (std::size_t i = 0; i < index; ++i)
    if (core::iequalsAscii(headers[i].name, headers[index].name)) return true;
  return false;
}

constexpr std::size_t fieldSize(std::string_view name, std::string_view value) {
  return name.size() + value.size() + 4;
}

// Copies into storage sized beforehand: no piece checks for room.
class Cursor {
 public:
  explicit Cursor(char* at) : at_(at) {}
  Cursor& operator<<(std::string_view text) {
    if (!text.empty())
      std::memcpy(at_, text.data(), text.size());  // an empty view's data() may be null
    at_ += text.size();
    return *this;
  }
  void field(std::string_view name, std::string_view value) {
    *this << name << ": " << value << "\r\n";
  }
  const char* at() const { return at_; }

 private:
  char* at_;
};

}  // namespace

core::Result<void> appendRequestHead(std::string& out, std::string_view host,
                                     const core::OutboundRequest& request) {
  const auto& headers = request.headers;
  const std::string_view target = request.target.empty() ? std::string_view("/") : request.target;
  std::array<char, 24> digits;
  const std::string_view length = contentLength(request, digits);

  std::size_t size = request.method.size() + 1 + target.size() + kVersion.size() +
                     fieldSize("Host", host) + fieldSize("Connection", "keep-alive") + 2;
  if (!length.empty()) size += fieldSize("Content-Length", length);
  for (const auto& header : headers) {
    if (isHopByHop(header.name)) continue;
    if (header.name.size() > kMaxFieldPart)
      return core::Error::make(core::ErrorKind::Internal, "upstream client: field name too large");
    if (header.value.size() > kMaxFieldPart)
      return core::Error::make(core::ErrorKind::Internal, "upstream client: field value too large");
    size += fieldSize(header.name, trimOws(header.value));
  }

  const std::size_t start = out.size();
  out.resize(start + size);
  Cursor cursor(out.data() + start);
  cursor << request.method << " " << target << kVersion;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (isHopByHop(headers[i].name) || seenBefore(headers, i)) continue;
    for (std::size_t j = i; j < headers.size(); ++j)
      if (j == i || core::iequalsAscii(headers[j].name, headers[i].name))
        cursor.field(headers[j].name, trimOws(headers[j].value));
  }
  cursor.field("Host", host);
  cursor.field("Connection", "keep-alive");
  if (!length.empty()) cursor.field("Content-Length", length);
  cursor << "\r\n";
  assert(cursor.at() == out.data() + out.size());
  return {};
}

}  // namespace switchyard::net
