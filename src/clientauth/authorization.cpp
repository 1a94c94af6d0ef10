#include "clientauth/authorization.hpp"

#include <algorithm>

#include "core/json_fields.hpp"
#include "jose/jwt.hpp"

namespace switchyard::clientauth {

namespace {

bool claimMatches(const config::AuthorizationRule::Claim& claim,
                  const boost::json::object& claims) {
  const auto* value = jose::claimAt(claims, claim.name);
  if (!value) return false;
  const auto oneOf = [&](const boost::json::value& item) {
    if (!item.is_string()) return false;
    const auto text = core::sv(item.get_string());
    return std::find(claim.values.begin(), claim.values.end(), text) != claim.values.end();
  };
  if (claim.stringArray) {
    if (!value->is_array()) return false;
    const auto& items = value->get_array();
    return std::any_of(items.begin(), items.end(), oneOf);
  }
  return oneOf(*value);
}

// RFC 6749 §3.3: the scope claim is a space-separated list.
bool hasScope(const boost::json::object& claims, std::string_view scope) {
  std::string_view list = core::stringField(&claims, "scope");
  while (!list.empty()) {
    const auto space = list.find(' ');
    if (list.substr(0, space) == scope) return true;
    if (space == std::string_view::npos) break;
    list.remove_prefix(space + 1);
  }
  return false;
}

bool principalMatches(const config::AuthorizationRule& rule, const RequestFacts& request,
                      const VerifiedToken& token) {
  if (!rule.clientCidrs.empty()) {
    const bool inRange =
        std::any_of(rule.clientCidrs.begin(), rule.clientCidrs.end(),
                    [&](const auto& cidr) { return cidr.contains(request.address); });
    if (!inRange) return false;
  }
  if (rule.jwt) {
    if (!token.claims || token.provider != rule.jwt->provider) return false;
    for (const auto& claim : rule.jwt->claims)
      if (!claimMatches(claim, *token.claims)) return false;
    for (const auto& scope : rule.jwt->scopes)
      if (!hasScope(*token.claims, scope)) return false;
  }
  for (const auto& header : rule.headers) {
    const auto value = request.header(header.name);
    if (std::find(header.values.begin(), header.values.end(), value) == header.values.end())
      return false;
  }
  return true;
}

}  // namespace

AuthorizationResult authorize(const config::Authorization& authorization,
                              const RequestFacts& request, const VerifiedToken& token) {
  for (const auto& rule : authorization.rules) {
    if (!rule.methods.empty() &&
        std::find(rule.methods.begin(), rule.methods.end(), request.method) == rule.methods.end())
      continue;
    if (principalMatches(rule, request, token)) return {rule.allow, &rule};
  }
  return {authorization.defaultAllow, nullptr};
}

}  // namespace switchyard::clientauth
