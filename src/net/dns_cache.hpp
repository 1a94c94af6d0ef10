#pragma once
// Name resolution shared by every worker thread: answers are cached (30 s; failures 2 s), IP
// literals skip DNS, and concurrent lookups of one name share a single resolver call. The only lock
// is around the cache map itself.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace switchyard::net {

struct DnsCacheOptions {
  std::chrono::milliseconds positiveTtl{30'000};
  std::chrono::milliseconds negativeTtl{2'000};
};

class DnsCache {
 public:
  using Addresses = std::shared_ptr<const std::vector<boost::asio::ip::address>>;
  using Options = DnsCacheOptions;

  // `clock` decides when entries expire; null = the system clock.
  explicit DnsCache(Options options = {}, std::shared_ptr<const core::Clock> clock = nullptr);
  ~DnsCache();
  DnsCache(const DnsCache&) = delete;
  DnsCache& operator=(const DnsCache&) = delete;

  // Addresses of `host` (never empty on success). Resolution runs on the calling coroutine's
  // executor; waiting for it honours the caller's cancellation (e.g. a request deadline).
  // Errors: UpstreamDns naming the host.
  boost::asio::awaitable<core::Result<Addresses>> resolve(std::string_view host);

  // Resolver calls made so far (cache misses that went to DNS), for metrics and tests.
  std::uint64_t lookups() const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with lookups still in flight
};

}  // namespace switchyard::net
