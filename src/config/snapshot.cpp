#include "config/snapshot.hpp"

namespace switchyard::config {

std::string_view costTypeName(LlmRequestCost::Type type) {
  switch (type) {
    case LlmRequestCost::Type::InputToken:
      return "InputToken";
    case LlmRequestCost::Type::CachedInputToken:
      return "CachedInputToken";
    case LlmRequestCost::Type::CacheCreationInputToken:
      return "CacheCreationInputToken";
    case LlmRequestCost::Type::OutputToken:
      return "OutputToken";
    case LlmRequestCost::Type::TotalToken:
      return "TotalToken";
    case LlmRequestCost::Type::ReasoningToken:
      return "ReasoningToken";
    case LlmRequestCost::Type::Cel:
      return "CEL";
  }
  return "";
}

std::string_view rateLimitUnitName(RateLimitUnit unit) {
  switch (unit) {
    case RateLimitUnit::Second:
      return "Second";
    case RateLimitUnit::Minute:
      return "Minute";
    case RateLimitUnit::Hour:
      return "Hour";
    case RateLimitUnit::Day:
      return "Day";
    case RateLimitUnit::Month:
      return "Month";
    case RateLimitUnit::Year:
      return "Year";
  }
  return "";
}

std::string_view rateLimitScopeName(RateLimitRule::Scope scope) {
  return scope == RateLimitRule::Scope::Global ? "Global" : "Local";
}

}  // namespace switchyard::config
