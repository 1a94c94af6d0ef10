#include "telemetry/trace_context.hpp"

#include <algorithm>
#include <random>

namespace switchyard::telemetry {

namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::size_t kVersion00Length = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2
constexpr std::size_t kMaxTraceState = 512;

template <std::size_t N>
bool allZero(const std::array<std::uint8_t, N>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// Lowercase only: W3C says uppercase hex makes the header invalid.
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

template <std::size_t N>
bool parseHex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    const int high = hexValue(text[2 * i]);
    const int low = hexValue(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return true;
}

template <std::size_t N>
void appendHex(std::string& out, const std::array<std::uint8_t, N>& bytes) {
  for (std::uint8_t b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0f]);
  }
}

std::string_view trimOws(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::uint64_t splitMix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

template <std::size_t N>
void fill(std::array<std::uint8_t, N>& bytes, std::uint64_t word, std::size_t offset) {
  for (std::size_t i = 0; i < 8 && offset + i < N; ++i)
    bytes[offset + i] = static_cast<std::uint8_t>(word >> (8 * i));
}

}  // namespace

bool TraceId::valid() const { return !allZero(bytes); }
bool SpanId::valid() const { return !allZero(bytes); }

IdGenerator::IdGenerator() {
  std::random_device device;
  std::uint64_t seed = (std::uint64_t{device()} << 32) | device();
  for (auto& word : state_) word = splitMix64(seed);
}

IdGenerator::IdGenerator(std::uint64_t seed) {
  for (auto& word : state_) word = splitMix64(seed);
}

std::uint64_t IdGenerator::next() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

TraceId IdGenerator::traceId() {
  TraceId id;
  do {
    fill(id.bytes, next(), 0);
    fill(id.bytes, next(), 8);
  } while (!id.valid());
  return id;
}

SpanId IdGenerator::spanId() {
  SpanId id;
  do {
    fill(id.bytes, next(), 0);
  } while (!id.valid());
  return id;
}

std::optional<TraceParent> parseTraceParent(std::string_view header) {
  header = trimOws(header);
  if (header.size() < kVersion00Length) return std::nullopt;
  std::array<std::uint8_t, 1> version{};
  if (!parseHex(header.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
  // Version 00 has exactly four fields; a later version may append "-<more>" after them.
  if (version[0] == 0x00 ? header.size() != kVersion00Length
                         : header.size() > kVersion00Length && header[kVersion00Length] != '-') {
    return std::nullopt;
  }
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;

  TraceParent parent;
  std::array<std::uint8_t, 1> flags{};
  if (!parseHex(header.substr(3, 32), parent.traceId.bytes) ||
      !parseHex(header.substr(36, 16), parent.parentId.bytes) ||
      !parseHex(header.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (!parent.traceId.valid() || !parent.parentId.valid()) return std::nullopt;
  // Flags other than "sampled" are undefined in version 00; a later version's are not ours to keep.
  parent.flags = version[0] == 0x00 ? flags[0] : flags[0] & kTraceFlagSampled;
  return parent;
}

std::optional<TraceParent> parseTraceParent(std::string_view header, std::string_view traceState) {
  auto parent = parseTraceParent(header);
  if (parent) parent->traceState = acceptTraceState(traceState);
  return parent;
}

std::string acceptTraceState(std::string_view traceState) {
  traceState = trimOws(traceState);
  if (traceState.size() > kMaxTraceState) return {};
  for (char c : traceState)
    if (c < 0x20 || c > 0x7e) return {};
  return std::string(traceState);
}

std::string formatTraceParent(const TraceId& traceId, const SpanId& spanId, std::uint8_t flags) {
  std::string out;
  out.reserve(kVersion00Length);
  out += "00-";
  appendHex(out, traceId.bytes);
  out.push_back('-');
  appendHex(out, spanId.bytes);
  out.push_back('-');
  appendHex(out, std::array<std::uint8_t, 1>{flags});
  return out;
}

std::string toHex(const TraceId& id) {
  std::string out;
  out.reserve(32);
  appendHex(out, id.bytes);
  return out;
}

std::string toHex(const SpanId& id) {
  std::string out;
  out.reserve(16);
  appendHex(out, id.bytes);
  return out;
}

}  // namespace switchyard::telemetry
