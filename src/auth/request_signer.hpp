#pragma once
// RequestSigner: adds a backend's credentials to an upstream request. Implementations: GCP
// service-account bearer tokens, API keys. Signing never blocks a worker thread.

#include <boost/asio/awaitable.hpp>

#include "core/http_message.hpp"
#include "core/result.hpp"

namespace switchyard::auth {

class RequestSigner {
 public:
  virtual ~RequestSigner() = default;

  // Completes at once when a valid credential is cached; otherwise waits for the single fetch in
  // flight. Failure is CredentialUnavailable naming the credential, never its secret. `authority`
  // is the Host the request goes to (a signature over the host, as AWS SigV4 makes, needs it).
  virtual boost::asio::awaitable<core::Result<void>> sign(core::OutboundRequest& request,
                                                          std::string_view authority) = 0;

  // sign() without a coroutine, for when the credential is at hand (a cached token, a static key):
  // true when `request` is signed. False leaves it to sign(), which waits for a fetch or answers
  // the failure. Every request takes this path; sign() is for the first ones and the failures.
  virtual bool signFromCache(core::OutboundRequest& request, std::string_view authority) {
    return false;
  }

  // The backend answered 401 to `request` as signed here: drop that credential so the next sign()
  // fetches a fresh one (the gateway then retries the attempt once).
  virtual void onUnauthorized(const core::OutboundRequest& request) {}
};

}  // namespace switchyard::auth
