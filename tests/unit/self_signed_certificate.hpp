#pragma once
// Unit tests' TLS server certificates: a self-signed P-256 certificate made in memory, valid from
// an hour ago for a day, with common name `cn` and, when given, subjectAltName `san` in OpenSSL's
// config syntax ("DNS:a.test,IP:127.0.0.1").

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstddef>
#include <string>

namespace switchyard::testing {

struct SelfSignedCertificate {
  std::string certPem;
  std::string keyPem;  // PKCS#8
};

inline SelfSignedCertificate makeSelfSignedCertificate(const std::string& cn,
                                                       const std::string& san = "") {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  if (!san.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  const auto pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return out;
  };
  SelfSignedCertificate out{pem([&](BIO* b) { PEM_write_bio_X509(b, cert); }), pem([&](BIO* b) {
                              PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr,
                                                       nullptr);
                            })};
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace switchyard::testing
