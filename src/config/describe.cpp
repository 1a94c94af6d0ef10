// The routing table `switchyard check` prints. Names, hosts and policies only: no secret value.

#include <algorithm>
#include <sstream>

#include "config/loader.hpp"
#include "config/mutation_rules.hpp"
#include "providers/provider.hpp"

namespace switchyard::config {

namespace {

constexpr std::string_view kRedacted = "[redacted]";

std::string describeCredential(const Credential* credential) {
  if (!credential) return "none";
  std::string out;
  switch (credential->type) {
    case Credential::Type::GcpServiceAccountKey:
      out = "GCP service-account key";
      break;
    case Credential::Type::GcpApplicationDefault:
      out = "GCP application default credentials";
      break;
    case Credential::Type::ApiKey:
      out = "API key";
      break;
  }
  if (!credential->projectName.empty()) out += ", project " + credential->projectName;
  if (!credential->region.empty()) out += ", region " + credential->region;
  return out + " (BackendSecurityPolicy " + credential->policyName + ")";
}

std::string describeRetry(const RetryPolicy& retry) {
  std::ostringstream out;
  out << "numRetries " << retry.numRetries << ", numAttemptsPerPriority "
      << retry.numAttemptsPerPriority;
  if (retry.perRetryTimeout) out << ", perRetry.timeout " << formatDuration(*retry.perRetryTimeout);
  out << ", backOff " << formatDuration(retry.backOffBase) << ".."
      << formatDuration(retry.backOffMax);
  out << ", retryOn [";
  for (std::size_t i = 0; i < retry.triggers.size(); ++i)
    out << (i ? ", " : "") << retry.triggers[i];
  out << "]";
  if (!retry.httpStatusCodes.empty()) {
    out << " statuses [";
    for (std::size_t i = 0; i < retry.httpStatusCodes.size(); ++i)
      out << (i ? ", " : "") << retry.httpStatusCodes[i];
    out << "]";
  }
  return out.str();
}

// One line: "set header a: 1, b: [redacted]; remove header c; set body k = 1; remove body d".
std::string describeMutations(const Mutations& mutations) {
  std::vector<std::string> parts;
  auto list = [&](std::string label, const auto& items, auto format) {
    if (items.empty()) return;
    for (std::size_t i = 0; i < items.size(); ++i) label += (i ? ", " : " ") + format(items[i]);
    parts.push_back(std::move(label));
  };
  auto name = [](const std::string& text) { return text; };
  list("set header", mutations.setHeaders, [](const auto& header) {
    return header.first + ": " +
           (headerValueMayBeSecret(header.first) ? std::string(kRedacted) : header.second);
  });
  list("remove header", mutations.removeHeaders, name);
  list("set body", mutations.setBody,
       [](const BodyField& field) { return field.path + " = " + field.json; });
  list("remove body", mutations.removeBody, name);
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  return out;
}

void describeRule(std::ostringstream& out, const Rule& rule, std::size_t index) {
  out << "  rule " << index << " (" << rule.where.file << ":" << rule.where.line << ")\n";
  if (rule.matches.empty()) out << "    match: every request\n";
  for (const auto& match : rule.matches) {
    out << "    match:";
    if (match.empty()) out << " every request";
    for (std::size_t i = 0; i < match.size(); ++i) {
      const auto& header = match[i];
      out << (i ? " and " : " ") << header.name
          << (header.type == HeaderMatch::Type::Exact ? " = \"" : " ~ /") << header.value
          << (header.type == HeaderMatch::Type::Exact ? "\"" : "/");
    }
    out << "\n";
  }
  out << "    timeouts: request "
      << (rule.requestTimeout ? formatDuration(*rule.requestTimeout) : "default")
      << ", stream idle "
      << (rule.streamIdleTimeout ? formatDuration(*rule.streamIdleTimeout) : "default") << "\n";
  out << "    models: owned by \"" << rule.modelsOwnedBy << "\", created "
      << (rule.modelsCreatedAt ? std::to_string(rule.modelsCreatedAt) : "at load") << "\n";
  if (rule.backendRefs.empty()) {
    out << "    backends: none (requests get 503)\n";
    return;
  }
  std::vector<const BackendRef*> byPriority;
  for (const auto& ref : rule.backendRefs) byPriority.push_back(&ref);
  std::stable_sort(byPriority.begin(), byPriority.end(),
                   [](const auto* a, const auto* b) { return a->priority < b->priority; });
  out << "    backends:\n";
  for (const auto* ref : byPriority) {
    const auto& backend = *ref->backend;
    out << "      priority " << ref->priority << " weight " << ref->weight << ": " << backend.name
        << " -> model "
        << (ref->modelNameOverride.empty() ? "(as requested)" : ref->modelNameOverride) << "\n";
    out << "        schema " << backend.provider->descriptor.schemaName;
    if (!backend.prefix.empty()) out << " prefix " << backend.prefix;
    out << ", Backend " << backend.backendName << " at";
    for (const auto& endpoint : backend.endpoints)
      out << " " << endpoint.host << ":" << endpoint.port;
    out << "\n        tls: ";
    if (backend.tls) {
      out << "hostname " << backend.tls->hostname << ", CA "
          << (backend.tls->caPem.empty() ? "system trust store" : "from caCertificateRefs")
          << " (BackendTLSPolicy " << backend.tls->policyName << ")";
    } else {
      out << "none (plaintext)";
    }
    out << "\n        http: "
        << (backend.http == BackendHttp::H2c     ? "HTTP/2 with prior knowledge (h2c)"
            : backend.http == BackendHttp::Http1 ? "HTTP/1.1"
            : backend.tls                        ? "h2 by ALPN, else HTTP/1.1"
                                                 : "HTTP/1.1");
    out << "\n        credential: " << describeCredential(backend.credential.get()) << "\n";
    if (!ref->mutations.empty())
      out << "        mutations: " << describeMutations(ref->mutations) << "\n";
  }
}

// "llm_input_token = InputToken, billing = CEL \"...\" (GatewayConfig ns/gc)".
std::string describeCosts(const Route& route) {
  std::string out;
  for (const auto& cost : route.costs) {
    if (!out.empty()) out += ", ";
    out += cost.metadataKey + " = " + std::string(costTypeName(cost.type));
    if (cost.type == LlmRequestCost::Type::Cel) out += " \"" + cost.cel + "\"";
    if (cost.source.starts_with("GatewayConfig")) out += " (" + cost.source + ")";
  }
  return out;
}

std::string describeSelector(const RateLimitSelector& selector) {
  std::vector<std::string> parts;
  for (const auto& header : selector.headers) {
    const std::string negation = header.invert ? "not " : "";
    switch (header.type) {
      case RateLimitHeaderMatch::Type::Exact:
        parts.push_back(header.name + " " + negation + "= \"" + header.value + "\"");
        break;
      case RateLimitHeaderMatch::Type::RegularExpression:
        parts.push_back(header.name + " " + negation + "~ /" + header.value + "/");
        break;
      case RateLimitHeaderMatch::Type::Distinct:
        parts.push_back("each " + header.name);
        break;
    }
  }
  if (!selector.methods.empty()) {
    std::string methods = "method in [";
    for (std::size_t i = 0; i < selector.methods.size(); ++i) {
      methods += (i ? ", " : "") + std::string(selector.methods[i].invert ? "not " : "") +
                 selector.methods[i].method;
    }
    parts.push_back(methods + "]");
  }
  if (selector.path) {
    const auto& path = *selector.path;
    const char* op = path.type == RateLimitPathMatch::Type::Exact        ? "= "
                     : path.type == RateLimitPathMatch::Type::PathPrefix ? "starts with "
                                                                         : "~ ";
    parts.push_back("path " + std::string(path.invert ? "not " : "") + op + path.value);
  }
  if (selector.sourceCidr) {
    parts.push_back((selector.sourceCidr->type == SourceCidrMatch::Type::Distinct
                         ? "each client address in "
                         : "client in ") +
                    selector.sourceCidr->value);
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " and " : "") + parts[i];
  return out;
}

// "ns/p/global/0 Global: 10 per Hour, when each x-user-id; cost request 0, response
// llm_input_token; shadow".
std::string describeRateLimit(const RateLimitRule& rule) {
  std::ostringstream out;
  out << rule.id << " " << rateLimitScopeName(rule.scope) << ": " << rule.requests << " per "
      << rateLimitUnitName(rule.unit);
  if (rule.clientSelectors.empty()) out << ", every request";
  for (std::size_t i = 0; i < rule.clientSelectors.size(); ++i)
    out << (i ? " and " : ", when ") << describeSelector(rule.clientSelectors[i]);
  out << "; cost request " << rule.requestCost;
  switch (rule.responseCost.from) {
    case RateLimitRule::ResponseCost::From::None:
      break;
    case RateLimitRule::ResponseCost::From::Number:
      out << ", response " << rule.responseCost.number;
      break;
    case RateLimitRule::ResponseCost::From::Metadata:
      out << ", response " << rule.responseCost.metadataKey;
      break;
  }
  if (rule.shared) out << "; shared";
  if (rule.shadowMode) out << "; shadow mode";
  if (rule.failClosed) out << "; fail closed";
  return out.str();
}

}  // namespace

std::string describeRoutingTable(const Snapshot& snapshot) {
  std::ostringstream out;
  out << "listener: body limit " << snapshot.listener.bodyLimitBytes << " bytes\n";
  if (const auto& tls = snapshot.listener.tls) {
    out << "listener TLS: Gateway " << tls->gateway << " listener " << tls->listener
        << ", certificate Secret " << tls->secret;
    for (std::size_t i = 1; i < tls->secrets.size(); ++i)
      out << (i == 1 ? " (by SNI also " : ", ") << tls->secrets[i]
          << (i + 1 == tls->secrets.size() ? ")" : "");
    out << ", TLS " << tls->minVersion << " to " << tls->maxVersion << ", ALPN";
    for (const auto& protocol : tls->alpnProtocols) out << " " << protocol;
    if (tls->alpnProtocols.empty()) out << " off";
    if (!tls->clientPolicy.empty()) out << " (ClientTrafficPolicy " << tls->clientPolicy << ")";
    out << "\n";
  } else {
    out << "listener TLS: none (plaintext; h2c with prior knowledge)\n";
  }
  if (snapshot.routes.empty()) out << "no routes\n";
  for (const auto& route : snapshot.routes) {
    out << "route " << route.name << "\n";
    out << "  retry: " << (route.retry ? describeRetry(*route.retry) : "none") << "\n";
    if (!route.costs.empty()) out << "  costs: " << describeCosts(route) << "\n";
    if (!route.rateLimits.empty()) out << "  rate limits:\n";
    for (const auto& rule : route.rateLimits) out << "    " << describeRateLimit(rule) << "\n";
    for (std::size_t i = 0; i < route.rules.size(); ++i) describeRule(out, route.rules[i], i);
  }
  return out.str();
}

}  // namespace switchyard::config
