#include "net/request_head.hpp"

#include <array>
#include <charconv>
#include <cstddef>
#include <vector>

#include "core/ascii.hpp"

namespace switchyard::net {

namespace {

// Beast kept a field's name and value lengths (plus ": " or CRLF) in 16 bits and threw beyond.
constexpr std::size_t kMaxFieldPart = 65535 - 2;

bool isHopByHop(std::string_view name) {
  // Framing and routing headers are the client's job, whatever the caller put in.
  for (std::string_view own : {"host", "content-length", "transfer-encoding", "connection", "keep-alive"})
    if (core::iequalsAscii(name, own)) return true;
  return false;
}

// Beast's trim: optional whitespace is spaces and tabs.
std::string_view trimmed(std::string_view value) {
  const auto first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return value.substr(first, value.find_last_not_of(" \t") - first + 1);
}

// Methods Beast knew to carry no body; its verbs are matched case-sensitively.
bool mayOmitLength(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "DELETE" || method == "OPTIONS";
}

bool seenBefore(const std::vector<core::Header>& headers, std::size_t index) {
  for (std::size_t i = 0; i < index; ++i)
    if (core::iequalsAscii(headers[i].name, headers[index].name)) return true;
  return false;
}

void appendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

core::Result<void> appendRequestHead(std::string& out, std::string_view host,
                                     const core::OutboundRequest& request) {
  const auto& headers = request.headers;
  std::size_t size = request.method.size() + request.target.size() + host.size() + 96;
  for (const auto& header : headers) {
    if (isHopByHop(header.name)) continue;
    if (header.name.size() > kMaxFieldPart)
      return core::Error::make(core::ErrorKind::Internal, "upstream client: field name too large");
    if (header.value.size() > kMaxFieldPart)
      return core::Error::make(core::ErrorKind::Internal, "upstream client: field value too large");
    size += header.name.size() + header.value.size() + 4;
  }
  out.reserve(out.size() + size);
  const std::string_view target = request.target.empty() ? std::string_view("/") : request.target;
  out.append(request.method).append(" ").append(target).append(" HTTP/1.1\r\n");
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (isHopByHop(headers[i].name) || seenBefore(headers, i)) continue;
    for (std::size_t j = i; j < headers.size(); ++j)
      if (j == i || core::iequalsAscii(headers[j].name, headers[i].name))
        appendField(out, headers[j].name, trimmed(headers[j].value));
  }
  appendField(out, "Host", host);
  appendField(out, "Connection", "keep-alive");
  if (!request.body.empty() || !mayOmitLength(request.method)) {
    std::array<char, 24> digits;
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), request.body.size()).ptr;
    appendField(out, "Content-Length", std::string_view(digits.data(), end - digits.data()));
  }
  out.append("\r\n");
  return {};
}

}  // namespace switchyard::net
