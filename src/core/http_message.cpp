#include "core/http_message.hpp"

#include "core/ascii.hpp"

namespace switchyard::core {

std::string_view findHeader(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (iequalsAscii(h.name, name)) return h.value;
  }
  return {};
}

void setHeader(std::vector<Header>& headers, std::string_view name, std::string value) {
  for (auto& h : headers) {
    if (iequalsAscii(h.name, name)) {
      h.value = std::move(value);
      return;
    }
  }
  headers.push_back({std::string(name), std::move(value)});
}

}  // namespace switchyard::core
