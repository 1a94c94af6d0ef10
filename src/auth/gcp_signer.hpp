#pragma once
// Signs upstream requests with a GCP service account's OAuth token: Authorization: Bearer <token>.

#include <memory>
#include <string_view>

#include "auth/request_signer.hpp"
#include "auth/token_cache.hpp"

namespace switchyard::auth {

class GcpSigner final : public RequestSigner {
 public:
  explicit GcpSigner(std::shared_ptr<TokenCache> tokens);

  boost::asio::awaitable<core::Result<void>> sign(core::OutboundRequest& request,
                                                  std::string_view authority) override;
  bool signFromCache(core::OutboundRequest& request, std::string_view authority) override;

  // The backend answered 401 to `request` (as this signer signed it): drop that token so the next
  // sign() fetches a fresh one (docs/spec/wire.md §3.3: force one refresh, retry once).
  void onUnauthorized(const core::OutboundRequest& request) override;

  TokenCache& tokens() { return *tokens_; }

 private:
  std::shared_ptr<TokenCache> tokens_;
};

}  // namespace switchyard::auth
