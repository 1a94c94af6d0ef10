#pragma once
// What Beast's basic_fields did to a field, kept by the client's own head writer and response
// parser so that the bytes sent and the headers handed out are the same as with Beast.

#include <cstddef>
#include <string_view>

namespace switchyard::net {

// Beast kept a field's name and value lengths (with ": " or CRLF) in 16 bits.
inline constexpr std::size_t kMaxFieldPart = 65535 - 2;

// Optional whitespace around a value: spaces and tabs.
constexpr std::string_view trimOws(std::string_view value) {
  auto ows = [](char c) { return c == ' ' || c == '\t'; };
  while (!value.empty() && ows(value.front())) value.remove_prefix(1);
  while (!value.empty() && ows(value.back())) value.remove_suffix(1);
  return value;
}

}  // namespace switchyard::net
