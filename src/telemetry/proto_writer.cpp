#include "telemetry/proto_writer.hpp"

#include <array>
#include <bit>
#include <cstring>

#include "core/utf8.hpp"

namespace switchyard::telemetry {

namespace {

enum WireType : std::uint32_t { kVarint = 0, kI64 = 1, kLen = 2, kI32 = 5 };

// Writes the varint into `to` (at least varintSize(value) bytes); returns its length.
std::size_t encodeVarint(std::uint64_t value, char* to) {
  std::size_t n = 0;
  while (value >= 0x80) {
    to[n++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  to[n++] = static_cast<char>(value);
  return n;
}

template <class T>
void appendLittleEndian(std::string& out, T value) {
  static_assert(std::endian::native == std::endian::little, "big-endian hosts need a byte swap");
  std::array<char, sizeof(T)> bytes;
  std::memcpy(bytes.data(), &value, sizeof(T));
  out.append(bytes.data(), bytes.size());
}

}  // namespace

std::size_t varintSize(std::uint64_t value) {
  // 7 payload bits per byte; 0 still takes one byte.
  return static_cast<std::size_t>(std::bit_width(value | 1) + 6) / 7;
}

void ProtoWriter::appendVarint(std::uint64_t value) {
  std::array<char, 10> bytes;
  out_.append(bytes.data(), encodeVarint(value, bytes.data()));
}

void ProtoWriter::varint(std::uint32_t field, std::uint64_t value) {
  tag(field, kVarint);
  appendVarint(value);
}

void ProtoWriter::fixed64(std::uint32_t field, std::uint64_t value) {
  tag(field, kI64);
  appendLittleEndian(out_, value);
}

void ProtoWriter::float64(std::uint32_t field, double value) {
  tag(field, kI64);
  appendLittleEndian(out_, value);
}

void ProtoWriter::fixed32(std::uint32_t field, std::uint32_t value) {
  tag(field, kI32);
  appendLittleEndian(out_, value);
}

void ProtoWriter::bytes(std::uint32_t field, std::string_view data) {
  tag(field, kLen);
  appendVarint(data.size());
  out_.append(data);
}

void ProtoWriter::string(std::uint32_t field, std::string_view text) {
  if (core::isValidUtf8(text)) {
    bytes(field, text);
    return;
  }
  tag(field, kLen);
  appendVarint(core::repairedUtf8Size(text));
  core::appendRepairedUtf8(out_, text);
}

std::size_t ProtoWriter::beginMessage(std::uint32_t field) {
  tag(field, kLen);
  out_.push_back('\0');  // the length, if it fits one byte (bodies under 128 bytes)
  return out_.size();
}

void ProtoWriter::endMessage(std::size_t start) {
  const std::size_t length = out_.size() - start;
  const std::size_t lengthSize = varintSize(length);
  if (lengthSize > 1) out_.insert(start, lengthSize - 1, '\0');
  encodeVarint(length, out_.data() + start - 1);
}

}  // namespace switchyard::telemetry
