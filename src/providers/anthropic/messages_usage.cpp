#include "providers/anthropic/messages_usage.hpp"

#include <cstdint>

#include "core/json_fields.hpp"

namespace switchyard::providers::anthropic {

using core::integerField;

namespace {

// The counts come from the upstream: a sum that would overflow saturates instead.
std::int64_t add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? INT64_MAX : INT64_MIN;
  return sum;
}

}  // namespace

void MessagesUsage::read(const boost::json::object& usage) {
  const auto take = [&](std::string_view key, std::int64_t& count) {
    if (usage.contains(key)) count = integerField(&usage, key);
  };
  take("input_tokens", input);
  take("output_tokens", output);
  take("cache_read_input_tokens", cacheRead);
  take("cache_creation_input_tokens", cacheCreation);
}

Usage MessagesUsage::toUsage() const {
  Usage usage;
  usage.promptTokens = add(add(input, cacheRead), cacheCreation);
  usage.completionTokens = output;
  usage.totalTokens = add(usage.promptTokens, usage.completionTokens);
  usage.cachedTokens = cacheRead;
  usage.cacheCreationTokens = cacheCreation;
  return usage;
}

}  // namespace switchyard::providers::anthropic
