#include "kube/leader_election.hpp"

#include <gtest/gtest.h>

#include "../net/run_awaitable.hpp"
#include "test_env.hpp"

namespace switchyard::kube {
namespace {

using namespace testing;
using net::testing::runAwaitable;
using std::chrono::seconds;

const std::string kLeases = "/apis/coordination.k8s.io/v1/leases";

// Two electors on one fake server, on one io_context, with a virtual clock.
struct Pair {
  FakeApiServer server{serverCert()};
  boost::asio::io_context ioc;
  std::chrono::system_clock::time_point clock = std::chrono::system_clock::now();
  int gained[2] = {0, 0};
  int lost[2] = {0, 0};
  std::shared_ptr<LeaderElector> electors[2];

  Pair() {
    auto client = ApiClient::create(ioc.get_executor(), accessTo(server));
    for (int i = 0; i < 2; ++i) {
      LeaderElectionOptions options;
      options.ns = "ai-gateway";
      options.identity = i == 0 ? "pod-a" : "pod-b";
      options.now = [this] { return clock; };
      electors[i] = LeaderElector::create(
          ioc.get_executor(), *client, options, [this, i] { ++gained[i]; },
          [this, i] { ++lost[i]; });
    }
  }
  bool step(int i) { return runAwaitable(ioc, electors[i]->step()); }
  std::string holder() {
    auto lease = server.object(kLeases, "ai-gateway", "switchyard");
    return lease ? std::string(lease->at("spec").at("holderIdentity").as_string()) : "";
  }
};

TEST(LeaderElectionTest, TwoElectorsOneLeader) {
  Pair p;
  EXPECT_TRUE(p.step(0));  // creates the Lease
  EXPECT_FALSE(p.step(1));
  EXPECT_EQ(p.holder(), "pod-a");
  for (int round = 0; round < 3; ++round) {
    p.clock += seconds(5);
    EXPECT_TRUE(p.step(0));
    EXPECT_FALSE(p.step(1));
  }
  EXPECT_TRUE(p.electors[0]->isLeader());
  EXPECT_FALSE(p.electors[1]->isLeader());
  EXPECT_EQ(p.gained[0], 1);
  EXPECT_EQ(p.gained[1], 0);
  EXPECT_EQ(p.lost[0], 0);
  auto lease = p.server.object(kLeases, "ai-gateway", "switchyard");
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->at("spec").at("leaseDurationSeconds").as_int64(), 15);
  EXPECT_TRUE(parseMicroTime(lease->at("spec").at("renewTime").as_string()));
  // Every write was a create then updates of the one Lease.
  const auto writes = p.server.writes();
  ASSERT_FALSE(writes.empty());
  EXPECT_EQ(writes.front(), "POST /apis/coordination.k8s.io/v1/namespaces/ai-gateway/leases");
}

TEST(LeaderElectionTest, AStoppedLeaderReleasesTheLease) {
  Pair p;
  ASSERT_TRUE(p.step(0));
  boost::asio::post(p.ioc, [&] { p.electors[0]->stop(); });
  p.ioc.restart();
  p.ioc.run();  // the release
  EXPECT_FALSE(p.electors[0]->isLeader());
  EXPECT_EQ(p.lost[0], 1);
  EXPECT_EQ(p.holder(), "");
  EXPECT_TRUE(p.step(1));  // at once, without waiting for the lease duration
  EXPECT_EQ(p.holder(), "pod-b");
}

TEST(LeaderElectionTest, ALeaderThatVanishedIsReplacedOnceItsLeaseExpires) {
  Pair p;
  ASSERT_TRUE(p.step(0));
  p.clock += seconds(10);   // pod-a is gone without releasing (killed)
  EXPECT_FALSE(p.step(1));  // renewTime + 15 s not passed yet
  p.clock += seconds(6);
  EXPECT_TRUE(p.step(1));  // within the lease duration of the last renewal + one interval
  EXPECT_EQ(p.holder(), "pod-b");
  EXPECT_EQ(p.gained[1], 1);
  auto lease = p.server.object(kLeases, "ai-gateway", "switchyard");
  EXPECT_EQ(lease->at("spec").at("leaseTransitions").as_int64(), 1);
  EXPECT_FALSE(p.step(0));  // pod-a back: pod-b holds it
  EXPECT_EQ(p.lost[0], 1);
}

TEST(LeaderElectionTest, ALeaderThatFindsAnotherHolderLosesAtOnce) {
  Pair p;
  ASSERT_TRUE(p.step(0));
  p.clock += seconds(20);  // pod-a did not renew (paused): pod-b takes over
  ASSERT_TRUE(p.step(1));
  EXPECT_FALSE(p.step(0));
  EXPECT_EQ(p.lost[0], 1);
  EXPECT_EQ(p.holder(), "pod-b");
}

TEST(LeaderElectionTest, AConflictOnUpdateIsNotLeadership) {
  Pair p;
  ASSERT_TRUE(p.step(0));
  p.clock += seconds(5);
  p.server.conflictNextUpdate();
  EXPECT_FALSE(p.step(0));
  EXPECT_FALSE(p.electors[0]->isLeader());
  EXPECT_EQ(p.lost[0], 1);
  p.clock += seconds(5);
  EXPECT_TRUE(p.step(0));  // the next renewal, with the Lease still its own, succeeds
  EXPECT_EQ(p.gained[0], 2);
}

TEST(LeaderElectionTest, AnUnreachableServerIsNotLeadership) {
  Pair p;
  ASSERT_TRUE(p.step(0));
  p.server.refuseConnections(true);
  EXPECT_FALSE(p.step(0));
  EXPECT_EQ(p.lost[0], 1);
}

TEST(LeaderElectionTest, AFailureToLeadIsLoggedOnceWhileItLasts) {
  FakeApiServer server(serverCert());
  server.requireToken("other");  // every call answers 401, as RBAC would refuse
  boost::asio::io_context ioc;
  auto client = ApiClient::create(ioc.get_executor(), accessTo(server));
  std::vector<std::string> logs;
  LeaderElectionOptions options;
  options.ns = "ai-gateway";
  options.identity = "pod-a";
  options.log = [&](std::string_view line) { logs.emplace_back(line); };
  auto elector = LeaderElector::create(ioc.get_executor(), *client, options, {}, {});
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(runAwaitable(ioc, elector->step()));
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_NE(logs[0].find("cannot take the Lease ai-gateway/switchyard"), std::string::npos);
  EXPECT_NE(logs[0].find("401"), std::string::npos) << logs[0];
}

TEST(LeaderElectionTest, TheLoopRenewsOnRealTimers) {
  FakeApiServer server(serverCert());
  IoThread io;
  auto client = ApiClient::create(io.ioc().get_executor(), accessTo(server));
  std::atomic<int> gained{0};
  LeaderElectionOptions options;
  options.ns = "ai-gateway";
  options.identity = "pod-a";
  options.renewInterval = std::chrono::milliseconds(50);
  auto elector =
      LeaderElector::create(io.ioc().get_executor(), *client, options, [&] { ++gained; }, {});
  elector->start();
  EXPECT_TRUE(waitFor([&] { return elector->isLeader(); }));
  EXPECT_TRUE(waitFor([&] { return server.writes().size() >= 4; }));  // create, then renewals
  boost::asio::post(io.ioc(), [&] { elector->stop(); });
  EXPECT_TRUE(waitFor([&] { return !elector->isLeader(); }));
  EXPECT_EQ(gained.load(), 1);
}

TEST(LeaderElectionTest, MicroTimeRoundTrips) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::microseconds(1796639817123456));
  EXPECT_EQ(formatMicroTime(t), "2026-12-07T10:36:57.123456Z");
  EXPECT_EQ(parseMicroTime("2026-12-07T10:36:57.123456Z"), t);
  EXPECT_TRUE(parseMicroTime("2026-12-07T10:36:57Z"));
  EXPECT_FALSE(parseMicroTime("2026-12-07 10:36:57"));
}

}  // namespace
}  // namespace switchyard::kube
