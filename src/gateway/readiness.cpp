#include "gateway/readiness.hpp"

#include "auth/token_cache.hpp"

namespace switchyard::gateway {

namespace {

// Empty when `backend` can sign a request now; otherwise why not.
std::string cannotSignBecause(const BackendRuntime& backend) {
  if (!backend.credentialError.empty()) return backend.credentialError;
  if (!backend.tokens) return {};
  const auto status = backend.tokens->status();
  if (status.usable) return {};
  if (status.obtainedBefore && status.failuresInARow <= 1) return {};
  if (!status.lastError.empty()) return status.lastError;
  return "no access token obtained yet for " + backend.tokens->describe();
}

}  // namespace

std::string credentialsNotReadyBecause(const Runtime& runtime) {
  std::string reasons;
  for (const auto& route : runtime.snapshot->routes) {
    for (std::size_t i = 0; i < route.rules.size(); ++i) {
      std::string why;
      bool anyBackend = false;
      bool canSign = false;
      for (const auto& ref : route.rules[i].backendRefs) {
        const auto found = runtime.backends.find(ref.backend.get());
        if (found == runtime.backends.end()) continue;
        anyBackend = true;
        auto reason = cannotSignBecause(found->second);
        if (reason.empty()) {
          canSign = true;
          break;
        }
        if (why.find(reason) == std::string::npos) why += (why.empty() ? "" : "; ") + reason;
      }
      if (!anyBackend || canSign) continue;
      if (!reasons.empty()) reasons += "; ";
      reasons += "no backend of route " + route.name + " rule " + std::to_string(i) +
                 " can get a credential: " + why;
    }
  }
  return reasons;
}

}  // namespace switchyard::gateway
