#pragma once
// HTTP/1.1 client for upstream calls: per-thread keep-alive pools, TLS exactly as BackendTLSPolicy
// says, and failures told apart (DNS, connect, TLS, reset, timeout) so the fallback can act on them.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/http_message.hpp"
#include "core/result.hpp"

namespace switchyard::net {

class DnsCache;

struct TlsSettings {
  std::string serverName;  // SNI and the name the certificate must carry
  std::string caPem;       // trusted CAs; empty = OpenSSL's default store (SSL_CERT_FILE/SSL_CERT_DIR)
};

struct UpstreamTarget {
  std::string host;  // DNS name or IP literal
  std::uint16_t port = 0;
  std::optional<TlsSettings> tls;  // none = plaintext, as in Envoy Gateway without a BackendTLSPolicy
};

// One per worker thread (not thread-safe); all pools and TLS contexts it owns are thread-local.
class UpstreamClient {
 public:
  UpstreamClient(boost::asio::any_io_executor executor, std::shared_ptr<DnsCache> dns);
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // Sends the request and reads the whole response. A reused keep-alive connection that turns out to
  // be closed is retried once on a fresh one. Errors: UpstreamDns, UpstreamConnect, UpstreamTls,
  // UpstreamReset, UpstreamTimeout (the whole exchange is bounded by `timeout`).
  boost::asio::awaitable<core::Result<core::InboundResponse>> send(const UpstreamTarget& target,
                                                                  const core::OutboundRequest& request,
                                                                  std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::net
