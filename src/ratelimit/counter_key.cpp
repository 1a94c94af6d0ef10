#include "ratelimit/counter_key.hpp"

#include <openssl/sha.h>

#include <charconv>

namespace switchyard::ratelimit {

namespace {

void appendNumber(std::string& out, std::uint64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void appendValue(std::string& out, std::string_view value) {
  out += ':';
  if (value.size() <= kMaxKeyValue) {
    appendNumber(out, value.size());
    out += ':';
    out.append(value);
    return;
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest);
  appendNumber(out, 1 + 2 * SHA256_DIGEST_LENGTH);
  out += ":#";
  for (const unsigned char byte : digest) {
    out += "0123456789abcdef"[byte >> 4];
    out += "0123456789abcdef"[byte & 0xF];
  }
}

}  // namespace

void appendCounterStem(std::string& out, std::string_view prefix, const config::RateLimitRule& rule,
                       std::string_view route, std::span<const std::string_view> distinct) {
  out.append(prefix);
  out += ':';
  out.append(rule.id);
  if (!rule.shared) appendValue(out, route);
  out += ':';
  appendNumber(out, distinct.size());
  for (const std::string_view value : distinct) appendValue(out, value);
}

void appendWindowStart(std::string& out, std::int64_t start) {
  out += ':';
  appendNumber(out, static_cast<std::uint64_t>(start < 0 ? 0 : start));
}

}  // namespace switchyard::ratelimit
