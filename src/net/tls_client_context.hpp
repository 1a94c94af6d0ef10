#pragma once
// TLS client side: one ssl::context per trust configuration (per thread), and per-connection SNI
// and certificate name checks. Verification is always on; there is deliberately no way to turn it
// off.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/system/error_code.hpp>

#include "core/result.hpp"

namespace boost::asio::ssl {
class context;
}
struct ssl_st;

namespace switchyard::net {

class TlsContextCache {
 public:
  TlsContextCache();
  ~TlsContextCache();

  // TLS 1.2+, verify_peer, trusting `caPem` (a PEM bundle) or, when empty, OpenSSL's default store
  // (which honours SSL_CERT_FILE / SSL_CERT_DIR at the time the context is first built).
  // Errors: UpstreamTls when the bundle cannot be read.
  core::Result<std::shared_ptr<boost::asio::ssl::context>> contextFor(std::string_view caPem);

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::shared_ptr<boost::asio::ssl::context>, StringHash,
                     std::equal_to<>>
      contexts_;
};

// Sets SNI (for DNS names; RFC 6066 forbids IP literals there) and the name or IP address the
// peer certificate must match. Returns false if OpenSSL refused the name.
bool configureServerIdentity(ssl_st* ssl, const std::string& serverName);

// Offers h2 and http/1.1 by ALPN, h2 first. Returns false if OpenSSL refused the list.
bool offerHttp2(ssl_st* ssl);

// After the handshake: whether the server chose h2 (no ALPN answer means HTTP/1.1).
bool choseHttp2(ssl_st* ssl);

// Why a handshake failed, in OpenSSL's words, e.g. "certificate verify failed (SSL routines):
// unable to get local issuer certificate".
std::string tlsFailureReason(ssl_st* ssl, const boost::system::error_code& ec);

}  // namespace switchyard::net
