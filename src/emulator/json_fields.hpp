#pragma once
// Google front ends read both the proto3 JSON names (lowerCamelCase) and the proto field names
// (snake_case). These helpers look a field up by its camelCase name under either spelling.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace switchyard::emulator {

// "inlineData" → "inline_data".
std::string snakeCase(std::string_view camel);
// "inline_data" → "inlineData"; camelCase input is returned unchanged.
std::string camelCase(std::string_view name);

const boost::json::value* field(const boost::json::object& object, std::string_view camelName);
std::string_view stringField(const boost::json::object& object, std::string_view camelName);
const boost::json::object* objectField(const boost::json::object& object,
                                       std::string_view camelName);
const boost::json::array* arrayField(const boost::json::object& object, std::string_view camelName);
// Integer (or integral number) field; `fallback` when absent or not a number.
long long integerField(const boost::json::object& object, std::string_view camelName,
                       long long fallback);

}  // namespace switchyard::emulator
