#pragma once
// Retry and fallback decisions for one request: after a failed attempt, whether to try again, on
// which backend of the attempt plan, after what back-off and with what attempt timeout.
//
// Switchyard's default, when no BackendTrafficPolicy targets the route: every backend of the plan
// is tried once, priority tier by tier (0 first), with no back-off and no per-attempt timeout
// beyond the request's, and the next backend is tried after
//   - DNS failure, connect failure or refusal, TLS failure (handshake or certificate),
//   - a reset before a full response, a per-attempt timeout (a stream's idle timeout before its
//     first event),
//   - HTTP 429, 500, 502, 503, 504, and 529 (Anthropic's overloaded_error),
//   - a backend whose credential cannot be obtained (nothing was sent, so moving on is safe).
// Anything else ends the request with that error (a 400 would fail on every backend alike).
//
// With a BackendTrafficPolicy, Envoy Gateway's meaning is kept:
//   - numRetries: at most 1 + numRetries attempts in all (Envoy Gateway's default is 2 retries).
//   - numAttemptsPerPriority N > 0: N attempts on a tier (cycling through its backends, untried
//     ones first) before moving to the next tier; after the last tier, back to the first (Envoy's
//     previous_priorities). N = 0: each backend of a tier once, then the next tier, cycling the
//     same way; unlike Envoy, priority alone still fails over.
//   - retryOn.triggers (Envoy's x-envoy-retry-on):
//       connect-failure          DNS, connect, TLS failure, unobtainable credential
//       reset                    the above, plus reset and per-attempt timeout (no response at all)
//       5xx                      reset's set, plus any 5xx and an unreadable 2xx answer
//       gateway-error            reset's set, plus 502, 503, 504 and an unreadable 2xx answer
//       retriable-4xx            409
//       retriable-status-codes   retryOn.httpStatusCodes
//       refused-stream           an HTTP/2 stream the backend closed with REFUSED_STREAM (not
//                                processed); the upstream client has already sent it again once
//                                on a fresh stream. reset, 5xx and gateway-error include it.
//     gRPC triggers never match.
//     No triggers at all: Envoy Gateway's default, connect-failure + retriable-status-codes (with
//     503 when httpStatusCodes is empty too).
//   - perRetry.timeout: every attempt's timeout (the first's too), bounded by the request's.
//   - perRetry.backOff: Envoy's fully jittered exponential back-off, uniform in
//     [0, min((2^n - 1) × base, max)) before the n-th repeat.
// Both: back-off applies only before trying a backend this request already tried; moving on to a
// fresh backend happens at once. A Retry-After from the backend about to be repeated is waited
// for when it is shorter than what remains of the request, else the request ends. Nothing is
// retried once the request's time is up, and (the caller's rule) never after the first byte to the
// client.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "config/snapshot.hpp"
#include "core/error.hpp"
#include "route/attempt_plan.hpp"

namespace switchyard::route {

using Millis = std::chrono::milliseconds;

// The policy compiled into flags; built per request without allocating (it points into the
// snapshot's RetryPolicy, which outlives the request).
class RetryRules {
 public:
  enum Trigger : std::uint32_t {
    kConnectFailure = 1u << 0,
    kReset = 1u << 1,
    k5xx = 1u << 2,
    kGatewayError = 1u << 3,
    kRetriable4xx = 1u << 4,
    kRetriableStatusCodes = 1u << 5,
    kRefusedStream = 1u << 6,
  };

  // null = Switchyard's default (above).
  explicit RetryRules(const config::RetryPolicy* policy = nullptr);

  bool isDefault() const { return policy_ == nullptr; }
  std::uint32_t triggers() const { return triggers_; }
  // Whether another attempt may follow this failure.
  bool retriable(const core::Error& error) const;
  // Attempts in all; 0 = no limit but the plan (the default: each backend once).
  int maxAttempts() const;
  // Attempts per priority tier; 0 = each backend of the tier once.
  int attemptsPerTier() const;
  // Whether the walk starts over at the first tier once the last one is used up.
  bool cycles() const { return policy_ != nullptr; }
  // Timeout of an attempt starting with `remaining` of the request left.
  Millis attemptTimeout(Millis remaining) const;
  // Back-off before the n-th repeat of an already tried backend (n from 1).
  Millis backOff(int n, std::minstd_rand& random) const;

 private:
  bool statusListed(unsigned status) const;

  const config::RetryPolicy* policy_ = nullptr;
  std::uint32_t triggers_ = 0;
  bool default503_ = false;  // no triggers and no status codes: Envoy Gateway retries 503
};

// The next attempt: a backendRef index of the rule.
struct AttemptStep {
  std::uint8_t index = 0;
  // Pass to OutlierDetector::admit(): this request has nothing else left to try.
  bool mustTry = false;
};

struct RetryDecision {
  bool retry = false;
  AttemptStep next;         // valid when retry
  bool sameTier = false;    // the next attempt stays on the failed attempt's priority tier
  bool repeat = false;      // the next backend was already tried by this request
  Millis backOff{0};        // wait this long before the next attempt
  Millis timeout{0};        // the next attempt's timeout
  std::string_view reason;  // when !retry: not_retriable, retries_exhausted, backends_exhausted,
                            // request_timeout, retry_after_beyond_deadline
};

// One request's walk over its (already arranged) attempt plan. On the request's stack; no
// allocation. The plan holds backendRef indexes of `rule`, tiers in ascending priority.
class RetryState {
 public:
  RetryState(RetryRules rules, const config::Rule& rule, const AttemptPlan& plan);

  // The first attempt; nullopt when the plan is empty.
  std::optional<AttemptStep> first() const;
  // Timeout of the first attempt.
  Millis firstTimeout(Millis remaining) const { return rules_.attemptTimeout(remaining); }
  // After the current attempt failed with `error`, `remaining` of the request left.
  RetryDecision onFailure(const core::Error& error, Millis remaining, std::minstd_rand& random);
  // The current backend was not admitted (ejected, or its trial is taken): it is dropped from this
  // request without counting as an attempt. The next step, or nullopt when none is left; when this
  // request has not attempted anything yet, the last one is handed back with mustTry.
  std::optional<AttemptStep> onRejected();

  int attempts() const { return attempts_; }

 private:
  static constexpr std::size_t kMax = AttemptPlan::kMaxAttempts;
  int tierOf(std::size_t position) const { return tierOf_[position]; }
  int liveInTier(int tier) const;
  // Moves to the next position to try; false when none.
  bool advance();
  std::optional<std::size_t> pickInTier(int tier) const;

  RetryRules rules_;  // a copy: small, and safe when built from a temporary
  std::uint8_t indexes_[kMax] = {};
  std::uint8_t tierOf_[kMax] = {};
  std::uint8_t tierStart_[kMax + 1] = {};
  std::size_t size_ = 0;
  int tiers_ = 0;
  std::uint32_t tried_ = 0;    // positions attempted at least once
  std::uint32_t dropped_ = 0;  // positions rejected by outlier detection
  std::size_t current_ = 0;
  int tier_ = 0;
  int attemptsInTier_ = 0;
  int attempts_ = 0;
  int repeats_ = 0;
};

}  // namespace switchyard::route
