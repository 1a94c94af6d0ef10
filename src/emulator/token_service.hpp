#pragma once
// The OAuth 2.0 token endpoint of the emulator: the JWT-bearer grant (RFC 7523) as Google runs it
// for service accounts (docs/spec/wire.md §3.2), and the access tokens it has handed out.

#include <boost/system/result.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace switchyard::emulator {

struct ServiceAccountKey {
  std::string projectId;
  std::string clientEmail;
  std::string privateKeyId;
  std::string privateKeyPem;
};

// Reads a key file's JSON (client_email and private_key required). The error says which field.
boost::system::result<ServiceAccountKey, std::string> parseServiceAccountKey(std::string_view json);

// The key file Google's IAM would hand out for `key`, with `token_uri` set.
std::string renderServiceAccountKey(const ServiceAccountKey& key, std::string_view tokenUri);

struct TokenGrant {
  std::string accessToken;
  long long expiresIn = 0;   // seconds
  std::string body() const;  // {"access_token","expires_in","token_type":"Bearer"}
};

// An RFC 6749 §5.2 error: {"error": ..., "error_description": ...}.
struct TokenError {
  unsigned status = 400;
  std::string error;
  std::string description;
  std::string body() const;
};

class TokenService {
 public:
  static constexpr std::string_view kCloudPlatformScope =
      "https://www.googleapis.com/auth/cloud-platform";
  static constexpr std::string_view kGoogleTokenUrl = "https://oauth2.googleapis.com/token";
  static constexpr long long kMaxAssertionLifetime = 3600;
  static constexpr long long kAllowedSkew = 300;

  TokenService(const core::Clock& clock, std::chrono::seconds tokenLifetime);
  ~TokenService();

  // Start-up: keys whose assertions are honoured (throws on an unreadable private key) and the
  // audiences accepted besides Google's own token URL.
  void acceptKey(const ServiceAccountKey& key);
  void addAudience(std::string audience);

  // POST /token. `requestAudience` is the token URL as the client addressed it
  // ("https://<Host>/token"), also accepted as `aud`.
  boost::system::result<TokenGrant, TokenError> exchange(std::string_view contentType,
                                                         std::string_view body,
                                                         std::string_view requestAudience = {});

  // Checks a signed assertion's header, signature and claims.
  boost::system::result<void, TokenError> verifyAssertion(
      std::string_view jwt, std::string_view requestAudience = {}) const;

  // A token this service issued that has not expired.
  bool isValid(std::string_view accessToken) const;

 private:
  struct Account;

  const core::Clock& clock_;
  std::chrono::seconds lifetime_;
  std::vector<std::unique_ptr<Account>> accounts_;
  std::vector<std::string> audiences_;
  mutable std::mutex mutex_;
  std::map<std::string, std::chrono::system_clock::time_point, std::less<>> tokens_;
};

}  // namespace switchyard::emulator
