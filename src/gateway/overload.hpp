#pragma once
// The process's own limits, the parts of Envoy's overload manager that matter for one process:
// requests in flight at once, and the heap. Past either, a new request is answered 503 with
// Retry-After (the endpoint's error envelope) instead of being served; over the heap limit the
// listener also stops accepting until the heap is back under it.
//
// Requests in flight are one atomic count over every worker, not a share per worker: an HTTP/2
// connection brings all its streams to one worker and SO_REUSEPORT spreads connections unevenly,
// so a split cap would shed on a busy worker while another idles. The count costs one relaxed
// read-modify-write as a request starts and one as it ends, and no lock.
//
// The heap is sampled on a thread of its own every kHeapSampleEvery (tcmalloc's allocated bytes,
// else the resident set), never per request; requests read the verdict, one relaxed load.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

namespace switchyard::gateway {

struct OverloadLimits {
  std::uint64_t maxRequests = 10000;  // requests in flight at once; 0 = no limit
  std::uint64_t maxHeapBytes = 0;     // 0 = no limit
};

class Overload {
 public:
  static constexpr std::chrono::milliseconds kHeapSampleEvery{100};
  static constexpr int kRetryAfterSeconds = 1;

  // `log` gets a JSON line (no newline) as the heap crosses its limit either way. `heapBytes` reads
  // the heap size (tests inject it); null: tcmalloc's, else the resident set.
  explicit Overload(OverloadLimits limits, std::function<void(std::string_view)> log = nullptr,
                    std::function<std::uint64_t()> heapBytes = nullptr);
  ~Overload();
  Overload(const Overload&) = delete;
  Overload& operator=(const Overload&) = delete;

  enum class Verdict { Admitted, TooManyRequests, HeapOverLimit };
  // A request starting; Admitted means it holds a place until requestEnded().
  Verdict tryStartRequest();
  void requestEnded() { inFlight_.fetch_sub(1, std::memory_order_relaxed); }

  bool heapOverLimit() const { return heapOver_.load(std::memory_order_relaxed); }

  // For /metrics (any thread).
  std::uint64_t requestsInFlight() const { return inFlight_.load(std::memory_order_relaxed); }
  std::uint64_t heapBytes() const { return heapBytes_.load(std::memory_order_relaxed); }
  std::uint64_t shedTooManyRequests() const {
    return shedRequests_.load(std::memory_order_relaxed);
  }
  std::uint64_t shedHeap() const { return shedHeap_.load(std::memory_order_relaxed); }

 private:
  void sampleHeap();
  void watchHeap();

  const OverloadLimits limits_;
  std::function<void(std::string_view)> log_;
  std::function<std::uint64_t()> readHeap_;
  std::atomic<std::uint64_t> inFlight_{0};
  std::atomic<std::uint64_t> heapBytes_{0};
  std::atomic<bool> heapOver_{false};
  std::atomic<std::uint64_t> shedRequests_{0};
  std::atomic<std::uint64_t> shedHeap_{0};
  std::mutex mutex_;  // the watcher's sleep, and its stop
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread watcher_;  // only with a heap limit
};

}  // namespace switchyard::gateway
