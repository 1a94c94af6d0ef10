#pragma once
// An OAuth access token and the interface of whatever obtains one (the JWT-bearer grant in
// production, fakes in tests). TokenCache decides when to call fetch().

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

#include "core/result.hpp"

namespace switchyard::auth {

struct AccessToken {
  std::string value;  // secret: never logged, never in an error message
  std::chrono::system_clock::time_point expiresAt;
};

class TokenSource {
 public:
  virtual ~TokenSource() = default;

  // Obtains a fresh token. Runs on the executor TokenCache gives it (the auth thread), one call at
  // a time. An error says what went wrong without secrets; TokenCache prefixes describe().
  virtual boost::asio::awaitable<core::Result<AccessToken>> fetch() = 0;

  // The credential, for error messages: e.g.
  // "GCP service account gw@p.iam.gserviceaccount.com (policy default/x)".
  virtual std::string describe() const = 0;
};

}  // namespace switchyard::auth
