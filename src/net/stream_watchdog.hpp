#pragma once
// Bounds each wait of an open upstream stream for its next piece with one timer for the stream's
// whole life, armed per wait: no timer and no shared state are built per piece. When time runs out
// it closes the connection, which ends the wait whichever layer it is in, as the request path's
// Watchdog does. Nothing stays pending between waits, so an io_context can still run dry.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace switchyard::net {

class UpstreamConnection;

class StreamWatchdog {
 public:
  explicit StreamWatchdog(const boost::asio::any_io_executor& executor);
  ~StreamWatchdog();
  StreamWatchdog(const StreamWatchdog&) = delete;
  StreamWatchdog& operator=(const StreamWatchdog&) = delete;

  // From now until disarm(), `connection` is closed if `timeout` passes.
  void arm(UpstreamConnection& connection, std::chrono::milliseconds timeout);
  void disarm();

  bool expired() const { return state_->expired; }

 private:
  // Shared with the timer's callback, which may run after the watchdog is gone.
  struct State {
    UpstreamConnection* active = nullptr;  // what to close when time runs out
    std::uint64_t generation = 0;  // of the current wait: a callback already queued is stale
    bool expired = false;
    bool gone = false;  // the watchdog was destroyed
  };

  std::shared_ptr<State> state_;
  boost::asio::steady_timer timer_;
};

}  // namespace switchyard::net
