#include "route/attempt_sequence.hpp"

#include <algorithm>
#include <cassert>

namespace switchyard::route {

namespace {

OutlierDetector::Arranged arrangeFor(const config::Rule& rule, const OutlierDetector& outliers,
                                     std::span<const BackendHandle> handles, SteadyTime now,
                                     std::minstd_rand& random) {
  auto handleOf = [&](std::uint8_t index) {
    return index < handles.size() ? handles[index] : nullptr;
  };
  return outliers.arrange(planAttempts(rule, random), handleOf, now);
}

}  // namespace

AttemptSequence::AttemptSequence(const config::Rule& rule, const config::RetryPolicy* policy,
                                 OutlierDetector& outliers, std::span<const BackendHandle> handles,
                                 Millis requestTimeout, SteadyTime now, std::minstd_rand& random)
    : AttemptSequence(rule, policy, outliers, handles, requestTimeout, now, random,
                      arrangeFor(rule, outliers, handles, now, random)) {}

AttemptSequence::AttemptSequence(const config::Rule& rule, const config::RetryPolicy* policy,
                                 OutlierDetector& outliers, std::span<const BackendHandle> handles,
                                 Millis requestTimeout, SteadyTime now, std::minstd_rand& random,
                                 const OutlierDetector::Arranged& arranged)
    : outliers_(outliers),
      random_(random),
      retry_(RetryRules(policy), rule, arranged.plan),
      skipped_(arranged.skipped),
      pending_(retry_.first()),
      deadline_(now + requestTimeout),
      attemptDeadline_(deadline_),
      timeout_(retry_.firstTimeout(remaining(now))) {
  std::copy_n(handles.begin(), std::min(handles.size(), AttemptPlan::kMaxAttempts), handles_);
  if (!pending_) stop("no_backend");
}

std::optional<AttemptSequence::Step> AttemptSequence::next(SteadyTime now) {
  assert(phase_ != Phase::Attempting && "report the attempt's outcome before next()");
  if (phase_ != Phase::Ready) return std::nullopt;
  while (pending_) {
    const auto admission = outliers_.admit(handleOf(pending_->index), now, pending_->mustTry);
    if (admission != Admission::Rejected) {
      current_ = Step{pending_->index, admission};
      pending_.reset();
      phase_ = Phase::Attempting;
      attemptDeadline_ = now + timeout_;
      ++attempts_;
      return current_;
    }
    skipped_.push(pending_->index);
    pending_ = retry_.onRejected();
  }
  // Only after a failed attempt: with nothing tried, the last backend is always admitted.
  stop("backends_exhausted");
  return std::nullopt;
}

AttemptPlan AttemptSequence::takeSkipped() {
  const AttemptPlan taken = skipped_;
  skipped_ = AttemptPlan();
  return taken;
}

void AttemptSequence::onAnswered() {
  assert(phase_ == Phase::Attempting);
  outliers_.onSuccess(handleOf(current_.index), current_.admission);
  phase_ = Phase::Done;
}

void AttemptSequence::onAbandoned() {
  assert(phase_ == Phase::Attempting);
  outliers_.onAbandoned(handleOf(current_.index), current_.admission);
  stop("abandoned");
}

Millis AttemptSequence::onFailed(const core::Error& error, SteadyTime now) {
  assert(phase_ == Phase::Attempting);
  outliers_.onFailure(handleOf(current_.index), current_.admission, error, now);
  const auto decision = retry_.onFailure(error, remaining(now), random_);
  if (!decision.retry) {
    stop(decision.reason);
    return Millis(0);
  }
  pending_ = decision.next;
  timeout_ = decision.timeout;
  phase_ = Phase::Ready;
  return decision.backOff;
}

Millis AttemptSequence::until(SteadyTime when, SteadyTime now) {
  return std::max(Millis(0), std::chrono::duration_cast<Millis>(when - now));
}

void AttemptSequence::stop(std::string_view reason) {
  pending_.reset();
  phase_ = Phase::Done;
  stopReason_ = reason;
}

}  // namespace switchyard::route
