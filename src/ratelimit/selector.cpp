#include "ratelimit/selector.hpp"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <string>

namespace switchyard::ratelimit {

using config::RateLimitHeaderMatch;
using config::RateLimitPathMatch;
using config::RateLimitSelector;
using config::SourceCidrMatch;

bool RequestView::parseAddress() {
  addressSize = 0;
  if (clientAddress.empty() || clientAddress.size() >= 64) return false;
  char text[64];
  clientAddress.copy(text, clientAddress.size());
  text[clientAddress.size()] = '\0';
  if (inet_pton(AF_INET, text, addressBytes.data()) == 1) {
    addressSize = 4;
  } else if (inet_pton(AF_INET6, text, addressBytes.data()) == 1) {
    addressSize = 16;
  }
  return addressSize != 0;
}

namespace {

bool fullMatch(const re2::RE2& regex, std::string_view text) {
  return re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()), regex);
}

bool headerHolds(const RateLimitHeaderMatch& match, const RequestView& request,
                 std::vector<std::string_view>& distinct) {
  const std::string_view value = request.header(match.name);
  switch (match.type) {
    case RateLimitHeaderMatch::Type::Distinct:
      // Envoy's request_headers action: no header, no descriptor, the rule does not apply.
      if (value.empty()) return false;
      distinct.push_back(value);
      return true;
    case RateLimitHeaderMatch::Type::Exact: {
      const bool matched = !value.empty() && value == match.value;
      return matched != match.invert;
    }
    case RateLimitHeaderMatch::Type::RegularExpression: {
      const bool matched = !value.empty() && match.regex && fullMatch(*match.regex, value);
      return matched != match.invert;
    }
  }
  return false;
}

bool pathHolds(const RateLimitPathMatch& match, std::string_view path) {
  bool matched = false;
  switch (match.type) {
    case RateLimitPathMatch::Type::Exact:
      matched = path == match.value;
      break;
    case RateLimitPathMatch::Type::PathPrefix:
      matched = path.starts_with(match.value);
      break;
    case RateLimitPathMatch::Type::RegularExpression:
      matched = match.regex && fullMatch(*match.regex, path);
      break;
  }
  return matched != match.invert;
}

bool selectorHolds(const RateLimitSelector& selector, const RequestView& request,
                   std::vector<std::string_view>& distinct) {
  for (const auto& header : selector.headers)
    if (!headerHolds(header, request, distinct)) return false;
  if (!selector.methods.empty()) {
    bool any = false;
    for (const auto& method : selector.methods)
      any = any || ((request.method == method.method) != method.invert);
    if (!any) return false;
  }
  if (selector.path && !pathHolds(*selector.path, request.path)) return false;
  if (selector.sourceCidr) {
    if (!selector.sourceCidr->contains(request.address())) return false;
    if (selector.sourceCidr->type == SourceCidrMatch::Type::Distinct)
      distinct.push_back(request.clientAddress);
  }
  return true;
}

}  // namespace

bool ruleApplies(const config::RateLimitRule& rule, const RequestView& request,
                 std::vector<std::string_view>& distinct) {
  const std::size_t before = distinct.size();
  for (const auto& selector : rule.clientSelectors) {
    if (!selectorHolds(selector, request, distinct)) {
      distinct.resize(before);
      return false;
    }
  }
  return true;
}

}  // namespace switchyard::ratelimit
