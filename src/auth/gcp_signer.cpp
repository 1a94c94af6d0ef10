#include "auth/gcp_signer.hpp"

namespace switchyard::auth {
namespace {
constexpr std::string_view kBearer = "Bearer ";
}

GcpSigner::GcpSigner(std::shared_ptr<TokenCache> tokens) : tokens_(std::move(tokens)) {}

namespace {

void setBearer(core::OutboundRequest& request, std::string_view token) {
  std::string value;
  value.reserve(kBearer.size() + token.size());
  value += kBearer;
  value += token;
  core::setHeader(request.headers, "Authorization", std::move(value));
}

}  // namespace

boost::asio::awaitable<core::Result<void>> GcpSigner::sign(core::OutboundRequest& request,
                                                           std::string_view) {
  auto token = co_await tokens_->get();
  if (!token) co_return token.error();
  setBearer(request, token->value);
  co_return core::Result<void>{};
}

bool GcpSigner::signFromCache(core::OutboundRequest& request, std::string_view) {
  const auto token = tokens_->usableNow();
  if (!token) return false;
  setBearer(request, token->value);
  return true;
}

void GcpSigner::onUnauthorized(const core::OutboundRequest& request) {
  const auto header = core::findHeader(request.headers, "Authorization");
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) return;
  tokens_->invalidate(header.substr(kBearer.size()));
}

}  // namespace switchyard::auth
