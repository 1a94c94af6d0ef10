#include "auth/token_cache.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <vector>

namespace switchyard::auth {

namespace asio = boost::asio;
using SystemTime = std::chrono::system_clock::time_point;
using TokenResult = core::Result<AccessToken>;

namespace {

struct Entry {
  AccessToken token;
  SystemTime refreshAt;    // when a background refresh should start
  SystemTime usableUntil;  // expiry less the margin (capped at a quarter of a short lifetime)
};

// A caller parked until the fetch in flight completes; resumed on its own executor.
struct Waiter {
  asio::any_io_executor executor;  // holds outstanding work, so the caller's loop keeps running
  asio::any_completion_handler<void(TokenResult)> handler;
};

void complete(Waiter waiter, const TokenResult& result) {
  asio::post(waiter.executor, [handler = std::move(waiter.handler), result]() mutable {
    std::move(handler)(std::move(result));
  });
}

}  // namespace

struct TokenCache::State : std::enable_shared_from_this<TokenCache::State> {
  State(std::shared_ptr<TokenSource> source, asio::any_io_executor executor,
        const core::Clock& clock, TokenCacheOptions options)
      : source(std::move(source)),
        strand(asio::make_strand(std::move(executor))),
        clock(clock),
        options(options),
        name(this->source->describe()),
        timer(strand) {}

  const std::shared_ptr<TokenSource> source;
  const asio::strand<asio::any_io_executor> strand;
  const core::Clock& clock;
  const TokenCacheOptions options;
  const std::string name;

  // Read lock-free on the fast path; written under `mutex`.
  std::atomic<std::shared_ptr<const Entry>> entry;
  std::atomic<bool> inFlight{false};
  std::atomic<SystemTime::rep> retryNotBefore{SystemTime::min().time_since_epoch().count()};
  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> fetches{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> successes{0};

  // Slow path only.
  mutable std::mutex mutex;
  std::vector<Waiter> waiters;
  std::optional<core::Error> lastError;
  int consecutiveFailures = 0;

  asio::steady_timer timer;  // used on `strand` only

  bool usable(const Entry* candidate, SystemTime now) const {
    return candidate != nullptr && now < candidate->usableUntil;
  }

  bool holdingFailure(SystemTime now) const {
    return now.time_since_epoch().count() < retryNotBefore.load(std::memory_order_relaxed);
  }

  std::chrono::milliseconds backoff(int failuresInARow) const {
    auto delay = options.retryBackoffMin;
    for (int i = 1; i < failuresInARow && delay < options.retryBackoffMax; ++i) delay *= 2;
    return std::min(delay, options.retryBackoffMax);
  }

  // Caller holds `mutex` and has seen no fetch in flight; it calls launchFetch() once unlocked.
  void claimFetchLocked() {
    inFlight.store(true, std::memory_order_relaxed);
    fetches.fetch_add(1, std::memory_order_relaxed);
  }

  // Never under `mutex`: co_spawn from the strand itself (the timer) runs the fetch inline, and
  // finish() takes the mutex.
  void launchFetch() { asio::co_spawn(strand, runFetch(shared_from_this()), asio::detached); }

  // From the fast path (the token is valid but due for refresh) or the timer (`force`: ignore the
  // failure hold, the timer was armed for exactly its end).
  void refreshInBackground(SystemTime now, bool force) {
    if (inFlight.load(std::memory_order_relaxed)) return;
    if (!force && holdingFailure(now)) return;
    {
      std::lock_guard lock(mutex);
      if (inFlight.load(std::memory_order_relaxed)) return;
      claimFetchLocked();
    }
    launchFetch();
  }

  template <class Handler>
  void join(Handler handler) {
    auto executor = asio::prefer(asio::get_associated_executor(handler),
                                 asio::execution::outstanding_work.tracked);
    Waiter waiter{std::move(executor), std::move(handler)};
    std::optional<TokenResult> immediate;
    bool launch = false;
    {
      std::lock_guard lock(mutex);
      const auto now = clock.now();
      const auto current = entry.load(std::memory_order_acquire);
      if (usable(current.get(), now)) {
        immediate.emplace(current->token);  // a fetch finished since the fast path looked
      } else if (inFlight.load(std::memory_order_relaxed)) {
        waiters.push_back(std::move(waiter));
      } else if (lastError && holdingFailure(now)) {
        immediate.emplace(*lastError);  // failed moments ago: answer at once, don't hammer
      } else {
        waiters.push_back(std::move(waiter));
        claimFetchLocked();
        launch = true;
      }
    }
    if (launch) launchFetch();
    if (immediate) complete(std::move(waiter), *immediate);
  }

  // Parks the caller until a usable token or an error is known (not a coroutine: the initiation
  // runs when the caller awaits).
  static asio::awaitable<TokenResult> waitForFetch(std::shared_ptr<State> state) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(TokenResult)>(
        [state = std::move(state)](auto handler) { state->join(std::move(handler)); },
        asio::use_awaitable);
  }

  static asio::awaitable<void> runFetch(std::shared_ptr<State> self) {
    std::optional<TokenResult> result;
    try {
      result.emplace(co_await self->source->fetch());
    } catch (const std::exception&) {
      result.emplace(core::Error::make(core::ErrorKind::Internal, "token source failed"));
    }
    self->finish(std::move(*result));
  }

  // On `strand`, when a fetch completes.
  void finish(TokenResult result) {
    const auto now = clock.now();
    std::vector<Waiter> ready;
    std::optional<TokenResult> answer;
    std::optional<SystemTime> wakeAt;
    const bool failed = !result;
    {
      std::lock_guard lock(mutex);
      if (result) {
        const auto lifetime = result->expiresAt - now;
        const auto ahead =
            std::min<std::chrono::system_clock::duration>(options.refreshAhead, lifetime / 2);
        const auto margin =
            std::min<std::chrono::system_clock::duration>(options.expiryMargin, lifetime / 4);
        auto fresh = std::make_shared<const Entry>(
            Entry{*result, result->expiresAt - ahead, result->expiresAt - margin});
        wakeAt = fresh->refreshAt;
        entry.store(std::move(fresh), std::memory_order_release);
        consecutiveFailures = 0;
        lastError.reset();
        retryNotBefore.store(SystemTime::min().time_since_epoch().count(),
                             std::memory_order_relaxed);
        answer.emplace(std::move(result));
      } else {
        ++consecutiveFailures;
        lastError =
            core::Error::make(core::ErrorKind::CredentialUnavailable,
                              "no access token for " + name + ": " + result.error().message);
        wakeAt = now + backoff(consecutiveFailures);
        retryNotBefore.store(wakeAt->time_since_epoch().count(), std::memory_order_relaxed);
        // Waiters only exist when no token was usable, but one may have been since invalidated.
        const auto current = entry.load(std::memory_order_acquire);
        if (usable(current.get(), now)) {
          answer.emplace(current->token);
        } else {
          answer.emplace(*lastError);
        }
      }
      ready.swap(waiters);
      inFlight.store(false, std::memory_order_relaxed);
      // Counted after inFlight is cleared: whoever sees the failure also sees no fetch in flight.
      if (failed) failures.fetch_add(1, std::memory_order_release);
      if (!failed) successes.fetch_add(1, std::memory_order_relaxed);
    }
    for (auto& waiter : ready) complete(std::move(waiter), *answer);
    if (wakeAt) armTimer(*wakeAt, now);
  }

  // On `strand`.
  void armTimer(SystemTime wakeAt, SystemTime now) {
    if (!options.timerRefresh || stopped.load(std::memory_order_relaxed)) return;
    const auto delay = std::max<std::chrono::system_clock::duration>(wakeAt - now, {});
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay));
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped.load(std::memory_order_relaxed)) return;
      self->refreshInBackground(self->clock.now(), /*force=*/true);
    });
  }
};

TokenCache::TokenCache(std::shared_ptr<TokenSource> source, asio::any_io_executor authExecutor,
                       const core::Clock& clock, TokenCacheOptions options)
    : state_(std::make_shared<State>(std::move(source), std::move(authExecutor), clock, options)) {}

TokenCache::~TokenCache() {
  state_->stopped.store(true, std::memory_order_relaxed);
  asio::post(state_->strand, [state = state_] { state->timer.cancel(); });
}

std::shared_ptr<const AccessToken> TokenCache::usableNow() {
  const auto now = state_->clock.now();
  auto current = state_->entry.load(std::memory_order_acquire);
  if (!state_->usable(current.get(), now)) return nullptr;
  if (now >= current->refreshAt) state_->refreshInBackground(now, /*force=*/false);
  const AccessToken* token = &current->token;
  return std::shared_ptr<const AccessToken>(std::move(current), token);
}

asio::awaitable<TokenResult> TokenCache::get() {
  // Kept free of if-initializers and lambda temporaries: GCC 12 miscompiles some of those inside
  // coroutines (a captured shared_ptr was released twice).
  std::shared_ptr<const AccessToken> token = usableNow();
  if (token) co_return *token;
  token.reset();
  co_return co_await State::waitForFetch(state_);
}

void TokenCache::prefetch() { state_->refreshInBackground(state_->clock.now(), /*force=*/true); }

void TokenCache::invalidate(std::string_view rejectedToken) {
  std::lock_guard lock(state_->mutex);
  const auto current = state_->entry.load(std::memory_order_acquire);
  if (!current || (!rejectedToken.empty() && current->token.value != rejectedToken)) return;
  state_->entry.store(nullptr, std::memory_order_release);
  // The token was refused, not the credential: let the next get() fetch even during a backoff.
  state_->retryNotBefore.store(SystemTime::min().time_since_epoch().count(),
                               std::memory_order_relaxed);
}

std::string TokenCache::describe() const { return state_->name; }

TokenCache::Status TokenCache::status() const {
  Status status;
  std::lock_guard lock(state_->mutex);
  const auto current = state_->entry.load(std::memory_order_acquire);
  status.usable = state_->usable(current.get(), state_->clock.now());
  status.obtainedBefore = state_->successes.load(std::memory_order_relaxed) > 0;
  status.failuresInARow = state_->consecutiveFailures;
  if (state_->lastError) status.lastError = state_->lastError->message;
  return status;
}

std::uint64_t TokenCache::fetches() const {
  return state_->fetches.load(std::memory_order_relaxed);
}

std::uint64_t TokenCache::failures() const {
  return state_->failures.load(std::memory_order_acquire);
}

std::uint64_t TokenCache::successes() const {
  return state_->successes.load(std::memory_order_relaxed);
}

std::size_t TokenCache::waiters() const {
  std::lock_guard lock(state_->mutex);
  return state_->waiters.size();
}

std::shared_ptr<const AccessToken> TokenCache::cached() const {
  auto current = state_->entry.load(std::memory_order_acquire);
  if (!current) return nullptr;
  return std::shared_ptr<const AccessToken>(current, &current->token);
}

}  // namespace switchyard::auth
