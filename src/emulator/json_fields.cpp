#include "emulator/json_fields.hpp"

#include <cctype>
#include <cmath>

namespace switchyard::emulator {

namespace json = boost::json;

std::string snakeCase(std::string_view camel) {
  std::string out;
  out.reserve(camel.size() + 4);
  for (const char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string camelCase(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool upper = false;
  for (const char c : name) {
    if (c == '_') {
      upper = !out.empty();
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

const json::value* field(const json::object& object, std::string_view camelName) {
  if (auto* v = object.if_contains(camelName)) return v;
  const std::string snake = snakeCase(camelName);
  if (snake != camelName) return object.if_contains(snake);
  return nullptr;
}

std::string_view stringField(const json::object& object, std::string_view camelName) {
  const auto* v = field(object, camelName);
  if (!v || !v->is_string()) return {};
  return v->as_string();
}

const json::object* objectField(const json::object& object, std::string_view camelName) {
  const auto* v = field(object, camelName);
  return v ? v->if_object() : nullptr;
}

const json::array* arrayField(const json::object& object, std::string_view camelName) {
  const auto* v = field(object, camelName);
  return v ? v->if_array() : nullptr;
}

long long integerField(const json::object& object, std::string_view camelName, long long fallback) {
  const auto* v = field(object, camelName);
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<long long>(v->as_uint64());
  if (v->is_double() && std::isfinite(v->as_double()))
    return static_cast<long long>(v->as_double());
  if (v->is_string()) {  // proto3 JSON allows integers as strings
    try {
      return std::stoll(std::string(v->as_string()));
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

}  // namespace switchyard::emulator
