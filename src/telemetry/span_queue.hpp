#pragma once
// The hand-over from request threads to the exporter thread: a bounded lock-free queue (Dmitry
// Vyukov's bounded MPMC array queue). A push is one compare-and-swap on the tail and a store into a
// slot allocated at start-up; when the queue is full it fails at once instead of waiting.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

namespace switchyard::telemetry {

template <class T>
class SpanQueue {
 public:
  explicit SpanQueue(std::size_t capacity)
      : capacity_(capacity == 0 ? 1 : capacity), cells_(std::make_unique<Cell[]>(capacity_)) {
    for (std::size_t i = 0; i < capacity_; ++i)
      cells_[i].sequence.store(i, std::memory_order_relaxed);
  }
  SpanQueue(const SpanQueue&) = delete;
  SpanQueue& operator=(const SpanQueue&) = delete;

  // Any thread. False (and `value` untouched) when full.
  bool tryPush(T&& value) {
    std::uint64_t position = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[position % capacity_];
      const std::uint64_t sequence = cell.sequence.load(std::memory_order_acquire);
      const auto difference = static_cast<std::int64_t>(sequence - position);
      if (difference == 0) {
        // seq_cst: the exporter's wake-up check (flag, then size) pairs with this (push, then
        // flag).
        if (tail_.compare_exchange_weak(position, position + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
          cell.value = std::move(value);
          cell.sequence.store(position + 1, std::memory_order_release);
          return true;
        }
      } else if (difference < 0) {
        return false;  // the slot still holds an item from one lap ago: full
      } else {
        position = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  // One consumer. False when empty, or when the next producer has claimed its slot but not yet
  // filled it.
  bool tryPop(T& out) {
    const std::uint64_t position = head_.load(std::memory_order_relaxed);
    Cell& cell = cells_[position % capacity_];
    const std::uint64_t sequence = cell.sequence.load(std::memory_order_acquire);
    if (sequence != position + 1) return false;
    head_.store(position + 1, std::memory_order_relaxed);
    out = std::move(cell.value);
    cell.value = T();  // release what the moved-from value still holds now, not a lap later
    cell.sequence.store(position + capacity_, std::memory_order_release);
    return true;
  }

  // Items pushed and not yet popped (including claimed, unfilled slots). Exact only when quiet.
  std::size_t size() const {
    const std::uint64_t tail = tail_.load(std::memory_order_seq_cst);
    const std::uint64_t head = head_.load(std::memory_order_seq_cst);
    return tail > head ? static_cast<std::size_t>(tail - head) : 0;
  }
  std::size_t capacity() const { return capacity_; }
  // Every push that succeeded so far.
  std::uint64_t pushed() const { return tail_.load(std::memory_order_relaxed); }

 private:
  struct Cell {
    std::atomic<std::uint64_t> sequence{0};
    T value{};
  };
  static constexpr std::size_t kCacheLine = 64;

  const std::size_t capacity_;
  std::unique_ptr<Cell[]> cells_;
  alignas(kCacheLine) std::atomic<std::uint64_t> tail_{0};  // producers
  alignas(kCacheLine) std::atomic<std::uint64_t> head_{0};  // the consumer
};

}  // namespace switchyard::telemetry
