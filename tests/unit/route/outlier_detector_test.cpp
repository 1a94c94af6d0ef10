#include "route/outlier_detector.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace switchyard::route {
namespace {

using core::Error;
using core::ErrorKind;
using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime kStart = SteadyTime{} + std::chrono::hours(1);

config::ServiceBackend backendNamed(std::string name, std::string host = "primary.example") {
  config::ServiceBackend backend;
  backend.name = std::move(name);
  backend.backendName = backend.name;
  backend.endpoints.push_back({std::move(host), 443});
  return backend;
}

Error dnsFailure() { return Error::make(ErrorKind::UpstreamDns, "no such host"); }
Error status(unsigned code, int retryAfter = -1) {
  Error e = Error::upstream(code, "upstream said no");
  e.retryAfterSeconds = retryAfter;
  return e;
}

class OutlierDetectorTest : public ::testing::Test {
 protected:
  // Fails `backend` once as an ordinary (healthy) attempt at `at`.
  void fail(BackendHandle backend, const Error& error, SteadyTime at) {
    const auto admission = detector.admit(backend, at);
    ASSERT_EQ(admission, Admission::Healthy);
    detector.onFailure(backend, admission, error, at);
  }
  milliseconds remaining(SteadyTime at) {
    for (const auto& s : detector.status(at)) {
      if (s.name == "primary") return s.remaining;
    }
    return milliseconds(-1);
  }

  OutlierDetector detector;
  config::ServiceBackend primaryConfig = backendNamed("primary");
  config::ServiceBackend fallbackConfig = backendNamed("fallback", "fallback.example");
  BackendHandle primary = detector.attach(primaryConfig);
  BackendHandle fallback = detector.attach(fallbackConfig);
};

TEST(ClassifyFailureTest, Table) {
  struct Case {
    Error error;
    FailureClass expected;
  };
  const Case cases[] = {
      {Error::make(ErrorKind::UpstreamDns, ""), FailureClass::Transport},
      {Error::make(ErrorKind::UpstreamConnect, ""), FailureClass::Transport},
      {Error::make(ErrorKind::UpstreamTls, ""), FailureClass::Transport},
      {Error::make(ErrorKind::UpstreamReset, ""), FailureClass::Gateway},
      {Error::make(ErrorKind::UpstreamTimeout, ""), FailureClass::Gateway},
      {Error::make(ErrorKind::UpstreamBadResponse, ""), FailureClass::Gateway},
      {Error::make(ErrorKind::CredentialUnavailable, ""), FailureClass::Gateway},
      {status(500), FailureClass::Gateway},
      {status(503), FailureClass::Gateway},
      {status(429), FailureClass::Gateway},
      {status(400), FailureClass::Answered},
      {status(401), FailureClass::Answered},
      {status(404), FailureClass::Answered},
      {status(302), FailureClass::Gateway},
      {Error::make(ErrorKind::InvalidRequest, ""), FailureClass::None},
      {Error::make(ErrorKind::NoBackendAvailable, ""), FailureClass::None},
      {Error::make(ErrorKind::Internal, ""), FailureClass::None},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(classifyFailure(c.error), c.expected)
        << core::kindName(c.error.kind) << " " << c.error.upstreamStatus;
  }
}

TEST_F(OutlierDetectorTest, TransportFailureEjectsAtOnceForTheBaseTime) {
  fail(primary, dnsFailure(), kStart);
  EXPECT_EQ(detector.admit(primary, kStart + milliseconds(1)), Admission::Rejected);
  EXPECT_EQ(remaining(kStart), seconds(5));
  EXPECT_EQ(detector.ejectionsTotal(), 1u);
  EXPECT_EQ(detector.currentlyEjected(kStart), 1u);
  EXPECT_EQ(detector.admit(fallback, kStart), Admission::Healthy);
}

TEST_F(OutlierDetectorTest, GatewayFailuresEjectOnTheThirdInARow) {
  fail(primary, status(503), kStart);
  fail(primary, Error::make(ErrorKind::UpstreamReset, ""), kStart);
  EXPECT_EQ(detector.admit(primary, kStart), Admission::Healthy);
  fail(primary, Error::make(ErrorKind::UpstreamTimeout, ""), kStart);
  EXPECT_EQ(detector.admit(primary, kStart), Admission::Rejected);
  EXPECT_EQ(detector.ejectionsTotal(), 1u);
}

TEST_F(OutlierDetectorTest, ASuccessOrAnAnswerResetsTheCount) {
  fail(primary, status(500), kStart);
  fail(primary, status(500), kStart);
  detector.onSuccess(primary, Admission::Healthy);
  fail(primary, status(500), kStart);
  fail(primary, status(500), kStart);
  fail(primary, status(400), kStart);  // the backend answered: it is alive
  fail(primary, status(500), kStart);
  fail(primary, status(500), kStart);
  EXPECT_EQ(detector.admit(primary, kStart), Admission::Healthy);
  EXPECT_EQ(detector.ejectionsTotal(), 0u);
}

TEST_F(OutlierDetectorTest, ClientSideErrorsSayNothingAboutTheBackend) {
  for (int i = 0; i < 5; ++i) fail(primary, Error::make(ErrorKind::InvalidRequest, "bad"), kStart);
  EXPECT_EQ(detector.admit(primary, kStart), Admission::Healthy);
}

TEST_F(OutlierDetectorTest, TooManyRequestsWithoutRetryAfterCountsLikeA5xx) {
  fail(primary, status(429), kStart);
  fail(primary, status(429), kStart);
  EXPECT_EQ(detector.admit(primary, kStart), Admission::Healthy);
  fail(primary, status(429), kStart);
  EXPECT_EQ(detector.admit(primary, kStart), Admission::Rejected);
}

TEST_F(OutlierDetectorTest, RetryAfterEjectsForExactlyThatLong) {
  fail(primary, status(429, 7), kStart);
  EXPECT_EQ(remaining(kStart), seconds(7));
  EXPECT_EQ(detector.admit(primary, kStart + milliseconds(6999)), Admission::Rejected);
  const auto trial = detector.admit(primary, kStart + seconds(7));
  EXPECT_EQ(trial, Admission::Trial);
  // Retry-After did not grow the backoff: a failed trial now ejects for the base time.
  detector.onFailure(primary, trial, dnsFailure(), kStart + seconds(7));
  EXPECT_EQ(remaining(kStart + seconds(7)), seconds(5));
}

TEST_F(OutlierDetectorTest, ServiceUnavailableWithRetryAfterEjectsToo) {
  fail(primary, status(503, 2), kStart);
  EXPECT_EQ(remaining(kStart), seconds(2));
}

TEST_F(OutlierDetectorTest, RetryAfterIsCappedAtTheMaximumEjection) {
  fail(primary, status(429, 86'400), kStart);
  EXPECT_EQ(remaining(kStart), seconds(300));
}

TEST_F(OutlierDetectorTest, ExactlyOneTrialWhenTheEjectionEnds) {
  fail(primary, dnsFailure(), kStart);
  const auto later = kStart + seconds(5);
  EXPECT_EQ(detector.admit(primary, later), Admission::Trial);
  EXPECT_EQ(detector.admit(primary, later), Admission::Rejected);
  EXPECT_EQ(detector.admit(primary, later + seconds(1)), Admission::Rejected);
  EXPECT_EQ(detector.admit(primary, later, /*mustTry=*/true), Admission::LastResort);
}

TEST_F(OutlierDetectorTest, ConcurrentRequestsRaceForOneTrial) {
  fail(primary, dnsFailure(), kStart);
  const auto later = kStart + seconds(5);
  std::atomic<int> trials{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) {
      }
      for (int i = 0; i < 1000; ++i) {
        if (detector.admit(primary, later) == Admission::Trial) trials.fetch_add(1);
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(trials.load(), 1);
}

TEST_F(OutlierDetectorTest, ASuccessfulTrialReadmitsFullyAndResetsTheBackoff) {
  fail(primary, dnsFailure(), kStart);
  auto now = kStart + seconds(5);
  auto trial = detector.admit(primary, now);
  detector.onFailure(primary, trial, dnsFailure(), now);  // k = 2: 10 s
  now += seconds(10);
  trial = detector.admit(primary, now);
  ASSERT_EQ(trial, Admission::Trial);
  detector.onSuccess(primary, trial);
  EXPECT_EQ(detector.admit(primary, now), Admission::Healthy);
  EXPECT_EQ(detector.currentlyEjected(now), 0u);
  fail(primary, dnsFailure(), now);
  EXPECT_EQ(remaining(now), seconds(5));  // back to the base time
}

TEST_F(OutlierDetectorTest, EachFailedTrialDoublesTheEjectionUpToTheCap) {
  fail(primary, dnsFailure(), kStart);
  auto now = kStart;
  const int expected[] = {10, 20, 40, 80, 160, 300, 300};
  milliseconds current = seconds(5);
  for (const int next : expected) {
    now += current;
    const auto trial = detector.admit(primary, now);
    ASSERT_EQ(trial, Admission::Trial);
    detector.onFailure(primary, trial, status(502), now);  // one failed trial is enough
    current = remaining(now);
    EXPECT_EQ(current, seconds(next));
  }
  EXPECT_EQ(detector.ejectionsTotal(), 8u);
  EXPECT_EQ(detector.status(now)[1].consecutiveEjections, 8);  // [0] fallback, [1] primary
}

TEST_F(OutlierDetectorTest, AnAbandonedTrialFreesTheSlot) {
  fail(primary, dnsFailure(), kStart);
  const auto later = kStart + seconds(5);
  const auto trial = detector.admit(primary, later);
  detector.onAbandoned(primary, trial);
  EXPECT_EQ(detector.admit(primary, later), Admission::Trial);
}

TEST_F(OutlierDetectorTest, ATrialThatNeverReportsFreesTheSlotAfterTheLease) {
  fail(primary, dnsFailure(), kStart);
  const auto later = kStart + seconds(5);
  EXPECT_EQ(detector.admit(primary, later), Admission::Trial);
  EXPECT_EQ(detector.admit(primary, later + seconds(59)), Admission::Rejected);
  EXPECT_EQ(detector.admit(primary, later + seconds(60)), Admission::Trial);
}

TEST_F(OutlierDetectorTest, OnlyTheTrialMovesAnEjection) {
  // Requests admitted before the ejection report afterwards: neither extends nor ends it.
  const auto before = detector.admit(primary, kStart);
  const auto alsoBefore = detector.admit(primary, kStart);
  fail(primary, dnsFailure(), kStart);
  detector.onFailure(primary, before, dnsFailure(), kStart + seconds(1));
  detector.onSuccess(primary, alsoBefore);
  EXPECT_EQ(remaining(kStart), seconds(5));
  EXPECT_EQ(detector.ejectionsTotal(), 1u);
  EXPECT_EQ(detector.admit(primary, kStart + seconds(4)), Admission::Rejected);
}

TEST_F(OutlierDetectorTest, LastResortFailureKeepsTheEjectionAndSuccessEndsIt) {
  fail(primary, dnsFailure(), kStart);
  auto forced = detector.admit(primary, kStart + seconds(1), true);
  ASSERT_EQ(forced, Admission::LastResort);
  detector.onFailure(primary, forced, dnsFailure(), kStart + seconds(1));
  EXPECT_EQ(remaining(kStart), seconds(5));
  forced = detector.admit(primary, kStart + seconds(2), true);
  detector.onSuccess(primary, forced);
  EXPECT_EQ(detector.admit(primary, kStart + seconds(2)), Admission::Healthy);
}

TEST_F(OutlierDetectorTest, UntrackedBackendsAreAlwaysHealthy) {
  EXPECT_EQ(detector.admit(nullptr, kStart), Admission::Healthy);
  detector.onFailure(nullptr, Admission::Healthy, dnsFailure(), kStart);
  detector.onSuccess(nullptr, Admission::Healthy);
  EXPECT_EQ(detector.ejectionsTotal(), 0u);
}

TEST_F(OutlierDetectorTest, StateSurvivesAReloadOfTheSameBackend) {
  fail(primary, dnsFailure(), kStart);
  const auto reloaded = backendNamed("primary");  // a new snapshot's object, same place
  EXPECT_EQ(detector.attach(reloaded), primary);
  EXPECT_EQ(detector.admit(primary, kStart), Admission::Rejected);
}

TEST_F(OutlierDetectorTest, ABackendThatNowPointsElsewhereStartsHealthy) {
  fail(primary, dnsFailure(), kStart);
  const auto fixed = backendNamed("primary", "fixed.example");
  EXPECT_EQ(detector.attach(fixed), primary);
  EXPECT_EQ(detector.admit(primary, kStart), Admission::Healthy);
  EXPECT_EQ(detector.currentlyEjected(kStart), 0u);
}

TEST(BackendFingerprintTest, CoversWhereTheBackendPoints) {
  const auto base = backendNamed("b");
  auto other = base;
  EXPECT_EQ(backendFingerprint(base), backendFingerprint(other));
  other.endpoints[0].port = 8443;
  EXPECT_NE(backendFingerprint(base), backendFingerprint(other));
  other = base;
  other.tls = config::TlsValidation{"b.example", "", "policy"};
  EXPECT_NE(backendFingerprint(base), backendFingerprint(other));
  other = base;
  auto credential = std::make_shared<config::Credential>();
  credential->apiKey = "k1";
  other.credential = credential;
  auto rotated = other;
  auto credential2 = std::make_shared<config::Credential>(*credential);
  credential2->apiKey = "k2";
  rotated.credential = credential2;
  EXPECT_NE(backendFingerprint(other), backendFingerprint(rotated));
}

TEST_F(OutlierDetectorTest, StatusListsEveryBackendByName) {
  fail(primary, dnsFailure(), kStart);
  const auto status = detector.status(kStart + seconds(1));
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].name, "fallback");
  EXPECT_FALSE(status[0].ejected);
  EXPECT_EQ(status[1].name, "primary");
  EXPECT_TRUE(status[1].ejected);
  EXPECT_EQ(status[1].remaining, seconds(4));
  EXPECT_EQ(status[1].ejections, 1u);
  // Once the time has run out the backend no longer counts as ejected, though it awaits its trial.
  EXPECT_EQ(detector.currentlyEjected(kStart + seconds(5)), 0u);
}

// Arrange: plan entries are backendRef indexes; handles[i] belongs to plan[i].
class ArrangeTest : public OutlierDetectorTest {
 protected:
  AttemptPlan planOf(std::initializer_list<std::uint8_t> indexes) {
    AttemptPlan plan;
    for (auto i : indexes) plan.push(i);
    return plan;
  }
  std::vector<int> order(const AttemptPlan& plan) { return {plan.begin(), plan.end()}; }

  config::ServiceBackend thirdConfig = backendNamed("third", "third.example");
  BackendHandle third = detector.attach(thirdConfig);
};

TEST_F(ArrangeTest, NothingEjectedKeepsThePlan) {
  const BackendHandle handles[] = {primary, fallback, third};
  const auto arranged = detector.arrange(planOf({0, 1, 2}), handles, kStart);
  EXPECT_EQ(order(arranged.plan), (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(arranged.skipped.empty());
  EXPECT_FALSE(arranged.lastResort);
}

TEST_F(ArrangeTest, EjectedBackendsAreSkippedWhileAnotherRemainsAtAnyPriority) {
  fail(primary, dnsFailure(), kStart);
  const BackendHandle handles[] = {primary, fallback, third};
  const auto arranged = detector.arrange(planOf({0, 1, 2}), handles, kStart + seconds(1));
  EXPECT_EQ(order(arranged.plan), (std::vector<int>{1, 2}));
  EXPECT_EQ(order(arranged.skipped), (std::vector<int>{0}));
  EXPECT_FALSE(arranged.lastResort);
}

TEST_F(ArrangeTest, ABackendWhoseEjectionRanOutKeepsItsPlaceForTheTrial) {
  fail(primary, dnsFailure(), kStart);
  const BackendHandle handles[] = {primary, fallback};
  const auto arranged = detector.arrange(planOf({0, 1}), handles, kStart + seconds(5));
  EXPECT_EQ(order(arranged.plan), (std::vector<int>{0, 1}));
}

TEST_F(ArrangeTest, WhenAllAreEjectedTheOneEndingFirstIsTriedAnyway) {
  fail(primary, dnsFailure(), kStart);             // ends at +5 s
  fail(fallback, status(429, 3), kStart);          // ends at +3 s
  fail(third, dnsFailure(), kStart + seconds(1));  // ends at +6 s
  const BackendHandle handles[] = {primary, fallback, third};
  const auto arranged = detector.arrange(planOf({0, 1, 2}), handles, kStart + seconds(2));
  EXPECT_EQ(order(arranged.plan), (std::vector<int>{1}));
  EXPECT_EQ(order(arranged.skipped), (std::vector<int>{0, 2}));
  EXPECT_TRUE(arranged.lastResort);
  EXPECT_EQ(detector.admit(fallback, kStart + seconds(2), arranged.lastResort),
            Admission::LastResort);
}

TEST_F(ArrangeTest, HandlesFromACallableByBackendRefIndex) {
  fail(fallback, dnsFailure(), kStart);
  const BackendHandle byRef[] = {primary, fallback, third};
  const auto arranged = detector.arrange(
      planOf({2, 1, 0}), [&](std::uint8_t index) { return byRef[index]; }, kStart);
  EXPECT_EQ(order(arranged.plan), (std::vector<int>{2, 0}));
}

TEST_F(ArrangeTest, UntrackedBackendsStay) {
  fail(primary, dnsFailure(), kStart);
  const BackendHandle handles[] = {primary, nullptr};
  const auto arranged = detector.arrange(planOf({0, 1}), handles, kStart);
  EXPECT_EQ(order(arranged.plan), (std::vector<int>{1}));
}

// The seed's story: a broken primary costs its failure once, then is skipped until its trial.
TEST_F(ArrangeTest, BrokenPrimaryCostsItsFailureOncePerEjection) {
  const BackendHandle handles[] = {primary, fallback};
  const auto plan = planOf({0, 1});
  int primaryAttempts = 0;
  auto request = [&](SteadyTime now) {
    const auto arranged = detector.arrange(plan, handles, now);
    for (std::size_t i = 0; i < arranged.plan.size(); ++i) {
      const auto backend = handles[arranged.plan[i]];
      const auto admission = detector.admit(backend, now, arranged.lastResort);
      if (admission == Admission::Rejected) continue;
      if (backend == primary) {
        ++primaryAttempts;
        detector.onFailure(backend, admission, dnsFailure(), now);
        continue;
      }
      detector.onSuccess(backend, admission);
      return;
    }
  };
  auto now = kStart;
  for (int i = 0; i < 100; ++i, now += milliseconds(10)) request(now);  // 1 s of traffic
  EXPECT_EQ(primaryAttempts, 1);
  now = kStart + seconds(5);
  for (int i = 0; i < 100; ++i, now += milliseconds(10)) request(now);  // trial at 5 s, out 10 s
  EXPECT_EQ(primaryAttempts, 2);
  EXPECT_EQ(detector.ejectionsTotal(), 2u);
}

}  // namespace
}  // namespace switchyard::route
