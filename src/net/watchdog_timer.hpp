#pragma once
// One timer for all the upstream exchanges of a worker, in place of a timer per exchange. An
// exchange adds an entry (intrusive, on its own coroutine frame: no allocation) with the time it
// wants to be woken at, and removes it when it ends, most often long before then; neither costs a
// timer operation unless the entry wants waking earlier than the timer is armed for. Exchanges
// with equal timeouts each want a later time than the one before, so a busy worker arms its timer
// about once per timeout rather than once per exchange. When the timer fires it wakes the entries
// that are due and sleeps until the earliest wake left; when the last entry goes it is cancelled,
// so an io_context with nothing else to do still runs dry.
//
// It also keeps the worker's latest clock reading (now(), recent()), which an exchange reuses in
// place of reading the clock again: while entries exist the timer fires at least every kMaxSleep,
// so the reading is never much older than that. Not thread-safe: one per worker thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace switchyard::net {

class WatchdogTimer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::duration kMaxSleep = std::chrono::seconds(1);

  class Entry {
   public:
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

   protected:
    Entry() = default;
    ~Entry() {
      if (timer_) timer_->remove(*this);
    }
    // Runs from the timer once the entry's wake time has passed; returns when to wake it next
    // (Clock::time_point::max(): not again). It may add and remove entries, this one too.
    virtual Clock::time_point onWake(Clock::time_point now) = 0;

   private:
    friend class WatchdogTimer;
    WatchdogTimer* timer_ = nullptr;  // null while not added
    Entry* prev_ = nullptr;
    Entry* next_ = nullptr;
    Clock::time_point wake_{};
  };

  explicit WatchdogTimer(const boost::asio::any_io_executor& executor);
  ~WatchdogTimer();  // entries still added are let go: their own destructors find no timer
  WatchdogTimer(const WatchdogTimer&) = delete;
  WatchdogTimer& operator=(const WatchdogTimer&) = delete;

  // Reads the clock; the reading is recent() until the next one.
  Clock::time_point now() { return recent_ = Clock::now(); }
  // The latest reading: at most about kMaxSleep old while an entry is added (the timer wakes that
  // often to read it), older when none is.
  Clock::time_point recent() const { return recent_; }

  // `entry` (not added yet) is woken once `wake` has passed, until it is removed (its destructor
  // removes it too).
  void add(Entry& entry, Clock::time_point wake);
  void remove(Entry& entry);

  std::size_t size() const { return size_; }
  // For tests: how often the timer was armed (a wait started), and how often it fired.
  std::uint64_t arms() const { return arms_; }
  std::uint64_t fires() const { return fires_; }

 private:
  // What the timer's handler holds: a wait that completed just before the WatchdogTimer went away
  // may still run, and must find it gone rather than dangling.
  struct Anchor {
    WatchdogTimer* timer;
  };

  void arm(Clock::time_point at);
  void onTimer();

  boost::asio::steady_timer timer_;
  std::shared_ptr<Anchor> anchor_;
  Entry* head_ = nullptr;
  std::size_t size_ = 0;
  Clock::time_point recent_{};
  Clock::time_point armedFor_{};
  bool armed_ = false;
  std::uint64_t generation_ = 0;  // of the wait in progress: a handler from an earlier one is stale
  // While onTimer() walks the entries: the next one it looks at, and the one it is waking (entries
  // removed meanwhile move the first on and clear the second).
  bool walking_ = false;
  Entry* cursor_ = nullptr;
  Entry* waking_ = nullptr;
  std::uint64_t arms_ = 0;
  std::uint64_t fires_ = 0;
};

}  // namespace switchyard::net
