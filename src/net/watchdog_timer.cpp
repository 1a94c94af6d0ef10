#include "net/watchdog_timer.hpp"

#include <algorithm>

namespace switchyard::net {

WatchdogTimer::WatchdogTimer(const boost::asio::any_io_executor& executor)
    : timer_(executor), anchor_(std::make_shared<Anchor>(Anchor{this})) {}

WatchdogTimer::~WatchdogTimer() {
  anchor_->timer = nullptr;
  for (Entry* entry = head_; entry;) {
    Entry* next = entry->next_;
    entry->timer_ = nullptr;
    entry->prev_ = entry->next_ = nullptr;
    entry = next;
  }
}

void WatchdogTimer::add(Entry& entry, Clock::time_point wake) {
  entry.timer_ = this;
  entry.wake_ = wake;
  entry.prev_ = nullptr;
  entry.next_ = head_;
  if (head_) head_->prev_ = &entry;
  head_ = &entry;
  ++size_;
  if (walking_) return;  // onTimer() arms for every entry once it is done
  if (!armed_ || wake < armedFor_) arm(std::min(wake, recent_ + kMaxSleep));
}

void WatchdogTimer::remove(Entry& entry) {
  if (cursor_ == &entry) cursor_ = entry.next_;
  if (waking_ == &entry) waking_ = nullptr;
  if (entry.prev_) {
    entry.prev_->next_ = entry.next_;
  } else {
    head_ = entry.next_;
  }
  if (entry.next_) entry.next_->prev_ = entry.prev_;
  entry.timer_ = nullptr;
  entry.prev_ = entry.next_ = nullptr;
  --size_;
  if (!head_ && armed_ && !walking_) {
    armed_ = false;
    ++generation_;
    timer_.cancel();
  }
}

void WatchdogTimer::arm(Clock::time_point at) {
  armed_ = true;
  armedFor_ = at;
  const std::uint64_t generation = ++generation_;
  ++arms_;
  timer_.expires_at(at);  // cancels a wait in progress, whose handler then sees operation_aborted
  timer_.async_wait([anchor = anchor_, generation](const boost::system::error_code& ec) {
    if (ec || !anchor->timer || anchor->timer->generation_ != generation) return;
    anchor->timer->onTimer();
  });
}

void WatchdogTimer::onTimer() {
  armed_ = false;
  ++fires_;
  const Clock::time_point now = this->now();
  // Each entry is looked at once, whatever the ones woken add or remove: remove() moves the cursor
  // past an entry it takes out, and entries added go in front of it.
  walking_ = true;
  cursor_ = head_;
  while (cursor_) {
    Entry* entry = cursor_;
    cursor_ = entry->next_;
    if (entry->wake_ > now) continue;
    entry->wake_ = Clock::time_point::max();
    waking_ = entry;
    const Clock::time_point next = entry->onWake(now);
    if (waking_ == entry) entry->wake_ = next;  // not removed meanwhile
    waking_ = nullptr;
  }
  walking_ = false;
  if (!head_) return;
  Clock::time_point earliest = now + kMaxSleep;
  for (const Entry* entry = head_; entry; entry = entry->next_)
    earliest = std::min(earliest, entry->wake_);
  arm(earliest);
}

}  // namespace switchyard::net
