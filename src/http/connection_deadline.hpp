#pragma once
// One timer per client connection for every phase (idle, reading a request, writing a response).
// Moving the deadline only stores a time: the timer wakes at the deadline it was armed for and, if
// the deadline moved later meanwhile, sleeps again until then. A busy keep-alive connection arms
// its timer about once per timeout instead of once per read and write, as beast::tcp_stream does.
// When time runs out the socket's operations are cancelled and its receiving side shut, so a read
// started after the expiry ends at once too; the session sees expired(). Every expiry ends the
// connection (after a 408 for a request cut short), so the write side stays open for that answer.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace switchyard::http {

class ConnectionDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConnectionDeadline(boost::asio::ip::tcp::socket& socket)
      : state_(std::make_shared<State>(socket)), timer_(socket.get_executor()) {}
  ~ConnectionDeadline() { state_->socket = nullptr; }
  ConnectionDeadline(const ConnectionDeadline&) = delete;
  ConnectionDeadline& operator=(const ConnectionDeadline&) = delete;

  void expiresAfter(Clock::duration timeout) { expiresAt(Clock::now() + timeout); }
  void expiresAt(Clock::time_point deadline) {
    state_->expired = false;
    state_->deadline = deadline;
    if (state_->armed && state_->armedFor <= deadline)
      return;  // it wakes first, sleeps on to the new time
    arm(timer_, state_, deadline);
  }
  void expiresNever() { state_->deadline = Clock::time_point::max(); }
  bool expired() const { return state_->expired; }

 private:
  // Shared with the timer's handler: a wait that completed just before the connection ended may
  // still run after this object is gone, and must find the socket gone rather than dangling.
  struct State {
    explicit State(boost::asio::ip::tcp::socket& s) : socket(&s) {}
    boost::asio::ip::tcp::socket* socket;
    Clock::time_point deadline = Clock::time_point::max();
    Clock::time_point armedFor{};
    bool armed = false;
    bool expired = false;
  };

  static void arm(boost::asio::steady_timer& timer, const std::shared_ptr<State>& state,
                  Clock::time_point at) {
    state->armed = true;
    state->armedFor = at;
    timer.expires_at(at);  // cancels an earlier wait, whose handler then sees operation_aborted
    timer.async_wait([&timer, state](const boost::system::error_code& ec) {
      if (ec || !state->socket) return;  // re-armed, or the connection (and the timer) is gone
      state->armed = false;
      if (state->deadline == Clock::time_point::max()) return;
      if (Clock::now() < state->deadline) {
        arm(timer, state, state->deadline);
        return;
      }
      state->expired = true;
      boost::system::error_code ignored;
      state->socket->cancel(ignored);
      state->socket->shutdown(boost::asio::ip::tcp::socket::shutdown_receive, ignored);
    });
  }

  std::shared_ptr<State> state_;
  boost::asio::steady_timer timer_;
};

}  // namespace switchyard::http
