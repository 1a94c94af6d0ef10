#include "gateway/runtime.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <functional>

#include "gateway/credential_store.hpp"
#include "route/router.hpp"

namespace switchyard::gateway {

namespace {

// "us-central1-aiplatform.googleapis.com" → "us-central1"; the global host → "global".
std::string regionFromHost(std::string_view host) {
  constexpr std::string_view suffix = "-aiplatform.googleapis.com";
  if (host.size() > suffix.size() && host.ends_with(suffix))
    return std::string(host.substr(0, host.size() - suffix.size()));
  return "global";
}

std::string renderModels(const config::Snapshot& snapshot, std::int64_t nowSeconds) {
  boost::json::array data;
  for (const auto& model : route::listModels(snapshot)) {
    boost::json::object m;
    m["id"] = model.id;
    m["object"] = "model";
    m["created"] = model.created ? model.created : nowSeconds;
    m["owned_by"] = model.ownedBy;
    data.push_back(std::move(m));
  }
  boost::json::object list;
  list["object"] = "list";
  list["data"] = std::move(data);
  return boost::json::serialize(list);
}

std::vector<std::string> configuredModelsOf(const config::Snapshot& snapshot) {
  std::vector<std::string> names;
  for (auto& model : route::listModels(snapshot)) names.push_back(std::move(model.id));
  for (const auto& route : snapshot.routes)
    for (const auto& rule : route.rules)
      for (const auto& ref : rule.backendRefs)
        if (!ref.modelNameOverride.empty()) names.push_back(ref.modelNameOverride);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace

namespace {

net::UpstreamProtocol upstreamProtocolOf(config::BackendHttp http) {
  switch (http) {
    case config::BackendHttp::Http1:
      return net::UpstreamProtocol::Http1;
    case config::BackendHttp::H2c:
      return net::UpstreamProtocol::H2c;
    case config::BackendHttp::Auto:
      break;
  }
  return net::UpstreamProtocol::Auto;
}

}  // namespace

bool Runtime::isConfiguredModel(std::string_view model) const {
  return std::binary_search(configuredModels.begin(), configuredModels.end(), model, std::less<>());
}

std::vector<std::string> credentialErrorsAdded(const Runtime& next, const Runtime* running) {
  std::vector<std::string> known;
  if (running) {
    for (const auto& [config, backend] : running->backends)
      if (!backend.credentialError.empty()) known.push_back(backend.credentialError);
  }
  std::vector<std::string> added;
  for (const auto& [config, backend] : next.backends) {
    const auto& error = backend.credentialError;
    if (error.empty() || std::find(known.begin(), known.end(), error) != known.end()) continue;
    if (std::find(added.begin(), added.end(), error) == added.end()) added.push_back(error);
  }
  return added;
}

std::shared_ptr<const Runtime> buildRuntime(std::shared_ptr<const config::Snapshot> snapshot,
                                            CredentialStore& credentials,
                                            route::OutlierDetector& outliers,
                                            ratelimit::LocalCounterStore& limits,
                                            bool globalLimitsInProcess, std::int64_t nowSeconds,
                                            clientauth::JwksCache* jwks) {
  auto runtime = std::make_shared<Runtime>();
  for (const auto& backend : snapshot->backends) {
    BackendRuntime rt;
    rt.config = backend;
    rt.provider = backend->provider;
    rt.health = outliers.attach(*backend);
    if (!backend->endpoints.empty()) {
      const auto& ep = backend->endpoints.front();
      rt.target.host = ep.host;
      rt.target.port = ep.port;
      rt.hostLabel = ep.host + ":" + std::to_string(ep.port);
    }
    if (backend->tls) {
      rt.target.tls = net::TlsSettings{backend->tls->hostname, backend->tls->caPem};
    }
    rt.target.protocol = upstreamProtocolOf(backend->http);
    rt.target.authority = net::authorityOf(rt.target);
    if (backend->credential) {
      const auto& cred = *backend->credential;
      rt.region = cred.region.empty() ? regionFromHost(rt.target.host) : cred.region;
      rt.project = cred.projectName;
      auto signer = credentials.signerFor(cred);
      if (signer) {
        rt.signer = signer->signer;
        rt.tokens = signer->tokens;
        if (rt.project.empty()) rt.project = signer->defaultProject;
      } else {
        rt.credentialError = signer.error().message;
      }
    } else {
      rt.region = regionFromHost(rt.target.host);
    }
    runtime->backends.emplace(backend.get(), std::move(rt));
  }
  runtime->modelsBody = renderModels(*snapshot, nowSeconds);
  runtime->configuredModels = configuredModelsOf(*snapshot);
  runtime->routes = route::RouteTable(*snapshot);
  runtime->localLimits = limits.attach(*snapshot, globalLimitsInProcess);
  runtime->gatekeeper = std::make_shared<const clientauth::Gatekeeper>(*snapshot, jwks);
  runtime->snapshot = std::move(snapshot);
  return runtime;
}

}  // namespace switchyard::gateway
