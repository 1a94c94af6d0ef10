#pragma once
// The HTTP/2 connections of one worker thread, per origin (host, port, TLS identity), and what ALPN
// last said about each origin. Not thread-safe, by design, like ConnectionPool: each worker owns
// its own, so the request path takes no lock.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "net/connection_pool.hpp"
#include "net/h2_connection.hpp"
#include "net/wakeup.hpp"

namespace switchyard::net {

class H2Pool {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Protocol { Unknown, Http2, Http1 };

  struct Origin {
    std::vector<std::shared_ptr<H2Connection>> connections;  // oldest first
    int connecting = 0;  // connects under way for this origin that may bring HTTP/2 room
    Protocol protocol = Protocol::Unknown;
    Clock::time_point http1Until{};  // a server that chose http/1.1 is believed until then
    std::shared_ptr<WaitList> waiters = std::make_shared<WaitList>();
    std::uint64_t connectFailures = 0;  // bumped by each failed connect, with lastFailure
    std::optional<core::Error> lastFailure;
  };

  struct Timing {
    Clock::duration idleTimeout;  // a connection without streams this long is closed
    Clock::duration pingAfter;    // ... or pinged after this long (when shorter)
    Clock::duration pingTimeout;  // and closed if the PING is not answered within this
  };

  struct SweepCounts {
    std::uint64_t goAways = 0;       // connections dropped because the peer sent GOAWAY
    std::uint64_t pingTimeouts = 0;  // connections closed for an unanswered PING
  };

  H2Pool() = default;
  ~H2Pool();  // closes every connection
  H2Pool(const H2Pool&) = delete;
  H2Pool& operator=(const H2Pool&) = delete;

  Origin& origin(const PoolKeyView& key);

  // The oldest connection of `origin` with room for a stream, or null. Connections that closed or
  // go away are dropped on the way; an idle one first reads what its peer sent meanwhile.
  std::shared_ptr<H2Connection> withRoom(Origin& origin, Clock::time_point now,
                                         SweepCounts& counts);

  // Room may come without opening another connection: a connect is under way, or a connection
  // has not told its stream limit yet.
  static bool roomExpected(const Origin& origin);

  // Drops what closed or goes away, closes connections idle too long or whose PING went
  // unanswered, and pings those idle for `pingAfter`.
  void sweep(Clock::time_point now, const Timing& timing, SweepCounts& counts);

  std::size_t idleCount() const;  // connections without a stream
  std::size_t openCount() const;

 private:
  std::unordered_map<PoolKey, std::unique_ptr<Origin>, PoolKeyHash, PoolKeyEqual> origins_;
};

}  // namespace switchyard::net
