#include "core/base64.hpp"

#include <array>

namespace switchyard::core::base64 {
namespace {

constexpr std::string_view kStandardDigits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlDigits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using DecodeTable = std::array<std::int8_t, 256>;

constexpr DecodeTable makeTable(bool standard, bool url) {
  DecodeTable table{};
  for (auto& entry : table) entry = -1;
  for (std::size_t i = 0; i < 64; ++i) {
    if (standard) table[static_cast<unsigned char>(kStandardDigits[i])] = std::int8_t(i);
    if (url) table[static_cast<unsigned char>(kUrlDigits[i])] = std::int8_t(i);
  }
  return table;
}

constexpr DecodeTable kStandardTable = makeTable(true, false);
constexpr DecodeTable kUrlTable = makeTable(false, true);
constexpr DecodeTable kEitherTable = makeTable(true, true);

const DecodeTable& tableFor(AcceptAlphabet alphabet) {
  switch (alphabet) {
    case AcceptAlphabet::kUrl:
      return kUrlTable;
    case AcceptAlphabet::kEither:
      return kEitherTable;
    case AcceptAlphabet::kStandard:
      break;
  }
  return kStandardTable;
}

constexpr bool isFoldingSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The digits of `text` with whitespace (when skipped) and padding taken off, checked against
// `options`; nullopt when the text is not acceptable. `scratch` holds the digits when whitespace
// had to be removed.
std::optional<std::string_view> digitsOf(std::string_view text, const DecodeOptions& options,
                                         std::string& scratch) {
  if (options.skipWhitespace) {
    for (const char c : text) {
      if (!isFoldingSpace(c)) continue;
      scratch.reserve(text.size());
      for (const char d : text)
        if (!isFoldingSpace(d)) scratch.push_back(d);
      text = scratch;
      break;
    }
  }
  const std::size_t length = text.size();
  std::size_t maxPad = 0;
  switch (options.padding) {
    case AcceptPadding::kNone:
      break;
    case AcceptPadding::kExact:
    case AcceptPadding::kUpToTwo:
      maxPad = 2;
      break;
    case AcceptPadding::kAnyCount:
      maxPad = length;
      break;
  }
  for (std::size_t pad = 0; pad < maxPad && !text.empty() && text.back() == '='; ++pad)
    text.remove_suffix(1);
  if (options.padding == AcceptPadding::kExact && length % 4 != 0) return std::nullopt;
  if (text.size() % 4 == 1) return std::nullopt;  // 6 bits cannot end a byte
  const DecodeTable& table = tableFor(options.alphabet);
  for (const char c : text)
    if (table[static_cast<unsigned char>(c)] < 0) return std::nullopt;
  if (options.canonical && !text.empty()) {
    const int unused = text.size() % 4 == 2 ? 4 : text.size() % 4 == 3 ? 2 : 0;
    if ((table[static_cast<unsigned char>(text.back())] & ((1 << unused) - 1)) != 0)
      return std::nullopt;
  }
  return text;
}

std::size_t bytesOf(std::size_t digits) {
  return digits / 4 * 3 + (digits % 4 == 0 ? 0 : digits % 4 - 1);
}

}  // namespace

std::string encode(std::string_view bytes, Alphabet alphabet, Padding padding) {
  const std::string_view digits = alphabet == Alphabet::kUrl ? kUrlDigits : kStandardDigits;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                            static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(digits[(n >> 18) & 63]);
    out.push_back(digits[(n >> 12) & 63]);
    out.push_back(digits[(n >> 6) & 63]);
    out.push_back(digits[n & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(digits[(n >> 18) & 63]);
    out.push_back(digits[(n >> 12) & 63]);
    if (rest == 2) out.push_back(digits[(n >> 6) & 63]);
    if (padding == Padding::kPadded) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

std::optional<std::string> decode(std::string_view text, const DecodeOptions& options) {
  std::string scratch;
  const auto digits = digitsOf(text, options, scratch);
  if (!digits) return std::nullopt;
  const DecodeTable& table = tableFor(options.alphabet);
  std::string out;
  out.reserve(bytesOf(digits->size()));
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : *digits) {
    accumulator =
        (accumulator << 6) | static_cast<std::uint32_t>(table[static_cast<unsigned char>(c)]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((accumulator >> bits) & 0xFF));
    }
  }
  return out;
}

std::optional<std::size_t> decodedSize(std::string_view text, const DecodeOptions& options) {
  std::string scratch;
  const auto digits = digitsOf(text, options, scratch);
  if (!digits) return std::nullopt;
  return bytesOf(digits->size());
}

}  // namespace switchyard::core::base64
