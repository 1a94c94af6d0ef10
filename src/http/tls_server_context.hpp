#pragma once
// The listener's TLS: a server context from a PEM certificate chain and key, with the protocol
// versions, TLS 1.2 ciphers and ALPN protocols a ClientTrafficPolicy may set. Built (and so
// checked) when the configuration loads; the server only picks it per connection.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace switchyard::http {

// What ALPN may agree on; the server prefers them in this order (h2 first).
enum AlpnProtocol : std::uint8_t { kAlpnH2 = 1, kAlpnHttp11 = 2, kAlpnHttp10 = 4 };
using AlpnSet = std::uint8_t;  // bits of AlpnProtocol; 0 = no ALPN answer (clients use HTTP/1.1)
constexpr AlpnSet kDefaultAlpn = kAlpnH2 | kAlpnHttp11;

enum class TlsVersion { Auto, V1_0, V1_1, V1_2, V1_3 };

struct ServerTlsSettings {
  std::string certificateChainPem;           // leaf first, then intermediates
  std::string privateKeyPem;                 // secret: never put in a message
  TlsVersion minVersion = TlsVersion::Auto;  // Auto: TLS 1.2
  TlsVersion maxVersion = TlsVersion::Auto;  // Auto: TLS 1.3
  std::vector<std::string> ciphers;          // TLS 1.0-1.2 suites (OpenSSL names); empty = default
  AlpnSet alpn = kDefaultAlpn;
};

// Errors (InvalidArgument, a message safe to print): a chain or key that is not PEM, a key that
// does not match the certificate, versions the wrong way round, no usable cipher.
core::Result<std::shared_ptr<boost::asio::ssl::context>> makeServerTlsContext(
    const ServerTlsSettings& settings);

// Makes `context` answer ALPN with the first of `protocols` (in AlpnProtocol order) the client
// offers; a client that offers none of them gets no ALPN answer.
void selectAlpnFrom(boost::asio::ssl::context& context, AlpnSet protocols);

}  // namespace switchyard::http
