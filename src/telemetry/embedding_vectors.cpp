#include "telemetry/embedding_vectors.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "providers/json_fields.hpp"

namespace switchyard::telemetry {

namespace json = boost::json;

namespace {

int base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// The base64 digits without their padding (at most two '='), or nullopt when a character is not a
// digit or the digits do not end on a whole number of float32 values.
std::optional<std::string_view> float32Digits(std::string_view text) {
  for (int pad = 0; pad < 2 && !text.empty() && text.back() == '='; ++pad) text.remove_suffix(1);
  const std::size_t tail = text.size() % 4;
  if (tail == 1) return std::nullopt;
  const std::size_t bytes = text.size() / 4 * 3 + (tail == 0 ? 0 : tail - 1);
  if (bytes % 4 != 0) return std::nullopt;
  for (const char c : text)
    if (base64Digit(c) < 0) return std::nullopt;
  return text;
}

std::optional<std::size_t> numberCount(const json::array& values) {
  for (const auto& value : values)
    if (!value.is_number()) return std::nullopt;
  return values.size();
}

}  // namespace

std::optional<std::size_t> embeddingDimensionCount(const json::value& embedding) {
  if (embedding.is_array()) return numberCount(embedding.get_array());
  if (!embedding.is_string()) return std::nullopt;
  const auto digits = float32Digits(providers::sv(embedding.get_string()));
  if (!digits) return std::nullopt;
  return digits->size() * 6 / 8 / 4;
}

std::optional<std::vector<double>> decodeEmbedding(const json::value& embedding) {
  const auto count = embeddingDimensionCount(embedding);
  if (!count) return std::nullopt;
  std::vector<double> values;
  values.reserve(*count);
  if (embedding.is_array()) {
    for (const auto& value : embedding.get_array()) values.push_back(value.to_number<double>());
  } else {
    std::uint32_t bits = 0;  // the float being assembled, low byte first
    int byteCount = 0;
    std::uint32_t accumulator = 0;
    int pending = 0;
    const auto digits = float32Digits(providers::sv(embedding.get_string()));
    for (const char c : *digits) {
      accumulator = (accumulator << 6) | static_cast<std::uint32_t>(base64Digit(c));
      pending += 6;
      if (pending < 8) continue;
      pending -= 8;
      bits |= ((accumulator >> pending) & 0xFFu) << (8 * byteCount);
      if (++byteCount == 4) {
        values.push_back(static_cast<double>(std::bit_cast<float>(bits)));
        bits = 0;
        byteCount = 0;
      }
    }
  }
  for (const double value : values)
    if (!std::isfinite(value)) return std::nullopt;
  return values;
}

}  // namespace switchyard::telemetry
