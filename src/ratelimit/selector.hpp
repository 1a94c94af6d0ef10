#pragma once
// Whether a rate-limit rule applies to a request (Envoy Gateway's clientSelectors), and the
// values that give it its own counter (Distinct headers and source addresses).

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"

namespace switchyard::ratelimit {

// What the selectors look at, as views into the request (valid during the call).
struct RequestView {
  // The value of a header (lower-case name); empty when absent.
  std::function<std::string_view(std::string_view)> header;
  std::string_view method;         // upper-case, e.g. POST
  std::string_view path;           // without the query
  std::string_view clientAddress;  // as text, e.g. 10.1.2.3 or ::1
  // The client's address in network order: 4 or 16 bytes used (size), from parseAddress().
  std::array<std::uint8_t, 16> addressBytes{};
  std::size_t addressSize = 0;

  // Fills addressBytes from clientAddress; false when it is not an IP address.
  bool parseAddress();
  std::span<const std::uint8_t> address() const { return {addressBytes.data(), addressSize}; }
};

// True when every selector of `rule` holds for `request` (no selector: every request). The values
// of its Distinct matches are appended to `distinct`, in selector order; on false `distinct` is
// left as it was.
bool ruleApplies(const config::RateLimitRule& rule, const RequestView& request,
                 std::vector<std::string_view>& distinct);

}  // namespace switchyard::ratelimit
