#include "route/retry_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchyard::route {
namespace {

using core::Error;
using core::ErrorKind;
using std::chrono::seconds;

Error kind(ErrorKind k) { return Error::make(k, "failed"); }
Error status(unsigned code, int retryAfter = -1) {
  Error e = Error::upstream(code, "upstream said no");
  e.retryAfterSeconds = retryAfter;
  return e;
}

std::string describe(const Error& e) {
  return e.kind == ErrorKind::UpstreamStatus ? std::to_string(e.upstreamStatus)
                                             : std::string(core::kindName(e.kind));
}

config::RetryPolicy policyWith(std::vector<std::string> triggers,
                               std::vector<unsigned> codes = {}) {
  config::RetryPolicy policy;
  policy.numRetries = 2;
  policy.triggers = std::move(triggers);
  policy.httpStatusCodes = std::move(codes);
  return policy;
}

// ---- Which failures may be retried ---------------------------------------------------------

TEST(RetryRulesTest, DefaultFailsOverOnTheDocumentedList) {
  const RetryRules rules;
  EXPECT_TRUE(rules.isDefault());
  const struct {
    Error error;
    bool retriable;
  } cases[] = {
      {kind(ErrorKind::UpstreamDns), true},
      {kind(ErrorKind::UpstreamConnect), true},
      {kind(ErrorKind::UpstreamTls), true},
      {kind(ErrorKind::UpstreamReset), true},
      {kind(ErrorKind::UpstreamTimeout), true},
      {kind(ErrorKind::CredentialUnavailable), true},
      {status(429), true},
      {status(500), true},
      {status(502), true},
      {status(503), true},
      {status(504), true},
      {status(529), true},
      {status(501), false},
      {status(505), false},
      {status(400), false},
      {status(401), false},
      {status(403), false},
      {status(404), false},
      {status(409), false},
      {kind(ErrorKind::UpstreamBadResponse), false},
      {kind(ErrorKind::InvalidRequest), false},
      {kind(ErrorKind::Internal), false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(rules.retriable(c.error), c.retriable) << describe(c.error);
  }
}

TEST(RetryRulesTest, TriggersKeepEnvoysMeaning) {
  const Error dns = kind(ErrorKind::UpstreamDns);
  const Error connect = kind(ErrorKind::UpstreamConnect);
  const Error tls = kind(ErrorKind::UpstreamTls);
  const Error reset = kind(ErrorKind::UpstreamReset);
  const Error timeout = kind(ErrorKind::UpstreamTimeout);
  const Error unreadable = kind(ErrorKind::UpstreamBadResponse);
  Error refused = kind(ErrorKind::UpstreamReset);  // an HTTP/2 stream closed with REFUSED_STREAM
  refused.refusedStream = true;
  const struct {
    std::vector<std::string> triggers;
    std::vector<unsigned> codes;
    Error error;
    bool retriable;
  } cases[] = {
      {{"connect-failure"}, {}, dns, true},
      {{"connect-failure"}, {}, connect, true},
      {{"connect-failure"}, {}, tls, true},
      {{"connect-failure"}, {}, reset, false},
      {{"connect-failure"}, {}, timeout, false},
      {{"connect-failure"}, {}, status(503), false},
      {{"reset"}, {}, connect, true},
      {{"reset"}, {}, reset, true},
      {{"reset"}, {}, timeout, true},
      {{"reset"}, {}, status(503), false},
      {{"reset"}, {}, unreadable, false},
      {{"5xx"}, {}, status(500), true},
      {{"5xx"}, {}, status(501), true},
      {{"5xx"}, {}, status(599), true},
      {{"5xx"}, {}, status(429), false},
      {{"5xx"}, {}, connect, true},
      {{"5xx"}, {}, reset, true},
      {{"5xx"}, {}, timeout, true},
      {{"5xx"}, {}, unreadable, true},
      {{"gateway-error"}, {}, status(500), false},
      {{"gateway-error"}, {}, status(502), true},
      {{"gateway-error"}, {}, status(503), true},
      {{"gateway-error"}, {}, status(504), true},
      {{"gateway-error"}, {}, timeout, true},
      {{"retriable-4xx"}, {}, status(409), true},
      {{"retriable-4xx"}, {}, status(429), false},
      {{"retriable-4xx"}, {}, connect, false},
      {{"retriable-status-codes"}, {429, 500}, status(429), true},
      {{"retriable-status-codes"}, {429, 500}, status(500), true},
      {{"retriable-status-codes"}, {429, 500}, status(503), false},
      // Listed codes do nothing without the trigger that reads them.
      {{"connect-failure"}, {429}, status(429), false},
      // refused-stream: exactly the refused streams; reset (and 5xx, gateway-error) include them.
      {{"refused-stream"}, {}, refused, true},
      {{"refused-stream"}, {}, reset, false},
      {{"refused-stream"}, {}, connect, false},
      {{"refused-stream"}, {}, timeout, false},
      {{"refused-stream"}, {}, status(503), false},
      {{"reset"}, {}, refused, true},
      {{"5xx"}, {}, refused, true},
      {{"gateway-error"}, {}, refused, true},
      {{"connect-failure"}, {}, refused, false},
      {{"retriable-status-codes"}, {503}, refused, false},
      {{}, {}, refused, false},
      // The gRPC triggers have no meaning here and never match.
      {{"unavailable", "cancelled"}, {}, reset, false},
      {{"unavailable", "cancelled"}, {}, refused, false},
      {{"unavailable", "cancelled"}, {}, status(503), false},
      // No triggers: Envoy Gateway's default (connect-failure, retriable-status-codes: 503).
      {{}, {}, connect, true},
      {{}, {}, status(503), true},
      {{}, {}, status(500), false},
      {{}, {}, reset, false},
      {{}, {429}, status(429), true},
      {{}, {429}, status(503), false},
      // Client-side errors never.
      {{"5xx", "reset", "connect-failure"}, {400}, kind(ErrorKind::InvalidRequest), false},
  };
  for (const auto& c : cases) {
    const auto policy = policyWith(c.triggers, c.codes);
    const RetryRules rules(&policy);
    std::string triggers;
    for (const auto& t : c.triggers) triggers += t + ",";
    EXPECT_EQ(rules.retriable(c.error), c.retriable) << triggers << " " << describe(c.error);
  }
}

// ---- Limits, timeouts, back-off -------------------------------------------------------------

TEST(RetryRulesTest, AttemptLimits) {
  EXPECT_EQ(RetryRules().maxAttempts(), 0);  // the plan is the limit
  EXPECT_EQ(RetryRules().attemptsPerTier(), 0);
  config::RetryPolicy policy;
  policy.numRetries = 4;
  policy.numAttemptsPerPriority = 2;
  const RetryRules rules(&policy);
  EXPECT_EQ(rules.maxAttempts(), 5);
  EXPECT_EQ(rules.attemptsPerTier(), 2);
}

TEST(RetryRulesTest, AttemptTimeout) {
  EXPECT_EQ(RetryRules().attemptTimeout(seconds(42)), seconds(42));
  EXPECT_EQ(RetryRules().attemptTimeout(Millis(-5)), Millis(0));
  config::RetryPolicy policy;
  policy.perRetryTimeout = seconds(3);
  const RetryRules rules(&policy);
  EXPECT_EQ(rules.attemptTimeout(seconds(10)), seconds(3));
  EXPECT_EQ(rules.attemptTimeout(Millis(1500)), Millis(1500));  // never past the request's
}

TEST(RetryRulesTest, BackOffIsFullyJitteredExponentialAndCapped) {
  struct Case {
    Millis base, max;
    int n;
    Millis ceiling;  // samples fall in [0, ceiling)
  } const cases[] = {
      {Millis(25), Millis(250), 1, Millis(25)},   {Millis(25), Millis(250), 2, Millis(75)},
      {Millis(25), Millis(250), 3, Millis(175)},  {Millis(25), Millis(250), 4, Millis(250)},
      {Millis(25), Millis(250), 40, Millis(250)}, {Millis(100), seconds(10), 1, Millis(100)},
      {Millis(100), seconds(10), 3, Millis(700)}, {Millis(100), seconds(10), 9, seconds(10)},
  };
  std::minstd_rand random(7);
  for (const auto& c : cases) {
    config::RetryPolicy policy;
    policy.backOffBase = c.base;
    policy.backOffMax = c.max;
    const RetryRules rules(&policy);
    Millis highest{0};
    for (int i = 0; i < 2000; ++i) {
      const Millis b = rules.backOff(c.n, random);
      ASSERT_GE(b.count(), 0);
      ASSERT_LT(b, c.ceiling) << "base " << c.base.count() << " n " << c.n;
      highest = std::max(highest, b);
    }
    EXPECT_GT(highest, c.ceiling * 9 / 10) << "jitter spans the range";
  }
}

// ---- The walk over the plan -----------------------------------------------------------------

config::Rule ruleWithPriorities(std::vector<int> priorities) {
  config::Rule rule;
  for (int p : priorities) {
    config::BackendRef ref;
    ref.priority = p;
    rule.backendRefs.push_back(ref);
  }
  return rule;
}

AttemptPlan planOf(std::initializer_list<std::uint8_t> indexes) {
  AttemptPlan plan;
  for (auto i : indexes) plan.push(i);
  return plan;
}

// One failed attempt and what must follow it.
struct Step {
  Error error;
  int next;                       // backendRef index of the next attempt, -1 = stop
  std::string_view reasonOrTier;  // when stopping: the reason; else "same" or "next"
  bool repeat = false;
};

void walk(const RetryRules& rules, const config::Rule& rule, const AttemptPlan& plan,
          const std::vector<Step>& steps, Millis remaining = seconds(60)) {
  std::minstd_rand random(1);
  RetryState state(rules, rule, plan);
  ASSERT_TRUE(state.first());
  int i = 0;
  for (const auto& step : steps) {
    SCOPED_TRACE("step " + std::to_string(i++) + " " + describe(step.error));
    const auto d = state.onFailure(step.error, remaining, random);
    if (step.next < 0) {
      EXPECT_FALSE(d.retry);
      EXPECT_EQ(d.reason, step.reasonOrTier);
      return;
    }
    ASSERT_TRUE(d.retry) << d.reason;
    EXPECT_EQ(d.next.index, step.next);
    EXPECT_FALSE(d.next.mustTry);
    EXPECT_EQ(d.sameTier, step.reasonOrTier == "same");
    EXPECT_EQ(d.repeat, step.repeat);
    if (!d.repeat) {
      EXPECT_EQ(d.backOff, Millis(0)) << "a fresh backend is tried at once";
    }
    EXPECT_EQ(d.timeout, remaining - d.backOff);
  }
}

TEST(RetryStateTest, DefaultTriesEachBackendOnceTierByTier) {
  // backendRefs: 0 → priority 1, 1 → priority 0, 2 → priority 0, 3 → priority 2
  const auto rule = ruleWithPriorities({1, 0, 0, 2});
  walk(RetryRules(), rule, planOf({2, 1, 0, 3}),
       {{kind(ErrorKind::UpstreamDns), 1, "same"},
        {status(503), 0, "next"},
        {kind(ErrorKind::UpstreamTimeout), 3, "next"},
        {status(429), -1, "backends_exhausted"}});
}

TEST(RetryStateTest, DefaultStopsOnAnErrorThatWouldFailEverywhere) {
  const auto rule = ruleWithPriorities({0, 1});
  walk(RetryRules(), rule, planOf({0, 1}), {{status(400), -1, "not_retriable"}});
}

TEST(RetryStateTest, DefaultNeverRepeatsASingleBackend) {
  const auto rule = ruleWithPriorities({0});
  walk(RetryRules(), rule, planOf({0}), {{status(503), -1, "backends_exhausted"}});
}

TEST(RetryStateTest, OneAttemptPerPriorityWalksTheTiersThenStartsOver) {
  auto policy = policyWith({"connect-failure", "retriable-status-codes"}, {503});
  policy.numAttemptsPerPriority = 1;
  policy.numRetries = 3;
  const RetryRules rules(&policy);
  const auto rule = ruleWithPriorities({0, 1});
  walk(rules, rule, planOf({0, 1}),
       {{status(503), 1, "next"},
        {status(503), 0, "next", true},
        {status(503), 1, "next", true},
        {status(503), -1, "retries_exhausted"}});
}

TEST(RetryStateTest, SeveralAttemptsPerPriorityRepeatATierBeforeMovingOn) {
  auto policy = policyWith({"5xx"});
  policy.numAttemptsPerPriority = 2;
  policy.numRetries = 5;
  const RetryRules rules(&policy);
  const auto rule = ruleWithPriorities({0, 1, 1});
  walk(rules, rule, planOf({0, 2, 1}),
       {{status(500), 0, "same", true},  // the tier has one backend: it is tried again
        {status(500), 2, "next"},
        {status(500), 1, "same"},        // untried backends of the tier first
        {status(500), 0, "next", true},  // tier used up, last tier: start over
        {status(500), 0, "same", true},
        {status(500), -1, "retries_exhausted"}});
}

TEST(RetryStateTest, ZeroAttemptsPerPriorityStillFailsOver) {
  auto policy = policyWith({"gateway-error"});
  policy.numRetries = 3;
  const RetryRules rules(&policy);
  const auto rule = ruleWithPriorities({0, 0, 1});
  walk(rules, rule, planOf({1, 0, 2}),
       {{status(502), 0, "same"},
        {status(503), 2, "next"},
        {status(504), 1, "next", true},
        {status(504), -1, "retries_exhausted"}});
}

TEST(RetryStateTest, ZeroRetriesMeansOneAttempt) {
  auto policy = policyWith({"5xx"});
  policy.numRetries = 0;
  const RetryRules rules(&policy);
  walk(rules, ruleWithPriorities({0, 1}), planOf({0, 1}), {{status(500), -1, "retries_exhausted"}});
}

TEST(RetryStateTest, PolicyTriggersDecideWhetherToFailOver) {
  const auto policy = policyWith({"connect-failure"});
  const RetryRules rules(&policy);
  walk(rules, ruleWithPriorities({0, 1}), planOf({0, 1}), {{status(503), -1, "not_retriable"}});
}

TEST(RetryStateTest, NothingIsRetriedOnceTheRequestTimeIsUp) {
  walk(RetryRules(), ruleWithPriorities({0, 1}), planOf({0, 1}),
       {{kind(ErrorKind::UpstreamConnect), -1, "request_timeout"}}, Millis(0));
}

TEST(RetryStateTest, RepeatsBackOffWithinThePolicyRange) {
  auto policy = policyWith({"5xx"});
  policy.numRetries = 3;
  policy.backOffBase = Millis(100);
  policy.backOffMax = Millis(1000);
  const RetryRules rules(&policy);
  const auto rule = ruleWithPriorities({0});
  std::minstd_rand random(3);
  RetryState state(rules, rule, planOf({0}));
  const Millis ceilings[] = {Millis(100), Millis(300), Millis(700)};
  for (const auto ceiling : ceilings) {
    const auto d = state.onFailure(status(500), seconds(30), random);
    ASSERT_TRUE(d.retry);
    EXPECT_TRUE(d.repeat);
    EXPECT_TRUE(d.sameTier);
    EXPECT_LT(d.backOff, ceiling);
    EXPECT_EQ(d.timeout, seconds(30) - d.backOff);
  }
  EXPECT_EQ(state.onFailure(status(500), seconds(30), random).reason, "retries_exhausted");
  EXPECT_EQ(state.attempts(), 4);
}

TEST(RetryStateTest, RetryAfterIsHonouredWhenItFitsTheRequest) {
  auto policy = policyWith({"retriable-status-codes"}, {429});
  const RetryRules rules(&policy);
  const auto rule = ruleWithPriorities({0});
  std::minstd_rand random(3);
  {
    RetryState state(rules, rule, planOf({0}));
    const auto d = state.onFailure(status(429, 2), seconds(10), random);
    ASSERT_TRUE(d.retry);
    EXPECT_EQ(d.backOff, seconds(2));
    EXPECT_EQ(d.timeout, seconds(8));
  }
  {
    RetryState state(rules, rule, planOf({0}));
    const auto d = state.onFailure(status(429, 20), seconds(10), random);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.reason, "retry_after_beyond_deadline");
  }
}

TEST(RetryStateTest, RetryAfterDoesNotDelayAFailoverToAnotherBackend) {
  std::minstd_rand random(3);
  const auto rule = ruleWithPriorities({0, 1});
  RetryState state(RetryRules(), rule, planOf({0, 1}));
  const auto d = state.onFailure(status(429, 30), seconds(10), random);
  ASSERT_TRUE(d.retry);
  EXPECT_EQ(d.next.index, 1);
  EXPECT_EQ(d.backOff, Millis(0));
}

TEST(RetryStateTest, PerRetryTimeoutBoundsEveryAttempt) {
  auto policy = policyWith({"reset"});
  policy.perRetryTimeout = seconds(3);
  const RetryRules rules(&policy);
  const auto rule = ruleWithPriorities({0, 1});
  std::minstd_rand random(3);
  RetryState state(rules, rule, planOf({0, 1}));
  EXPECT_EQ(state.firstTimeout(seconds(60)), seconds(3));
  auto d = state.onFailure(kind(ErrorKind::UpstreamTimeout), seconds(57), random);
  ASSERT_TRUE(d.retry);
  EXPECT_EQ(d.timeout, seconds(3));
  RetryState late(rules, rule, planOf({0, 1}));
  d = late.onFailure(kind(ErrorKind::UpstreamTimeout), Millis(1200), random);
  ASSERT_TRUE(d.retry);
  EXPECT_EQ(d.timeout, Millis(1200));
}

TEST(RetryStateTest, EmptyPlanHasNoFirstAttempt) {
  const auto rule = ruleWithPriorities({0});
  RetryState state(RetryRules(), rule, AttemptPlan{});
  EXPECT_FALSE(state.first());
  EXPECT_FALSE(state.onRejected());
}

// ---- Backends outlier detection turns away --------------------------------------------------

TEST(RetryStateTest, ARejectedBackendIsSkippedWithoutCountingAnAttempt) {
  auto policy = policyWith({"5xx"});
  policy.numRetries = 1;
  const RetryRules rules(&policy);
  const auto rule = ruleWithPriorities({0, 1, 2});
  std::minstd_rand random(3);
  RetryState state(rules, rule, planOf({0, 1, 2}));
  const auto next = state.onRejected();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->index, 1);
  EXPECT_FALSE(next->mustTry);
  EXPECT_EQ(state.attempts(), 0);
  const auto d = state.onFailure(status(500), seconds(10), random);
  ASSERT_TRUE(d.retry);  // the rejection did not use the single retry
  EXPECT_EQ(d.next.index, 2);
  // The policy's one retry is used up now.
  const auto again = state.onFailure(status(500), seconds(10), random);
  EXPECT_EQ(again.reason, "retries_exhausted");
}

TEST(RetryStateTest, WhenEveryBackendIsRejectedBeforeAnyAttemptTheLastIsTriedAnyway) {
  const auto rule = ruleWithPriorities({0, 1});
  RetryState state(RetryRules(), rule, planOf({0, 1}));
  auto next = state.onRejected();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->index, 1);
  next = state.onRejected();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->index, 1);
  EXPECT_TRUE(next->mustTry);
}

TEST(RetryStateTest, RejectionsAfterAnAttemptEndTheRequest) {
  const auto rule = ruleWithPriorities({0, 1});
  std::minstd_rand random(3);
  RetryState state(RetryRules(), rule, planOf({0, 1}));
  ASSERT_TRUE(state.onFailure(kind(ErrorKind::UpstreamConnect), seconds(10), random).retry);
  EXPECT_FALSE(state.onRejected());
}

TEST(RetryStateTest, CyclingSkipsABackendThatWasRejectedAfterItFailed) {
  auto policy = policyWith({"connect-failure"});
  policy.numRetries = 5;
  const RetryRules rules(&policy);
  const auto rule = ruleWithPriorities({0, 1});
  std::minstd_rand random(3);
  RetryState state(rules, rule, planOf({0, 1}));
  auto d = state.onFailure(kind(ErrorKind::UpstreamConnect), seconds(10), random);
  ASSERT_EQ(d.next.index, 1);
  d = state.onFailure(kind(ErrorKind::UpstreamConnect), seconds(10), random);
  ASSERT_TRUE(d.retry);
  EXPECT_EQ(d.next.index, 0);  // started over
  EXPECT_TRUE(d.repeat);
  const auto next = state.onRejected();  // 0 is ejected now
  ASSERT_TRUE(next);
  EXPECT_EQ(next->index, 1);
  EXPECT_FALSE(state.onRejected());  // and so is 1: nothing is left
}

}  // namespace
}  // namespace switchyard::route
