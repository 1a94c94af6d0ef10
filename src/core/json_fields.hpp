#pragma once
// Tolerant reads of parsed upstream JSON: a missing field or one of the wrong type reads as
// absent (null pointer, empty string, 0), never as an exception.

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace switchyard::core {

inline std::string_view sv(const boost::json::string& s) { return {s.data(), s.size()}; }

inline std::string_view stringField(const boost::json::object* object, std::string_view key) {
  if (!object) return {};
  const auto* value = object->if_contains(key);
  return value && value->is_string() ? sv(value->get_string()) : std::string_view{};
}

inline const boost::json::object* objectField(const boost::json::object* object,
                                              std::string_view key) {
  if (!object) return nullptr;
  const auto* value = object->if_contains(key);
  return value && value->is_object() ? &value->get_object() : nullptr;
}

inline const boost::json::array* arrayField(const boost::json::object* object,
                                            std::string_view key) {
  if (!object) return nullptr;
  const auto* value = object->if_contains(key);
  return value && value->is_array() ? &value->get_array() : nullptr;
}

// The one checked number → int64 conversion of the providers (upstream reads here, client fields
// in the request translator): an integer as is, a double truncated toward zero when it is finite
// and inside int64's range; nullopt for anything else (a uint64 above int64's max, a double beyond
// ±2^63, ±infinity as Boost.JSON reads `1e999`, a non-number). A plain static_cast of such a
// double is undefined behaviour.
inline std::optional<std::int64_t> toInt64(const boost::json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) {
    if (value.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(value.get_uint64());
  }
  if (value.is_double()) {
    // ±2^63 are exact doubles; NaN fails both comparisons.
    constexpr double kLimit = 9223372036854775808.0;
    const double number = value.get_double();
    if (number >= -kLimit && number < kLimit) return static_cast<std::int64_t>(number);
  }
  return std::nullopt;
}

// A proto3 integer: a JSON number, or a string for int64 fields. Absent, unreadable or out of
// int64's range (see toInt64) reads as 0, like every other unreadable field here.
inline std::int64_t integerField(const boost::json::object* object, std::string_view key) {
  if (!object) return 0;
  const auto* value = object->if_contains(key);
  if (!value) return 0;
  if (value->is_string()) {
    const auto text = sv(value->get_string());
    std::int64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    return ec == std::errc() && end == text.data() + text.size() ? number : 0;
  }
  return toInt64(*value).value_or(0);
}

}  // namespace switchyard::core
