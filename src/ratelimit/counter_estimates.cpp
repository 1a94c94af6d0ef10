#include "ratelimit/counter_estimates.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "redis/redis_client.hpp"
#include "redis/window_counter.hpp"

namespace switchyard::ratelimit {

namespace asio = boost::asio;

namespace {

std::int64_t secondsOf(TimePoint now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

}  // namespace

std::uint32_t ttlUntil(std::int64_t windowEnd, TimePoint now) {
  // The key names its window, so it only has to outlive it; a second more covers clock skew
  // between replicas.
  const std::int64_t left = windowEnd - secondsOf(now);
  return static_cast<std::uint32_t>(std::max<std::int64_t>(left, 1) + 1);
}

bool CounterEstimates::admitsLocally(const CounterEstimate& estimate, std::uint64_t cost,
                                     std::uint64_t limit, TimePoint now) {
  if (limit < kExactBelow || estimate.answeredFor == TimePoint{}) return false;
  if (now < estimate.answeredFor || now - estimate.answeredFor > kMaxAge) return false;
  if (cost > limit / kSliceDivisor || estimate.unconfirmed() > limit / kSliceDivisor - cost)
    return false;
  return estimate.estimate() + cost <= limit - limit / kReserveDivisor;
}

bool CounterEstimates::admits(const CounterEstimate& estimate, std::uint64_t cost,
                              std::uint64_t limit, TimePoint now) const {
  // A new connection may be to a Redis that restarted, or failed over, and forgot the counts.
  return redis_.connected() && estimate.connection == redis_.stats().connects &&
         admitsLocally(estimate, cost, limit, now);
}

CounterEstimates::CounterEstimates(redis::RedisClient& redis)
    : redis_(redis), executor_(redis.executor()), timer_(executor_) {}

CounterEstimates::~CounterEstimates() = default;

CounterEstimate& CounterEstimates::at(std::string_view key, std::int64_t windowEnd,
                                      std::uint64_t limit, TimePoint now) {
  lastNow_ = now;
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    // Only a new key grows the table (Distinct selectors make one per client).
    if (entries_.size() >= sweepAbove_) sweep();
    it = entries_.emplace(std::string(key), CounterEstimate{}).first;
    it->second.key = it->first;
    it->second.windowEnd = windowEnd;
  }
  it->second.limit = limit;
  return it->second;
}

void CounterEstimates::add(CounterEstimate& estimate, std::uint64_t by) {
  if (by == 0) return;
  estimate.unsent += by;
  if (!estimate.listed) {
    estimate.listed = true;
    listed_.push_back(&estimate);
  }
  // An exact limit's increment goes at once, as an increment always did; one that has used half
  // its slice too, so that the next answer frees the slice before the requests run out of it.
  const bool now =
      estimate.limit < kExactBelow || estimate.unconfirmed() >= estimate.limit / kSliceDivisor / 2;
  if (now) {
    if (flushPosted_) return;
    flushPosted_ = true;
    asio::post(executor_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        self->flushPosted_ = false;
        self->flush();
      }
    });
  } else if (!timerArmed_) {
    timerArmed_ = true;
    timer_.expires_after(kFlushInterval);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self) return;
      self->timerArmed_ = false;
      if (!ec) self->flush();
    });
  }
}

std::uint64_t CounterEstimates::beginWait(CounterEstimate& estimate, std::uint64_t cost) {
  const std::uint64_t sent = estimate.unsent + cost;
  estimate.unsent = 0;  // still listed: flush() skips it
  estimate.inFlight += sent;
  ++estimate.waiting;
  return sent;
}

void CounterEstimates::answered(CounterEstimate& estimate, std::uint64_t sent, std::uint64_t count,
                                TimePoint sentAt) {
  estimate.inFlight -= std::min(sent, estimate.inFlight);
  --estimate.waiting;
  // Answers come in the order the updates were sent: this one holds every earlier increment.
  estimate.confirmed = count;
  estimate.answeredFor = sentAt;
  estimate.connection = redis_.stats().connects;
}

void CounterEstimates::failed(CounterEstimate& estimate, std::uint64_t sent) {
  // Counted or not, nobody knows: not sent again, and the next request asks Redis.
  estimate.inFlight -= std::min(sent, estimate.inFlight);
  --estimate.waiting;
  estimate.answeredFor = {};
}

void CounterEstimates::flush() {
  updates_.clear();
  Batch batch;
  batch.reserve(listed_.size());
  for (CounterEstimate* estimate : listed_) {
    estimate->listed = false;
    if (estimate->unsent == 0) continue;
    batch.emplace_back(estimate, estimate->unsent);
    updates_.push_back({estimate->key, estimate->unsent, ttlUntil(estimate->windowEnd, lastNow_)});
    estimate->inFlight += estimate->unsent;
    estimate->unsent = 0;
  }
  listed_.clear();
  if (!batch.empty()) {
    // The time of the latest request stands for the time sent: no later than the real one.
    redis_.incrementWindows(
        updates_, [self = shared_from_this(), batch = std::move(batch),
                   sentAt = lastNow_](core::Result<std::span<const std::uint64_t>> counts) {
          if (counts && counts->size() == batch.size()) {
            self->batchAnswered(batch, *counts, sentAt);
          } else {
            self->batchFailed(batch);
          }
        });
  }
}

void CounterEstimates::batchAnswered(const Batch& batch, std::span<const std::uint64_t> counts,
                                     TimePoint sentAt) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    CounterEstimate& estimate = *batch[i].first;
    estimate.inFlight -= std::min(batch[i].second, estimate.inFlight);
    estimate.confirmed = counts[i];
    estimate.answeredFor = sentAt;
    estimate.connection = redis_.stats().connects;
  }
}

void CounterEstimates::batchFailed(const Batch& batch) {
  for (const auto& [estimate, sent] : batch) {
    estimate->inFlight -= std::min(sent, estimate->inFlight);
    estimate->answeredFor = {};
  }
}

// Forgets the entries nothing depends on any more: nothing unconfirmed, nobody waiting, and an
// answer too old to admit on (or a window that is over).
void CounterEstimates::sweep() {
  const std::int64_t nowSeconds = secondsOf(lastNow_);
  std::erase_if(entries_, [&](const auto& entry) {
    const CounterEstimate& estimate = entry.second;
    if (estimate.listed || estimate.unconfirmed() > 0 || estimate.waiting > 0) return false;
    return estimate.windowEnd <= nowSeconds || estimate.answeredFor == TimePoint{} ||
           lastNow_ - estimate.answeredFor > kMaxAge;
  });
  sweepAbove_ = std::max<std::size_t>(1024, 2 * entries_.size());
}

}  // namespace switchyard::ratelimit
