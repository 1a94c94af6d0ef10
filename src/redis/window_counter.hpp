#pragma once
// The fixed-window counter of Global rate limits, in one round trip: MULTI, then for each counter
// `SET key 0 EX ttl NX` (creates the key, with its expiry, only when it does not exist) and
// `INCRBY key by` (keeps the expiry), then EXEC. The transaction makes the pair atomic, so a
// window's key gets its expiry exactly once, when it is created, and the count read back is the
// one this update produced. It needs nothing newer than Redis 2.6.12 and no server-side state (no
// script cache to reload after a restart or failover).

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <hiredis/async.h>

#include "core/result.hpp"

namespace switchyard::redis {

struct WindowUpdate {
  std::string_view key;          // built by the caller, the window included
  std::uint64_t by = 0;          // 0 reads the count (creating the key at 0)
  std::uint32_t ttlSeconds = 1;  // expiry of a key this update creates; 0 counts as 1
};

// Queues the transaction on `context`. EXEC's reply goes to `onExec`; the replies before it
// (+OK, +QUEUED, or the error that makes EXEC abort) go to `onQueued`; both get `privdata`.
// False when hiredis refused a command (the context is disconnecting): a MULTI may then be left
// open, so the connection must not be used again.
bool queueWindowTransaction(redisAsyncContext* context, std::span<const WindowUpdate> updates,
                            redisCallbackFn* onQueued, redisCallbackFn* onExec, void* privdata);

// EXEC's reply to a transaction of `counters` updates: each counter's new value, in order, into
// `values` (resized). Errors (UpstreamBadResponse) carry the server's message.
core::Result<void> readWindowReply(const redisReply& reply, std::size_t counters,
                                   std::vector<std::uint64_t>& values);

}  // namespace switchyard::redis
