#pragma once
// The resolved configuration: every manifest cross-referenced into plain structs. Immutable once
// built; published to workers through an atomic shared_ptr and kept alive by requests in flight.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace re2 {
class RE2;
}

namespace switchyard::providers {
struct Provider;
}

namespace switchyard::config {

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

struct ServiceBackend {
  std::string name;                               // AIServiceBackend namespace/name
  const providers::Provider* provider = nullptr;  // from the registry, by schema.name
  std::string prefix;                             // schema.prefix
  std::string
      schemaVersion;        // schema.version, else the provider's default (Anthropic's API version)
  std::string backendName;  // the Backend it points at
  std::vector<Endpoint> endpoints;
  std::optional<TlsValidation> tls;              // none = plaintext
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
};

struct ListenerSettings {
  std::uint64_t bodyLimitBytes = 50ull * 1024 * 1024;  // ClientTrafficPolicy connection.bufferLimit
};

struct Snapshot {
  std::vector<Route> routes;  // in file order; rules match in order
  std::vector<std::shared_ptr<const ServiceBackend>> backends;
  ListenerSettings listener;
  std::vector<Diagnostic> warnings;
};

}  // namespace switchyard::config
