#pragma once
// A throwaway PKI for the emulator, the demo and tests: an RSA key, a self-signed CA and server
// certificates it signs (subjectAltName DNS + IP). Start-up code: failures throw
// std::runtime_error.

#include <string>
#include <vector>

namespace switchyard::emulator {

struct PemKeyPair {
  std::string privateKeyPem;  // PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted
  std::string publicKeyPem;   // SubjectPublicKeyInfo ("BEGIN PUBLIC KEY")
};

// A fresh RSA key, e.g. for a service account's private_key.
PemKeyPair generateRsaKey(int bits = 2048);

struct PemCertificate {
  std::string certPem;
  std::string keyPem;  // PKCS#8
};

// Self-signed CA (basicConstraints CA:TRUE, keyUsage keyCertSign + cRLSign), valid from an hour ago
// for ten years.
PemCertificate makeCertificateAuthority(const std::string& commonName);

// Leaf certificate for TLS servers signed by `ca`: subjectAltName lists every DNS name and IP
// address given (IPv4 or IPv6 literals), extendedKeyUsage serverAuth. Valid from an hour ago for a
// year.
PemCertificate makeServerCertificate(const PemCertificate& ca, const std::string& commonName,
                                     const std::vector<std::string>& dnsNames,
                                     const std::vector<std::string>& ipAddresses);

}  // namespace switchyard::emulator
