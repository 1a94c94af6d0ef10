#include "net/tls_client_context.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace switchyard::net {

namespace ssl = boost::asio::ssl;

TlsContextCache::TlsContextCache() = default;
TlsContextCache::~TlsContextCache() = default;

core::Result<std::shared_ptr<ssl::context>> TlsContextCache::contextFor(std::string_view caPem) {
  if (auto it = contexts_.find(caPem); it != contexts_.end()) return it->second;

  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);

  boost::system::error_code ec;
  if (caPem.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) {
      return core::Error::make(core::ErrorKind::UpstreamTls,
                               "load default trust store: " + ec.message());
    }
  } else {
    context->add_certificate_authority(boost::asio::buffer(caPem.data(), caPem.size()), ec);
    if (ec) {
      return core::Error::make(core::ErrorKind::UpstreamTls,
                               "load CA certificates: " + ec.message());
    }
  }
  contexts_.emplace(std::string(caPem), context);
  return context;
}

bool configureServerIdentity(SSL* ssl, const std::string& serverName) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(serverName, ec);
  if (!ec) {
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName.c_str()) == 1;
  }
  if (SSL_set_tlsext_host_name(ssl, serverName.c_str()) != 1) return false;
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(ssl, serverName.c_str()) == 1;
}

bool offerHttp2(SSL* ssl) {
  static constexpr unsigned char kProtocols[] = {2,   'h', '2', 8,   'h', 't',
                                                 't', 'p', '/', '1', '.', '1'};
  return SSL_set_alpn_protos(ssl, kProtocols, sizeof kProtocols) == 0;  // 0 is success here
}

bool choseHttp2(SSL* ssl) {
  const unsigned char* chosen = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl, &chosen, &length);
  return length == 2 && chosen[0] == 'h' && chosen[1] == '2';
}

std::string tlsFailureReason(SSL* ssl, const boost::system::error_code& ec) {
  std::string reason = ec.message();
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    reason += ": ";
    reason += X509_verify_cert_error_string(verify);
  }
  return reason;
}

}  // namespace switchyard::net
