#pragma once
// A tiny protobuf decoder for the tests, written apart from the encoder: a message becomes its
// list of fields, and nested messages are decoded again from a field's bytes on demand.

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::telemetry::testing {

struct ProtoField {
  std::uint32_t number = 0;
  std::uint32_t wireType = 0;
  std::uint64_t integer = 0;  // varint, fixed32, fixed64
  std::string bytes;          // length-delimited
};

class ProtoMessage {
 public:
  // Throws std::runtime_error on malformed input (a test failure).
  explicit ProtoMessage(std::string_view data) {
    std::size_t i = 0;
    auto readVarint = [&] {
      std::uint64_t value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (i >= data.size()) throw std::runtime_error("truncated varint");
        const auto byte = static_cast<std::uint8_t>(data[i++]);
        value |= std::uint64_t{byte & 0x7fu} << shift;
        if (!(byte & 0x80)) return value;
      }
      throw std::runtime_error("varint too long");
    };
    auto readFixed = [&](std::size_t size) {
      if (data.size() - i < size) throw std::runtime_error("truncated fixed field");
      std::uint64_t value = 0;
      for (std::size_t k = 0; k < size; ++k)
        value |= std::uint64_t{static_cast<std::uint8_t>(data[i + k])} << (8 * k);
      i += size;
      return value;
    };
    while (i < data.size()) {
      const std::uint64_t key = readVarint();
      ProtoField field;
      field.number = static_cast<std::uint32_t>(key >> 3);
      field.wireType = static_cast<std::uint32_t>(key & 7);
      switch (field.wireType) {
        case 0:
          field.integer = readVarint();
          break;
        case 1:
          field.integer = readFixed(8);
          break;
        case 5:
          field.integer = readFixed(4);
          break;
        case 2: {
          const std::uint64_t length = readVarint();
          if (data.size() - i < length) throw std::runtime_error("truncated bytes");
          field.bytes = std::string(data.substr(i, length));
          i += length;
          break;
        }
        default:
          throw std::runtime_error("unexpected wire type");
      }
      fields_.push_back(std::move(field));
    }
  }

  const std::vector<ProtoField>& fields() const { return fields_; }

  std::vector<const ProtoField*> all(std::uint32_t number) const {
    std::vector<const ProtoField*> out;
    for (const auto& f : fields_)
      if (f.number == number) out.push_back(&f);
    return out;
  }
  const ProtoField* find(std::uint32_t number) const {
    for (const auto& f : fields_)
      if (f.number == number) return &f;
    return nullptr;
  }
  bool has(std::uint32_t number) const { return find(number) != nullptr; }
  std::string bytes(std::uint32_t number) const {
    const auto* f = find(number);
    return f ? f->bytes : std::string();
  }
  std::uint64_t integer(std::uint32_t number) const {
    const auto* f = find(number);
    return f ? f->integer : 0;
  }
  ProtoMessage message(std::uint32_t number) const { return ProtoMessage(bytes(number)); }
  std::vector<ProtoMessage> messages(std::uint32_t number) const {
    std::vector<ProtoMessage> out;
    for (const auto* f : all(number)) out.emplace_back(f->bytes);
    return out;
  }

 private:
  std::vector<ProtoField> fields_;
};

inline double asDouble(std::uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// The spans of an ExportTraceServiceRequest (all ResourceSpans, all ScopeSpans), in order.
inline std::vector<ProtoMessage> spansOf(std::string_view request) {
  std::vector<ProtoMessage> spans;
  for (const auto& resourceSpans : ProtoMessage(request).messages(1))
    for (const auto& scopeSpans : resourceSpans.messages(2))
      for (auto& span : scopeSpans.messages(2)) spans.push_back(std::move(span));
  return spans;
}

}  // namespace switchyard::telemetry::testing
