#pragma once
// Idle keep-alive connections of one worker thread, keyed by where they go and how they are
// secured. Not thread-safe, by design: each worker owns its pool, so the request path takes no
// lock.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/upstream_connection.hpp"

namespace switchyard::net {

// Which connections are interchangeable: same host and port, same TLS identity (SNI/name and
// trust).
struct PoolKeyView {
  std::string_view host;
  std::uint16_t port = 0;
  bool tls = false;
  std::string_view serverName;
  std::string_view caPem;

  bool operator==(const PoolKeyView&) const = default;
};

// The owned form, for maps keyed by where connections go; looked up by PoolKeyView.
struct PoolKey {
  std::string host;
  std::uint16_t port = 0;
  bool tls = false;
  std::string serverName;
  std::string caPem;

  explicit PoolKey(const PoolKeyView& k)
      : host(k.host), port(k.port), tls(k.tls), serverName(k.serverName), caPem(k.caPem) {}
  PoolKeyView view() const { return {host, port, tls, serverName, caPem}; }
};

struct PoolKeyHash {
  using is_transparent = void;
  std::size_t operator()(const PoolKeyView& k) const;
  std::size_t operator()(const PoolKey& k) const { return (*this)(k.view()); }
};

struct PoolKeyEqual {
  using is_transparent = void;
  static PoolKeyView v(const PoolKeyView& k) { return k; }
  static PoolKeyView v(const PoolKey& k) { return k.view(); }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return v(a) == v(b);
  }
};

// Peeking at an idle connection's socket costs a syscall per request. One used moments ago is
// handed out without it: a peer rarely closes that fast (idle timeouts are seconds), and when one
// does, the client's stale-connection retry resends the request on a new connection, which is what
// the peek would have led to. Older connections are more likely to have met the peer's idle
// timeout, and for them a peek is cheaper than a failed exchange.
inline constexpr std::chrono::steady_clock::duration kPeekAfterIdle = std::chrono::seconds(1);

class ConnectionPool {
 public:
  using Clock = std::chrono::steady_clock;

  ConnectionPool(std::size_t maxIdlePerKey, Clock::duration idleTimeout);
  ~ConnectionPool();

  // The most recently used idle connection for `key` that is still usable, or null. Expired and
  // peer-closed ones met on the way are closed; a connection idle for under a second is not peeked
  // at, so it may have been closed by the peer all the same (see kPeekAfterIdle).
  std::unique_ptr<UpstreamConnection> checkout(const PoolKeyView& key, Clock::time_point now);

  // Keeps a connection whose last response allowed reuse. Beyond the cap the oldest one is closed.
  void checkin(const PoolKeyView& key, std::unique_ptr<UpstreamConnection> connection,
               Clock::time_point now);

  // Closes connections idle for longer than the idle timeout (also done lazily by checkin).
  void sweep(Clock::time_point now);

  std::size_t idleCount() const;

 private:
  using Idle = std::vector<std::unique_ptr<UpstreamConnection>>;  // oldest first

  std::size_t maxIdlePerKey_;
  Clock::duration idleTimeout_;
  Clock::time_point lastSweep_{};
  std::unordered_map<PoolKey, Idle, PoolKeyHash, PoolKeyEqual> idle_;
};

}  // namespace switchyard::net
