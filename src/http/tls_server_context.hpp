#pragma once
// The listener's TLS: a server context from PEM certificate chains and keys, with the protocol
// versions, TLS 1.2 ciphers and ALPN protocols a ClientTrafficPolicy may set. Built (and so
// checked) when the configuration loads; the server only picks it per connection. With several
// certificates, each handshake picks one by the host name the client sends (SNI), reading a table
// built at load: no lock, no allocation.

#include <cstddef>
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

struct ServerCertificate {
  std::string chainPem;  // leaf first, then intermediates
  std::string keyPem;    // secret: never put in a message
};

struct ServerTlsSettings {
  // The certificate served is the first whose names (certificateNames() below) match the client's
  // SNI exactly, else the first with a wildcard name matching it
  // (*.example.com covers a.example.com, not a.b.example.com nor example.com); the first
  // certificate when the client sends no SNI or one no certificate covers.
  std::vector<ServerCertificate> certificates;
  TlsVersion minVersion = TlsVersion::Auto;  // Auto: TLS 1.2
  TlsVersion maxVersion = TlsVersion::Auto;  // Auto: TLS 1.3
  std::vector<std::string> ciphers;          // TLS 1.0-1.2 suites (OpenSSL names); empty = default
  AlpnSet alpn = kDefaultAlpn;
};

// Errors (a message safe to print): no certificate, a chain or key that is not PEM, a key that
// does not match the certificate, versions the wrong way round, no usable cipher. An error about
// one certificate sets `badCertificate` (when given) to its index in settings.certificates.
// The context returned keeps the other certificates' contexts alive with it.
core::Result<std::shared_ptr<boost::asio::ssl::context>> makeServerTlsContext(
    const ServerTlsSettings& settings, std::size_t* badCertificate = nullptr);

// The names a certificate chain's leaf serves, lower case: its subjectAltName DNS names, or the
// subject's common name when it has no subjectAltName; empty when the PEM has no certificate.
std::vector<std::string> certificateNames(const std::string& chainPem);

// Makes `context` answer ALPN with the first of `protocols` (in AlpnProtocol order) the client
// offers; a client that offers none of them gets no ALPN answer.
void selectAlpnFrom(boost::asio::ssl::context& context, AlpnSet protocols);

}  // namespace switchyard::http
