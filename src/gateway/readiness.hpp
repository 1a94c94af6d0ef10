#pragma once
// Whether the configuration can serve, as far as credentials go: the /readyz rule (README, admin).
//
// A rule of a route is unready when it has backends and none of them can sign a request now. A
// backend without a credential, or with an API key, always can. One whose credential could not be
// loaded never can. A service-account backend can while it holds a usable token, and also while
// its token, once obtained, is being fetched again after at most one failure: a single transient
// token error (or a 401 that dropped the token) does not flap readiness, and a rule served through
// a fallback backend whose credential works stays ready.

#include <string>

#include "gateway/runtime.hpp"

namespace switchyard::gateway {

// Empty when every rule can get a credential; otherwise why not, naming the route, the rule and
// each backend's credential (never a secret). Reads token caches: any thread, not per request.
std::string credentialsNotReadyBecause(const Runtime& runtime);

}  // namespace switchyard::gateway
