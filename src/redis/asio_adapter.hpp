#pragma once
// Drives a hiredis async context from an Asio event loop. hiredis's event hooks (addRead, delRead,
// addWrite, delWrite, cleanup) become async_wait calls on a posix::stream_descriptor over its
// socket, and each readiness calls redisAsyncHandleRead/Write. hiredis keeps owning the fd and
// closes it when the context is freed; the descriptor only watches it and releases it on cleanup.

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <memory>

struct redisAsyncContext;

namespace switchyard::redis {

// Attaches right after the context is created, before its connect callback is set. Readiness is
// handled on `executor` (one thread), and only while `owner` is alive: it is locked for the
// duration of each redisAsyncHandleRead/Write, so hiredis's callbacks may use it. Fails when the
// socket cannot be registered with the executor's reactor (the context is then left unattached).
boost::system::error_code attachToAsio(redisAsyncContext* context,
                                       const boost::asio::any_io_executor& executor,
                                       std::weak_ptr<void> owner);

}  // namespace switchyard::redis
