#pragma once
// One worker's view of the Redis counters of Global rules: per key (window included), the count
// Redis last answered plus what this worker has added since. Far from the limit a request is
// admitted on that estimate without waiting for Redis, and its cost is sent later, batched with
// the other increments of the worker (one MULTI/EXEC for every key that changed, at most
// kFlushInterval later); near the limit, for small limits, and when the view is old, the limiter
// goes to Redis and waits, as it always did. The Redis round trip thus leaves the critical path of
// a busy counter, and a worker's updates share one transaction and one wake-up per batch.
//
// The rule (admitsLocally), for a rule of `limit` requests and a request of `cost`:
//   - limit >= kExactBelow (smaller limits are always exact), and
//   - Redis answered for this key within kMaxAge, on the connection still up (the answer to any
//     update, batched or not, counts; a failed update or a lost connection makes the view stale),
//     and
//   - what this worker added and Redis has not confirmed, plus cost, stays within the slice,
//     limit / kSliceDivisor, and
//   - the estimate after the cost leaves at least the reserve, limit / kReserveDivisor.
// Bound: once the counter in Redis passes limit - reserve, the next answer a worker reads stops its
// local admissions, so each worker admits at most one slice that Redis has not yet counted: with W
// workers counting a key (all replicas together) a window admits at most limit + W × slice
// (e.g. 2 replicas of one worker: limit + limit/32), and response costs are charged as they come,
// as without the estimate. A request cost of 0 (a token budget checked before the call, charged
// after it) reserves nothing, with or without the estimate; what the estimate adds is that the
// count it reads may be kMaxAge old (on a busy worker, one batch: kFlushInterval and a round trip).
//
// Threads: one per worker, on the Redis client's executor. An entry lives while it is useful
// (fresh, or with increments in flight or waited for); the idle ones are swept whenever the table
// doubles.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace switchyard::redis {
class RedisClient;
struct WindowUpdate;
}  // namespace switchyard::redis

namespace switchyard::ratelimit {

using TimePoint = std::chrono::system_clock::time_point;

struct CounterEstimate {
  std::string_view key;          // the Redis key, held by the table
  std::uint64_t confirmed = 0;   // the count in Redis's latest answer for this key
  std::uint64_t inFlight = 0;    // sent to Redis, not answered yet
  std::uint64_t unsent = 0;      // added here, waiting for the next flush
  TimePoint answeredFor{};       // when the update that Redis answered last was sent; {}: never
  std::uint64_t connection = 0;  // the connection that answered (RedisClientStats::connects)
  std::int64_t windowEnd = 0;    // Unix seconds: the key's expiry is set from it
  std::uint64_t limit = 0;       // the rule's, to judge how soon a flush must go
  std::uint32_t waiting = 0;     // requests waiting for an answer that names this entry
  bool listed = false;           // in the flush list

  std::uint64_t unconfirmed() const { return inFlight + unsent; }
  std::uint64_t estimate() const { return confirmed + inFlight + unsent; }
};

// The expiry of a key whose window ends at `windowEnd` (Unix seconds), set when `now` creates it.
std::uint32_t ttlUntil(std::int64_t windowEnd, TimePoint now);

class CounterEstimates : public std::enable_shared_from_this<CounterEstimates> {
 public:
  static constexpr std::uint64_t kExactBelow = 1000;
  static constexpr std::uint64_t kSliceDivisor = 64;
  static constexpr std::uint64_t kReserveDivisor = 8;
  static constexpr std::chrono::milliseconds kMaxAge{250};
  static constexpr std::chrono::milliseconds kFlushInterval{5};

  // Whether a request of `cost` under `limit` may pass on `estimate` alone at `now` (the rule
  // above): admitsLocally() on an answer of the connection still up.
  bool admits(const CounterEstimate& estimate, std::uint64_t cost, std::uint64_t limit,
              TimePoint now) const;
  // The rule above but for the connection.
  static bool admitsLocally(const CounterEstimate& estimate, std::uint64_t cost,
                            std::uint64_t limit, TimePoint now);

  // `redis` must outlive this object; flushes run on its executor.
  explicit CounterEstimates(redis::RedisClient& redis);
  ~CounterEstimates();

  // The entry of `key`, created (never answered) when new. Stable until it is idle and swept.
  // `now` is the caller's time for this event (it also dates the next flush).
  CounterEstimate& at(std::string_view key, std::int64_t windowEnd, std::uint64_t limit,
                      TimePoint now);

  // Adds `by` to send with the next flush: at the end of this loop turn for an exact limit or an
  // entry that has used half its slice, within kFlushInterval otherwise.
  void add(CounterEstimate& estimate, std::uint64_t by);

  // A synchronous update of `estimate`: what to send with the request's own cost (its unsent
  // increments, now in flight), and the entry kept until answered() or failed().
  std::uint64_t beginWait(CounterEstimate& estimate, std::uint64_t cost);
  void answered(CounterEstimate& estimate, std::uint64_t sent, std::uint64_t count,
                TimePoint sentAt);
  void failed(CounterEstimate& estimate, std::uint64_t sent);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>()(key);
    }
  };
  using Entries = std::unordered_map<std::string, CounterEstimate, Hash, std::equal_to<>>;
  // What one flush sent: the entries and their amounts, in the transaction's order.
  using Batch = std::vector<std::pair<CounterEstimate*, std::uint64_t>>;

  void flush();
  void batchAnswered(const Batch& batch, std::span<const std::uint64_t> counts, TimePoint sentAt);
  void batchFailed(const Batch& batch);
  void sweep();

  redis::RedisClient& redis_;
  boost::asio::any_io_executor executor_;
  boost::asio::steady_timer timer_;
  Entries entries_;
  std::vector<CounterEstimate*> listed_;      // entries with unsent increments
  std::vector<redis::WindowUpdate> updates_;  // scratch of flush()
  TimePoint lastNow_{};                       // the latest time a caller gave
  bool timerArmed_ = false;
  bool flushPosted_ = false;
  std::size_t sweepAbove_ = 1024;
};

}  // namespace switchyard::ratelimit
