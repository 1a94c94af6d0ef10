#include <charconv>

#include "providers/provider.hpp"

namespace switchyard::providers {

int retryAfterSeconds(const std::vector<core::Header>& headers) {
  const std::string_view value = core::findHeader(headers, "retry-after");
  int seconds = -1;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  return ec == std::errc() && end == value.data() + value.size() && seconds >= 0 ? seconds : -1;
}

}  // namespace switchyard::providers
