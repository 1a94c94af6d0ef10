#pragma once
// How the accept loops ride out a shortage of file descriptors (EMFILE, ENFILE) or of kernel
// memory (ENOBUFS, ENOMEM). The connection that could not be taken stays in the backlog, so the
// listener stays readable: accepting again at once would spin the thread at full CPU. Instead each
// worker's loop waits, 10 ms doubling up to 1 s (AcceptBackoff, one per worker). The shortage is
// the process's, not a worker's: AcceptOutage, shared by the workers, logs its start once (when
// the first worker fails) and its end once (when the first worker accepts again), and counts every
// failure.

#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace switchyard::http {

class AcceptOutage {
 public:
  // Every failed accept since start; read by any thread (the /metrics scrape).
  std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  friend class AcceptBackoff;
  std::atomic<bool> ongoing_{false};
  std::atomic<std::uint64_t> failuresInOutage_{0};
  std::atomic<std::uint64_t> errors_{0};
};

class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirstWait{10};
  static constexpr std::chrono::milliseconds kMaxWait{1000};

  using Log = std::function<void(std::string_view)>;  // one JSON line, no newline

  explicit AcceptBackoff(AcceptOutage& outage) : outage_(outage) {}

  // An accept failed with `ec`: how long to wait before the next one (zero when the error was the
  // one connection's, e.g. reset by its client before it was taken). Logs an outage's start.
  std::chrono::milliseconds onError(const boost::system::error_code& ec, const Log& log);
  // An accept succeeded: an outage, if any, is over (and logged as such).
  void onAccepted(const Log& log);

 private:
  AcceptOutage& outage_;
  std::chrono::milliseconds wait_{0};  // zero: this worker is not in a run of failures
};

}  // namespace switchyard::http
