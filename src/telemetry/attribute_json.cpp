#include "telemetry/attribute_json.hpp"

#include <string_view>

#include "core/json_fields.hpp"

namespace switchyard::telemetry {

namespace {

std::optional<std::int64_t> count(const boost::json::object* object, std::string_view field) {
  if (!object) return std::nullopt;
  const auto* value = object->if_contains(field);
  return value ? core::toInt64(*value) : std::nullopt;
}

}  // namespace

TokenCounts readTokenCounts(const boost::json::object* usage) {
  TokenCounts counts;
  counts.prompt = count(usage, "prompt_tokens");
  counts.completion = count(usage, "completion_tokens");
  counts.total = count(usage, "total_tokens");
  counts.cacheRead = count(core::objectField(usage, "prompt_tokens_details"), "cached_tokens");
  counts.reasoning =
      count(core::objectField(usage, "completion_tokens_details"), "reasoning_tokens");
  return counts;
}

std::size_t choiceIndex(const boost::json::object& choice, std::size_t position) {
  const auto index = count(&choice, "index");
  return index && *index >= 0 ? static_cast<std::size_t>(*index) : position;
}

}  // namespace switchyard::telemetry
