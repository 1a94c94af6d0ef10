#include "auth/gcp_signer.hpp"

namespace switchyard::auth {
namespace {
constexpr std::string_view kBearer = "Bearer ";
}

GcpSigner::GcpSigner(std::shared_ptr<TokenCache> tokens) : tokens_(std::move(tokens)) {}

boost::asio::awaitable<core::Result<void>> GcpSigner::sign(core::OutboundRequest& request,
                                                           std::string_view) {
  auto token = co_await tokens_->get();
  if (!token) co_return token.error();
  std::string value;
  value.reserve(kBearer.size() + token->value.size());
  value += kBearer;
  value += token->value;
  core::setHeader(request.headers, "Authorization", std::move(value));
  co_return core::Result<void>{};
}

void GcpSigner::onUnauthorized(const core::OutboundRequest& request) {
  const auto header = core::findHeader(request.headers, "Authorization");
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) return;
  tokens_->invalidate(header.substr(kBearer.size()));
}

}  // namespace switchyard::auth
