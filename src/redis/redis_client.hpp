#pragma once
// One connection to Redis on one event loop: each worker thread owns its own client, so the
// request path takes no lock and makes no blocking call. It connects by itself (name resolved off
// the loop, then AUTH and SELECT), pipelines any number of commands on the connection, bounds each
// with a timeout, and after a failure reconnects with jittered exponential back-off. While it is
// not connected every command fails at once: the caller decides whether that admits the request
// (fail open) or refuses it (fail closed); nothing queues up.
//
// Threads: construct anywhere; call and destroy on the executor's thread (or while its io_context
// is not running), and destroy before the io_context. Completion handlers run on the executor,
// never inside the call that started the command. hiredis writes with write(2), so the process
// must ignore SIGPIPE (main() does) or a write to a reset connection would end it.

#include <boost/asio/any_io_executor.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "core/result.hpp"
#include "redis/redis_url.hpp"

namespace switchyard::redis {

struct WindowUpdate;

struct RedisClientOptions {
  // A command not answered within this fails with UpstreamTimeout. The connection is kept and the
  // late answer dropped: a timed-out increment may still have been counted by the server.
  std::chrono::milliseconds commandTimeout{200};
  // When the oldest unanswered command has waited this long, the connection is taken for dead
  // (a hung server or a silent network partition), dropped and replaced.
  std::chrono::milliseconds brokenAfter{2000};
  // Name resolution, TCP connect, AUTH and SELECT together.
  std::chrono::milliseconds connectTimeout{2000};
  // Reconnect delays double from the first to the cap; each is drawn from [d/2, d].
  std::chrono::milliseconds backoffFirst{100};
  std::chrono::milliseconds backoffMax{5000};
  // Commands sent and not yet answered (timed-out ones included); beyond this a command fails at
  // once, so a stalled server cannot grow memory without bound.
  std::size_t maxInFlight = 10000;
};

// Why a command failed; each also counts in RedisClientStats::failures.
enum class RedisFailure {
  NotConnected,     // no ready connection (UpstreamConnect)
  Overloaded,       // maxInFlight commands already waiting (UpstreamConnect)
  Timeout,          // commandTimeout passed (UpstreamTimeout)
  ConnectionLost,   // the connection broke with the command in flight (UpstreamReset)
  ServerError,      // Redis answered an error, e.g. WRONGTYPE (UpstreamBadResponse)
  InvalidArgument,  // an increment above 2^63-1 (Internal)
};
inline constexpr std::size_t kRedisFailureKinds = 6;

// "not_connected", "overloaded", "timeout", "connection_lost", "server_error", "invalid_argument":
// stable names for metric labels.
std::string_view failureName(RedisFailure failure);

// Told on the client's executor what happens, to feed metrics and logs. Reasons never hold the
// password.
class RedisObserver {
 public:
  virtual ~RedisObserver() = default;
  virtual void onConnected() {}
  virtual void onDisconnected(std::string_view reason) {}   // a ready connection was lost
  virtual void onConnectFailed(std::string_view reason) {}  // one attempt failed
  virtual void onRoundTrip(std::chrono::steady_clock::duration roundTrip) {}  // each answer
  virtual void onFailure(RedisFailure failure) {}
};

// Counts since construction, read on the client's thread.
struct RedisClientStats {
  std::uint64_t commands = 0;  // sent to Redis
  std::uint64_t answered = 0;  // answered in time (errors from Redis included)
  std::uint64_t connects = 0;  // connections that became ready
  std::uint64_t connectFailures = 0;
  std::uint64_t disconnects = 0;  // ready connections lost
  std::array<std::uint64_t, kRedisFailureKinds> failures{};
  std::uint64_t failed(RedisFailure failure) const {
    return failures[static_cast<std::size_t>(failure)];
  }
};

class RedisClient {
 public:
  using CountHandler = std::function<void(core::Result<std::uint64_t>)>;
  // The span is valid during the call only.
  using CountsHandler = std::function<void(core::Result<std::span<const std::uint64_t>>)>;

  // Starts connecting (on the executor). `observer` may be null; it must outlive the client.
  RedisClient(boost::asio::any_io_executor executor, RedisUrl url, RedisClientOptions options = {},
              RedisObserver* observer = nullptr);
  // Closes the connection. Handlers of commands still in flight are destroyed without being
  // called (none runs after this), even from inside a completion handler of this client.
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Fixed-window counter: adds `by` to `key` (0 just reads it), giving the key `ttlSeconds` of life
  // if this creates it, and hands back the new value. One round trip; see window_counter.hpp.
  void incrementWindow(std::string_view key, std::uint64_t by, std::uint32_t ttlSeconds,
                       CountHandler handler);
  // Several counters (several rules) in one transaction and one round trip; values in order.
  void incrementWindows(std::span<const WindowUpdate> updates, CountsHandler handler);

  // Where handlers run: the worker's loop.
  boost::asio::any_io_executor executor() const;

  // Ready for commands (AUTH and SELECT done). Readable from any thread, e.g. by a metrics scrape.
  bool connected() const;
  // Why the last connection or attempt failed (empty before any failure).
  std::string_view lastError() const;
  // Commands sent and not yet answered, timed-out ones included.
  std::size_t inFlight() const;
  const RedisClientStats& stats() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // event handlers hold it weakly, and strongly while they run
};

}  // namespace switchyard::redis
