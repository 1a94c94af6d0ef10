#pragma once
// Process-wide: one JwksSource per remote JWKS (same URI, address and trust), shared by the
// configurations that use it, so a reload keeps the keys already fetched. The fetches run on a
// thread of their own; no worker ever waits on a JWKS server except for an unknown kid.

#include <map>
#include <memory>
#include <mutex>

#include "auth/auth_thread.hpp"
#include "clientauth/jwks_source.hpp"

namespace switchyard::clientauth {

class JwksCache {
 public:
  explicit JwksCache(std::shared_ptr<net::DnsCache> dns, JwksSourceOptions options = {});
  ~JwksCache();

  // At config load (not on the request path): the source for `remote`, started when new.
  std::shared_ptr<JwksSource> sourceFor(const config::RemoteJwks& remote);

 private:
  std::shared_ptr<net::DnsCache> dns_;
  JwksSourceOptions options_;
  auth::AuthThread thread_;  // the fetch thread
  std::mutex mutex_;
  std::map<std::string, std::weak_ptr<JwksSource>> sources_;  // by RemoteJwks::identity()
};

}  // namespace switchyard::clientauth
