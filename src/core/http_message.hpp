#pragma once
// Plain HTTP messages exchanged between providers, auth and the upstream client. Kept free of Beast
// so that translators and signers compile fast and test without sockets.

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

struct OutboundRequest {
  std::string method = "POST";
  std::string target;  // origin-form: path + query
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
