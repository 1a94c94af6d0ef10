#include "route/attempt_sequence.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace switchyard::route {
namespace {

using core::Error;
using core::ErrorKind;
using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime kStart = SteadyTime{} + std::chrono::hours(1);
constexpr milliseconds kAttemptCost{10};  // virtual time one attempt takes
// When the first attempt of a request started at kStart fails.
const SteadyTime kFirstFailure = kStart + kAttemptCost;

Error connectFailure() { return Error::make(ErrorKind::UpstreamConnect, "refused"); }
Error timedOut() { return Error::make(ErrorKind::UpstreamTimeout, "attempt timeout"); }
Error status(unsigned code, int retryAfter = -1) {
  Error e = Error::upstream(code, "upstream said no");
  e.retryAfterSeconds = retryAfter;
  return e;
}

std::string outcomeOf(const Error& e) {
  return e.kind == ErrorKind::UpstreamStatus ? std::to_string(e.upstreamStatus)
                                             : std::string(core::kindName(e.kind));
}

std::string admissionLabel(Admission admission) {
  switch (admission) {
    case Admission::Trial:
      return " (trial)";
    case Admission::LastResort:
      return " (last resort)";
    default:
      return "";
  }
}

// A rule, its backends registered with a real detector, and a virtual clock moved by hand.
class AttemptSequenceTest : public ::testing::Test {
 protected:
  void add(std::string name, int priority = 0, int weight = 1) {
    auto backend = std::make_shared<config::ServiceBackend>();
    backend->name = name;
    backend->backendName = name;
    backend->endpoints.push_back({name + ".example", 443});
    handles.push_back(detector.attach(*backend));
    rule.backendRefs.push_back({backend, {}, priority, weight});
  }

  AttemptSequence start(const config::RetryPolicy* policy = nullptr) {
    return AttemptSequence(rule, policy, detector, handles, requestTimeout, now, random);
  }

  const std::string& nameOf(std::uint8_t index) const {
    return rule.backendRefs[index].backend->name;
  }

  // One request, driven the way the gateway's exchange drives it: each attempt takes kAttemptCost,
  // a backend listed in `failing` fails with its error, any other answers; back-offs are waited.
  // Returns what happened, e.g. "a ejected, b 503, wait 2000, b (trial) ok".
  std::string run(AttemptSequence& attempts) {
    std::string trace;
    auto note = [&](const std::string& entry) {
      if (!trace.empty()) trace += ", ";
      trace += entry;
    };
    for (;;) {
      const auto step = attempts.next(now);
      for (const auto index : attempts.takeSkipped()) note(nameOf(index) + " ejected");
      if (!step) break;
      const auto label = nameOf(step->index) + admissionLabel(step->admission);
      now += kAttemptCost;
      const auto found = failing.find(nameOf(step->index));
      if (found == failing.end()) {
        attempts.onAnswered();
        note(label + " ok");
        return trace;
      }
      note(label + " " + outcomeOf(found->second));
      const auto backOff = attempts.onFailed(found->second, now);
      if (backOff.count() > 0) {
        note("wait " + std::to_string(backOff.count()));
        now += backOff;
      }
    }
    note("stop: " + std::string(attempts.stopReason()));
    return trace;
  }
  std::string run(const config::RetryPolicy* policy = nullptr) {
    auto attempts = start(policy);
    return run(attempts);
  }

  OutlierDetector detector;
  config::Rule rule;
  std::vector<BackendHandle> handles;
  std::map<std::string, Error> failing;
  Millis requestTimeout = seconds(60);
  SteadyTime now = kStart;
  std::minstd_rand random{7};
};

// ---- Order ---------------------------------------------------------------------------------

TEST_F(AttemptSequenceTest, FallsBackTierByTierInPriorityOrder) {
  add("c", 2);
  add("a", 0);
  add("b", 1);
  failing["a"] = status(503);
  failing["b"] = connectFailure();
  EXPECT_EQ(run(), "a 503, b upstream_connect, c ok");

  failing["c"] = status(500);
  now += seconds(1);  // b is ejected now
  EXPECT_EQ(run(), "b ejected, a 503, c 500, stop: backends_exhausted");
}

TEST_F(AttemptSequenceTest, WeightsOrderATierAndWeightZeroIsNeverTried) {
  add("a", 0, 3);
  add("b", 0, 1);
  add("never", 0, 0);
  int aFirst = 0;
  for (int i = 0; i < 4000; ++i) {
    auto attempts = start();
    const auto step = attempts.next(now);
    ASSERT_TRUE(step);
    if (nameOf(step->index) == "a") ++aFirst;
    attempts.onAnswered();
  }
  EXPECT_GT(aFirst, 2800);  // 3 of 4
  EXPECT_LT(aFirst, 3200);

  failing["a"] = status(503);
  failing["b"] = status(503);
  const auto trace = run();
  EXPECT_EQ(trace.find("never"), std::string::npos) << trace;
  EXPECT_NE(trace.find("stop: backends_exhausted"), std::string::npos) << trace;
}

TEST_F(AttemptSequenceTest, AnEmptyPlanStopsBeforeAnyAttempt) {
  add("a", 0, 0);
  auto attempts = start();
  EXPECT_FALSE(attempts.next(now));
  EXPECT_TRUE(attempts.takeSkipped().empty());
  EXPECT_EQ(attempts.stopReason(), "no_backend");
  EXPECT_EQ(attempts.attempts(), 0);
}

TEST_F(AttemptSequenceTest, AnErrorThatWouldFailEverywhereEndsTheRequest) {
  add("a", 0);
  add("b", 1);
  failing["a"] = status(400);
  EXPECT_EQ(run(), "a 400, stop: not_retriable");
}

TEST_F(AttemptSequenceTest, UntrackedBackendsAreAlwaysAdmitted) {
  add("a", 0);
  add("b", 1);
  failing["a"] = connectFailure();
  for (int i = 0; i < 3; ++i) {
    AttemptSequence attempts(rule, nullptr, detector, {}, requestTimeout, now, random);
    EXPECT_EQ(run(attempts), "a upstream_connect, b ok");
  }
}

// ---- Time ----------------------------------------------------------------------------------

TEST_F(AttemptSequenceTest, WithoutAPolicyAnAttemptHasWhatRemainsOfTheRequest) {
  add("a", 0);
  add("b", 1);
  auto attempts = start();
  EXPECT_EQ(attempts.deadline(), kStart + seconds(60));
  ASSERT_TRUE(attempts.next(now));
  EXPECT_EQ(attempts.attemptTime(now), seconds(60));
  now += seconds(45);
  EXPECT_EQ(attempts.onFailed(status(503), now), Millis(0));
  ASSERT_TRUE(attempts.next(now));
  EXPECT_EQ(attempts.attemptTime(now), seconds(15));
  EXPECT_EQ(attempts.remaining(now), seconds(15));
  EXPECT_EQ(attempts.attemptDeadline(), attempts.deadline());
}

TEST_F(AttemptSequenceTest, PerRetryTimeoutBoundsEveryAttemptWithinTheRequestTimeout) {
  add("a", 0);
  add("b", 0);
  config::RetryPolicy policy;
  policy.numRetries = 5;
  policy.triggers = {"reset"};
  policy.perRetryTimeout = seconds(2);
  policy.backOffBase = Millis(0);
  requestTimeout = seconds(5);
  auto attempts = start(&policy);

  ASSERT_TRUE(attempts.next(now));
  EXPECT_EQ(attempts.attemptTime(now), seconds(2));  // the first attempt too
  now += seconds(2);
  EXPECT_EQ(attempts.attemptTime(now), Millis(0));
  EXPECT_EQ(attempts.onFailed(timedOut(), now), Millis(0));

  ASSERT_TRUE(attempts.next(now));
  EXPECT_EQ(attempts.attemptTime(now), seconds(2));
  EXPECT_EQ(attempts.attemptDeadline(), now + seconds(2));
  now += seconds(2);
  EXPECT_EQ(attempts.onFailed(timedOut(), now), Millis(0));

  ASSERT_TRUE(attempts.next(now));
  EXPECT_EQ(attempts.attemptTime(now), seconds(1));  // the request has 1 s left
  EXPECT_EQ(attempts.attemptDeadline(), attempts.deadline());
  now += seconds(3);
  EXPECT_EQ(attempts.attemptTime(now), Millis(0));  // never negative
  EXPECT_EQ(attempts.remaining(now), Millis(0));
  EXPECT_EQ(attempts.onFailed(timedOut(), now), Millis(0));
  EXPECT_FALSE(attempts.next(now));
  EXPECT_EQ(attempts.stopReason(), "request_timeout");
  EXPECT_EQ(attempts.attempts(), 3);
}

TEST_F(AttemptSequenceTest, NothingIsRetriedOnceTheRequestTimeIsUp) {
  add("a", 0);
  add("b", 1);
  auto attempts = start();
  ASSERT_TRUE(attempts.next(now));
  now += requestTimeout;
  EXPECT_EQ(attempts.onFailed(timedOut(), now), Millis(0));
  EXPECT_FALSE(attempts.next(now));
  EXPECT_EQ(attempts.stopReason(), "request_timeout");
}

// ---- Retry-After and back-off --------------------------------------------------------------

TEST_F(AttemptSequenceTest, ARetryAfterThatFitsIsWaitedThenTheBackendIsTriedAgain) {
  add("a", 0);
  config::RetryPolicy policy;
  policy.numRetries = 2;
  policy.triggers = {"retriable-status-codes"};
  policy.httpStatusCodes = {429};
  requestTimeout = seconds(10);
  auto attempts = start(&policy);

  ASSERT_TRUE(attempts.next(now));
  now += kAttemptCost;
  const auto backOff = attempts.onFailed(status(429, 2), now);
  EXPECT_EQ(backOff, seconds(2));  // the jitter (below 25 ms) is shorter
  // The Retry-After ejected the backend for exactly that long: admitted after the wait, as its
  // trial, and the attempt's own time starts then.
  now += backOff;
  const auto step = attempts.next(now);
  ASSERT_TRUE(step);
  EXPECT_EQ(step->admission, Admission::Trial);
  EXPECT_EQ(attempts.attemptTime(now), seconds(10) - seconds(2) - kAttemptCost);
  attempts.onAnswered();
  EXPECT_EQ(attempts.stopReason(), "");
  EXPECT_EQ(run(&policy), "a ok");  // healthy again
}

TEST_F(AttemptSequenceTest, ARetryAfterBeyondTheDeadlineEndsTheRequest) {
  add("a", 0);
  config::RetryPolicy policy;
  policy.numRetries = 2;
  policy.triggers = {"retriable-status-codes"};
  policy.httpStatusCodes = {429};
  requestTimeout = seconds(10);
  failing["a"] = status(429, 30);
  EXPECT_EQ(run(&policy), "a 429, stop: retry_after_beyond_deadline");
}

TEST_F(AttemptSequenceTest, ARetryAfterDoesNotDelayMovingToAnotherBackend) {
  add("a", 0);
  add("b", 1);
  failing["a"] = status(429, 2);
  EXPECT_EQ(run(), "a 429, b ok");
}

TEST_F(AttemptSequenceTest, BacksOffOnlyBeforeRepeatingABackendWithinEnvoysJitter) {
  add("a", 0);
  add("b", 0);
  config::RetryPolicy policy;  // back-off base 25 ms, max 250 ms
  policy.numRetries = 5;
  policy.triggers = {"retriable-4xx"};  // a 409 answers: nobody gets ejected
  // Before the n-th repeat: uniform in [0, min((2^n - 1) × 25 ms, 250 ms)).
  const Millis ceilings[] = {Millis(0), Millis(25), Millis(75), Millis(175), Millis(250)};
  Millis longest[5] = {};
  for (unsigned seed = 1; seed <= 300; ++seed) {
    random.seed(seed);
    auto attempts = start(&policy);
    std::uint8_t previous[2] = {};
    for (int failure = 0; failure < 5; ++failure) {
      const auto step = attempts.next(now);
      ASSERT_TRUE(step);
      if (failure >= 2) {
        EXPECT_EQ(step->index, previous[failure % 2]) << "round robin";
      }
      previous[failure % 2] = step->index;
      const auto backOff = attempts.onFailed(status(409), now);
      if (ceilings[failure] == Millis(0)) {
        EXPECT_EQ(backOff, Millis(0)) << "the other backend is fresh";
      } else {
        EXPECT_LT(backOff, ceilings[failure]);
      }
      longest[failure] = std::max(longest[failure], backOff);
      now += backOff;
    }
    ASSERT_TRUE(attempts.next(now));
    EXPECT_EQ(attempts.onFailed(status(409), now), Millis(0));
    EXPECT_FALSE(attempts.next(now));
    EXPECT_EQ(attempts.stopReason(), "retries_exhausted");
    EXPECT_EQ(attempts.attempts(), 6);
  }
  for (int n = 1; n < 5; ++n) EXPECT_GT(longest[n], ceilings[n] / 2) << "jittered up to the cap";
}

// ---- Retry budget --------------------------------------------------------------------------

TEST_F(AttemptSequenceTest, NumRetriesBoundsTheAttempts) {
  add("a", 0);
  add("b", 1);
  add("c", 2);
  config::RetryPolicy policy;  // no triggers: Envoy Gateway's, which retries a 503
  policy.numRetries = 1;
  failing["a"] = status(503);
  failing["b"] = status(503);
  EXPECT_EQ(run(&policy), "a 503, b 503, stop: retries_exhausted");
}

TEST_F(AttemptSequenceTest, NumAttemptsPerPriorityStaysOnATierThenMovesOn) {
  add("a", 0);
  add("b", 0);
  add("c", 1);
  config::RetryPolicy policy;
  policy.numRetries = 3;
  policy.numAttemptsPerPriority = 3;
  policy.triggers = {"retriable-4xx"};
  policy.backOffBase = Millis(0);
  auto attempts = start(&policy);
  std::string tried;
  while (const auto step = attempts.next(now)) {
    tried += nameOf(step->index);
    attempts.onFailed(status(409), now);
  }
  ASSERT_EQ(tried.size(), 4u);
  EXPECT_NE(tried[0], tried[1]);
  EXPECT_EQ(tried[2], tried[0]);
  EXPECT_EQ(tried[3], 'c');
  EXPECT_EQ(attempts.stopReason(), "retries_exhausted");
}

// ---- Outlier detection ---------------------------------------------------------------------

TEST_F(AttemptSequenceTest, AnEjectedBackendIsSkippedUntilATrialReadmitsIt) {
  add("a", 0);
  add("b", 1);
  failing["a"] = connectFailure();
  EXPECT_EQ(run(), "a upstream_connect, b ok");  // a transport failure ejects at once (5 s)

  now = kFirstFailure + seconds(1);
  {
    auto attempts = start();
    const auto step = attempts.next(now);
    ASSERT_TRUE(step);
    EXPECT_EQ(nameOf(step->index), "b");
    const auto skipped = attempts.takeSkipped();
    ASSERT_EQ(skipped.size(), 1u);
    EXPECT_EQ(nameOf(skipped[0]), "a");
    EXPECT_TRUE(attempts.takeSkipped().empty()) << "taken once";
    attempts.onAnswered();
  }

  now = kFirstFailure + seconds(5);
  failing.clear();
  EXPECT_EQ(run(), "a (trial) ok");
  EXPECT_EQ(run(), "a ok");
  EXPECT_EQ(detector.currentlyEjected(now), 0u);
}

TEST_F(AttemptSequenceTest, AFailedTrialEjectsForLonger) {
  add("a", 0);
  add("b", 1);
  failing["a"] = connectFailure();
  EXPECT_EQ(run(), "a upstream_connect, b ok");
  now = kFirstFailure + seconds(5);
  const auto trialFailure = now + kAttemptCost;
  EXPECT_EQ(run(), "a (trial) upstream_connect, b ok");
  now = trialFailure + seconds(10) - milliseconds(1);
  EXPECT_EQ(run(), "a ejected, b ok");  // the second ejection lasts 10 s
  now = trialFailure + seconds(10);
  EXPECT_EQ(run(), "a (trial) upstream_connect, b ok");
}

TEST_F(AttemptSequenceTest, WhenEveryBackendIsEjectedTheSoonestBackIsTriedAsLastResort) {
  add("a", 0);
  add("b", 1);
  failing["a"] = connectFailure();
  failing["b"] = connectFailure();
  EXPECT_EQ(run(), "a upstream_connect, b upstream_connect, stop: backends_exhausted");

  now += seconds(1);
  failing.clear();
  // a's ejection ends first: arranged alone, not admitted (reported ejected), then admitted with
  // mustTry because the request has nothing else.
  auto attempts = start();
  const auto step = attempts.next(now);
  ASSERT_TRUE(step);
  EXPECT_EQ(nameOf(step->index), "a");
  EXPECT_EQ(step->admission, Admission::LastResort);
  const auto skipped = attempts.takeSkipped();
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_EQ(nameOf(skipped[0]), "b");
  EXPECT_EQ(nameOf(skipped[1]), "a");
  attempts.onAnswered();  // a last resort's success re-admits it
  EXPECT_EQ(run(), "b ejected, a ok");
}

TEST_F(AttemptSequenceTest, ABackendEjectedDuringTheRequestIsReportedWhenItEndsIt) {
  add("a", 0);
  add("b", 1);
  auto attempts = start();
  // Another request ejects b after this one planned.
  detector.onFailure(handles[1], Admission::Healthy, connectFailure(), now);
  failing["a"] = status(503);
  EXPECT_EQ(run(attempts), "a 503, b ejected, stop: backends_exhausted");
  EXPECT_EQ(attempts.attempts(), 1);
}

TEST_F(AttemptSequenceTest, AnotherRequestSkipsABackendWhoseTrialIsOut) {
  add("a", 0);
  add("b", 1);
  failing["a"] = connectFailure();
  run();
  now = kFirstFailure + seconds(5);
  failing.clear();

  auto trial = start();
  const auto step = trial.next(now);
  ASSERT_TRUE(step);
  EXPECT_EQ(step->admission, Admission::Trial);
  EXPECT_EQ(run(), "a ejected, b ok");  // meanwhile
  trial.onAnswered();
  EXPECT_EQ(run(), "a ok");
}

TEST_F(AttemptSequenceTest, AnAbandonedAttemptFreesTheTrial) {
  add("a", 0);
  add("b", 1);
  failing["a"] = connectFailure();
  run();
  now = kFirstFailure + seconds(5);
  failing.clear();

  auto abandoned = start();
  const auto step = abandoned.next(now);
  ASSERT_TRUE(step);
  EXPECT_EQ(step->admission, Admission::Trial);
  abandoned.onAbandoned();
  EXPECT_FALSE(abandoned.next(now));
  EXPECT_EQ(abandoned.stopReason(), "abandoned");
  EXPECT_EQ(run(), "a (trial) ok");
}

}  // namespace
}  // namespace switchyard::route
