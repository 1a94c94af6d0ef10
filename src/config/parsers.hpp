#pragma once
// Per-kind readers: YAML document → manifest struct. They check shapes and types only; references
// between objects are the resolver's job.

#include <string>
#include <vector>

#include "config/document_reader.hpp"
#include "config/manifests.hpp"
#include "config/yaml_field.hpp"

namespace switchyard::config::detail {

// Reads every document of a served kind into Manifests. Kinds switchyard does not serve get one
// Warning each; a second object with the same kind and namespace/name is an Error.
Manifests parseDocuments(const std::vector<SourceDocument>& documents,
                         std::vector<Diagnostic>& diagnostics);

// One per kind; `spec` is the document's spec field (possibly absent), `doc` the whole document.
void parseRoute(const Field& spec, ObjectMeta meta, Manifests& out);
void parseServiceBackend(const Field& spec, ObjectMeta meta, Manifests& out);
void parseBackend(const Field& spec, ObjectMeta meta, Manifests& out);
void parseSecurityPolicy(const Field& spec, ObjectMeta meta, Manifests& out);
void parseClientAuthPolicy(const Field& spec, ObjectMeta meta, Manifests& out);
void parseTlsPolicy(const Field& spec, ObjectMeta meta, Manifests& out);
void parseTrafficPolicy(const Field& doc, ObjectMeta meta, Manifests& out);
void parseClientPolicy(const Field& spec, ObjectMeta meta, Manifests& out);
void parseGateway(const Field& doc, ObjectMeta meta, Manifests& out);
void parseGatewayConfig(const Field& spec, ObjectMeta meta, Manifests& out);
void parseSecret(const Field& doc, ObjectMeta meta, Manifests& out);
void parseConfigMap(const Field& doc, ObjectMeta meta, Manifests& out);

// headerMutation and bodyMutation under `owner` (a backendRef, or an AIServiceBackend's spec);
// every problem is reported at its entry (parse_mutation.cpp lists the rules).
Mutations parseMutations(const Field& owner);

// llmRequestCosts entries at `list` (a route's, bounded to Envoy AI Gateway's 36, or a
// GatewayConfig's); `source` names their owner for /config_dump. Bad entries are left out after
// an Error.
std::vector<LlmRequestCost> parseLlmRequestCosts(const Field& list, const std::string& source,
                                                 bool bounded);

// BackendTrafficPolicy spec.rateLimit into `policy.rateLimit` (parse_rate_limit.cpp lists the
// rules); `doc` is the whole document, for the fail-closed annotation.
void parseRateLimit(const Field& doc, const Field& rateLimit, TrafficPolicyManifest& policy);

// {group, kind, name, namespace} at `field`; namespace defaults to the referrer's. nullopt (after
// an Error) when the name is missing.
// "ADDRESS/LENGTH", IPv4 or IPv6, into `match` (network with its host bits cleared, as Go's
// net.ParseCIDR does, prefix length, family); false when it is not one. sourceCIDR and
// SecurityPolicy clientCIDRs both read ranges this way.
bool parseAddressRange(std::string_view text, SourceCidrMatch& match);

std::optional<ObjectRef> readRef(const Field& field, const ObjectMeta& referrer,
                                 std::string defaultKind = {}, std::string defaultGroup = {});

// targetRefs[] of a policy (also the older single targetRef when allowSingle).
std::vector<ObjectRef> readTargetRefs(const Field& spec, const ObjectMeta& referrer,
                                      bool allowSingle);

}  // namespace switchyard::config::detail
