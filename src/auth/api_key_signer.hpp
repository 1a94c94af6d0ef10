#pragma once
// Signs upstream requests with a static API key (BackendSecurityPolicy type APIKey). The header is
// configurable: `Authorization: Bearer <key>` for OpenAI-schema backends, `x-goog-api-key: <key>`
// for Vertex express mode later.

#include <string>

#include "auth/request_signer.hpp"

namespace switchyard::auth {

struct ApiKeyHeader {
  std::string name;    // header name
  std::string prefix;  // written before the key

  static ApiKeyHeader bearer() { return {"Authorization", "Bearer "}; }  // OpenAI schema
  static ApiKeyHeader googApiKey() { return {"x-goog-api-key", ""}; }    // Vertex express mode
};

class ApiKeySigner final : public RequestSigner {
 public:
  // `credentialName` names the key in errors (e.g. "API key (policy default/openai)").
  ApiKeySigner(std::string apiKey, std::string credentialName,
               ApiKeyHeader header = ApiKeyHeader::bearer());

  // Never suspends. An empty key is CredentialUnavailable naming the credential.
  boost::asio::awaitable<core::Result<void>> sign(core::OutboundRequest& request,
                                                  std::string_view authority) override;
  bool signFromCache(core::OutboundRequest& request, std::string_view authority) override;

 private:
  std::string headerValue_;  // prefix + key, built once
  std::string credentialName_;
  ApiKeyHeader header_;
  bool empty_;
};

}  // namespace switchyard::auth
