#pragma once
// Plain HTTP messages exchanged between providers, auth and the upstream client. Kept free of Beast
// so that translators and signers compile fast and test without sockets.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::core {

struct Header {
  std::string name;
  std::string value;
};

// Case-insensitive lookup; empty view when absent.
std::string_view findHeader(const std::vector<Header>& headers, std::string_view name);
void setHeader(std::vector<Header>& headers, std::string_view name, std::string value);

// Headers a provider's request usually ends up with: its own, then Authorization, x-request-id and
// trace context from the gateway. Reserved up front, the vector does not grow three times per
// request.
inline constexpr std::size_t kTypicalOutboundHeaders = 6;

struct OutboundRequest {
  std::string method = "POST";
  std::string target;           // origin-form: path + query
  std::vector<Header> headers;  // Host and Content-Length are added by the client
  std::string body;
};

struct InboundResponse {
  unsigned status = 0;
  std::vector<Header> headers;
  std::string body;

  std::string_view header(std::string_view name) const { return findHeader(headers, name); }
};

}  // namespace switchyard::core
