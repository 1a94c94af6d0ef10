#pragma once
// The decision half of one request's attempt loop: which backend to try next (priority tiers,
// weights, outlier ejection, the last resort), how long each attempt may take, how long to back
// off before it, and when to stop. It owns no socket, timer or clock: every call that needs the
// time takes `now`, and the caller waits the back-offs and runs the attempts. One per request, on
// its stack; nothing is allocated.
//
//   AttemptSequence attempts(rule, policy, outliers, handles, requestTimeout, now, random);
//   for (;;) {
//     const auto step = attempts.next(now);        // admitted by outlier detection
//     for (auto index : attempts.takeSkipped()) {} // log "ejected" (also when step is nullopt)
//     if (!step) break;
//     run the attempt on step->index, bounded by attempts.attemptTime(now) at each wait
//     answered:  attempts.onAnswered(); done
//     abandoned: attempts.onAbandoned(); break
//     failed:    const auto backOff = attempts.onFailed(error, now);
//                if the response has started: done; wait backOff
//   }
//   respond with the last error, or "no backend" when stopReason() is "no_backend".

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string_view>

#include "config/snapshot.hpp"
#include "core/error.hpp"
#include "route/attempt_plan.hpp"
#include "route/outlier_detector.hpp"
#include "route/retry_policy.hpp"

namespace switchyard::route {

class AttemptSequence {
 public:
  struct Step {
    std::uint8_t index = 0;                    // backendRef index of the rule
    Admission admission = Admission::Healthy;  // Healthy, Trial or LastResort
  };

  // Plans the rule's backends at `now` (priority tiers, weighted order, ejected ones left out)
  // and starts the request's deadline. `policy` null = Switchyard's default retry rules; it and
  // `outliers` outlive the sequence. `handles[i]` belongs to rule.backendRefs[i] (missing or null:
  // not tracked).
  AttemptSequence(const config::Rule& rule, const config::RetryPolicy* policy,
                  OutlierDetector& outliers, std::span<const BackendHandle> handles,
                  Millis requestTimeout, SteadyTime now, std::minstd_rand& random);
  AttemptSequence(const AttemptSequence&) = delete;
  AttemptSequence& operator=(const AttemptSequence&) = delete;

  // The next attempt, admitted at `now`, its own deadline starting now. A backend not admitted
  // (ejected, or another request holds its trial) is skipped without counting as an attempt;
  // when this request has tried nothing and nothing is left, the last one is admitted anyway.
  // nullopt: stop (stopReason() says why). Call again only after onFailed() and its back-off.
  std::optional<Step> next(SteadyTime now);

  // Backends left out since the last call, in order: the ejected ones of the plan, then those
  // next() did not admit. Take them after every next(), including one that returned nullopt.
  AttemptPlan takeSkipped();

  // The outcome of the attempt next() returned.
  void onAnswered();
  // It ended telling nothing about the backend (client gone, request untranslatable): stop.
  void onAbandoned();
  // It failed with `error` at `now`: reported to outlier detection, and the retry policy decides.
  // Wait the returned back-off before next() (0: at once, and always 0 when stopping).
  Millis onFailed(const core::Error& error, SteadyTime now);

  SteadyTime deadline() const { return deadline_; }
  // The current attempt's deadline: its timeout or the request's, whichever comes first.
  SteadyTime attemptDeadline() const { return std::min(deadline_, attemptDeadline_); }
  // What is left of the request, and of the current attempt; never negative.
  Millis remaining(SteadyTime now) const { return until(deadline_, now); }
  Millis attemptTime(SteadyTime now) const { return until(attemptDeadline(), now); }

  // Attempts started by next().
  int attempts() const { return attempts_; }
  // Why the sequence stopped: a RetryDecision reason (not_retriable, retries_exhausted,
  // backends_exhausted, request_timeout, retry_after_beyond_deadline), "no_backend" (the plan is
  // empty), "abandoned"; empty while it goes on and after an answer.
  std::string_view stopReason() const { return stopReason_; }

 private:
  enum class Phase : std::uint8_t { Ready, Attempting, Done };

  AttemptSequence(const config::Rule& rule, const config::RetryPolicy* policy,
                  OutlierDetector& outliers, std::span<const BackendHandle> handles,
                  Millis requestTimeout, SteadyTime now, std::minstd_rand& random,
                  const OutlierDetector::Arranged& arranged);
  static Millis until(SteadyTime when, SteadyTime now);
  BackendHandle handleOf(std::uint8_t index) const {
    return index < AttemptPlan::kMaxAttempts ? handles_[index] : nullptr;
  }
  void stop(std::string_view reason);

  OutlierDetector& outliers_;
  std::minstd_rand& random_;
  BackendHandle handles_[AttemptPlan::kMaxAttempts] = {};
  RetryState retry_;
  AttemptPlan skipped_;
  std::optional<AttemptStep> pending_;  // what next() tries to admit
  Phase phase_ = Phase::Ready;
  Step current_;
  SteadyTime deadline_;
  SteadyTime attemptDeadline_;
  Millis timeout_{0};  // of the pending attempt
  int attempts_ = 0;
  std::string_view stopReason_;
};

}  // namespace switchyard::route
