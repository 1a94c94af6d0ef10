#pragma once
// The Redis key of a Global rule's counter:
//   <prefix>:<rule id>[:<route> unless shared]:<n>:<len>:<value>...:<window start>
// Distinct values are length-prefixed, so no value can forge another's key whatever it holds, and
// a value longer than kMaxKeyValue is replaced by the hex of its SHA-256 (prefixed "#") so a
// client cannot make keys of any size.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "config/snapshot.hpp"

namespace switchyard::ratelimit {

inline constexpr std::string_view kDefaultKeyPrefix = "switchyard:rl";
inline constexpr std::size_t kMaxKeyValue = 64;

// The key without its window (what a request keeps to charge its response cost later).
void appendCounterStem(std::string& out, std::string_view prefix, const config::RateLimitRule& rule,
                       std::string_view route, std::span<const std::string_view> distinct);
// Appends ":<window start>".
void appendWindowStart(std::string& out, std::int64_t start);

}  // namespace switchyard::ratelimit
