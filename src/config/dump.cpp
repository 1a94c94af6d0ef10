// /config_dump: the resolved snapshot as JSON. Credentials show their type and policy; secret
// material (service-account JSON, API keys) is replaced by "[redacted]". Routes carry their
// effective llmRequestCosts and the rateLimit rules that apply to them.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "config/loader.hpp"
#include "config/mutation_rules.hpp"
#include "providers/provider.hpp"

namespace switchyard::config {

namespace {

constexpr std::string_view kRedacted = "[redacted]";

boost::json::value optionalMillis(const std::optional<Millis>& value) {
  if (!value) return nullptr;
  return value->count();
}

boost::json::object dumpLocation(const Location& where) {
  return {{"file", where.file}, {"line", where.line}};
}

boost::json::value dumpCredential(const Credential* credential) {
  if (!credential) return nullptr;
  boost::json::object out;
  out["policy"] = credential->policyName;
  switch (credential->type) {
    case Credential::Type::GcpServiceAccountKey:
      out["type"] = "GCPServiceAccountKey";
      out["serviceAccountKey"] = kRedacted;
      break;
    case Credential::Type::GcpApplicationDefault:
      out["type"] = "GCPApplicationDefault";
      break;
    case Credential::Type::ApiKey:
      out["type"] = "APIKey";
      out["apiKey"] = kRedacted;
      break;
  }
  if (credential->type != Credential::Type::ApiKey) {
    out["projectName"] = credential->projectName;
    out["region"] = credential->region;
  }
  return out;
}

// null when there is none. Body values stay JSON text, as the manifests write them.
boost::json::value dumpMutations(const Mutations& mutations) {
  if (mutations.empty()) return nullptr;
  boost::json::array setHeaders;
  for (const auto& [name, value] : mutations.setHeaders) {
    setHeaders.push_back(
        boost::json::object{{"name", name},
                            {"value", headerValueMayBeSecret(name) ? boost::json::string(kRedacted)
                                                                   : boost::json::string(value)}});
  }
  boost::json::array setBody;
  for (const auto& field : mutations.setBody)
    setBody.push_back(boost::json::object{{"path", field.path}, {"value", field.json}});
  return boost::json::object{
      {"headers",
       boost::json::object{{"set", std::move(setHeaders)},
                           {"remove", boost::json::array(mutations.removeHeaders.begin(),
                                                         mutations.removeHeaders.end())}}},
      {"body", boost::json::object{{"set", std::move(setBody)},
                                   {"remove", boost::json::array(mutations.removeBody.begin(),
                                                                 mutations.removeBody.end())}}}};
}

boost::json::object dumpBackend(const ServiceBackend& backend) {
  boost::json::object out;
  out["name"] = backend.name;
  out["schema"] = backend.provider->descriptor.schemaName;
  out["prefix"] = backend.prefix;
  out["backend"] = backend.backendName;
  boost::json::array endpoints;
  for (const auto& endpoint : backend.endpoints)
    endpoints.push_back(boost::json::object{{"host", endpoint.host}, {"port", endpoint.port}});
  out["endpoints"] = std::move(endpoints);
  if (backend.tls) {
    out["tls"] = boost::json::object{{"hostname", backend.tls->hostname},
                                     {"policy", backend.tls->policyName},
                                     {"systemTrust", backend.tls->caPem.empty()},
                                     {"caPem", backend.tls->caPem}};
  } else {
    out["tls"] = nullptr;
  }
  out["http"] = backend.http == BackendHttp::H2c     ? "h2c"
                : backend.http == BackendHttp::Http1 ? "http/1.1"
                                                     : "auto";
  out["credential"] = dumpCredential(backend.credential.get());
  out["mutations"] = dumpMutations(backend.mutations);
  return out;
}

boost::json::object dumpRetry(const RetryPolicy& retry) {
  boost::json::array triggers(retry.triggers.begin(), retry.triggers.end());
  boost::json::array codes(retry.httpStatusCodes.begin(), retry.httpStatusCodes.end());
  return {{"numRetries", retry.numRetries},
          {"numAttemptsPerPriority", retry.numAttemptsPerPriority},
          {"perRetryTimeoutMs", optionalMillis(retry.perRetryTimeout)},
          {"backOffBaseMs", retry.backOffBase.count()},
          {"backOffMaxMs", retry.backOffMax.count()},
          {"triggers", std::move(triggers)},
          {"httpStatusCodes", std::move(codes)}};
}

boost::json::object dumpRule(const Rule& rule) {
  boost::json::array matches;
  for (const auto& match : rule.matches) {
    boost::json::array headers;
    for (const auto& header : match) {
      headers.push_back(boost::json::object{
          {"type", header.type == HeaderMatch::Type::Exact ? "Exact" : "RegularExpression"},
          {"name", header.name},
          {"value", header.value}});
    }
    matches.push_back(boost::json::object{{"headers", std::move(headers)}});
  }
  boost::json::array refs;
  for (const auto& ref : rule.backendRefs) {
    refs.push_back(boost::json::object{{"backend", ref.backend->name},
                                       {"modelNameOverride", ref.modelNameOverride},
                                       {"priority", ref.priority},
                                       {"weight", ref.weight},
                                       {"mutations", dumpMutations(ref.mutations)}});
  }
  return {{"matches", std::move(matches)},
          {"backendRefs", std::move(refs)},
          {"requestTimeoutMs", optionalMillis(rule.requestTimeout)},
          {"streamIdleTimeoutMs", optionalMillis(rule.streamIdleTimeout)},
          {"modelsOwnedBy", rule.modelsOwnedBy},
          {"modelsCreatedAt", rule.modelsCreatedAt},
          {"source", dumpLocation(rule.where)}};
}

boost::json::array dumpCosts(const std::vector<LlmRequestCost>& costs) {
  boost::json::array out;
  for (const auto& cost : costs) {
    boost::json::object entry{{"metadataKey", cost.metadataKey},
                              {"type", costTypeName(cost.type)},
                              {"source", cost.source}};
    if (cost.type == LlmRequestCost::Type::Cel) entry["cel"] = cost.cel;
    out.push_back(std::move(entry));
  }
  return out;
}

std::string_view headerMatchTypeName(RateLimitHeaderMatch::Type type) {
  switch (type) {
    case RateLimitHeaderMatch::Type::Exact:
      return "Exact";
    case RateLimitHeaderMatch::Type::RegularExpression:
      return "RegularExpression";
    case RateLimitHeaderMatch::Type::Distinct:
      return "Distinct";
  }
  return "";
}

std::string_view pathMatchTypeName(RateLimitPathMatch::Type type) {
  switch (type) {
    case RateLimitPathMatch::Type::Exact:
      return "Exact";
    case RateLimitPathMatch::Type::PathPrefix:
      return "PathPrefix";
    case RateLimitPathMatch::Type::RegularExpression:
      return "RegularExpression";
  }
  return "";
}

boost::json::object dumpSelector(const RateLimitSelector& selector) {
  boost::json::array headers;
  for (const auto& header : selector.headers) {
    boost::json::object entry{{"type", headerMatchTypeName(header.type)}, {"name", header.name}};
    if (header.type != RateLimitHeaderMatch::Type::Distinct) {
      entry["value"] = header.value;
      entry["invert"] = header.invert;
    }
    headers.push_back(std::move(entry));
  }
  boost::json::array methods;
  for (const auto& method : selector.methods)
    methods.push_back(boost::json::object{{"value", method.method}, {"invert", method.invert}});
  boost::json::value path = nullptr;
  if (selector.path) {
    path = boost::json::object{{"type", pathMatchTypeName(selector.path->type)},
                               {"value", selector.path->value},
                               {"invert", selector.path->invert}};
  }
  boost::json::value cidr = nullptr;
  if (selector.sourceCidr) {
    cidr = boost::json::object{
        {"type", selector.sourceCidr->type == SourceCidrMatch::Type::Exact ? "Exact" : "Distinct"},
        {"value", selector.sourceCidr->value}};
  }
  return {{"headers", std::move(headers)},
          {"methods", std::move(methods)},
          {"path", std::move(path)},
          {"sourceCIDR", std::move(cidr)}};
}

boost::json::object dumpRateLimit(const RateLimitRule& rule) {
  boost::json::array selectors;
  for (const auto& selector : rule.clientSelectors) selectors.push_back(dumpSelector(selector));
  boost::json::value response = nullptr;
  switch (rule.responseCost.from) {
    case RateLimitRule::ResponseCost::From::None:
      break;
    case RateLimitRule::ResponseCost::From::Number:
      response = boost::json::object{{"from", "Number"}, {"number", rule.responseCost.number}};
      break;
    case RateLimitRule::ResponseCost::From::Metadata:
      response =
          boost::json::object{{"from", "Metadata"}, {"metadataKey", rule.responseCost.metadataKey}};
      break;
  }
  return {{"id", rule.id},
          {"policy", rule.policy},
          {"type", rateLimitScopeName(rule.scope)},
          {"clientSelectors", std::move(selectors)},
          {"limit", boost::json::object{{"requests", rule.requests},
                                        {"unit", rateLimitUnitName(rule.unit)}}},
          {"cost",
           boost::json::object{{"request", rule.requestCost}, {"response", std::move(response)}}},
          {"shared", rule.shared},
          {"shadowMode", rule.shadowMode},
          {"failClosed", rule.failClosed},
          {"source", dumpLocation(rule.where)}};
}

}  // namespace

boost::json::value dumpSnapshot(const Snapshot& snapshot) {
  boost::json::array routes;
  for (const auto& route : snapshot.routes) {
    boost::json::array rules;
    for (const auto& rule : route.rules) rules.push_back(dumpRule(rule));
    boost::json::array rateLimits;
    for (const auto& rule : route.rateLimits) rateLimits.push_back(dumpRateLimit(rule));
    routes.push_back(boost::json::object{
        {"name", route.name},
        {"retry", route.retry ? boost::json::value(dumpRetry(*route.retry)) : nullptr},
        {"rules", std::move(rules)},
        {"gatewayConfig", route.gatewayConfig.empty() ? boost::json::value(nullptr)
                                                      : boost::json::value(route.gatewayConfig)},
        {"llmRequestCosts", dumpCosts(route.costs)},
        {"rateLimits", std::move(rateLimits)}});
  }
  boost::json::array backends;
  for (const auto& backend : snapshot.backends) backends.push_back(dumpBackend(*backend));
  boost::json::array warnings;
  for (const auto& warning : snapshot.warnings)
    warnings.push_back(boost::json::string(warning.format()));
  boost::json::object listener{
      {"bodyLimitBytes", snapshot.listener.bodyLimitBytes},
      {"requestReceivedTimeoutMs", snapshot.listener.requestReceivedTimeout.count()},
      {"idleTimeoutMs", snapshot.listener.idleTimeout.count()},
      {"connectionLimit", snapshot.listener.connectionLimit}};
  if (const auto& tls = snapshot.listener.tls) {
    boost::json::array alpn;
    for (const auto& protocol : tls->alpnProtocols) alpn.push_back(boost::json::string(protocol));
    boost::json::array secrets(tls->secrets.begin(), tls->secrets.end());
    listener["tls"] = boost::json::object{
        {"gateway", tls->gateway},          {"listener", tls->listener},
        {"certificateSecret", tls->secret}, {"clientTrafficPolicy", tls->clientPolicy},
        {"minVersion", tls->minVersion},    {"maxVersion", tls->maxVersion},
        {"alpnProtocols", std::move(alpn)}, {"certificateSecrets", std::move(secrets)}};
  } else {
    listener["tls"] = nullptr;
  }
  return boost::json::object{{"listener", std::move(listener)},
                             {"routes", std::move(routes)},
                             {"backends", std::move(backends)},
                             {"warnings", std::move(warnings)}};
}

}  // namespace switchyard::config
