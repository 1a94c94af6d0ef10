#pragma once
// A GCP service-account key file (docs/spec/wire.md §3.1), with its private key loaded once into
// OpenSSL. The key material is never printed: not in errors, not in describe strings, not in logs.

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace switchyard::auth {

inline constexpr std::string_view kGoogleTokenUri = "https://oauth2.googleapis.com/token";
inline constexpr std::string_view kDefaultUniverseDomain = "googleapis.com";

struct ServiceAccountKey {
  std::string projectId;                 // may be empty; the default {PROJECT} of Vertex URLs
  std::string privateKeyId;              // JWT `kid`; empty = no kid is sent
  std::string clientEmail;               // JWT `iss`
  std::string tokenUri;                  // where the assertion is POSTed, and its `aud`
  std::string universeDomain;            // "googleapis.com" when the file has none
  std::shared_ptr<EVP_PKEY> privateKey;  // RSA; immutable once loaded, safe to share across threads
};

// Parses a key file's JSON. Required: client_email, private_key (PEM, PKCS#8 "PRIVATE KEY" or
// PKCS#1 "RSA PRIVATE KEY", RSA), token_uri; `type`, when present, must be "service_account".
// Errors are CredentialUnavailable and name the field, never its value.
core::Result<ServiceAccountKey> parseServiceAccountKey(std::string_view json);

// Loads an RSA private key from PEM (PKCS#8 or PKCS#1, unencrypted). Null on any failure; the
// OpenSSL error queue is left empty so nothing about the key leaks into later diagnostics.
std::shared_ptr<EVP_PKEY> loadRsaPrivateKeyPem(std::string_view pem);

}  // namespace switchyard::auth
