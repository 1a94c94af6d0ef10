#include "clientauth/jwks_cache.hpp"

namespace switchyard::clientauth {

JwksCache::JwksCache(std::shared_ptr<net::DnsCache> dns, JwksSourceOptions options)
    : dns_(std::move(dns)), options_(options) {}

JwksCache::~JwksCache() { thread_.stop(); }

std::shared_ptr<JwksSource> JwksCache::sourceFor(const config::RemoteJwks& remote) {
  std::lock_guard lock(mutex_);
  auto& slot = sources_[remote.identity()];
  if (auto source = slot.lock()) return source;
  auto source = std::make_shared<JwksSource>(remote, thread_.executor(), dns_, options_);
  source->start();
  slot = source;
  return source;
}

}  // namespace switchyard::clientauth
