#pragma once
// TokenCache: one per credential, shared by every worker thread (docs/spec/wire.md §3.3). A valid
// token is read without a lock; when none is valid, callers join the single fetch in flight and
// resume on their own executor. Fetches and timers run on the auth thread. Refresh starts in the
// background `refreshAhead` before expiry (callers keep the still-valid token), and a timer keeps
// an idle gateway's token fresh. A failed refresh keeps the old token until it expires and is
// retried with backoff; while no token is usable and the last fetch failed less than the backoff
// ago, get() answers that failure at once instead of calling the token endpoint again.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth/access_token.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace switchyard::auth {

struct TokenCacheOptions {
  // A token closer than this to its expiry is not handed out (it could expire in flight); capped
  // at a quarter of the token's lifetime so short-lived tokens stay usable.
  std::chrono::seconds expiryMargin{30};
  // Refresh in the background once less than this remains (capped at half the token's lifetime).
  std::chrono::seconds refreshAhead{300};
  // Backoff after a failed fetch: min, doubled per consecutive failure, capped at max.
  std::chrono::milliseconds retryBackoffMin{1'000};
  std::chrono::milliseconds retryBackoffMax{60'000};
  // Arm a timer on the auth thread for the next refresh and for retries after failures, so the
  // token stays fresh with no traffic. Off = refresh only when get() notices (tests).
  bool timerRefresh = true;
};

class TokenCache {
 public:
  // `authExecutor` runs every fetch and timer (calls are serialized on a strand of it). `clock`
  // decides validity and must outlive the auth thread's work, as must `authExecutor`'s context.
  TokenCache(std::shared_ptr<TokenSource> source, boost::asio::any_io_executor authExecutor,
             const core::Clock& clock, TokenCacheOptions options = {});
  // Cancels the refresh timer; a fetch in flight still completes and answers its waiters.
  ~TokenCache();
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // From any thread's coroutine. Failure is CredentialUnavailable naming describe(), never a token.
  boost::asio::awaitable<core::Result<AccessToken>> get();
  // get()'s answer when it would not wait: the token usable now (a refresh starts in the
  // background when one is due), or null. Any thread; no coroutine, no copy of the token.
  std::shared_ptr<const AccessToken> usableNow();

  // Starts a fetch now unless one is in flight (e.g. at start-up, so the first request finds a
  // token). Does not wait.
  void prefetch();

  // The backend answered 401 with `rejectedToken`: drop it so the next get() fetches. Only drops
  // the cached token if it is that one, so a burst of 401s for an old token costs one fetch. Empty
  // = drop whatever is cached.
  void invalidate(std::string_view rejectedToken = {});

  std::string describe() const;

  // Where the cache stands, for readiness (any thread; never a token).
  struct Status {
    bool usable = false;          // holds a token usable now
    bool obtainedBefore = false;  // some fetch has brought a token
    int failuresInARow = 0;       // fetches failed since the last success
    std::string lastError;        // the latest failure, naming the credential; empty after success
  };
  Status status() const;

  // For metrics and tests.
  std::uint64_t fetches() const;                      // fetches started
  std::uint64_t failures() const;                     // fetches that failed
  std::uint64_t successes() const;                    // fetches that brought a token
  std::size_t waiters() const;                        // callers waiting for the fetch in flight
  std::shared_ptr<const AccessToken> cached() const;  // the token held now (maybe stale), or null

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with work in flight on the auth thread
};

}  // namespace switchyard::auth
