#pragma once
// SecurityPolicy authorization: rules in order, the first whose principal (and operation) matches
// decides Allow or Deny; none matches → defaultAction (Deny when absent). Within a principal every
// kind given must match: one of the clientCIDRs, all JWT claims and scopes, all headers.

#include <boost/json/object.hpp>

#include <string_view>

#include "clientauth/request_facts.hpp"
#include "config/client_auth_policy.hpp"

namespace switchyard::clientauth {

// The claims of the token a provider verified, for JWT principals.
struct VerifiedToken {
  std::string_view provider;  // the provider's name; empty = no token verified
  const boost::json::object* claims = nullptr;
};

struct AuthorizationResult {
  bool allowed = false;
  const config::AuthorizationRule* rule = nullptr;  // null: the default action decided
};

AuthorizationResult authorize(const config::Authorization& authorization,
                              const RequestFacts& request, const VerifiedToken& token);

}  // namespace switchyard::clientauth
