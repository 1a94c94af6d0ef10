#include "net/stream_watchdog.hpp"

#include "net/upstream_connection.hpp"

namespace switchyard::net {

StreamWatchdog::StreamWatchdog(const boost::asio::any_io_executor& executor)
    : state_(std::make_shared<State>()), timer_(executor) {}

StreamWatchdog::~StreamWatchdog() {
  state_->gone = true;
  timer_.cancel();
}

void StreamWatchdog::arm(UpstreamConnection& connection, std::chrono::milliseconds timeout) {
  State& s = *state_;
  s.active = &connection;
  s.expired = false;
  const std::uint64_t generation = ++s.generation;
  timer_.expires_after(timeout);
  timer_.async_wait([state = state_, generation](const boost::system::error_code& ec) {
    if (ec || state->gone || state->generation != generation || !state->active) return;
    state->expired = true;
    state->active->close();
  });
}

void StreamWatchdog::disarm() {
  state_->active = nullptr;
  timer_.cancel();
}

}  // namespace switchyard::net
