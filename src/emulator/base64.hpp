#pragma once
// Base64 for the emulator: standard (inlineData, thoughtSignature) and URL-safe unpadded (JWT).
// Decoding accepts either alphabet, with or without padding, as Google's front ends do.
// Not core/base64, on purpose: the emulator is an independent oracle, sharing no gateway code.

#include <optional>
#include <string>
#include <string_view>

namespace switchyard::emulator {

std::string base64Encode(std::string_view bytes);     // standard alphabet, padded
std::string base64UrlEncode(std::string_view bytes);  // URL-safe alphabet, no padding
// nullopt on a character outside both alphabets or an impossible length.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace switchyard::emulator
