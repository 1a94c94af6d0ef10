// The listener's TLS context with several certificates: a handshake in memory (OpenSSL on both
// ends, through a BIO pair) shows which certificate a client asking for a name is given.

#include "http/tls_server_context.hpp"

#include <gtest/gtest.h>
#include <boost/asio/ssl/context.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <optional>
#include <string>
#include <utility>

#include "../self_signed_certificate.hpp"

namespace switchyard::http {
namespace {

// A self-signed certificate with common name `cn` and, when given, subjectAltName `san`.
ServerCertificate makeCertificate(const std::string& cn, const std::string& san = "") {
  auto made = switchyard::testing::makeSelfSignedCertificate(cn, san);
  return {std::move(made.certPem), std::move(made.keyPem)};
}

struct Handshake {
  std::string commonName;  // of the certificate the server presented
  std::string alpn;
};

// A client handshake against `server` in memory, asking for `serverName` (none: no SNI) and
// offering h2 and http/1.1.
std::optional<Handshake> handshake(boost::asio::ssl::context& server,
                                   const std::optional<std::string>& serverName) {
  SSL_CTX* clientCtx = SSL_CTX_new(TLS_client_method());
  SSL* client = SSL_new(clientCtx);
  SSL* srv = SSL_new(server.native_handle());
  BIO* clientEnd = nullptr;
  BIO* serverEnd = nullptr;
  BIO_new_bio_pair(&clientEnd, 0, &serverEnd, 0);
  SSL_set_bio(client, clientEnd, clientEnd);
  SSL_set_bio(srv, serverEnd, serverEnd);
  SSL_set_connect_state(client);
  SSL_set_accept_state(srv);
  if (serverName) SSL_set_tlsext_host_name(client, serverName->c_str());
  static const unsigned char kAlpn[] = "\x02h2\x08http/1.1";
  SSL_set_alpn_protos(client, kAlpn, sizeof kAlpn - 1);
  bool clientDone = false, serverDone = false;
  for (int round = 0; round < 20 && !(clientDone && serverDone); ++round) {
    if (!clientDone) clientDone = SSL_do_handshake(client) == 1;
    if (!serverDone) serverDone = SSL_do_handshake(srv) == 1;
  }
  std::optional<Handshake> out;
  if (clientDone && serverDone) {
    out.emplace();
    if (X509* peer = SSL_get1_peer_certificate(client)) {
      char cn[256] = {};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
      out->commonName = cn;
      X509_free(peer);
    }
    const unsigned char* protocol = nullptr;
    unsigned length = 0;
    SSL_get0_alpn_selected(client, &protocol, &length);
    if (protocol) out->alpn.assign(reinterpret_cast<const char*>(protocol), length);
  }
  SSL_free(client);
  SSL_free(srv);
  SSL_CTX_free(clientCtx);
  return out;
}

TEST(ServerTlsContextTest, SniChoosesTheCertificateExactThenWildcardElseTheFirst) {
  ServerTlsSettings settings;
  settings.certificates = {
      makeCertificate("default", "DNS:localhost"),
      makeCertificate("wildcard", "DNS:*.example.test"),
      makeCertificate("api", "DNS:api.example.test,DNS:API2.example.test"),
      makeCertificate("cn-only.test"),                      // no subjectAltName: its CN
      makeCertificate("shadowed", "DNS:api.example.test"),  // a name taken: the first keeps it
      makeCertificate("ip-only.test", "IP:127.0.0.1"),      // no DNS name: the CN is not used
  };
  auto context = makeServerTlsContext(settings);
  ASSERT_TRUE(context) << context.error().message;
  const std::pair<std::optional<std::string>, std::string> cases[] = {
      {std::nullopt, "default"},        {"localhost", "default"},
      {"api.example.test", "api"},      {"API.EXAMPLE.test", "api"},
      {"api2.example.test", "api"},     {"web.example.test", "wildcard"},
      {"a.b.example.test", "default"},  {"example.test", "default"},
      {"cn-only.test", "cn-only.test"}, {"ip-only.test", "default"},
      {"unknown.test", "default"},
  };
  for (const auto& [name, expected] : cases) {
    const auto result = handshake(**context, name);
    ASSERT_TRUE(result) << name.value_or("(no SNI)");
    EXPECT_EQ(result->commonName, expected) << name.value_or("(no SNI)");
    EXPECT_EQ(result->alpn, "h2") << name.value_or("(no SNI)");
  }
}

TEST(ServerTlsContextTest, ABadCertificateIsNamedByItsIndex) {
  ServerTlsSettings settings;
  auto first = makeCertificate("first", "DNS:a.test");
  auto second = makeCertificate("second", "DNS:b.test");
  second.keyPem = first.keyPem;
  settings.certificates = {first, second};
  std::size_t bad = 99;
  auto context = makeServerTlsContext(settings, &bad);
  ASSERT_FALSE(context);
  EXPECT_EQ(bad, 1u);
  EXPECT_NE(context.error().message.find("does not belong to the certificate"), std::string::npos);

  settings.certificates.clear();
  EXPECT_FALSE(makeServerTlsContext(settings));
}

TEST(ServerTlsContextTest, CertificateNamesAreTheDnsNamesElseTheCommonName) {
  EXPECT_EQ(certificateNames(makeCertificate("x", "DNS:A.test,IP:10.0.0.1,DNS:*.b.test").chainPem),
            (std::vector<std::string>{"a.test", "*.b.test"}));
  EXPECT_EQ(certificateNames(makeCertificate("Only.CN").chainPem),
            std::vector<std::string>{"only.cn"});
  EXPECT_TRUE(certificateNames("not pem").empty());
}

}  // namespace
}  // namespace switchyard::http
