#include "core/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace switchyard::core {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed sequence starting at text[i], or 0 if none starts there
// (Unicode Table 3-7, "Well-Formed UTF-8 Byte Sequences").
std::size_t sequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t low = 0x80, high = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

// Index of the first byte that is not ASCII, checked eight bytes at a time.
std::size_t asciiPrefix(std::string_view text) {
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if (word & 0x8080808080808080ULL) break;
  }
  while (i < text.size() && static_cast<std::uint8_t>(text[i]) < 0x80) ++i;
  return i;
}

// Walks `text`, calling keep(piece) for well-formed runs and bad() for each invalid byte.
template <class Keep, class Bad>
void walk(std::string_view text, Keep keep, Bad bad) {
  std::size_t runStart = 0;
  std::size_t i = asciiPrefix(text);
  while (i < text.size()) {
    const std::size_t length = sequenceLength(text, i);
    if (length == 0) {
      keep(text.substr(runStart, i - runStart));
      bad();
      runStart = ++i;
      continue;
    }
    i += length;
    if (length == 1) i += asciiPrefix(text.substr(i));
  }
  keep(text.substr(runStart));
}

}  // namespace

bool isValidUtf8(std::string_view text) {
  bool valid = true;
  walk(
      text, [](std::string_view) {}, [&] { valid = false; });
  return valid;
}

void appendRepairedUtf8(std::string& out, std::string_view text) {
  walk(
      text, [&](std::string_view piece) { out.append(piece); }, [&] { out.append(kReplacement); });
}

std::size_t repairedUtf8Size(std::string_view text) {
  std::size_t size = 0;
  walk(
      text, [&](std::string_view piece) { size += piece.size(); },
      [&] { size += kReplacement.size(); });
  return size;
}

std::string validUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  appendRepairedUtf8(out, text);
  return out;
}

}  // namespace switchyard::core
