#pragma once
// What the request path needs per backend, resolved once per configuration load: the provider, the
// signer and the upstream target; and the process counters of the rate limits (Local rules, and
// Global ones when no Redis is configured), kept across reloads by the store. Published with the
// config snapshot as one immutable unit.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/request_signer.hpp"
#include "clientauth/gatekeeper.hpp"
#include "config/snapshot.hpp"
#include "net/upstream_client.hpp"
#include "providers/provider.hpp"
#include "ratelimit/local_counters.hpp"
#include "route/outlier_detector.hpp"
#include "route/router.hpp"

namespace switchyard::auth {
class TokenCache;
}

namespace switchyard::gateway {

class CredentialStore;

struct BackendRuntime {
  std::shared_ptr<const config::ServiceBackend> config;
  const providers::Provider* provider = nullptr;   // from the registry; lives for the process
  std::shared_ptr<auth::RequestSigner> signer;     // null: the backend has no credential
  std::shared_ptr<const auth::TokenCache> tokens;  // the signer's tokens (null: needs none)
  std::string credentialError;  // set when the credential cannot be used (reported per request)
  net::UpstreamTarget target;
  std::string hostLabel;                  // host:port, for logs
  std::string project;                    // Vertex
  std::string region;                     // Vertex
  route::BackendHandle health = nullptr;  // outlier state, kept across reloads by backend name
};

struct Runtime {
  std::shared_ptr<const config::Snapshot> snapshot;
  route::RouteTable routes;  // over *snapshot, declared after it: built at load, not per request
  std::unordered_map<const config::ServiceBackend*, BackendRuntime> backends;
  std::string modelsBody;  // GET /v1/models, rendered once
  // The model names the configuration spells out (Exact x-ai-eg-model values, modelNameOverrides),
  // sorted: metrics label a request with its model only when it is one of these.
  std::vector<std::string> configuredModels;
  bool isConfiguredModel(std::string_view model) const;
  // Per route (like snapshot->routes): the counters of the rules counted in this process.
  std::vector<ratelimit::RouteLocalCounters> localLimits;
  // SecurityPolicy client authentication, with the remote JWKS of this configuration's providers.
  std::shared_ptr<const clientauth::Gatekeeper> gatekeeper;
};

// The credential errors of `next` that `running` (null: none yet) does not have already: a reload
// that brings any is refused, while one that keeps a credential broken since start-up is not.
std::vector<std::string> credentialErrorsAdded(const Runtime& next, const Runtime* running);

std::shared_ptr<const Runtime> buildRuntime(std::shared_ptr<const config::Snapshot> snapshot,
                                            CredentialStore& credentials,
                                            route::OutlierDetector& outliers,
                                            ratelimit::LocalCounterStore& limits,
                                            bool globalLimitsInProcess, std::int64_t nowSeconds,
                                            clientauth::JwksCache* jwks = nullptr);

// The current runtime, swapped atomically on reload; requests keep the one they started with.
class RuntimeHolder {
 public:
  std::shared_ptr<const Runtime> current() const {
    return current_.load(std::memory_order_acquire);
  }
  void publish(std::shared_ptr<const Runtime> runtime) {
    current_.store(std::move(runtime), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const Runtime>> current_;
};

}  // namespace switchyard::gateway
