#pragma once
// Client connections open at once over every worker of a Server, against the listener's limit
// (ClientTrafficPolicy connection.connectionLimit). One atomic count, not a share of the limit per
// worker: SO_REUSEPORT spreads connections unevenly, so a split limit would refuse on a busy
// worker while another has room. It is touched twice per connection, never per request.

#include <atomic>
#include <cstdint>

namespace switchyard::http {

class ConnectionAdmission {
 public:
  // Takes a place when fewer than `limit` connections are open (0: no limit); false, counted as
  // refused, otherwise.
  bool tryOpen(std::uint64_t limit) {
    const auto before = open_.fetch_add(1, std::memory_order_relaxed);
    if (limit == 0 || before < limit) return true;
    open_.fetch_sub(1, std::memory_order_relaxed);
    refused_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  void close() { open_.fetch_sub(1, std::memory_order_relaxed); }

  std::uint64_t open() const { return open_.load(std::memory_order_relaxed); }
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> open_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace switchyard::http
