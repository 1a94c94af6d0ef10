#pragma once
// Gives freed heap back to the system once the gateway has gone quiet. glibc returns only the top
// of a heap by itself: after thousands of streams (or a burst of TLS handshakes) end, the chunks
// they freed between ones still live stay resident. malloc_trim(0) releases those pages in every
// arena, but it walks every free chunk under each arena's lock, which takes long on a heap that
// live streams keep fragmented. So it runs only once no worker has had a request in flight for a
// while, and once per quiet period. One per process; each worker thread reports through its own
// Worker, so the request path shares no cache line.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>

namespace switchyard::gateway {

class QuietHeapTrim {
 public:
  using Clock = std::chrono::steady_clock;

  // One worker thread's requests; only that thread writes it.
  class Worker {
   public:
    void requestStarted() noexcept {
      inFlight_.fetch_add(1, std::memory_order_relaxed);
      started_.fetch_add(1, std::memory_order_relaxed);
    }
    void requestEnded() noexcept { inFlight_.fetch_sub(1, std::memory_order_relaxed); }

   private:
    friend class QuietHeapTrim;
    alignas(64) std::atomic<std::uint32_t> inFlight_{0};
    std::atomic<std::uint64_t> started_{0};
  };

  using Log = std::function<void(std::string_view)>;  // one JSON line, no newline; never blocks

  // `trim` gives the memory back; the default calls malloc_trim(0) and, when it released enough to
  // be worth a line, says so through `log` (it runs on a worker thread: no iostream there).
  explicit QuietHeapTrim(Clock::duration quietFor = std::chrono::seconds(1),
                         std::function<void()> trim = {}, Log log = {});

  // At start-up, once per worker thread.
  Worker& addWorker();

  // From the workers' periodic ticks (any of them, any order): trims when no request has been in
  // flight for `quietFor` and some request ran since the last trim.
  void onTick(Clock::time_point now);

 private:
  Clock::duration quietFor_;
  std::function<void()> trim_;
  std::mutex mutex_;  // start-up and ticks only, never the request path
  std::deque<Worker> workers_;
  std::uint64_t startedSeen_ = 0;     // requests started, as of the last tick
  std::uint64_t startedTrimmed_ = 0;  // requests started, as of the last trim
  Clock::time_point quietSince_{};
};

}  // namespace switchyard::gateway
