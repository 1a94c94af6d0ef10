#include "clientauth/gatekeeper.hpp"

#include <openssl/crypto.h>

#include <boost/json/serialize.hpp>

#include "clientauth/api_key_matcher.hpp"
#include "clientauth/authorization.hpp"
#include "clientauth/credential_reader.hpp"
#include "clientauth/jwks_cache.hpp"
#include "clientauth/verified_signatures.hpp"
#include "core/json_fields.hpp"
#include "jose/jwt.hpp"

namespace switchyard::clientauth {

namespace asio = boost::asio;
using core::Error;
using core::ErrorKind;

namespace {

Error unauthenticated(std::string message) {
  return Error::make(ErrorKind::Unauthenticated, std::move(message));
}

// "the x-api-key header or the api_key parameter", for the 401 message.
std::string describeSources(const std::vector<config::CredentialSource>& sources) {
  std::string out;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (i > 0) out += i + 1 == sources.size() ? " or " : ", ";
    const auto& source = sources[i];
    switch (source.where) {
      case config::CredentialSource::Where::Header:
        out += "the " + source.name + " header";
        break;
      case config::CredentialSource::Where::Param:
        out += "the " + source.name + " query parameter";
        break;
      case config::CredentialSource::Where::Cookie:
        out += "the " + source.name + " cookie";
        break;
    }
  }
  return out;
}

// A claim as a header value: strings as they are, numbers and booleans as JSON writes them;
// objects, arrays and null are not copied (as in Envoy).
std::optional<std::string> headerValueOf(const boost::json::value& value) {
  if (value.is_string()) return std::string(core::sv(value.get_string()));
  if (value.is_number() || value.is_bool()) return boost::json::serialize(value);
  return std::nullopt;
}

bool safeHeaderValue(std::string_view value) {
  for (const char c : value)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return false;
  return value.size() <= 8192;
}

struct TokenOutcome {
  std::optional<Error> error;
  const config::JwtProvider* provider = nullptr;  // null: no token (and jwt is optional)
  boost::json::object claims;
};

}  // namespace

Gatekeeper::Gatekeeper(const config::Snapshot& snapshot, JwksCache* jwks) {
  if (!jwks) return;
  for (const auto& policy : snapshot.clientAuthPolicies) {
    if (!policy->jwt) continue;
    for (const auto& provider : policy->jwt->providers) {
      if (provider.remote) remote_.emplace(&provider, jwks->sourceFor(*provider.remote));
    }
  }
}

Gatekeeper::~Gatekeeper() = default;

JwksSource* Gatekeeper::remoteOf(const config::JwtProvider& provider) const {
  const auto found = remote_.find(&provider);
  return found == remote_.end() ? nullptr : found->second.get();
}

namespace {

// The signature check with the keys the provider has now, unless this worker verified the same
// token with the same keys before. A plain function, so no key set is held across a suspension
// of the coroutine below.
jose::SignatureCheck checkSignature(const config::JwtProvider& provider, JwksSource* remote,
                                    std::string_view token, const jose::DecodedJwt& jwt,
                                    VerifiedSignatures* verified, bool& haveKeys) {
  std::shared_ptr<const jose::KeySet> keys = provider.localKeys;
  if (!keys && remote) keys = remote->keys();
  haveKeys = keys != nullptr;
  if (!keys) return jose::SignatureCheck::UnknownKid;
  if (verified && verified->contains(token, keys)) return jose::SignatureCheck::Valid;
  const auto check = jose::verifySignature(jwt, *keys);
  if (check == jose::SignatureCheck::Valid && verified) verified->remember(token, std::move(keys));
  return check;
}

asio::awaitable<TokenOutcome> verifyToken(const Gatekeeper& gatekeeper, const config::JwtAuth& jwt,
                                          const RequestFacts& request, std::int64_t now,
                                          VerifiedSignatures* verified) {
  TokenOutcome outcome;
  bool anyToken = false;
  std::string problem;
  for (const auto& provider : jwt.providers) {
    const auto token = readCredential(provider.extractFrom, request);
    if (!token) continue;
    anyToken = true;
    auto decoded = jose::decodeJwt(*token);
    if (!decoded) {
      problem = decoded.error().message;
      continue;
    }
    JwksSource* remote = gatekeeper.remoteOf(provider);
    bool haveKeys = false;
    auto check = checkSignature(provider, remote, *token, *decoded, verified, haveKeys);
    if (check == jose::SignatureCheck::UnknownKid && remote) {
      co_await remote->refreshForUnknownKid();  // the issuer may have rotated its keys
      check = checkSignature(provider, remote, *token, *decoded, verified, haveKeys);
    }
    if (check != jose::SignatureCheck::Valid) {
      problem = !haveKeys ? "Jwks remote fetch is failed"
                : check == jose::SignatureCheck::UnknownKid
                    ? "Jwt verification fails: no key with the token's kid"
                    : "Jwt verification fails";
      continue;
    }
    jose::ClaimRules rules;
    rules.issuer = provider.issuer;
    rules.audiences = provider.audiences;
    rules.now = now;
    if (auto ok = jose::checkClaims(decoded->claims, rules); !ok) {
      problem = ok.error().message;
      continue;
    }
    outcome.provider = &provider;
    outcome.claims = std::move(decoded->claims);
    co_return outcome;
  }
  if (!anyToken && !jwt.optional) outcome.error = unauthenticated("Jwt is missing");
  if (anyToken) outcome.error = unauthenticated(problem);
  co_return outcome;
}

}  // namespace

asio::awaitable<Verdict> Gatekeeper::check(const config::ClientAuthPolicy* policy,
                                           const RequestFacts& request, std::int64_t now,
                                           VerifiedSignatures* verified) const {
  Verdict verdict;
  if (!policy) co_return verdict;

  if (policy->apiKey) {
    const auto& auth = *policy->apiKey;
    auto key = readCredential(auth.extractFrom, request);
    if (!key) {
      verdict.error =
          unauthenticated("missing API key: send it in " + describeSources(auth.extractFrom));
      co_return verdict;
    }
    const auto* client = findApiKeyClient(auth, *key);
    OPENSSL_cleanse(key->data(), key->size());
    if (!client) {
      verdict.error = unauthenticated("invalid API key");
      co_return verdict;
    }
    verdict.clientId = client->clientId;
    if (!auth.forwardClientIdHeader.empty())
      verdict.headers.emplace_back(auth.forwardClientIdHeader, client->clientId);
  }

  TokenOutcome token;
  if (policy->jwt) {
    token = co_await verifyToken(*this, *policy->jwt, request, now, verified);
    if (token.error) {
      verdict.error = std::move(token.error);
      verdict.bearerChallenge = true;
      co_return verdict;
    }
    if (token.provider) {
      for (const auto& mapping : token.provider->claimToHeaders) {
        const auto* value = jose::claimAt(token.claims, mapping.claim);
        if (!value) continue;
        auto text = headerValueOf(*value);
        if (text && safeHeaderValue(*text)) verdict.headers.emplace_back(mapping.header, *text);
      }
      if (verdict.clientId.empty()) {
        const auto sub = core::stringField(&token.claims, "sub");
        if (safeHeaderValue(sub)) verdict.clientId = std::string(sub.substr(0, 256));
      }
    }
  }

  if (policy->authorization) {
    // Headers the authentication set are what the rules see (Envoy runs RBAC after it).
    RequestFacts facts = request;
    facts.header = [&](std::string_view name) -> std::string_view {
      for (const auto& [header, value] : verdict.headers)
        if (header == name) return value;
      return request.header(name);
    };
    const VerifiedToken verified{token.provider ? std::string_view(token.provider->name) : "",
                                 token.provider ? &token.claims : nullptr};
    const auto result = authorize(*policy->authorization, facts, verified);
    if (!result.allowed) {
      std::string message = "access denied by SecurityPolicy " + policy->name;
      if (result.rule && !result.rule->name.empty()) message += " (rule " + result.rule->name + ")";
      verdict.error = Error::make(ErrorKind::Forbidden, std::move(message));
    }
  }
  co_return verdict;
}

}  // namespace switchyard::clientauth
