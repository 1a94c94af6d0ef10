#include "emulator/token_service.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <stdexcept>

#include "emulator/base64.hpp"
#include "emulator/random.hpp"

namespace switchyard::emulator {

namespace json = boost::json;

namespace {

constexpr std::string_view kJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr std::string_view kBadSignature = "Invalid JWT Signature.";
constexpr std::string_view kBadTimes =
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check "
    "your iat and exp values in the JWT claim.";

TokenError grantError(std::string_view description) {
  return TokenError{400, "invalid_grant", std::string(description)};
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::optional<json::object> decodeJsonSegment(std::string_view segment) {
  auto bytes = base64Decode(segment);
  if (!bytes) return std::nullopt;
  boost::system::error_code ec;
  auto value = json::parse(*bytes, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

std::optional<long long> integerClaim(const json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<long long>(v->as_uint64());
  if (v->is_double()) return static_cast<long long>(v->as_double());
  return std::nullopt;
}

bool hasScope(std::string_view scopes, std::string_view wanted) {
  std::size_t i = 0;
  while (i < scopes.size()) {
    const std::size_t end = std::min(scopes.find(' ', i), scopes.size());
    if (scopes.substr(i, end - i) == wanted) return true;
    i = end + 1;
  }
  return false;
}

}  // namespace

struct TokenService::Account {
  ServiceAccountKey key;
  std::unique_ptr<EVP_PKEY, PkeyDeleter> publicKey;
};

boost::system::result<ServiceAccountKey, std::string> parseServiceAccountKey(
    std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec || !value.is_object())
    return {boost::system::in_place_error, "service-account key is not a JSON object"};
  const auto& object = value.as_object();
  auto get = [&](std::string_view name) -> std::string {
    const auto* v = object.if_contains(name);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  ServiceAccountKey key{get("project_id"), get("client_email"), get("private_key_id"),
                        get("private_key")};
  if (key.clientEmail.empty())
    return {boost::system::in_place_error, "service-account key has no client_email"};
  if (key.privateKeyPem.empty())
    return {boost::system::in_place_error, "service-account key has no private_key"};
  return key;
}

std::string renderServiceAccountKey(const ServiceAccountKey& key, std::string_view tokenUri) {
  json::object object;
  object["type"] = "service_account";
  object["project_id"] = key.projectId;
  object["private_key_id"] = key.privateKeyId;
  object["private_key"] = key.privateKeyPem;
  object["client_email"] = key.clientEmail;
  object["client_id"] = "100000000000000000001";
  object["auth_uri"] = "https://accounts.google.com/o/oauth2/auth";
  object["token_uri"] = tokenUri;
  object["auth_provider_x509_cert_url"] = "https://www.googleapis.com/oauth2/v1/certs";
  object["client_x509_cert_url"] =
      "https://www.googleapis.com/robot/v1/metadata/x509/" + key.clientEmail;
  object["universe_domain"] = "googleapis.com";
  return json::serialize(object);
}

std::string TokenGrant::body() const {
  return json::serialize(json::object{
      {"access_token", accessToken}, {"expires_in", expiresIn}, {"token_type", "Bearer"}});
}

std::string TokenError::body() const {
  return json::serialize(json::object{{"error", error}, {"error_description", description}});
}

TokenService::TokenService(const core::Clock& clock, std::chrono::seconds tokenLifetime)
    : clock_(clock), lifetime_(tokenLifetime) {
  audiences_.emplace_back(kGoogleTokenUrl);
}

TokenService::~TokenService() = default;

void TokenService::acceptKey(const ServiceAccountKey& key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key.privateKeyPem.data(), static_cast<int>(key.privateKeyPem.size())),
      &BIO_free);
  if (!bio) throw std::runtime_error("out of memory reading a service-account key");
  std::unique_ptr<EVP_PKEY, PkeyDeleter> pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey || !EVP_PKEY_is_a(pkey.get(), "RSA")) {
    throw std::runtime_error("service-account key for " + key.clientEmail +
                             " is not an RSA private key in PEM");
  }
  auto account = std::make_unique<Account>();
  account->key = key;
  account->publicKey = std::move(pkey);  // verification needs only the public half
  accounts_.push_back(std::move(account));
}

void TokenService::addAudience(std::string audience) { audiences_.push_back(std::move(audience)); }

boost::system::result<void, TokenError> TokenService::verifyAssertion(
    std::string_view jwt, std::string_view requestAudience) const {
  const auto firstDot = jwt.find('.');
  const auto secondDot =
      firstDot == std::string_view::npos ? firstDot : jwt.find('.', firstDot + 1);
  if (secondDot == std::string_view::npos ||
      jwt.find('.', secondDot + 1) != std::string_view::npos) {
    return grantError("Invalid JWT: the assertion is not a signed JWT (header.claims.signature).");
  }
  const auto header = decodeJsonSegment(jwt.substr(0, firstDot));
  const auto claims = decodeJsonSegment(jwt.substr(firstDot + 1, secondDot - firstDot - 1));
  const auto signature = base64Decode(jwt.substr(secondDot + 1));
  if (!header || !claims || !signature) {
    return grantError("Invalid JWT: the header or claims are not base64url-encoded JSON objects.");
  }

  const auto* alg = header->if_contains("alg");
  if (!alg || !alg->is_string() || alg->as_string() != "RS256") return grantError(kBadSignature);

  const auto* iss = claims->if_contains("iss");
  const std::string_view issuer = iss && iss->is_string() ? std::string_view(iss->as_string()) : "";
  const auto account = std::find_if(accounts_.begin(), accounts_.end(),
                                    [&](const auto& a) { return a->key.clientEmail == issuer; });
  if (account == accounts_.end()) return grantError("Invalid grant: account not found");
  if (const auto* kid = header->if_contains("kid")) {
    if (!kid->is_string() || kid->as_string() != (*account)->key.privateKeyId)
      return grantError(kBadSignature);
  }

  const std::string_view signingInput = jwt.substr(0, secondDot);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const bool verified =
      ctx &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                           (*account)->publicKey.get()) == 1 &&
      EVP_DigestVerify(
          ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
          reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size()) == 1;
  if (!verified) return grantError(kBadSignature);

  const auto* aud = claims->if_contains("aud");
  const std::string_view audience =
      aud && aud->is_string() ? std::string_view(aud->as_string()) : "";
  const bool audienceOk =
      (!requestAudience.empty() && audience == requestAudience) ||
      std::find(audiences_.begin(), audiences_.end(), audience) != audiences_.end();
  if (!audienceOk) {
    return grantError("Invalid JWT: Failed audience check. The right audience is " +
                      (audiences_.size() > 1 ? audiences_[1] : audiences_[0]));
  }

  const auto iat = integerClaim(*claims, "iat");
  const auto exp = integerClaim(*claims, "exp");
  const long long now = clock_.nowSeconds();
  if (!iat || !exp || *exp <= *iat || *exp - *iat > kMaxAssertionLifetime ||
      *iat > now + kAllowedSkew || *iat < now - kAllowedSkew || *exp < now - kAllowedSkew) {
    return grantError(kBadTimes);
  }

  const auto* scope = claims->if_contains("scope");
  if (!scope || !scope->is_string() || !hasScope(scope->as_string(), kCloudPlatformScope)) {
    return TokenError{400, "invalid_scope", "Invalid OAuth scope or ID token audience provided."};
  }
  return {};
}

boost::system::result<TokenGrant, TokenError> TokenService::exchange(
    std::string_view contentType, std::string_view body, std::string_view requestAudience) {
  if (!contentType.starts_with("application/x-www-form-urlencoded")) {
    return TokenError{400, "invalid_request",
                      "Invalid request: expected application/x-www-form-urlencoded."};
  }
  auto params = boost::urls::parse_query(body);
  if (!params) return TokenError{400, "invalid_request", "Invalid request: malformed form body."};
  boost::urls::encoding_opts form;
  form.space_as_plus = true;
  std::string grantType, assertion;
  bool hasGrantType = false, hasAssertion = false;
  for (const auto& param : *params) {
    const std::string key = param.key.decode(form);
    if (key == "grant_type") {
      grantType = param.value.decode(form);
      hasGrantType = true;
    } else if (key == "assertion") {
      assertion = param.value.decode(form);
      hasAssertion = true;
    }
  }
  if (!hasGrantType)
    return TokenError{400, "invalid_request", "Missing required parameter: grant_type"};
  if (grantType != kJwtBearer)
    return TokenError{400, "unsupported_grant_type", "Invalid grant_type: " + grantType};
  if (!hasAssertion)
    return TokenError{400, "invalid_request", "Missing required parameter: assertion"};
  if (auto verified = verifyAssertion(assertion, requestAudience); !verified)
    return verified.error();

  TokenGrant grant{"ya29.emu-" + randomBase64Url(32), lifetime_.count()};
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  std::erase_if(tokens_, [&](const auto& entry) { return entry.second <= now; });
  tokens_.emplace(grant.accessToken, now + lifetime_);
  return grant;
}

bool TokenService::isValid(std::string_view accessToken) const {
  std::lock_guard lock(mutex_);
  const auto it = tokens_.find(accessToken);
  return it != tokens_.end() && it->second > clock_.now();
}

}  // namespace switchyard::emulator
