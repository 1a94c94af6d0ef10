#include "emulator/pki.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

namespace switchyard::emulator {
namespace {

std::unique_ptr<X509, decltype(&X509_free)> parse(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())),
                                                BIO_free);
  return {PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free};
}

TEST(PkiTest, RsaKeyIsPkcs8WithPublicKey) {
  auto key = generateRsaKey();
  EXPECT_EQ(key.privateKeyPem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  EXPECT_EQ(key.publicKeyPem.rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
}

TEST(PkiTest, ServerCertificateChainsToCaAndCarriesNames) {
  auto ca = makeCertificateAuthority("Test CA");
  auto leaf = makeServerCertificate(ca, "svc", {"svc.test", "*.svc.test"}, {"127.0.0.1", "::1"});
  auto caCert = parse(ca.certPem);
  auto leafCert = parse(leaf.certPem);
  ASSERT_TRUE(caCert && leafCert);
  EXPECT_EQ(X509_check_ca(caCert.get()), 1);
  EXPECT_EQ(X509_check_ca(leafCert.get()), 0);

  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), caCert.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leafCert.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  EXPECT_EQ(X509_verify_cert(ctx.get()), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));

  EXPECT_EQ(X509_check_host(leafCert.get(), "svc.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(leafCert.get(), "a.svc.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(leafCert.get(), "other.test", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(leafCert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leafCert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leafCert.get(), "10.0.0.1", 0), 0);
}

TEST(PkiTest, OtherCaDoesNotVerify) {
  auto ca = makeCertificateAuthority("Test CA");
  auto other = makeCertificateAuthority("Other CA");
  auto leaf = makeServerCertificate(ca, "svc", {"svc.test"}, {});
  auto otherCert = parse(other.certPem);
  auto leafCert = parse(leaf.certPem);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), otherCert.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leafCert.get(), nullptr);
  EXPECT_NE(X509_verify_cert(ctx.get()), 1);
}

TEST(PkiTest, BadCaInputThrows) {
  EXPECT_THROW(makeServerCertificate(PemCertificate{"junk", "junk"}, "x", {"x"}, {}),
               std::runtime_error);
  auto ca = makeCertificateAuthority("Test CA");
  EXPECT_THROW(makeServerCertificate(ca, "x", {"a,DNS:evil"}, {}), std::runtime_error);
}

}  // namespace
}  // namespace switchyard::emulator
