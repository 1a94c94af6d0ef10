#pragma once
// Protocol Buffers wire format, append-only into one buffer: varint, fixed32/64 and
// length-delimited fields, and nested messages written in place. A nested message reserves one
// byte for its length and shifts its body only when the length needs more; each byte is thus
// moved at most once per enclosing message (linear in size for OTLP's fixed depth, never
// quadratic), and nothing is built in a temporary buffer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::telemetry {

class ProtoWriter {
 public:
  explicit ProtoWriter(std::string& out) : out_(out) {}

  // Wire type 0. Negative int64 values are written as their 64-bit two's complement (10 bytes).
  void varint(std::uint32_t field, std::uint64_t value);
  // Wire type 1, little-endian.
  void fixed64(std::uint32_t field, std::uint64_t value);
  void float64(std::uint32_t field, double value);
  // Wire type 5, little-endian.
  void fixed32(std::uint32_t field, std::uint32_t value);
  // Wire type 2, raw bytes.
  void bytes(std::uint32_t field, std::string_view data);
  // Wire type 2, text: invalid UTF-8 is replaced with U+FFFD, since a `string` field holding it
  // fails the decoder on the other side (and with it the whole request).
  void string(std::uint32_t field, std::string_view text);

  // Wire type 2 holding a nested message: writes the tag, runs body() (which writes the
  // message's fields through this writer), then fills in the length.
  template <class Body>
  void message(std::uint32_t field, Body&& body) {
    const std::size_t start = beginMessage(field);
    body();
    endMessage(start);
  }

  std::size_t size() const { return out_.size(); }

 private:
  void tag(std::uint32_t field, std::uint32_t wireType) {
    appendVarint(static_cast<std::uint64_t>(field) << 3 | wireType);
  }
  void appendVarint(std::uint64_t value);
  std::size_t beginMessage(std::uint32_t field);
  void endMessage(std::size_t start);

  std::string& out_;
};

// Bytes the varint encoding of `value` takes (1 to 10).
std::size_t varintSize(std::uint64_t value);

}  // namespace switchyard::telemetry
