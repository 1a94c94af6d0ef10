#pragma once
// How a worker's accept loop rides out a shortage of file descriptors (EMFILE, ENFILE) or of
// kernel memory (ENOBUFS, ENOMEM). The connection that could not be taken stays in the backlog, so
// the listener stays readable: accepting again at once would spin the thread at full CPU. Instead
// the loop waits, 10 ms doubling up to 1 s, logs the first failure of a run and its end, and
// counts every failure. Owned by one worker; only its thread writes.

#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace switchyard::http {

class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirstWait{10};
  static constexpr std::chrono::milliseconds kMaxWait{1000};

  using Log = std::function<void(std::string_view)>;  // one JSON line, no newline

  // An accept failed with `ec`: how long to wait before the next one (zero when the error was the
  // one connection's, e.g. reset by its client before it was taken). Logs a run's first failure.
  std::chrono::milliseconds onError(const boost::system::error_code& ec, const Log& log);
  // An accept succeeded: a run of failures, if any, is over (and logged as such).
  void onAccepted(const Log& log);

  // Every failed accept since start; read by any thread (the /metrics scrape).
  std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  std::chrono::milliseconds wait_{0};  // zero: not in a run of failures
  std::uint64_t failuresInRun_ = 0;
  std::atomic<std::uint64_t> errors_{0};  // written by the owner only: load + store, no lock prefix
};

}  // namespace switchyard::http
