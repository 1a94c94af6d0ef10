#include "auth/api_key_signer.hpp"

namespace switchyard::auth {

ApiKeySigner::ApiKeySigner(std::string apiKey, std::string credentialName, ApiKeyHeader header)
    : headerValue_(header.prefix + apiKey),
      credentialName_(std::move(credentialName)),
      header_(std::move(header)),
      empty_(apiKey.empty()) {}

boost::asio::awaitable<core::Result<void>> ApiKeySigner::sign(core::OutboundRequest& request,
                                                              std::string_view) {
  if (empty_) {
    co_return core::Error::make(core::ErrorKind::CredentialUnavailable,
                                credentialName_ + " is empty");
  }
  core::setHeader(request.headers, header_.name, headerValue_);
  co_return core::Result<void>{};
}

bool ApiKeySigner::signFromCache(core::OutboundRequest& request, std::string_view) {
  if (empty_) return false;  // sign() names the missing key
  core::setHeader(request.headers, header_.name, headerValue_);
  return true;
}

}  // namespace switchyard::auth
