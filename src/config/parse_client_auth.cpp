// SecurityPolicy (gateway.envoyproxy.io/v1alpha1): apiKeyAuth, jwt and authorization, as Envoy
// Gateway defines them. The shapes are checked here; Secrets, ConfigMaps and Backends are the
// resolver's (resolve_client_auth.cpp). Inline JWKS are parsed here, so a bad key points at its
// line.

#include <arpa/inet.h>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>

#include "config/parsers.hpp"
#include "core/ascii.hpp"

namespace switchyard::config::detail {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::vector<std::string> strings(const Field& list, bool required = false) {
  std::vector<std::string> out;
  for (const auto& item : list.list(required)) {
    if (auto value = item.str(true); value && !value->empty())
      out.push_back(std::move(*value));
    else if (value)
      item.error("must not be empty");
  }
  return out;
}

// apiKeyAuth.extractFrom[] items: {headers[] | params[] | cookies[]}.
std::vector<CredentialSource> apiKeySources(const Field& list) {
  std::vector<CredentialSource> out;
  for (const auto& item : list.list(true)) {
    if (!item.map(true)) continue;
    int kinds = 0;
    for (const auto& [key, where] : {std::pair{"headers", CredentialSource::Where::Header},
                                     std::pair{"params", CredentialSource::Where::Param},
                                     std::pair{"cookies", CredentialSource::Where::Cookie}}) {
      if (!item[key].present()) continue;
      ++kinds;
      for (auto& name : strings(item[key], true)) {
        CredentialSource source{where, name, "", false};
        if (where == CredentialSource::Where::Header) {
          source.name = lower(name);
          // OpenAI-style clients send their key as "Authorization: Bearer <key>".
          if (source.name == "authorization") source = {where, source.name, "Bearer ", true};
        }
        out.push_back(std::move(source));
      }
    }
    if (kinds != 1) item.error("exactly one of headers, params, or cookies must be specified");
  }
  if (out.empty() && list.present()) list.error("no place to read the API key from");
  return out;
}

// jwt.providers[].extractFrom: {headers[{name, valuePrefix}], cookies[], params[]}.
std::vector<CredentialSource> tokenSources(const Field& field) {
  std::vector<CredentialSource> out;
  if (!field.present()) {
    out.push_back({CredentialSource::Where::Header, "authorization", "Bearer ", false});
    out.push_back({CredentialSource::Where::Param, "access_token", "", false});
    return out;
  }
  if (!field.map(true)) return out;
  for (const auto& item : field["headers"].list()) {
    if (!item.map(true)) continue;
    const auto name = item["name"].str(true);
    if (!name || name->empty()) continue;
    out.push_back({CredentialSource::Where::Header, lower(*name),
                   item["valuePrefix"].str().value_or(""), false});
  }
  for (auto& name : strings(field["params"]))
    out.push_back({CredentialSource::Where::Param, name, "", false});
  for (auto& name : strings(field["cookies"]))
    out.push_back({CredentialSource::Where::Cookie, name, "", false});
  if (out.empty()) field.error("extractFrom names no header, parameter or cookie");
  return out;
}

std::optional<SourceCidrMatch> parseCidrText(const Field& field) {
  const auto value = field.str(true);
  if (!value) return std::nullopt;
  SourceCidrMatch match;
  match.value = *value;
  const auto invalid = [&]() -> std::optional<SourceCidrMatch> {
    field.error("\"" + *value + "\" is not an address range (examples: 10.0.0.0/8, 2001:db8::/64)");
    return std::nullopt;
  };
  if (value->size() > 64 || !parseAddressRange(*value, match)) return invalid();
  return match;
}

std::optional<RemoteJwks> parseRemote(const Field& remote) {
  const auto uriField = remote["uri"];
  const auto uri = uriField.str(true);
  if (!uri) return std::nullopt;
  const auto parsed = boost::urls::parse_absolute_uri(*uri);
  if (!parsed || parsed->scheme() != "https" || parsed->host().empty()) {
    uriField.error("\"" + *uri +
                   "\" is not an https URL: a JWKS is fetched over verified TLS only");
    return std::nullopt;
  }
  RemoteJwks out;
  out.uri = *uri;
  out.host = parsed->host_address();
  if (parsed->host_type() == boost::urls::host_type::ipv6) {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (parsed->has_port()) {
    const auto port = parsed->port_number();
    if (port == 0) {
      uriField.error("\"" + *uri + "\" has no valid port");
      return std::nullopt;
    }
    out.port = port;
  }
  out.target = std::string(parsed->encoded_resource());
  if (out.target.empty() || out.target.front() != '/') out.target.insert(0, "/");
  out.serverName = out.host;
  return out;
}

std::optional<JwtProvider> parseProvider(const Field& item, const ObjectMeta& meta,
                                         ClientAuthManifest::ProviderRefs& refs) {
  if (!item.map(true)) return std::nullopt;
  JwtProvider provider;
  refs.where = item.where();
  const auto name = item["name"].str(true);
  if (!name || name->empty()) return std::nullopt;
  provider.name = *name;
  provider.issuer = item["issuer"].str().value_or("");
  provider.audiences = strings(item["audiences"]);
  const auto remote = item["remoteJWKS"], local = item["localJWKS"];
  if (remote.present() == local.present()) {
    item.error("exactly one of remoteJWKS or localJWKS must be specified");
    return std::nullopt;
  }
  if (remote.present()) {
    if (!remote.map(true)) return std::nullopt;
    provider.remote = parseRemote(remote);
    if (!provider.remote) return std::nullopt;
    const auto backends = remote["backendRefs"].list();
    if (!backends.empty()) {
      refs.remoteBackend = readRef(backends.front(), meta, "Backend", "gateway.envoyproxy.io");
      if (!refs.remoteBackend) return std::nullopt;
      if (backends.size() > 1) remote["backendRefs"].warning("only the first backendRef is used");
    }
    if (remote["backendRef"].present())
      remote["backendRef"].error("backendRef is not supported; use backendRefs[]");
  } else {
    if (!local.map(true)) return std::nullopt;
    const auto type = local["type"].str().value_or("Inline");
    if (type == "Inline") {
      const auto text = local["inline"].str(true);
      if (!text) return std::nullopt;
      auto keys = jose::parseJwks(*text);
      if (!keys) {
        local["inline"].error(keys.error().message);
        return std::nullopt;
      }
      provider.localKeys = std::make_shared<const jose::KeySet>(std::move(*keys));
    } else if (type == "ValueRef") {
      refs.jwksConfigMap = readRef(local["valueRef"], meta, "ConfigMap", "");
      if (!refs.jwksConfigMap) return std::nullopt;
    } else {
      local["type"].error("unknown localJWKS type \"" + type + "\" (supported: Inline, ValueRef)");
      return std::nullopt;
    }
  }
  for (const auto& entry : item["claimToHeaders"].list()) {
    if (!entry.map(true)) continue;
    const auto header = entry["header"].str(true), claim = entry["claim"].str(true);
    if (!header || !claim || header->empty() || claim->empty()) continue;
    provider.claimToHeaders.push_back({lower(*header), *claim});
  }
  if (item["recomputeRoute"].boolean().value_or(false))
    item["recomputeRoute"].warning("recomputeRoute is not supported: the route is chosen by model");
  provider.extractFrom = tokenSources(item["extractFrom"]);
  return provider;
}

std::optional<bool> parseAction(const Field& field, bool required) {
  const auto action = field.str(required);
  if (!action) return std::nullopt;
  if (*action == "Allow") return true;
  if (*action == "Deny") return false;
  field.error("unknown action \"" + *action + "\" (Allow or Deny)");
  return std::nullopt;
}

std::optional<AuthorizationRule> parseRule(const Field& item, const JwtAuth* jwt) {
  if (!item.map(true)) return std::nullopt;
  AuthorizationRule rule;
  rule.name = item["name"].str().value_or("");
  const auto action = parseAction(item["action"], true);
  if (!action) return std::nullopt;
  rule.allow = *action;
  if (item["operation"].map()) rule.methods = strings(item["operation"]["methods"], true);
  const auto principal = item["principal"];
  if (!principal.map(true)) return std::nullopt;
  bool ok = true;
  for (const auto& cidr : principal["clientCIDRs"].list()) {
    if (auto match = parseCidrText(cidr))
      rule.clientCidrs.push_back(std::move(*match));
    else
      ok = false;
  }
  if (const auto field = principal["jwt"]; field.map()) {
    AuthorizationRule::JwtPrincipal jwtPrincipal;
    const auto provider = field["provider"].str(true);
    if (!provider) return std::nullopt;
    jwtPrincipal.provider = *provider;
    const bool known = jwt && std::any_of(jwt->providers.begin(), jwt->providers.end(),
                                          [&](const auto& p) { return p.name == *provider; });
    if (!known) {
      field["provider"].error("no jwt provider named \"" + *provider + "\" in this SecurityPolicy");
      ok = false;
    }
    for (const auto& claimField : field["claims"].list()) {
      if (!claimField.map(true)) continue;
      AuthorizationRule::Claim claim;
      const auto name = claimField["name"].str(true);
      if (!name) continue;
      claim.name = *name;
      const auto type = claimField["valueType"].str().value_or("String");
      if (type != "String" && type != "StringArray") {
        claimField["valueType"].error("unknown valueType \"" + type + "\" (String, StringArray)");
        ok = false;
      }
      claim.stringArray = type == "StringArray";
      claim.values = strings(claimField["values"], true);
      jwtPrincipal.claims.push_back(std::move(claim));
    }
    jwtPrincipal.scopes = strings(field["scopes"]);
    if (jwtPrincipal.claims.empty() && jwtPrincipal.scopes.empty()) {
      field.error("at least one of claims or scopes must be specified");
      ok = false;
    }
    rule.jwt = std::move(jwtPrincipal);
  }
  for (const auto& header : principal["headers"].list()) {
    if (!header.map(true)) continue;
    const auto name = header["name"].str(true);
    if (!name || name->empty()) continue;
    rule.headers.push_back({lower(*name), strings(header["values"], true)});
  }
  if (rule.clientCidrs.empty() && !rule.jwt && rule.headers.empty() &&
      !principal["clientCIDRs"].present()) {
    principal.error("at least one of clientCIDRs, jwt, or headers must be specified");
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return rule;
}

}  // namespace

void parseClientAuthPolicy(const Field& spec, ObjectMeta meta, Manifests& out) {
  if (!spec.map(true)) return;
  ClientAuthManifest manifest;
  manifest.meta = std::move(meta);
  manifest.policy.name = manifest.meta.key();
  manifest.targets = readTargetRefs(spec, manifest.meta, true);
  if (spec["targetSelectors"].present())
    spec["targetSelectors"].warning("targetSelectors are not supported; use targetRefs[]");

  // An authentication switchyard cannot do would leave the route open: refuse the policy.
  for (const char* unsupported : {"basicAuth", "oidc", "extAuth"}) {
    if (spec[unsupported].present())
      spec[unsupported].error(std::string(unsupported) +
                              " is not supported by switchyard (supported: apiKeyAuth, jwt, "
                              "authorization)");
  }
  if (spec["cors"].present()) spec["cors"].warning("cors is not supported; ignored");

  if (const auto field = spec["apiKeyAuth"]; field.map()) {
    ApiKeyAuth apiKey;
    for (const auto& ref : field["credentialRefs"].list(true)) {
      if (auto secret = readRef(ref, manifest.meta, "Secret", "")) {
        if (secret->kind != "Secret") {
          ref["kind"].error("credentialRefs must reference Secrets, got " + secret->kind);
          continue;
        }
        manifest.credentialRefs.push_back(std::move(*secret));
      }
    }
    apiKey.extractFrom = apiKeySources(field["extractFrom"]);
    apiKey.forwardClientIdHeader = lower(field["forwardClientIDHeader"].str().value_or(""));
    apiKey.sanitize = field["sanitize"].boolean().value_or(false);
    manifest.policy.apiKey = std::move(apiKey);
  }
  if (const auto field = spec["jwt"]; field.map()) {
    JwtAuth jwt;
    jwt.optional = field["optional"].boolean().value_or(false);
    for (const auto& item : field["providers"].list(true)) {
      ClientAuthManifest::ProviderRefs refs;
      if (auto provider = parseProvider(item, manifest.meta, refs)) {
        const bool duplicate = std::any_of(jwt.providers.begin(), jwt.providers.end(),
                                           [&](const auto& p) { return p.name == provider->name; });
        if (duplicate) {
          item["name"].error("duplicate provider name \"" + provider->name + "\"");
          continue;
        }
        jwt.providers.push_back(std::move(*provider));
        manifest.providers.push_back(std::move(refs));
      }
    }
    manifest.policy.jwt = std::move(jwt);
  }
  if (const auto field = spec["authorization"]; field.map()) {
    Authorization authorization;
    const JwtAuth* jwt = manifest.policy.jwt ? &*manifest.policy.jwt : nullptr;
    for (const auto& item : field["rules"].list()) {
      if (auto rule = parseRule(item, jwt)) authorization.rules.push_back(std::move(*rule));
    }
    authorization.defaultAllow = parseAction(field["defaultAction"], false).value_or(false);
    manifest.policy.authorization = std::move(authorization);
  }
  if (!manifest.policy.apiKey && !manifest.policy.jwt && !manifest.policy.authorization) {
    spec.warning("no apiKeyAuth, jwt or authorization: the policy changes nothing");
  }
  out.clientAuthPolicies.push_back(std::move(manifest));
}

}  // namespace switchyard::config::detail
