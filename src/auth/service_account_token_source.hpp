#pragma once
// TokenSource for a GCP service account: the OAuth 2.0 JWT-bearer grant (docs/spec/wire.md §3.2)
// against the key's token_uri, which is also the assertion's `aud`. This is the only auth file that
// talks to the network (through net::UpstreamClient, verified against the default trust store).

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "auth/access_token.hpp"
#include "auth/jwt.hpp"
#include "auth/service_account_key.hpp"
#include "auth/token_endpoint.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace switchyard::net {
class DnsCache;
class UpstreamClient;
}  // namespace switchyard::net

namespace switchyard::auth {

struct ServiceAccountTokenSourceOptions {
  std::string scope{kCloudPlatformScope};
  std::string owner;  // who uses the credential, for messages: e.g. "policy default/x"
  std::chrono::milliseconds attemptTimeout{10'000};  // one token request, connect included
  int maxAttempts = 3;  // on 408, 429, 5xx, retryable error codes, and transport failures
  std::chrono::milliseconds backoffBase{500};  // doubled per attempt, ±10 % jitter
};

class ServiceAccountTokenSource final : public TokenSource {
 public:
  // Fails (CredentialUnavailable) when token_uri is not an absolute URL, or is http to a
  // non-loopback host. fetch() must run on `executor` (the auth thread), which also owns the
  // connections to the token endpoint. `dns` may be null (one is made); `clock` gives iat.
  static core::Result<std::shared_ptr<ServiceAccountTokenSource>> create(
      ServiceAccountKey key, boost::asio::any_io_executor executor,
      std::shared_ptr<net::DnsCache> dns, const core::Clock& clock,
      ServiceAccountTokenSourceOptions options = {});

  ServiceAccountTokenSource(ServiceAccountKey key, TokenEndpoint endpoint,
                            boost::asio::any_io_executor executor,
                            std::shared_ptr<net::DnsCache> dns, const core::Clock& clock,
                            ServiceAccountTokenSourceOptions options);
  ~ServiceAccountTokenSource() override;  // hands the connections back to `executor` to close

  boost::asio::awaitable<core::Result<AccessToken>> fetch() override;

  // "GCP service account <client_email> (<owner>)".
  std::string describe() const override;

  const ServiceAccountKey& key() const { return key_; }

 private:
  ServiceAccountKey key_;
  TokenEndpoint endpoint_;
  boost::asio::any_io_executor executor_;
  std::shared_ptr<net::DnsCache> dns_;
  const core::Clock& clock_;
  ServiceAccountTokenSourceOptions options_;
  std::shared_ptr<net::UpstreamClient> client_;  // made on first fetch, on the auth thread
};

}  // namespace switchyard::auth
