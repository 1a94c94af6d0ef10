#include "auth/service_account_token_source.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include <random>

#include "net/dns_cache.hpp"
#include "net/upstream_client.hpp"

namespace switchyard::auth {
namespace {

core::Error credentialError(std::string message) {
  return core::Error::make(core::ErrorKind::CredentialUnavailable, std::move(message));
}

// Transport failures worth another attempt; a TLS failure (bad certificate) is not.
bool isRetryableTransport(core::ErrorKind kind) {
  return kind == core::ErrorKind::UpstreamDns || kind == core::ErrorKind::UpstreamConnect ||
         kind == core::ErrorKind::UpstreamReset || kind == core::ErrorKind::UpstreamTimeout;
}

std::chrono::milliseconds jittered(std::chrono::milliseconds delay) {
  thread_local std::minstd_rand random(std::random_device{}());
  std::uniform_real_distribution<double> factor(0.9, 1.1);
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay.count() * factor(random)));
}

// Syntax by Boost.URL; the policy (https, or http to loopback) is makeTokenEndpoint's, tested
// there. Kept in this file because it is the only one that needs libboost_url at link time.
core::Result<TokenEndpoint> parseTokenUri(std::string_view uri) {
  const auto parsed = boost::urls::parse_absolute_uri(uri);
  if (!parsed) return credentialError("token_uri is not an absolute URL");
  const auto& url = *parsed;
  std::string host;
  if (url.host_type() == boost::urls::host_type::ipv6) {
    host = url.host_ipv6_address().to_string();
  } else {
    host = url.host_address();
  }
  std::optional<std::uint16_t> port;
  if (url.has_port()) {
    if (url.port_number() == 0) return credentialError("token_uri has an invalid port");
    port = url.port_number();
  }
  std::string target(url.encoded_path());
  if (url.has_query()) {
    target += '?';
    target += url.encoded_query();
  }
  return makeTokenEndpoint(uri, url.scheme(), host, port, target);
}

}  // namespace

core::Result<std::shared_ptr<ServiceAccountTokenSource>> ServiceAccountTokenSource::create(
    ServiceAccountKey key, boost::asio::any_io_executor executor,
    std::shared_ptr<net::DnsCache> dns, const core::Clock& clock,
    ServiceAccountTokenSourceOptions options) {
  auto endpoint = parseTokenUri(key.tokenUri);
  if (!endpoint) {
    return credentialError("GCP service account " + key.clientEmail + ": " +
                           endpoint.error().message);
  }
  if (!key.privateKey) {
    return credentialError("GCP service account " + key.clientEmail + ": no private key");
  }
  return std::make_shared<ServiceAccountTokenSource>(std::move(key), std::move(*endpoint),
                                                     std::move(executor), std::move(dns), clock,
                                                     std::move(options));
}

ServiceAccountTokenSource::ServiceAccountTokenSource(ServiceAccountKey key, TokenEndpoint endpoint,
                                                     boost::asio::any_io_executor executor,
                                                     std::shared_ptr<net::DnsCache> dns,
                                                     const core::Clock& clock,
                                                     ServiceAccountTokenSourceOptions options)
    : key_(std::move(key)),
      endpoint_(std::move(endpoint)),
      executor_(std::move(executor)),
      dns_(dns ? std::move(dns) : std::make_shared<net::DnsCache>()),
      clock_(clock),
      options_(std::move(options)) {}

ServiceAccountTokenSource::~ServiceAccountTokenSource() {
  // The client belongs to the auth thread; let it be destroyed there.
  if (client_) boost::asio::post(executor_, [client = std::move(client_)] {});
}

std::string ServiceAccountTokenSource::describe() const {
  std::string name = "GCP service account " + key_.clientEmail;
  if (!options_.owner.empty()) name += " (" + options_.owner + ")";
  return name;
}

boost::asio::awaitable<core::Result<AccessToken>> ServiceAccountTokenSource::fetch() {
  if (!client_) client_ = std::make_shared<net::UpstreamClient>(executor_, dns_);
  net::UpstreamTarget target;
  target.host = endpoint_.host;
  target.port = endpoint_.port;
  if (endpoint_.tls) target.tls = net::TlsSettings{endpoint_.host, ""};

  const int attempts = std::max(1, options_.maxAttempts);
  auto delay = options_.backoffBase;
  core::Error last = credentialError("token endpoint " + endpoint_.uri + " was not called");
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, jittered(delay));
      co_await timer.async_wait(boost::asio::use_awaitable);
      delay *= 2;
    }
    auto assertion = makeJwtBearerAssertion(key_, options_.scope, clock_.nowSeconds());
    if (!assertion) co_return credentialError(assertion.error().message);
    const auto request = makeJwtBearerRequest(endpoint_, *assertion);

    auto response = co_await client_->send(target, request, options_.attemptTimeout);
    if (!response) {
      last = credentialError("token endpoint " + endpoint_.uri + ": " + response.error().message);
      if (isRetryableTransport(response.error().kind)) continue;
      co_return last;
    }
    auto outcome = readTokenResponse(*response, clock_.now(), endpoint_.uri);
    if (outcome.token) co_return std::move(outcome.token);
    last = outcome.token.error();
    if (!outcome.retryable) co_return last;
  }
  last.message += " (after " + std::to_string(attempts) + " attempts)";
  co_return last;
}

}  // namespace switchyard::auth
