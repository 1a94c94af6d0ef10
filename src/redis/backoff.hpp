#pragma once
// Delays between reconnect attempts: doubling from `first` up to `max`, each drawn at random from
// [d/2, d] so that the workers (and replicas) that lost Redis together do not come back in step.

#include <chrono>
#include <cstdint>
#include <random>

namespace switchyard::redis {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds max, std::uint32_t seed)
      : first_(std::max(first, std::chrono::milliseconds(1))),
        max_(std::max(max, first_)),
        random_(seed) {}

  // The delay before the next attempt; each call counts one more failure in a row.
  std::chrono::milliseconds next() {
    auto ceiling = first_;
    for (unsigned i = 0; i < failures_ && ceiling < max_; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, max_);
    ++failures_;
    std::uniform_int_distribution<std::int64_t> jitter(ceiling.count() / 2, ceiling.count());
    return std::chrono::milliseconds(jitter(random_));
  }

  // A connection became ready: the next failure starts over from `first`.
  void reset() { failures_ = 0; }

 private:
  std::chrono::milliseconds first_;
  std::chrono::milliseconds max_;
  std::mt19937 random_;  // spreads even neighbouring seeds from the first draw
  unsigned failures_ = 0;
};

}  // namespace switchyard::redis
