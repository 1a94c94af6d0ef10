#pragma once
// Case-insensitive comparison of ASCII text (header names, media types, schemes). Boost's iequals
// goes through std::locale (a dynamic_cast per call), which showed up in request-path profiles;
// protocol tokens are ASCII, so a plain table-free fold is both right and cheap.

#include <cstddef>
#include <string_view>

namespace switchyard::core {

constexpr char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

constexpr bool iequalsAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  return true;
}

constexpr bool istartsWithAscii(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequalsAscii(text.substr(0, prefix.size()), prefix);
}

}  // namespace switchyard::core
