#pragma once
// Checks shared by the targets of the passthrough translators (the Gemini API, Anthropic Messages):
// the client's JSON goes upstream re-serialized member by member, so the upstream body must read
// back as the same JSON. Input layout shared by them: byte 0 holds flags (the target's own), byte 1
// is a separator, the rest is split on it into parts.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace switchyard::fuzz {

// A broken contract: say which one, then abort so libFuzzer records the input.
[[noreturn]] inline void failPassthrough(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

// The parts after the flags byte and the separator; empty when there are fewer than 2 bytes.
inline std::vector<std::string_view> splitParts(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string_view> parts;
  if (size < 2) return parts;
  const char separator = static_cast<char>(data[1]);
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  while (!rest.empty()) {
    const auto end = rest.find(separator);
    parts.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return parts;
}

// Whether `segment` can go into a URL path unescaped as one segment: printable ASCII without the
// characters that end or escape a segment, and no `..` (stated here apart from the gateway's
// check).
inline bool isSafeSegment(std::string_view segment) {
  if (segment.empty() || segment == "." || segment.find("..") != std::string_view::npos)
    return false;
  return std::all_of(segment.begin(), segment.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c < 0x7F && std::string_view("/\\?#%:").find(ch) == std::string_view::npos;
  });
}

// JSON equality where a number is its value, not its spelling: the writer may print 1.0 as 1E0,
// which reads back as the same double; an integer stays an integer of the same value.
inline bool sameJson(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() != b.is_double()) return false;
    // Within one ulp: Boost.JSON 1.81 does not round every decimal correctly (the client's
    // 323833333333333333333333333333333333333333 and the writer's 3.2383333333333333e+41, the
    // shortest form of the same double, read back one ulp apart).
    if (a.is_double()) {
      const double x = a.get_double(), y = b.get_double();
      return x == y || std::nextafter(x, y) == y;
    }
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    // An int64 and a uint64 are the same number only when both fit in int64.
    const auto asInt = [](const boost::json::value& v, std::int64_t& out) {
      if (v.is_int64()) return out = v.get_int64(), true;
      if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return false;
      return out = static_cast<std::int64_t>(v.get_uint64()), true;
    };
    std::int64_t x = 0, y = 0;
    return asInt(a, x) && asInt(b, y) && x == y;
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!sameJson(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& member : x) {
      const auto* other = y.if_contains(member.key());
      if (!other || !sameJson(member.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

// Checks that `upstream` is a JSON object holding exactly the client's members but the `dropped`
// ones, plus the `added` ones (checked by the caller), each the same JSON.
inline void checkSameMembers(const boost::json::object& client, std::string_view upstream,
                             std::initializer_list<std::string_view> dropped,
                             std::initializer_list<std::string_view> added) {
  boost::json::monotonic_resource arena;
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(upstream, ec, &arena);
  if (ec || !parsed.is_object())
    failPassthrough("the upstream body is not a JSON object", upstream);
  const auto& out = parsed.get_object();
  const auto listed = [](std::initializer_list<std::string_view> keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  };
  for (const auto& member : client) {
    if (listed(dropped, member.key()) || listed(added, member.key())) continue;
    const auto* sent = out.if_contains(member.key());
    if (!sent) failPassthrough("a client member was not sent", member.key());
    if (!sameJson(member.value(), *sent)) failPassthrough("a member changed on the way", upstream);
  }
  for (const auto& member : out) {
    if (listed(added, member.key())) continue;
    if (listed(dropped, member.key()) || !client.contains(member.key()))
      failPassthrough("a member the client did not send", member.key());
  }
}

}  // namespace switchyard::fuzz
