#include "route/retry_policy.hpp"

#include <algorithm>

namespace switchyard::route {

namespace {

using core::ErrorKind;

std::uint32_t triggerNamed(std::string_view name) {
  if (name == "connect-failure") return RetryRules::kConnectFailure;
  if (name == "reset") return RetryRules::kReset;
  if (name == "5xx") return RetryRules::k5xx;
  if (name == "gateway-error") return RetryRules::kGatewayError;
  if (name == "retriable-4xx") return RetryRules::kRetriable4xx;
  if (name == "retriable-status-codes") return RetryRules::kRetriableStatusCodes;
  if (name == "refused-stream") return RetryRules::kRefusedStream;
  return 0;  // the gRPC triggers: nothing here matches them
}

// Nothing reached the backend, or no connection to it could be made.
bool isConnectFailure(ErrorKind kind) {
  return kind == ErrorKind::UpstreamDns || kind == ErrorKind::UpstreamConnect ||
         kind == ErrorKind::UpstreamTls || kind == ErrorKind::CredentialUnavailable;
}

// The backend gave no response at all.
bool isNoResponse(ErrorKind kind) {
  return isConnectFailure(kind) || kind == ErrorKind::UpstreamReset ||
         kind == ErrorKind::UpstreamTimeout;
}

bool defaultRetriable(const core::Error& error) {
  if (isNoResponse(error.kind)) return true;
  if (error.kind != ErrorKind::UpstreamStatus) return false;
  switch (error.upstreamStatus) {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
    case 529:  // Anthropic's overloaded_error: the next backend may well have room
      return true;
    default:
      return false;
  }
}

constexpr std::uint32_t bit(std::size_t position) { return 1u << position; }

}  // namespace

RetryRules::RetryRules(const config::RetryPolicy* policy) : policy_(policy) {
  if (!policy_) return;
  for (const auto& name : policy_->triggers) triggers_ |= triggerNamed(name);
  if (policy_->triggers.empty()) {
    // Envoy Gateway's retryOn when none is given (its gRPC members mean nothing here).
    triggers_ = kConnectFailure | kRetriableStatusCodes;
    default503_ = policy_->httpStatusCodes.empty();
  }
}

bool RetryRules::statusListed(unsigned status) const {
  if (default503_ && status == 503) return true;
  const auto& codes = policy_->httpStatusCodes;
  return std::find(codes.begin(), codes.end(), status) != codes.end();
}

bool RetryRules::retriable(const core::Error& error) const {
  if (!policy_) return defaultRetriable(error);
  const auto kind = error.kind;
  const std::uint32_t t = triggers_;
  if (isConnectFailure(kind) && (t & (kConnectFailure | kReset | k5xx | kGatewayError)))
    return true;
  if (isNoResponse(kind) && (t & (kReset | k5xx | kGatewayError))) return true;
  if (kind == ErrorKind::UpstreamReset && error.refusedStream && (t & kRefusedStream)) return true;
  // A 2xx we cannot read reaches the client as a 502.
  if (kind == ErrorKind::UpstreamBadResponse && (t & (k5xx | kGatewayError))) return true;
  if (kind != ErrorKind::UpstreamStatus) return false;
  const unsigned status = error.upstreamStatus;
  if ((t & k5xx) && status >= 500 && status <= 599) return true;
  if ((t & kGatewayError) && (status == 502 || status == 503 || status == 504)) return true;
  if ((t & kRetriable4xx) && status == 409) return true;
  if ((t & kRetriableStatusCodes) && statusListed(status)) return true;
  return false;
}

int RetryRules::maxAttempts() const { return policy_ ? 1 + policy_->numRetries : 0; }

int RetryRules::attemptsPerTier() const { return policy_ ? policy_->numAttemptsPerPriority : 0; }

Millis RetryRules::attemptTimeout(Millis remaining) const {
  remaining = std::max(remaining, Millis(0));
  if (policy_ && policy_->perRetryTimeout && policy_->perRetryTimeout->count() > 0) {
    return std::min(*policy_->perRetryTimeout, remaining);
  }
  return remaining;
}

Millis RetryRules::backOff(int n, std::minstd_rand& random) const {
  const config::RetryPolicy defaults;
  const Millis base = policy_ ? policy_->backOffBase : defaults.backOffBase;
  const Millis max = policy_ ? policy_->backOffMax : defaults.backOffMax;
  if (base.count() <= 0 || n <= 0) return Millis(0);
  // (2^n - 1) × base, capped at max without overflowing.
  Millis ceiling = base;
  for (int i = 1; i < n && ceiling < max; ++i) ceiling = ceiling * 2 + base;
  ceiling = std::min(ceiling, max);
  if (ceiling.count() <= 0) return Millis(0);
  std::uniform_int_distribution<Millis::rep> pick(0, ceiling.count() - 1);
  return Millis(pick(random));
}

RetryState::RetryState(RetryRules rules, const config::Rule& rule, const AttemptPlan& plan)
    : rules_(rules) {
  size_ = std::min(plan.size(), kMax);
  int previousPriority = 0;
  for (std::size_t p = 0; p < size_; ++p) {
    indexes_[p] = plan[p];
    const int priority =
        plan[p] < rule.backendRefs.size() ? rule.backendRefs[plan[p]].priority : previousPriority;
    if (p == 0 || priority != previousPriority) tierStart_[tiers_++] = static_cast<std::uint8_t>(p);
    tierOf_[p] = static_cast<std::uint8_t>(tiers_ - 1);
    previousPriority = priority;
  }
  tierStart_[tiers_] = static_cast<std::uint8_t>(size_);
}

std::optional<AttemptStep> RetryState::first() const {
  if (size_ == 0) return std::nullopt;
  return AttemptStep{indexes_[0], false};
}

int RetryState::liveInTier(int tier) const {
  int live = 0;
  for (std::size_t p = tierStart_[tier]; p < tierStart_[tier + 1]; ++p) {
    if (!(dropped_ & bit(p))) ++live;
  }
  return live;
}

// Untried backends of the tier first, in plan order; then round robin after the current one.
std::optional<std::size_t> RetryState::pickInTier(int tier) const {
  const std::size_t start = tierStart_[tier];
  const std::size_t end = tierStart_[tier + 1];
  for (std::size_t p = start; p < end; ++p) {
    if (!(dropped_ & bit(p)) && !(tried_ & bit(p))) return p;
  }
  const std::size_t n = end - start;
  const std::size_t from = current_ >= start && current_ < end ? current_ - start : n - 1;
  for (std::size_t k = 1; k <= n; ++k) {
    const std::size_t p = start + (from + k) % n;
    if (!(dropped_ & bit(p))) return p;
  }
  return std::nullopt;
}

bool RetryState::advance() {
  if (size_ == 0) return false;
  const int perTier = rules_.attemptsPerTier();
  const int quota = perTier > 0 ? perTier : liveInTier(tier_);
  if (attemptsInTier_ < quota) {
    if (const auto p = pickInTier(tier_)) {
      current_ = *p;
      return true;
    }
  }
  auto enter = [&](int tier) {
    if (liveInTier(tier) == 0) return false;
    tier_ = tier;
    attemptsInTier_ = 0;
    current_ = *pickInTier(tier);
    return true;
  };
  for (int t = tier_ + 1; t < tiers_; ++t) {
    if (enter(t)) return true;
  }
  if (rules_.cycles()) {
    for (int t = 0; t <= tier_; ++t) {
      if (enter(t)) return true;
    }
  }
  return false;
}

RetryDecision RetryState::onFailure(const core::Error& error, Millis remaining,
                                    std::minstd_rand& random) {
  RetryDecision decision;
  if (size_ == 0) {
    decision.reason = "backends_exhausted";
    return decision;
  }
  ++attempts_;
  ++attemptsInTier_;
  tried_ |= bit(current_);
  const std::size_t failed = current_;
  const int failedTier = tier_;

  if (!rules_.retriable(error)) {
    decision.reason = "not_retriable";
    return decision;
  }
  if (rules_.maxAttempts() > 0 && attempts_ >= rules_.maxAttempts()) {
    decision.reason = "retries_exhausted";
    return decision;
  }
  if (remaining.count() <= 0) {
    decision.reason = "request_timeout";
    return decision;
  }
  if (!advance()) {
    decision.reason = "backends_exhausted";
    return decision;
  }
  decision.next = AttemptStep{indexes_[current_], false};
  decision.sameTier = tier_ == failedTier;
  decision.repeat = (tried_ & bit(current_)) != 0;
  if (decision.repeat) {
    decision.backOff = rules_.backOff(++repeats_, random);
    if (current_ == failed && error.retryAfterSeconds > 0) {
      const Millis retryAfter = std::chrono::seconds(error.retryAfterSeconds);
      if (retryAfter >= remaining) {
        decision.reason = "retry_after_beyond_deadline";
        return decision;
      }
      decision.backOff = std::max(decision.backOff, retryAfter);
    }
  }
  if (decision.backOff >= remaining) {
    decision.reason = "request_timeout";
    return decision;
  }
  decision.timeout = rules_.attemptTimeout(remaining - decision.backOff);
  decision.retry = true;
  return decision;
}

std::optional<AttemptStep> RetryState::onRejected() {
  if (size_ == 0) return std::nullopt;
  const std::size_t rejected = current_;
  dropped_ |= bit(rejected);
  if (advance()) return AttemptStep{indexes_[current_], false};
  if (attempts_ > 0) return std::nullopt;
  // Nothing tried and nothing left: never fail a request only because its backends are ejected.
  dropped_ &= ~bit(rejected);
  current_ = rejected;
  tier_ = tierOf(rejected);
  return AttemptStep{indexes_[rejected], true};
}

}  // namespace switchyard::route
