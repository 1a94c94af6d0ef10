#pragma once
// A coroutine's wait for something the I/O side will signal, bounded by a point in time: a timer
// set to that time, cancelled to wake the waiter early. The waiter always resumes through the
// executor, never inside the code that signals it (an nghttp2 callback, say), and re-checks what
// it waits for: a wake-up may come just as the time runs out, or for a reason that is not its own.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

namespace switchyard::net {

class Wakeup {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Wakeup(const boost::asio::any_io_executor& executor) : timer_(executor) {}

  // Returns on notify() or at `until`, whichever comes first.
  boost::asio::awaitable<void> waitUntil(Clock::time_point until) {
    timer_.expires_at(until);
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }

  // Wakes a wait in progress; does nothing when there is none.
  void notify() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

// The requests waiting for room on an origin's HTTP/2 connections. Each registers its own Wakeup
// for the time it waits; whoever frees or adds room wakes them all, and they look again.
class WaitList {
 public:
  void add(Wakeup& waiter) { waiters_.push_back(&waiter); }
  void remove(Wakeup& waiter) {
    waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), &waiter), waiters_.end());
  }
  void notifyAll() {
    for (Wakeup* waiter : waiters_) waiter->notify();
  }
  bool empty() const { return waiters_.empty(); }

  // Keeps `waiter` on the list for its own lifetime: a coroutine destroyed while it waits (its
  // io_context went away) leaves no dangling entry.
  class Registration {
   public:
    Registration(WaitList& list, Wakeup& waiter) : list_(list), waiter_(waiter) {
      list_.add(waiter_);
    }
    ~Registration() { list_.remove(waiter_); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    WaitList& list_;
    Wakeup& waiter_;
  };

 private:
  std::vector<Wakeup*> waiters_;
};

}  // namespace switchyard::net
