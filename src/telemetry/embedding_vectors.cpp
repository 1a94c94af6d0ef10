#include "telemetry/embedding_vectors.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "core/base64.hpp"
#include "core/json_fields.hpp"

namespace switchyard::telemetry {

namespace json = boost::json;

namespace {

// Tolerant like the other span readers: standard alphabet, up to two '=' skipped, not counted.
constexpr core::base64::DecodeOptions kEmbeddingBase64{.padding =
                                                           core::base64::AcceptPadding::kUpToTwo};

// The number of bytes `text` decodes to when they are whole float32 values; nullopt otherwise.
std::optional<std::size_t> float32Bytes(std::string_view text) {
  const auto bytes = core::base64::decodedSize(text, kEmbeddingBase64);
  if (!bytes || *bytes % 4 != 0) return std::nullopt;
  return bytes;
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
  const auto bytes = float32Bytes(core::sv(embedding.get_string()));
  if (!bytes) return std::nullopt;
  return *bytes / 4;
}

std::optional<std::vector<double>> decodeEmbedding(const json::value& embedding) {
  const auto count = embeddingDimensionCount(embedding);
  if (!count) return std::nullopt;
  std::vector<double> values;
  values.reserve(*count);
  if (embedding.is_array()) {
    for (const auto& value : embedding.get_array()) values.push_back(value.to_number<double>());
  } else {
    const auto bytes = core::base64::decode(core::sv(embedding.get_string()), kEmbeddingBase64);
    if (!bytes) return std::nullopt;
    for (std::size_t at = 0; at + 4 <= bytes->size(); at += 4) {
      std::uint32_t bits = 0;  // little-endian float32
      for (std::size_t b = 0; b < 4; ++b)
        bits |= std::uint32_t(static_cast<unsigned char>((*bytes)[at + b])) << (8 * b);
      values.push_back(static_cast<double>(std::bit_cast<float>(bits)));
    }
  }
  for (const double value : values)
    if (!std::isfinite(value)) return std::nullopt;
  return values;
}

}  // namespace switchyard::telemetry
