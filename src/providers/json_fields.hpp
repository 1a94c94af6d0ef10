#pragma once
// Tolerant reads of parsed upstream JSON: a missing field or one of the wrong type reads as
// absent (null pointer, empty string, 0), never as an exception.

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cstdint>
#include <string_view>

namespace switchyard::providers {

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

// A proto3 integer: a JSON number, or a string for int64 fields; absent or unreadable = 0.
inline std::int64_t integerField(const boost::json::object* object, std::string_view key) {
  if (!object) return 0;
  const auto* value = object->if_contains(key);
  if (!value) return 0;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_double()) return static_cast<std::int64_t>(value->get_double());
  if (value->is_string()) {
    const auto text = sv(value->get_string());
    std::int64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc() && end == text.data() + text.size()) return number;
  }
  return 0;
}

}  // namespace switchyard::providers
