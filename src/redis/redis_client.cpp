#include "redis/redis_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <hiredis/async.h>

#include "redis/asio_adapter.hpp"
#include "redis/backoff.hpp"
#include "redis/window_counter.hpp"

namespace switchyard::redis {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

// The connection's first commands; the step rides in hiredis's privdata to name a failure.
enum class HandshakeStep : std::uintptr_t { Auth = 1, Select, Ping };

core::Error makeError(RedisFailure failure, std::string message) {
  using core::ErrorKind;
  ErrorKind kind = ErrorKind::Internal;
  switch (failure) {
    case RedisFailure::NotConnected:
    case RedisFailure::Overloaded:
      kind = ErrorKind::UpstreamConnect;
      break;
    case RedisFailure::Timeout:
      kind = ErrorKind::UpstreamTimeout;
      break;
    case RedisFailure::ConnectionLost:
      kind = ErrorKind::UpstreamReset;
      break;
    case RedisFailure::ServerError:
      kind = ErrorKind::UpstreamBadResponse;
      break;
    case RedisFailure::InvalidArgument:
      kind = ErrorKind::Internal;
      break;
  }
  return core::Error::make(kind, std::move(message));
}

std::string hiredisError(const redisAsyncContext* context) {
  return context->c.errstr[0] != '\0' ? std::string(context->c.errstr) : "connection closed";
}

std::string millis(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + " ms";
}

}  // namespace

std::string_view failureName(RedisFailure failure) {
  switch (failure) {
    case RedisFailure::NotConnected:
      return "not_connected";
    case RedisFailure::Overloaded:
      return "overloaded";
    case RedisFailure::Timeout:
      return "timeout";
    case RedisFailure::ConnectionLost:
      return "connection_lost";
    case RedisFailure::ServerError:
      return "server_error";
    case RedisFailure::InvalidArgument:
      return "invalid_argument";
  }
  return "unknown";
}

class RedisClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  using Handler = std::variant<CountHandler, CountsHandler>;

  Impl(asio::any_io_executor executor, RedisUrl url, RedisClientOptions options,
       RedisObserver* observer)
      : executor_(executor),
        url_(std::move(url)),
        options_(options),
        observer_(observer),
        resolver_(executor),
        connectTimer_(executor),
        backoffTimer_(executor),
        commandTimer_(executor),
        backoff_(options.backoffFirst, options.backoffMax, std::random_device{}()) {
    where_ = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    where_ += ":" + std::to_string(url_.port);
  }

  void start() {
    asio::post(executor_, [weak = weak_from_this()] {
      if (auto self = weak.lock(); self && !self->closing_) self->connect();
    });
  }

  // The client is going away: nothing is called back from here on. The hiredis context is freed
  // now, or (inside one of its callbacks) as soon as that callback returns.
  void shutdown() {
    closing_ = true;
    connected_.store(false, std::memory_order_relaxed);
    resolver_.cancel();
    connectTimer_.cancel();
    backoffTimer_.cancel();
    commandTimer_.cancel();
    if (redisAsyncContext* context = std::exchange(context_, nullptr)) redisAsyncFree(context);
  }

  void submit(std::span<const WindowUpdate> updates, Handler handler) {
    for (const WindowUpdate& update : updates) {
      if (update.by > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        postFailure(std::move(handler), RedisFailure::InvalidArgument,
                    "redis: an increment above 2^63-1");
        return;
      }
    }
    if (updates.empty()) {  // nothing to ask: answered without a round trip
      asio::post(executor_, [weak = weak_from_this(), handler = std::move(handler)]() mutable {
        if (auto self = weak.lock(); self && !self->closing_) deliver(handler, {});
      });
      return;
    }
    if (!ready_) {
      postFailure(std::move(handler), RedisFailure::NotConnected,
                  "redis " + where_ + " not connected (" +
                      (lastError_.empty() ? std::string("connecting") : lastError_) + ")");
      return;
    }
    if (pending_.size() >= options_.maxInFlight) {
      postFailure(std::move(handler), RedisFailure::Overloaded,
                  "redis " + where_ + ": " + std::to_string(pending_.size()) +
                      " commands already waiting for an answer");
      return;
    }
    if (!queueWindowTransaction(context_, updates, &Impl::onQueued, &Impl::onExec, nullptr)) {
      // hiredis refuses commands only on a context that is going down.
      // Dropped from the loop, not here: freeing the context calls the handlers of the commands
      // in flight, which must not run inside this call.
      postFailure(std::move(handler), RedisFailure::ConnectionLost,
                  "redis " + where_ + ": connection lost");
      asio::post(executor_, [weak = weak_from_this(), context = context_] {
        auto self = weak.lock();
        if (self && !self->closing_ && self->context_ == context)
          self->linkFailed("hiredis refused a command", /*hiredisFrees=*/false);
      });
      return;
    }
    pending_.push_back(Pending{std::move(handler), SteadyClock::now(), updates.size()});
    ++stats_.commands;
    if (!commandTimerArmed_) armCommandTimer(pending_.back().sent + options_.commandTimeout);
  }

  const asio::any_io_executor& executor() const { return executor_; }
  bool connected() const { return connected_.load(std::memory_order_relaxed); }
  std::string_view lastError() const { return lastError_; }
  std::size_t inFlight() const { return pending_.size(); }
  const RedisClientStats& stats() const { return stats_; }

 private:
  struct Pending {
    Handler handler;
    SteadyClock::time_point sent;
    std::size_t counters = 0;
  };

  // --- connecting

  void connect() {
    ready_ = false;
    connecting_ = true;
    const std::uint64_t attempt = ++attempt_;
    connectTimer_.expires_after(options_.connectTimeout);
    connectTimer_.async_wait(
        [weak = weak_from_this(), attempt](const boost::system::error_code& ec) {
          auto self = weak.lock();
          if (ec || !self || self->closing_ || attempt != self->attempt_ || !self->connecting_)
            return;
          self->linkFailed("timed out connecting after " + millis(self->options_.connectTimeout),
                           /*hiredisFrees=*/false);
        });

    boost::system::error_code ec;
    const auto literal = asio::ip::make_address(url_.host, ec);
    if (!ec) {
      open(literal);
      return;
    }
    // The resolver runs getaddrinfo on Asio's own thread, off the event loop.
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port), asio::ip::tcp::resolver::numeric_service,
        [weak = weak_from_this(), attempt](const boost::system::error_code& ec,
                                           const asio::ip::tcp::resolver::results_type& results) {
          auto self = weak.lock();
          if (!self || self->closing_ || attempt != self->attempt_) return;
          if (ec || results.empty()) {
            self->linkFailed("cannot resolve " + self->url_.host + ": " +
                                 (ec ? ec.message() : std::string("no address")),
                             /*hiredisFrees=*/false);
            return;
          }
          // One address per attempt, taking turns, so a name with a dead address still connects.
          auto it = results.begin();
          std::advance(it, static_cast<std::ptrdiff_t>(self->addressTurn_++ % results.size()));
          self->open(it->endpoint().address());
        });
  }

  // hiredis connects without blocking to an IP literal (its getaddrinfo then does no lookup).
  void open(const asio::ip::address& address) {
    const std::string ip = address.to_string();
    redisAsyncContext* context = redisAsyncConnect(ip.c_str(), url_.port);
    if (context == nullptr) {
      linkFailed("out of memory", /*hiredisFrees=*/false);
      return;
    }
    if (context->err) {
      std::string reason = hiredisError(context);
      redisAsyncFree(context);
      linkFailed(std::move(reason), /*hiredisFrees=*/false);
      return;
    }
    if (auto ec = attachToAsio(context, executor_, weak_from_this())) {
      redisAsyncFree(context);
      linkFailed("cannot watch the socket: " + ec.message(), /*hiredisFrees=*/false);
      return;
    }
    context->data = this;
    redisEnableKeepAlive(&context->c);  // a silent peer is noticed while idle too
    redisAsyncSetConnectCallback(context, &Impl::onConnect);
    redisAsyncSetDisconnectCallback(context, &Impl::onDisconnect);
    context_ = context;

    // Queued now, sent as soon as TCP is up: one round trip for the whole handshake. PING makes
    // "ready" mean that the server answers, even with neither AUTH nor SELECT to send.
    handshakeLeft_ = 0;
    bool queued = true;
    if (!url_.password.empty()) {
      queued = url_.username.empty()
                   ? handshake(HandshakeStep::Auth, {"AUTH", url_.password})
                   : handshake(HandshakeStep::Auth, {"AUTH", url_.username, url_.password});
    }
    if (queued && url_.db != 0)
      queued = handshake(HandshakeStep::Select, {"SELECT", std::to_string(url_.db)});
    if (queued) queued = handshake(HandshakeStep::Ping, {"PING"});
    if (!queued) linkFailed("hiredis refused the handshake", /*hiredisFrees=*/false);
  }

  bool handshake(HandshakeStep step, std::initializer_list<std::string_view> args) {
    const char* argv[3];
    std::size_t lengths[3];
    int argc = 0;
    for (std::string_view arg : args) {
      argv[argc] = arg.data();
      lengths[argc] = arg.size();
      ++argc;
    }
    ++handshakeLeft_;
    return redisAsyncCommandArgv(context_, &Impl::onHandshake,
                                 reinterpret_cast<void*>(static_cast<std::uintptr_t>(step)), argc,
                                 argv, lengths) == REDIS_OK;
  }

  void handshakeReply(redisAsyncContext* context, const redisReply* reply, HandshakeStep step) {
    if (closing_ || context != context_) return;
    if (reply == nullptr) {
      linkFailed(hiredisError(context), /*hiredisFrees=*/true);
      return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      std::string what = step == HandshakeStep::Auth     ? "AUTH"
                         : step == HandshakeStep::Select ? "SELECT " + std::to_string(url_.db)
                                                         : "PING";
      linkFailed(what + " failed: " + withoutPassword(std::string(reply->str, reply->len)),
                 /*hiredisFrees=*/false);
      return;
    }
    if (--handshakeLeft_ > 0) return;
    connecting_ = false;
    ready_ = true;
    connected_.store(true, std::memory_order_relaxed);
    backoff_.reset();
    connectTimer_.cancel();
    ++stats_.connects;
    if (observer_) observer_->onConnected();
  }

  // A server or proxy might quote a command's arguments in its error; the password never leaves.
  std::string withoutPassword(std::string text) const {
    if (url_.password.empty()) return text;
    for (auto at = text.find(url_.password); at != std::string::npos;
         at = text.find(url_.password, at + 3)) {
      text.replace(at, url_.password.size(), "***");
    }
    return text;
  }

  // The current connection (or attempt) is over: fail over to the back-off. With `hiredisFrees`,
  // hiredis is already freeing the context (it found the error itself); otherwise it is freed
  // here, which fails the commands in flight through their NULL replies. Callers check closing_
  // afterwards: a handler called from here may have destroyed the client.
  void linkFailed(std::string reason, bool hiredisFrees) {
    if (closing_) return;
    redisAsyncContext* context = std::exchange(context_, nullptr);
    const bool wasReady = ready_;
    ready_ = false;
    connecting_ = false;
    connected_.store(false, std::memory_order_relaxed);
    ++attempt_;
    resolver_.cancel();
    connectTimer_.cancel();
    lastError_ = std::move(reason);
    if (wasReady) {
      ++stats_.disconnects;
      backoff_.reset();
      if (observer_) observer_->onDisconnected(lastError_);
    } else {
      ++stats_.connectFailures;
      if (observer_) observer_->onConnectFailed(lastError_);
    }
    scheduleReconnect();
    if (context != nullptr && !hiredisFrees) redisAsyncFree(context);
  }

  void scheduleReconnect() {
    backoffTimer_.expires_after(backoff_.next());
    backoffTimer_.async_wait(
        [weak = weak_from_this(), attempt = attempt_](const boost::system::error_code& ec) {
          auto self = weak.lock();
          if (ec || !self || self->closing_ || attempt != self->attempt_) return;
          self->connect();
        });
  }

  // --- commands

  void armCommandTimer(SteadyClock::time_point at) {
    commandTimerArmed_ = true;
    commandTimer_.expires_at(at);
    commandTimer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->closing_) return;
      self->commandTimerFired();
    });
  }

  // Fails the commands whose time is up (they stay in pending_ until hiredis hands over their
  // late answers), and drops a connection whose oldest command has waited for brokenAfter.
  void commandTimerFired() {
    commandTimerArmed_ = false;
    const auto now = SteadyClock::now();
    while (!closing_ && expired_ < pending_.size() &&
           pending_[expired_].sent + options_.commandTimeout <= now) {
      Handler handler = std::move(pending_[expired_].handler);
      ++expired_;
      fail(handler, RedisFailure::Timeout,
           "redis " + where_ + ": no answer within " + millis(options_.commandTimeout));
    }
    if (closing_) return;
    if (ready_ && !pending_.empty() && pending_.front().sent + options_.brokenAfter <= now) {
      linkFailed("no answer for " + millis(options_.brokenAfter), /*hiredisFrees=*/false);
      if (closing_) return;
    }
    if (pending_.empty()) return;
    auto next = pending_.front().sent + options_.brokenAfter;
    if (expired_ < pending_.size())
      next = std::min(next, pending_[expired_].sent + options_.commandTimeout);
    armCommandTimer(next);
  }

  void execReply(redisAsyncContext* context, const redisReply* reply) {
    if (reply == nullptr && context == context_) linkFailed(hiredisError(context), true);
    if (pending_.empty()) return;  // every EXEC has its entry; kept safe all the same
    const bool expired = expired_ > 0;
    if (expired) --expired_;
    Pending entry = std::move(pending_.front());
    pending_.pop_front();
    std::string queuedError = std::exchange(queuedError_, {});
    if (closing_ || expired) return;
    if (reply == nullptr) {
      fail(entry.handler, RedisFailure::ConnectionLost,
           "redis " + where_ + ": connection lost (" + lastError_ + ")");
      return;
    }
    ++stats_.answered;
    if (observer_) observer_->onRoundTrip(SteadyClock::now() - entry.sent);
    auto read = readWindowReply(*reply, entry.counters, values_);
    if (!read) {
      // EXECABORT says only that a queued command was refused; the refusal says why.
      const bool aborted = reply->type == REDIS_REPLY_ERROR && reply->len >= 9 &&
                           std::memcmp(reply->str, "EXECABORT", 9) == 0;
      std::string message = aborted && !queuedError.empty() ? "redis: " + queuedError
                                                            : std::move(read.error().message);
      fail(entry.handler, RedisFailure::ServerError, std::move(message));
      return;
    }
    deliver(entry.handler, std::span<const std::uint64_t>(values_));
  }

  static void deliver(Handler& handler, core::Result<std::span<const std::uint64_t>> result) {
    if (auto* one = std::get_if<CountHandler>(&handler)) {
      if (!result) {
        (*one)(std::move(result.error()));
      } else {
        (*one)(result->empty() ? 0 : result->front());
      }
    } else {
      std::get<CountsHandler>(handler)(std::move(result));
    }
  }

  void count(RedisFailure failure) {
    ++stats_.failures[static_cast<std::size_t>(failure)];
    if (observer_) observer_->onFailure(failure);
  }

  void fail(Handler& handler, RedisFailure failure, std::string message) {
    count(failure);
    deliver(handler, makeError(failure, std::move(message)));
  }

  // Never inside the call that started the command: the caller may hold locks or be mid-update.
  void postFailure(Handler handler, RedisFailure failure, std::string message) {
    count(failure);
    asio::post(executor_, [weak = weak_from_this(), handler = std::move(handler),
                           error = makeError(failure, std::move(message))]() mutable {
      if (auto self = weak.lock(); self && !self->closing_) deliver(handler, std::move(error));
    });
  }

  // --- hiredis callbacks (context->data is the Impl, kept alive by the Asio handler running them)

  static Impl& of(const redisAsyncContext* context) { return *static_cast<Impl*>(context->data); }

  static void onConnect(const redisAsyncContext* context, int status) {
    Impl& self = of(context);
    if (status != REDIS_OK && !self.closing_ && context == self.context_)
      self.linkFailed(hiredisError(context), /*hiredisFrees=*/true);
  }

  static void onDisconnect(const redisAsyncContext* context, int) {
    Impl& self = of(context);
    if (!self.closing_ && context == self.context_)
      self.linkFailed(hiredisError(context), /*hiredisFrees=*/true);
  }

  static void onHandshake(redisAsyncContext* context, void* reply, void* step) {
    of(context).handshakeReply(context, static_cast<const redisReply*>(reply),
                               static_cast<HandshakeStep>(reinterpret_cast<std::uintptr_t>(step)));
  }

  static void onQueued(redisAsyncContext* context, void* reply, void*) {
    Impl& self = of(context);
    const auto* r = static_cast<const redisReply*>(reply);
    if (r != nullptr && r->type == REDIS_REPLY_ERROR && self.queuedError_.empty())
      self.queuedError_.assign(r->str, r->len);
  }

  static void onExec(redisAsyncContext* context, void* reply, void*) {
    of(context).execReply(context, static_cast<const redisReply*>(reply));
  }

  asio::any_io_executor executor_;
  RedisUrl url_;
  std::string where_;  // host:port, for messages
  RedisClientOptions options_;
  RedisObserver* observer_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer connectTimer_;
  asio::steady_timer backoffTimer_;
  asio::steady_timer commandTimer_;
  Backoff backoff_;

  std::atomic<bool> connected_{false};  // mirrors ready_ for other threads
  std::string lastError_;
  RedisClientStats stats_;

  redisAsyncContext* context_ = nullptr;
  bool closing_ = false;
  bool connecting_ = false;
  bool ready_ = false;         // AUTH, SELECT and PING answered: commands may go
  std::uint64_t attempt_ = 0;  // bumped per attempt and failure: older handlers see they are stale
  std::size_t addressTurn_ = 0;
  int handshakeLeft_ = 0;
  std::string queuedError_;  // the first error queued in the current transaction

  std::deque<Pending> pending_;  // in the order hiredis will answer them
  std::size_t expired_ = 0;      // pending_'s first entries, already failed by their timeout
  bool commandTimerArmed_ = false;
  std::vector<std::uint64_t> values_;  // reused for each answer
};

RedisClient::RedisClient(asio::any_io_executor executor, RedisUrl url, RedisClientOptions options,
                         RedisObserver* observer)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(url), options, observer)) {
  impl_->start();
}

RedisClient::~RedisClient() { impl_->shutdown(); }

void RedisClient::incrementWindow(std::string_view key, std::uint64_t by, std::uint32_t ttlSeconds,
                                  CountHandler handler) {
  const WindowUpdate update{key, by, ttlSeconds};
  impl_->submit(std::span<const WindowUpdate>(&update, 1),
                Impl::Handler(std::in_place_type<CountHandler>, std::move(handler)));
}

void RedisClient::incrementWindows(std::span<const WindowUpdate> updates, CountsHandler handler) {
  impl_->submit(updates, Impl::Handler(std::in_place_type<CountsHandler>, std::move(handler)));
}

asio::any_io_executor RedisClient::executor() const { return impl_->executor(); }

bool RedisClient::connected() const { return impl_->connected(); }

std::string_view RedisClient::lastError() const { return impl_->lastError(); }

std::size_t RedisClient::inFlight() const { return impl_->inFlight(); }

const RedisClientStats& RedisClient::stats() const { return impl_->stats(); }

}  // namespace switchyard::redis
