#pragma once
// A remoteJWKS: fetched over verified TLS on the fetch thread, cached, refreshed every
// `refreshInterval` (sooner after a failure), and refetched at once when a token names a kid the
// cached set lacks (key rotation) — at most once per `unknownKidInterval`, so tokens with made-up
// kids cannot turn the gateway into a load generator against the JWKS server. Workers only read
// the current set (an atomic load) and, on an unknown kid, await the refetch.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "config/client_auth_policy.hpp"
#include "core/http_message.hpp"
#include "core/result.hpp"
#include "jose/jwks.hpp"

namespace switchyard::net {
class DnsCache;
class UpstreamClient;
}  // namespace switchyard::net

namespace switchyard::clientauth {

struct JwksSourceOptions {
  std::chrono::milliseconds refreshInterval{std::chrono::minutes(5)};  // Envoy's cache duration
  std::chrono::milliseconds retryInterval{std::chrono::seconds(10)};   // after a failed fetch
  std::chrono::milliseconds unknownKidInterval{std::chrono::seconds(5)};
  std::chrono::milliseconds fetchTimeout{std::chrono::seconds(10)};
};

class JwksSource : public std::enable_shared_from_this<JwksSource> {
 public:
  JwksSource(config::RemoteJwks remote, boost::asio::any_io_executor fetchExecutor,
             std::shared_ptr<net::DnsCache> dns, JwksSourceOptions options = {});
  ~JwksSource();

  // Starts the first fetch and the refresh timer (on the fetch thread).
  void start();

  // The set last fetched; null until a fetch succeeded. Any thread.
  std::shared_ptr<const jose::KeySet> keys() const { return std::atomic_load(&keys_); }

  // A token named a kid the cached set lacks (or there is no set yet): refetch, unless the last
  // such refetch was less than unknownKidInterval ago, and complete when the fetch in flight (if
  // any) is done. Resumes on the caller's executor.
  boost::asio::awaitable<void> refreshForUnknownKid();

  std::uint64_t fetches() const { return fetches_.load(std::memory_order_relaxed); }
  std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  const config::RemoteJwks& remote() const { return remote_; }

 private:
  boost::asio::awaitable<void> fetch();      // on the fetch thread; one at a time
  boost::asio::awaitable<bool> fetchOnce();  // true when a set was stored
  // A plain function (not a coroutine): reads the answer and publishes its keys.
  bool store(const core::Result<core::InboundResponse>& response, std::string& problem);
  static boost::asio::awaitable<void> refreshLoop(std::weak_ptr<JwksSource> self,
                                                  std::chrono::milliseconds firstDelay);

  const config::RemoteJwks remote_;
  const boost::asio::any_io_executor executor_;
  std::shared_ptr<net::DnsCache> dns_;
  const JwksSourceOptions options_;
  // Read with std::atomic_load / written with std::atomic_store (libstdc++'s atomic<shared_ptr>
  // dropped a reference here under GCC 12).
  std::shared_ptr<const jose::KeySet> keys_;
  std::atomic<std::int64_t> lastUnknownKidFetch_{0};  // steady clock, ms; 0 = never
  std::atomic<std::uint64_t> fetches_{0}, failures_{0};
  // Fetch thread only.
  std::unique_ptr<net::UpstreamClient> client_;
  bool fetching_ = false;
  bool lastFetchOk_ = false;
  std::shared_ptr<boost::asio::steady_timer>
      fetchDone_;  // a timer waiters wait on while a fetch runs
};

}  // namespace switchyard::clientauth
