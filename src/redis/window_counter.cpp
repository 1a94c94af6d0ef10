#include "redis/window_counter.hpp"

#include <charconv>
#include <string>

namespace switchyard::redis {

namespace {

// A decimal integer on the stack, as hiredis wants an argument: pointer and length.
struct Decimal {
  char digits[24];
  std::size_t size = 0;
  explicit Decimal(std::uint64_t value) {
    size =
        static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, value).ptr - digits);
  }
};

bool queue(redisAsyncContext* context, redisCallbackFn* callback, void* privdata,
           std::initializer_list<std::string_view> args) {
  const char* argv[8];
  std::size_t lengths[8];
  int argc = 0;
  for (std::string_view arg : args) {
    argv[argc] = arg.data();
    lengths[argc] = arg.size();
    ++argc;
  }
  return redisAsyncCommandArgv(context, callback, privdata, argc, argv, lengths) == REDIS_OK;
}

core::Error badReply(std::string message) {
  return core::Error::make(core::ErrorKind::UpstreamBadResponse, "redis: " + std::move(message));
}

std::string_view text(const redisReply& reply) {
  return reply.str ? std::string_view(reply.str, reply.len) : std::string_view();
}

}  // namespace

bool queueWindowTransaction(redisAsyncContext* context, std::span<const WindowUpdate> updates,
                            redisCallbackFn* onQueued, redisCallbackFn* onExec, void* privdata) {
  if (!queue(context, onQueued, privdata, {"MULTI"})) return false;
  for (const WindowUpdate& update : updates) {
    const Decimal ttl(update.ttlSeconds == 0 ? 1 : update.ttlSeconds);
    const Decimal by(update.by);
    if (!queue(context, onQueued, privdata,
               {"SET", update.key, "0", "EX", std::string_view(ttl.digits, ttl.size), "NX"}) ||
        !queue(context, onQueued, privdata,
               {"INCRBY", update.key, std::string_view(by.digits, by.size)})) {
      return false;
    }
  }
  return queue(context, onExec, privdata, {"EXEC"});
}

core::Result<void> readWindowReply(const redisReply& reply, std::size_t counters,
                                   std::vector<std::uint64_t>& values) {
  values.clear();
  if (reply.type == REDIS_REPLY_ERROR) return badReply(std::string(text(reply)));
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 2 * counters)
    return badReply("unexpected reply to EXEC");
  for (std::size_t i = 0; i < counters; ++i) {
    const redisReply* set = reply.element[2 * i];
    const redisReply* count = reply.element[2 * i + 1];
    if (set->type == REDIS_REPLY_ERROR) return badReply(std::string(text(*set)));
    if (count->type == REDIS_REPLY_ERROR) return badReply(std::string(text(*count)));
    if (count->type != REDIS_REPLY_INTEGER) return badReply("INCRBY answered a non-integer");
    if (count->integer < 0) return badReply("a counter is negative");
    values.push_back(static_cast<std::uint64_t>(count->integer));
  }
  return {};
}

}  // namespace switchyard::redis
