// The exchange's client-authentication phase (SecurityPolicy apiKeyAuth, jwt, authorization):
// between routing and rate limits. Refusals use the endpoint's own error envelope.

#include "gateway/exchange.hpp"
#include "http/field_value.hpp"
#include "http/server.hpp"
#include "ratelimit/selector.hpp"

namespace switchyard::gateway {

namespace asio = boost::asio;

std::string_view Exchange::requestHeader(std::string_view name) const {
  for (const auto& [header, value] : clientAuth_.headers)
    if (header == name) return value;
  return http::fieldValue(httpRequest_, name);
}

asio::awaitable<bool> Exchange::authenticate(const config::ClientAuthPolicy* policy) {
  if (!policy || !runtime_.gatekeeper) co_return true;
  ratelimit::RequestView address;  // parses the client's address text into bytes
  address.clientAddress = info_.downstreamAddress;
  address.parseAddress();
  const std::string_view target(httpRequest_.target().data(), httpRequest_.target().size());
  const auto path = http::pathOf(target);
  clientauth::RequestFacts facts;
  facts.header = [this](std::string_view name) { return http::fieldValue(httpRequest_, name); };
  facts.query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
  facts.method = info_.method;
  facts.address = address.address();

  clientAuth_ = co_await runtime_.gatekeeper->check(
      policy, facts, services_.wallTime.secondsAt(now_), services_.verifiedTokens);
  woke();  // a key set may have been fetched meanwhile
  info_.clientId = clientAuth_.clientId;
  if (!clientAuth_.error) co_return true;
  http::HeaderList headers;
  if (clientAuth_.bearerChallenge)
    headers.emplace_back("www-authenticate", "Bearer realm=\"switchyard\"");
  co_await respondError(*clientAuth_.error, std::move(headers));
  co_return false;
}

}  // namespace switchyard::gateway
