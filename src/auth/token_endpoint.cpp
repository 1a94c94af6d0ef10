#include "auth/token_endpoint.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>

namespace switchyard::auth {
namespace {

constexpr std::size_t kMaxQuotedLength = 200;
constexpr std::int64_t kDefaultLifetimeSeconds = 3600;

core::Error credentialError(std::string message) {
  return core::Error::make(core::ErrorKind::CredentialUnavailable, std::move(message));
}

// A server-supplied text made safe to put in a message: printable ASCII only, bounded.
std::string quoted(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, kMaxQuotedLength)) {
    out += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  if (text.size() > kMaxQuotedLength) out += "...";
  return out;
}

std::string_view stringMember(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return {};
  const auto& text = value->get_string();
  return {text.data(), text.size()};
}

// expires_in as a number or a numeric string (the Python library tolerates both).
std::optional<std::int64_t> expiresIn(const boost::json::value& value) {
  if (const auto* i = value.if_int64()) return *i;
  if (const auto* u = value.if_uint64())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(*u, INT32_MAX));
  if (const auto* d = value.if_double(); d && std::isfinite(*d) && std::abs(*d) < 1e9) {
    return static_cast<std::int64_t>(*d);
  }
  if (const auto* s = value.if_string()) {
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), seconds);
    if (ec == std::errc() && end == s->data() + s->size()) return seconds;
  }
  return std::nullopt;
}

bool isRetryableStatus(unsigned status) { return status == 408 || status == 429 || status >= 500; }

bool isRetryableErrorCode(std::string_view code) {
  return code == "internal_failure" || code == "server_error" || code == "temporarily_unavailable";
}

}  // namespace

bool isLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

core::Result<TokenEndpoint> makeTokenEndpoint(std::string_view uri, std::string_view scheme,
                                              std::string_view host,
                                              std::optional<std::uint16_t> port,
                                              std::string_view target) {
  TokenEndpoint endpoint;
  endpoint.uri = uri;
  if (host.empty()) return credentialError("token_uri \"" + quoted(uri) + "\" has no host");
  if (scheme == "https") {
    endpoint.tls = true;
  } else if (scheme == "http" && isLoopbackHost(host)) {
    endpoint.tls = false;
  } else {
    return credentialError("token_uri \"" + quoted(uri) +
                           "\" must be https (plain http only to a loopback host)");
  }
  if (port && *port == 0) return credentialError("token_uri \"" + quoted(uri) + "\" has port 0");
  endpoint.host = host;
  endpoint.port = port.value_or(endpoint.tls ? 443 : 80);
  endpoint.target = target.empty() ? "/" : std::string(target);
  return endpoint;
}

core::OutboundRequest makeJwtBearerRequest(const TokenEndpoint& endpoint,
                                           std::string_view assertion) {
  core::OutboundRequest request;
  request.method = "POST";
  request.target = endpoint.target;
  request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  request.headers.push_back({"Accept", "application/json"});
  // The JWT alphabet (A-Z a-z 0-9 - _ .) needs no percent-encoding.
  request.body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";
  request.body += assertion;
  return request;
}

TokenResponse readTokenResponse(const core::InboundResponse& response,
                                std::chrono::system_clock::time_point now,
                                std::string_view endpointUri) {
  const std::string where = "token endpoint " + quoted(endpointUri);
  boost::system::error_code ec;
  const boost::json::value document = boost::json::parse(response.body, ec);
  const auto* object = ec ? nullptr : document.if_object();

  if (response.status != 200) {
    TokenResponse result{credentialError(""), isRetryableStatus(response.status)};
    std::string message = where + " answered " + std::to_string(response.status);
    if (object != nullptr) {
      const auto code = stringMember(*object, "error");
      const auto description = stringMember(*object, "error_description");
      if (!code.empty()) message += " " + quoted(code);
      if (!description.empty()) message += ": " + quoted(description);
      result.retryable =
          result.retryable || isRetryableErrorCode(code) || isRetryableErrorCode(description);
    }
    result.token = credentialError(std::move(message));
    return result;
  }

  // A 200 body holds the token: describe what is wrong with it, never quote it.
  if (object == nullptr) {
    return {credentialError(where + " answered 200 with a body that is not a JSON object"), false};
  }
  const auto value = stringMember(*object, "access_token");
  if (value.empty()) {
    return {credentialError(where + " answered 200 without an access_token"), false};
  }
  std::int64_t lifetime = kDefaultLifetimeSeconds;
  if (const auto* field = object->if_contains("expires_in")) {
    const auto seconds = expiresIn(*field);
    if (!seconds || *seconds <= 0) {
      return {credentialError(where + " answered 200 with an unusable expires_in"), false};
    }
    lifetime = *seconds;
  }
  return {AccessToken{std::string(value), now + std::chrono::seconds(lifetime)}, false};
}

}  // namespace switchyard::auth
