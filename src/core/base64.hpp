#pragma once
// Base64 (RFC 4648 §4) and base64url (§5). One codec for the gateway; each caller states the input
// rules it has always had (JWS is strict, Secret data skips folding, Vertex is lenient) as
// DecodeOptions. The emulator keeps its own codec on purpose (src/emulator/base64.hpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::core::base64 {

enum class Alphabet : std::uint8_t { kStandard, kUrl };  // digits 62, 63: "+/" or "-_"
enum class Padding : std::uint8_t { kPadded, kUnpadded };

std::string encode(std::string_view bytes, Alphabet alphabet, Padding padding);

// Which alphabet a decoder reads; kEither takes both, even mixed within one text.
enum class AcceptAlphabet : std::uint8_t { kStandard, kUrl, kEither };

// What a decoder makes of trailing '='.
enum class AcceptPadding : std::uint8_t {
  kNone,      // '=' is an invalid character
  kExact,     // the text with its padding is a whole number of 4-digit groups
  kUpToTwo,   // up to two trailing '=' are skipped, their count unchecked
  kAnyCount,  // any run of trailing '=' is skipped
};

struct DecodeOptions {
  AcceptAlphabet alphabet = AcceptAlphabet::kStandard;
  AcceptPadding padding = AcceptPadding::kExact;
  // ' ', '\t', '\r' and '\n' anywhere are skipped (folded `kubectl` output).
  bool skipWhitespace = false;
  // The unused low bits of the last digit must be zero, so each byte string has one accepted text.
  bool canonical = false;
};

// The bytes, or nullopt when `text` breaks `options` (a character outside the alphabet, '=' other
// than as allowed padding, a length no encoding has).
std::optional<std::string> decode(std::string_view text, const DecodeOptions& options);

// What decode() would return the size of, without decoding.
std::optional<std::size_t> decodedSize(std::string_view text, const DecodeOptions& options);

}  // namespace switchyard::core::base64
