#include "redis/asio_adapter.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <hiredis/async.h>

namespace switchyard::redis {

namespace {

namespace asio = boost::asio;

// The watcher of one context's socket. It keeps itself alive (self_) from attach to cleanup; each
// wait in flight holds it too, so a wait cancelled by cleanup still finds it.
class Watch {
 public:
  Watch(const asio::any_io_executor& executor, redisAsyncContext* context,
        std::weak_ptr<void> owner)
      : descriptor_(executor), context_(context), owner_(std::move(owner)) {}

  boost::system::error_code attach() {
    boost::system::error_code ec;
    descriptor_.assign(context_->c.fd, ec);
    return ec;
  }

  std::shared_ptr<Watch> self_;

  static void addRead(void* data) { static_cast<Watch*>(data)->want(kRead, true); }
  static void delRead(void* data) { static_cast<Watch*>(data)->want(kRead, false); }
  static void addWrite(void* data) { static_cast<Watch*>(data)->want(kWrite, true); }
  static void delWrite(void* data) { static_cast<Watch*>(data)->want(kWrite, false); }

  // hiredis is about to close the fd: stop watching it without closing it. Waits in flight end
  // with operation_aborted. The hooks are cleared so that no later call reaches this watch (newer
  // hiredis versions may call cleanup twice).
  static void cleanup(void* data) {
    auto* watch = static_cast<Watch*>(data);
    std::shared_ptr<Watch> keep = std::move(watch->self_);
    if (redisAsyncContext* context = std::exchange(watch->context_, nullptr)) {
      context->ev.addRead = nullptr;
      context->ev.delRead = nullptr;
      context->ev.addWrite = nullptr;
      context->ev.delWrite = nullptr;
      context->ev.cleanup = nullptr;
      context->ev.data = nullptr;
    }
    if (watch->descriptor_.is_open()) watch->descriptor_.release();
  }

 private:
  enum Direction { kRead = 0, kWrite = 1 };

  // hiredis asks for readiness level-style (idempotent add/del); a wait is started when wanted and
  // none is in flight, and a wait that completes when no longer wanted is ignored.
  void want(Direction direction, bool on) {
    wanted_[direction] = on;
    if (on && !waiting_[direction]) wait(direction);
  }

  void wait(Direction direction) {
    waiting_[direction] = true;
    descriptor_.async_wait(direction == kRead ? asio::posix::descriptor_base::wait_read
                                              : asio::posix::descriptor_base::wait_write,
                           [self = self_, direction](const boost::system::error_code& ec) {
                             self->ready(direction, ec);
                           });
  }

  void ready(Direction direction, const boost::system::error_code& ec) {
    waiting_[direction] = false;
    if (ec == asio::error::operation_aborted || !context_ || !wanted_[direction]) return;
    // Another error (unexpected for a wait) is left to hiredis, whose read or write will fail
    // and disconnect.
    const auto owner = owner_.lock();
    if (!owner) return;
    if (direction == kRead) {
      redisAsyncHandleRead(context_);
    } else {
      redisAsyncHandleWrite(context_);
    }
  }

  asio::posix::stream_descriptor descriptor_;
  redisAsyncContext* context_;  // null once hiredis cleaned up
  std::weak_ptr<void> owner_;
  bool wanted_[2] = {false, false};
  bool waiting_[2] = {false, false};
};

}  // namespace

boost::system::error_code attachToAsio(redisAsyncContext* context,
                                       const asio::any_io_executor& executor,
                                       std::weak_ptr<void> owner) {
  auto watch = std::make_shared<Watch>(executor, context, std::move(owner));
  if (auto ec = watch->attach()) return ec;
  watch->self_ = watch;
  context->ev.data = watch.get();
  context->ev.addRead = &Watch::addRead;
  context->ev.delRead = &Watch::delRead;
  context->ev.addWrite = &Watch::addWrite;
  context->ev.delWrite = &Watch::delWrite;
  context->ev.cleanup = &Watch::cleanup;
  return {};
}

}  // namespace switchyard::redis
