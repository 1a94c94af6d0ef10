#pragma once
// What client authentication reads of a request, as views valid during the check.

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

namespace switchyard::clientauth {

struct RequestFacts {
  // The value of a header (lower-case name) as the client sent it; empty when absent.
  std::function<std::string_view(std::string_view)> header;
  std::string_view query;   // the raw query string, without '?'
  std::string_view method;  // upper-case
  // The client's address, 4 or 16 bytes in network order (empty when unknown).
  std::span<const std::uint8_t> address;
};

}  // namespace switchyard::clientauth
