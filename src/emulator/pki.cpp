#include "emulator/pki.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace switchyard::emulator {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

constexpr long kHour = 60L * 60;
constexpr long kDay = 24 * kHour;

[[noreturn]] void fail(const std::string& what) {
  std::string message = "pki: " + what;
  if (unsigned long err = ERR_get_error(); err != 0) {
    char reason[256];
    ERR_error_string_n(err, reason, sizeof reason);
    message += ": ";
    message += reason;
  }
  ERR_clear_error();
  throw std::runtime_error(message);
}

template <class T>
T* check(T* p, const char* what) {
  if (!p) fail(what);
  return p;
}

void check(int ok, const char* what) {
  if (ok <= 0) fail(what);
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

KeyPtr newRsaKey(int bits) {
  return KeyPtr(check(EVP_RSA_gen(static_cast<unsigned>(bits)), "generate RSA key"));
}

std::string privateKeyPem(EVP_PKEY* key) {
  BioPtr bio(check(BIO_new(BIO_s_mem()), "BIO_new"));
  // PEM_write_bio_PrivateKey writes PKCS#8 for every key type.
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "write private key");
  return drain(bio.get());
}

KeyPtr readPrivateKey(const std::string& pem) {
  BioPtr bio(check(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), "BIO_new_mem_buf"));
  return KeyPtr(
      check(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), "read CA key"));
}

CertPtr readCertificate(const std::string& pem) {
  BioPtr bio(check(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), "BIO_new_mem_buf"));
  return CertPtr(
      check(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), "read CA certificate"));
}

std::string certificatePem(X509* cert) {
  BioPtr bio(check(BIO_new(BIO_s_mem()), "BIO_new"));
  check(PEM_write_bio_X509(bio.get(), cert), "write certificate");
  return drain(bio.get());
}

// A certificate with version 3, a random positive 127-bit serial, the validity window and the key.
CertPtr newCertificate(EVP_PKEY* key, const std::string& commonName, long validSeconds) {
  CertPtr cert(check(X509_new(), "X509_new"));
  check(X509_set_version(cert.get(), X509_VERSION_3), "set version");

  std::unique_ptr<BIGNUM, Free> serial(check(BN_new(), "BN_new"));
  check(BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "random serial");
  check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr ? 1 : 0,
        "set serial");

  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kHour) != nullptr ? 1 : 0, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), validSeconds) != nullptr ? 1 : 0,
        "notAfter");
  check(X509_set_pubkey(cert.get(), key), "set public key");

  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(commonName.c_str()), -1,
                                   -1, 0),
        "set common name");
  return cert;
}

// Adds one extension in openssl.cnf syntax; `issuer` is needed for authorityKeyIdentifier.
void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) fail("extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
  check(X509_add_ext(cert, ext.get(), -1), "add extension");
}

}  // namespace

PemKeyPair generateRsaKey(int bits) {
  KeyPtr key = newRsaKey(bits);
  PemKeyPair pair;
  pair.privateKeyPem = privateKeyPem(key.get());
  BioPtr bio(check(BIO_new(BIO_s_mem()), "BIO_new"));
  check(PEM_write_bio_PUBKEY(bio.get(), key.get()), "write public key");
  pair.publicKeyPem = drain(bio.get());
  return pair;
}

PemCertificate makeCertificateAuthority(const std::string& commonName) {
  KeyPtr key = newRsaKey(2048);
  CertPtr cert = newCertificate(key.get(), commonName, 3650 * kDay);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())), "set issuer");
  addExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  addExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  addExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  addExtension(cert.get(), cert.get(), NID_authority_key_identifier, "keyid:always");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("sign CA certificate");
  return {certificatePem(cert.get()), privateKeyPem(key.get())};
}

PemCertificate makeServerCertificate(const PemCertificate& ca, const std::string& commonName,
                                     const std::vector<std::string>& dnsNames,
                                     const std::vector<std::string>& ipAddresses) {
  CertPtr caCert = readCertificate(ca.certPem);
  KeyPtr caKey = readPrivateKey(ca.keyPem);

  KeyPtr key = newRsaKey(2048);
  CertPtr cert = newCertificate(key.get(), commonName, 365 * kDay);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(caCert.get())), "set issuer");
  addExtension(cert.get(), caCert.get(), NID_basic_constraints, "critical,CA:FALSE");
  addExtension(cert.get(), caCert.get(), NID_key_usage,
               "critical,digitalSignature,keyEncipherment");
  addExtension(cert.get(), caCert.get(), NID_ext_key_usage, "serverAuth");
  addExtension(cert.get(), caCert.get(), NID_subject_key_identifier, "hash");
  addExtension(cert.get(), caCert.get(), NID_authority_key_identifier, "keyid:always");

  std::string altNames;
  for (const auto& name : dnsNames)
    if (name.find(',') != std::string::npos) fail("comma in DNS name " + name);
  for (const auto& ip : ipAddresses)
    if (ip.find(',') != std::string::npos) fail("comma in IP address " + ip);
  for (const auto& dns : dnsNames) altNames += (altNames.empty() ? "DNS:" : ",DNS:") + dns;
  for (const auto& ip : ipAddresses) altNames += (altNames.empty() ? "IP:" : ",IP:") + ip;
  if (!altNames.empty()) addExtension(cert.get(), caCert.get(), NID_subject_alt_name, altNames);

  if (X509_sign(cert.get(), caKey.get(), EVP_sha256()) == 0) fail("sign server certificate");
  return {certificatePem(cert.get()), privateKeyPem(key.get())};
}

}  // namespace switchyard::emulator
