#pragma once
// The resolved configuration: every manifest cross-referenced into plain structs. Immutable once
// built; published to workers through an atomic shared_ptr and kept alive by requests in flight.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace re2 {
class RE2;
}

namespace boost::asio::ssl {
class context;
}

namespace switchyard::cel {
class Expression;
}

namespace switchyard::providers {
struct Provider;
}

namespace switchyard::config {

struct ClientAuthPolicy;  // config/client_auth_policy.hpp

using Millis = std::chrono::milliseconds;

// Where a diagnostic points: file, line, kind/name and field of the manifest.
struct Location {
  std::string file;
  int line = 0;  // 1-based, 0 = unknown
  std::string kind;
  std::string name;
  std::string field;  // e.g. spec.rules[0].backendRefs[1].name
};

enum class Severity { Warning, Error };

struct Diagnostic {
  Severity severity = Severity::Error;
  Location where;
  std::string message;
  std::string format() const;  // "file:line: Kind/name: field: message"
};

struct Endpoint {
  std::string host;  // fqdn.hostname or ip.address
  std::uint16_t port = 0;
};

struct TlsValidation {
  std::string hostname;  // validation.hostname: SNI and certificate name
  std::string caPem;  // from caCertificateRefs ConfigMaps (key ca.crt); empty = system trust store
  std::string policyName;
};

struct Credential {
  enum class Type { GcpServiceAccountKey, GcpApplicationDefault, ApiKey };
  Type type = Type::GcpServiceAccountKey;
  std::string policyName;          // BackendSecurityPolicy name (namespace/name), for messages
  std::string projectName;         // GCP
  std::string region;              // GCP
  std::string serviceAccountJson;  // GCP key file contents (secret; never printed)
  std::string apiKey;              // APIKey (secret; never printed)
};

// --- headerMutation / bodyMutation (Envoy AI Gateway), see config/mutation_rules.hpp ---

// One bodyMutation.set entry: a top-level member of the upstream JSON body.
struct BodyField {
  std::string path;  // top-level member name, as written
  std::string json;  // the value as JSON text, validated at load (bare text became a JSON string)
};

// Edits to the translated upstream request, applied before signing. On a ServiceBackend: its own
// spec.headerMutation/bodyMutation. On a BackendRef: the effective set, the backendRef's own
// merged over its backend's (route level wins on the same header name or body member).
struct Mutations {
  std::vector<std::pair<std::string, std::string>> setHeaders;  // name as written, value
  std::vector<std::string> removeHeaders;                       // lower-case names
  std::vector<BodyField> setBody;
  std::vector<std::string> removeBody;  // top-level member names

  bool hasHeaders() const { return !setHeaders.empty() || !removeHeaders.empty(); }
  bool hasBody() const { return !setBody.empty() || !removeBody.empty(); }
  bool empty() const { return !hasHeaders() && !hasBody(); }
};

// --- end of headerMutation / bodyMutation ---

// Which HTTP the gateway speaks to a backend: Backend spec.appProtocols (h2c) and
// spec.tls.alpnProtocols (a TLS backend kept on HTTP/1.1).
enum class BackendHttp {
  Auto,   // TLS: h2 when the server takes it by ALPN, else HTTP/1.1; plaintext: HTTP/1.1
  Http1,  // HTTP/1.1 only (TLS: no h2 offered)
  H2c,    // plaintext HTTP/2 with prior knowledge
};

struct ServiceBackend {
  std::string name;                               // AIServiceBackend namespace/name
  const providers::Provider* provider = nullptr;  // from the registry, by schema.name
  std::string prefix;                             // schema.prefix
  std::string
      schemaVersion;        // schema.version, else the provider's default (Anthropic's API version)
  std::string backendName;  // the Backend it points at
  std::vector<Endpoint> endpoints;
  std::optional<TlsValidation> tls;  // none = plaintext
  BackendHttp http = BackendHttp::Auto;
  std::shared_ptr<const Credential> credential;  // may be null (no policy)
  Mutations mutations;                           // spec.headerMutation / spec.bodyMutation
};

struct BackendRef {
  std::shared_ptr<const ServiceBackend> backend;
  std::string modelNameOverride;  // empty = forward the requested model
  int priority = 0;
  int weight = 1;
  Mutations mutations;  // effective: this ref's headerMutation/bodyMutation over its backend's
};

struct HeaderMatch {
  enum class Type { Exact, RegularExpression };
  Type type = Type::Exact;
  std::string name;  // lower-case header name, e.g. x-ai-eg-model
  std::string value;
  std::shared_ptr<const re2::RE2> regex;  // compiled for RegularExpression (full match)
};

struct RetryPolicy {
  int numRetries = 0;
  int numAttemptsPerPriority = 0;
  std::optional<Millis> perRetryTimeout;
  Millis backOffBase{25};
  Millis backOffMax{250};
  std::vector<std::string> triggers;  // connect-failure, reset, retriable-status-codes, ...
  std::vector<unsigned> httpStatusCodes;
};

// --- llmRequestCosts (Envoy AI Gateway) ---

// What a request costs under one metadata key, computed from its token usage when the response
// (or stream) completes. AIGatewayRoute.spec.llmRequestCosts[] and
// GatewayConfig.spec.globalLLMRequestCosts[].
struct LlmRequestCost {
  enum class Type {
    InputToken,
    CachedInputToken,
    CacheCreationInputToken,  // also read as the older name CachedWriteInputToken
    OutputToken,
    TotalToken,
    ReasoningToken,
    Cel,
  };
  std::string metadataKey;
  Type type = Type::OutputToken;
  std::string cel;  // the expression as written (Type::Cel)
  // Compiled and test-evaluated at load (Type::Cel); shared by every route that uses the entry.
  std::shared_ptr<const cel::Expression> expression;
  std::string source;  // "AIGatewayRoute ns/name" or "GatewayConfig ns/name"
  Location where;
};

// --- BackendTrafficPolicy.spec.rateLimit (Envoy Gateway) ---

struct RateLimitHeaderMatch {
  enum class Type { Exact, RegularExpression, Distinct };
  Type type = Type::Exact;
  std::string name;                       // lower-case header name
  std::string value;                      // empty for Distinct
  bool invert = false;                    // never set for Distinct
  std::shared_ptr<const re2::RE2> regex;  // RegularExpression (full match)
};

struct RateLimitMethodMatch {
  std::string method;  // upper-case, e.g. POST
  bool invert = false;
};

struct RateLimitPathMatch {
  enum class Type { Exact, PathPrefix, RegularExpression };
  Type type = Type::PathPrefix;
  std::string value = "/";
  bool invert = false;
  std::shared_ptr<const re2::RE2> regex;  // RegularExpression (full match)
};

struct SourceCidrMatch {
  enum class Type { Exact, Distinct };  // Distinct: one bucket per client address in the range
  Type type = Type::Exact;
  std::string value;                       // as written, e.g. 10.0.0.0/8
  std::array<std::uint8_t, 16> network{};  // host bits cleared; IPv4 in the first 4 bytes
  bool ipv6 = false;
  unsigned prefixLength = 0;

  // `address` is 4 (IPv4) or 16 (IPv6) bytes in network order; an IPv4-mapped IPv6 address
  // (::ffff:a.b.c.d) is matched as the IPv4 address it carries.
  bool contains(std::span<const std::uint8_t> address) const {
    static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!ipv6 && address.size() == 16 &&
        std::equal(address.begin(), address.begin() + 12, kMappedPrefix)) {
      address = address.subspan(12);
    }
    if (address.size() != (ipv6 ? 16u : 4u)) return false;
    unsigned bits = prefixLength;
    for (std::size_t i = 0; bits > 0; ++i, bits = bits > 8 ? bits - 8 : 0) {
      const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : 0xff << (8 - bits));
      if ((address[i] & mask) != network[i]) return false;
    }
    return true;
  }
};

// One clientSelectors[] entry: every condition in it must hold (methods: any one of them).
struct RateLimitSelector {
  std::vector<RateLimitHeaderMatch> headers;
  std::vector<RateLimitMethodMatch> methods;
  std::optional<RateLimitPathMatch> path;
  std::optional<SourceCidrMatch> sourceCidr;
};

enum class RateLimitUnit { Second, Minute, Hour, Day, Month, Year };

// One rule of a BackendTrafficPolicy as it applies to one route. Every rule whose selectors all
// hold applies to a request: its counter is checked, and charged `requestCost` before the
// upstream call; `responseCost` is charged when a successful response or stream completes. A
// request a non-shadow rule refuses gets 429.
struct RateLimitRule {
  // Global: one counter for every replica (Redis); Local: per process.
  enum class Scope { Global, Local };
  // Stable identity for metrics and counter keys: "<policy ns>/<policy name>/global/<index>" or
  // ".../local/<index>". Unless `shared`, each route keeps its own counters for the same rule
  // (add the route name to the key), as Envoy Gateway does for a policy on a Gateway.
  std::string id;
  std::string policy;  // BackendTrafficPolicy namespace/name
  Scope scope = Scope::Global;
  std::size_t index = 0;  // in rateLimit.global.rules[] or rateLimit.local.rules[]
  // All must hold; none = every request of the route. Distinct matches add their value to the key.
  std::vector<RateLimitSelector> clientSelectors;
  std::uint64_t requests = 0;  // limit.requests per limit.unit, fixed windows aligned to the unit
  RateLimitUnit unit = RateLimitUnit::Second;
  std::uint64_t requestCost = 1;  // cost.request.number; 0 = only check the limit
  struct ResponseCost {
    enum class From { None, Number, Metadata };
    From from = From::None;
    std::uint64_t number = 0;   // From::Number
    std::string metadataKey;    // From::Metadata (namespace io.envoy.ai_gateway)
    std::size_t costIndex = 0;  // From::Metadata: the entry of Route::costs under metadataKey
  } responseCost;
  bool shared = false;      // one counter for every route the policy reaches
  bool shadowMode = false;  // count and report, never refuse
  // When the shared state (Redis) cannot be reached: refuse instead of letting the request pass.
  // Switchyard's extension (annotation switchyard.dev/rate-limit-fail-closed: "true").
  bool failClosed = false;
  Location where;  // the rule in the policy
};

// The spelling the manifests use ("CacheCreationInputToken", "CEL"; "Hour"; "Global").
std::string_view costTypeName(LlmRequestCost::Type type);
std::string_view rateLimitUnitName(RateLimitUnit unit);
std::string_view rateLimitScopeName(RateLimitRule::Scope scope);

struct Rule {
  // Any of the matches selects the rule; all headers inside one match must hold.
  std::vector<std::vector<HeaderMatch>> matches;
  std::vector<BackendRef> backendRefs;
  std::optional<Millis> requestTimeout;
  std::optional<Millis> streamIdleTimeout;
  std::string modelsOwnedBy;         // default "Envoy AI Gateway"
  std::int64_t modelsCreatedAt = 0;  // unix seconds
  Location where;
};

struct Route {
  std::string name;  // AIGatewayRoute namespace/name
  std::vector<Rule> rules;
  std::optional<RetryPolicy> retry;  // BackendTrafficPolicy targeting the route
  // Effective llmRequestCosts: the route's own entries, then its GatewayConfig's global entries
  // whose metadataKey the route does not define.
  std::vector<LlmRequestCost> costs;
  std::string gatewayConfig;  // GatewayConfig namespace/name the global costs came from, or empty
  // The rules of the one BackendTrafficPolicy rateLimit that applies to the route (resolver.cpp
  // says which), global rules then local ones, in order.
  std::vector<RateLimitRule> rateLimits;
  // The SecurityPolicy that authenticates its clients: the route's own, else its Gateway's.
  std::shared_ptr<const ClientAuthPolicy> clientAuth;
};

// The listener's TLS, from the Gateways' HTTPS listeners and their certificate Secrets (chosen
// by SNI), negotiated as a ClientTrafficPolicy's spec.tls says. The context is built (so the
// certificate and key are checked) at load.
struct ListenerTls {
  std::shared_ptr<boost::asio::ssl::context> context;
  std::string gateway;   // namespace/name
  std::string listener;  // the HTTPS listener's name
  std::string secret;    // namespace/name of the default certificate's Secret (never its contents)
  std::vector<std::string> secrets;  // every certificate Secret, chosen by SNI; [0] is `secret`
  std::string clientPolicy;  // ClientTrafficPolicy namespace/name whose spec.tls applies, or empty
  std::string minVersion = "Auto";
  std::string maxVersion = "Auto";
  std::vector<std::string> alpnProtocols;  // as offered, h2 first
};

struct ListenerSettings {
  std::uint64_t bodyLimitBytes = 50ull * 1024 * 1024;  // ClientTrafficPolicy connection.bufferLimit
  // ClientTrafficPolicy timeout.http; zero turns one off, as in Envoy.
  Millis requestReceivedTimeout{60'000};  // a request's first byte to its last
  Millis idleTimeout{300'000};            // a client connection with no request in flight
  std::optional<ListenerTls> tls;         // none = plaintext
  // ClientTrafficPolicy connection.connectionLimit.value: client connections open at once, over
  // every worker; 0 = no limit.
  std::uint64_t connectionLimit = 0;
};

struct Snapshot {
  std::vector<Route> routes;  // in file order; rules match in order
  std::vector<std::shared_ptr<const ServiceBackend>> backends;
  ListenerSettings listener;
  std::vector<Diagnostic> warnings;
  // Every SecurityPolicy in use, and the Gateway's, which also guards requests no route takes.
  std::vector<std::shared_ptr<const ClientAuthPolicy>> clientAuthPolicies;
  std::shared_ptr<const ClientAuthPolicy> gatewayClientAuth;

  bool hasGlobalRateLimits() const {
    for (const auto& route : routes)
      for (const auto& rule : route.rateLimits)
        if (rule.scope == RateLimitRule::Scope::Global) return true;
    return false;
  }
};

}  // namespace switchyard::config
