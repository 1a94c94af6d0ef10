#include "ratelimit/decision.hpp"

namespace switchyard::ratelimit {

std::string QuotaHeaders::limitValue() const {
  std::string value = std::to_string(limit);
  value += ", ";
  value += std::to_string(limit);
  value += ";w=";
  value += std::to_string(windowSeconds);
  return value;
}

}  // namespace switchyard::ratelimit
