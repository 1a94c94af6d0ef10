#include "kube/watcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_env.hpp"

namespace switchyard::kube {
namespace {

using namespace testing;
using namespace std::chrono_literals;

const std::string kRoutes = "/apis/aigateway.envoyproxy.io/v1beta1/aigatewayroutes";
const std::string kPolicies = "/apis/aigateway.envoyproxy.io/v1beta1/backendsecuritypolicies";
const std::string kSecrets = "/api/v1/secrets";
const ServedKind kRouteKind{"aigateway.envoyproxy.io", "v1beta1", "AIGatewayRoute",
                            "aigatewayroutes", true};
const ServedKind kPolicyKind{"aigateway.envoyproxy.io", "v1beta1", "BackendSecurityPolicy",
                             "backendsecuritypolicies", true};

boost::json::object route(const std::string& ns, const std::string& name,
                          const std::string& model = "m") {
  return obj(R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIGatewayRoute",
    "metadata":{"namespace":")" +
             ns + R"(","name":")" + name + R"("},
    "spec":{"rules":[{"matches":[{"headers":[{"name":"x-ai-eg-model","value":")" +
             model + R"("}]}]}]}})");
}

boost::json::object apiKeyPolicy(const std::string& ns, const std::string& name,
                                 const std::string& secret) {
  return obj(R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"BackendSecurityPolicy",
    "metadata":{"namespace":")" +
             ns + R"(","name":")" + name + R"("},
    "spec":{"type":"APIKey","apiKey":{"secretRef":{"name":")" +
             secret + R"("}}}})");
}

boost::json::object secret(const std::string& ns, const std::string& name,
                           const std::string& value) {
  return obj(R"({"apiVersion":"v1","kind":"Secret","metadata":{"namespace":")" + ns +
             R"(","name":")" + name + R"("},"stringData":{"apiKey":")" + value + R"("}})");
}

class WatcherTest : public ::testing::Test {
 protected:
  void start(std::vector<ServedKind> kinds, WatcherOptions options = {}) {
    auto client = ApiClient::create(io_.ioc().get_executor(), accessTo(server_));
    ASSERT_TRUE(client);
    options.debounce = 20ms;
    options.backoff = BackoffOptions{20ms, 200ms, 0.5};
    options.random = [] { return 0.5; };
    options.log = [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      logs_.emplace_back(line);
    };
    watcher_ = Watcher::create(io_.ioc().get_executor(), *client, std::move(kinds), options,
                               [this](const ObjectStore& store) {
                                 std::lock_guard lock(mutex_);
                                 seen_ = store.objects();
                                 sizes_.push_back(seen_.size());
                                 ++changes_;
                               });
    watcher_->start();
  }
  void TearDown() override {
    if (watcher_) watcher_->stop();
  }

  std::string versionOf(const std::string& kind, const std::string& ns, const std::string& name) {
    std::lock_guard lock(mutex_);
    const auto it = seen_.find(ObjectKey{kind, ns, name});
    return it == seen_.end() ? "" : resourceVersionOf(it->second);
  }
  bool has(const std::string& kind, const std::string& ns, const std::string& name) {
    return !versionOf(kind, ns, name).empty();
  }
  int changes() {
    std::lock_guard lock(mutex_);
    return changes_;
  }
  // The watch requests made, in order.
  std::vector<std::string> watchRequests() {
    std::vector<std::string> out;
    for (const auto& r : server_.requests()) {
      if (r.find("watch=1") != std::string::npos) out.push_back(r);
    }
    return out;
  }
  // The list requests made (not watches), in order.
  std::vector<std::string> listRequests(const std::string& collection) {
    std::vector<std::string> out;
    for (const auto& r : server_.requests()) {
      if (r.rfind(collection, 0) == 0 && r.find("watch=1") == std::string::npos) out.push_back(r);
    }
    return out;
  }
  int logged(const std::string& text) {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count_if(logs_.begin(), logs_.end(), [&](const std::string& l) {
      return l.find(text) != std::string::npos;
    }));
  }
  std::size_t seenCount() {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }

  FakeApiServer server_{serverCert()};
  IoThread io_;
  std::shared_ptr<Watcher> watcher_;
  std::mutex mutex_;
  ObjectStore::Map seen_;
  int changes_ = 0;
  std::vector<std::size_t> sizes_;  // the store's size at each change
  std::vector<std::string> logs_;
};

TEST_F(WatcherTest, ListsThenAppliesAddedModifiedAndDeletedEvents) {
  server_.put(kRoutes, route("a", "r1"));
  start({kRouteKind});
  ASSERT_TRUE(waitFor([&] { return has("AIGatewayRoute", "a", "r1"); }));
  EXPECT_TRUE(watcher_->synced());
  ASSERT_TRUE(waitFor([&] { return server_.openWatches() == 1; }));

  server_.put(kRoutes, route("b", "r2"));
  ASSERT_TRUE(waitFor([&] { return has("AIGatewayRoute", "b", "r2"); }));
  const auto modified = server_.put(kRoutes, route("a", "r1", "other-model"));
  ASSERT_TRUE(waitFor([&] { return versionOf("AIGatewayRoute", "a", "r1") == modified; }));
  server_.remove(kRoutes, "b", "r2");
  ASSERT_TRUE(waitFor([&] { return !has("AIGatewayRoute", "b", "r2"); }));

  const auto stats = watcher_->stats();
  EXPECT_EQ(stats.lists, 1);
  EXPECT_EQ(stats.watches, 1);
  EXPECT_EQ(stats.relists, 0);
  const auto watches = watchRequests();
  ASSERT_EQ(watches.size(), 1u);
  EXPECT_NE(watches[0].find("allowWatchBookmarks=true"), std::string::npos);
  EXPECT_NE(watches[0].find("resourceVersion=101"), std::string::npos);
}

TEST_F(WatcherTest, ABurstOfEventsGivesOneChange) {
  start({kRouteKind});
  ASSERT_TRUE(waitFor([&] { return changes() == 1 && server_.openWatches() == 1; }));
  for (int i = 0; i < 20; ++i) server_.put(kRoutes, route("a", "r" + std::to_string(i)));
  ASSERT_TRUE(waitFor([&] { return has("AIGatewayRoute", "a", "r19"); }));
  std::this_thread::sleep_for(100ms);
  EXPECT_LE(changes(), 3);  // 1 for the sync, then the burst, coalesced
  EXPECT_GE(changes(), 2);
}

TEST_F(WatcherTest, NamespacesAreWatchedOneByOne) {
  server_.put(kRoutes, route("a", "r1"));
  server_.put(kRoutes, route("b", "r2"));
  server_.put(kRoutes, route("c", "r3"));
  WatcherOptions options;
  options.namespaces = {"a", "b"};
  start({kRouteKind}, options);
  ASSERT_TRUE(waitFor([&] { return has("AIGatewayRoute", "b", "r2"); }));
  EXPECT_TRUE(has("AIGatewayRoute", "a", "r1"));
  EXPECT_FALSE(has("AIGatewayRoute", "c", "r3"));
  for (const auto& r : server_.requests())
    EXPECT_NE(r.find("/namespaces/"), std::string::npos) << r;
}

TEST_F(WatcherTest, BookmarksMoveTheResourceVersionAWatchResumesFrom) {
  server_.put(kRoutes, route("a", "r1"));
  start({kRouteKind});
  ASSERT_TRUE(waitFor([&] { return server_.openWatches() == 1; }));
  server_.put("/apis/other.io/v1/things", route("a", "unrelated"));  // moves the global version
  const auto current = server_.resourceVersion();
  server_.bookmark();
  server_.endWatches();  // timeoutSeconds passed: renewed at once, from the bookmark
  ASSERT_TRUE(waitFor([&] { return watchRequests().size() == 2; }));
  EXPECT_NE(watchRequests()[1].find("resourceVersion=" + current), std::string::npos)
      << watchRequests()[1];
  EXPECT_EQ(watcher_->stats().lists, 1);
  EXPECT_TRUE(watcher_->stats().delays.empty());  // a clean end is renewed without waiting
}

class GoneTest : public WatcherTest, public ::testing::WithParamInterface<bool> {};

TEST_P(GoneTest, AnExpiredResourceVersionCausesOneRelist) {
  server_.answerGoneWithStatus(GetParam());
  server_.put(kRoutes, route("a", "r1"));
  start({kRouteKind});
  ASSERT_TRUE(waitFor([&] { return server_.openWatches() == 1; }));
  server_.put(kRoutes, route("a", "r2"));
  ASSERT_TRUE(waitFor([&] { return has("AIGatewayRoute", "a", "r2"); }));
  server_.refuseConnections(true);
  server_.dropWatches();
  ASSERT_TRUE(waitFor([&] { return !watcher_->stats().delays.empty(); }));
  server_.remove(kRoutes, "a", "r1");  // the event is lost with the history; the relist sees it
  server_.put("/apis/other.io/v1/things", route("a", "unrelated"));
  server_.compact();
  server_.refuseConnections(false);
  ASSERT_TRUE(waitFor([&] { return !has("AIGatewayRoute", "a", "r1"); }));
  ASSERT_TRUE(waitFor([&] { return server_.openWatches() == 1; }));
  std::this_thread::sleep_for(200ms);
  const auto stats = watcher_->stats();
  EXPECT_EQ(stats.relists, 1);
  EXPECT_EQ(stats.lists, 2);  // the first list and exactly one relist: no storm
  EXPECT_TRUE(has("AIGatewayRoute", "a", "r2"));
  EXPECT_EQ(logged("AIGatewayRoute from resourceVersion "), 1);
  EXPECT_EQ(logged("too old (410 Gone); relisting"), 1);
}

INSTANTIATE_TEST_SUITE_P(ErrorEventOrHttpStatus, GoneTest, ::testing::Bool());

TEST_F(WatcherTest, AServerRestartIsRidOutWithBackOffAndTheWatchResumes) {
  server_.put(kRoutes, route("a", "r1"));
  start({kRouteKind});
  ASSERT_TRUE(waitFor([&] { return server_.openWatches() == 1; }));
  const auto lastSeen = server_.resourceVersion();
  server_.refuseConnections(true);
  server_.dropWatches();
  ASSERT_TRUE(waitFor([&] { return watcher_->stats().delays.size() >= 4; }));
  server_.put(kRoutes, route("a", "while-down"));
  server_.refuseConnections(false);
  ASSERT_TRUE(waitFor([&] { return has("AIGatewayRoute", "a", "while-down"); }));

  const auto stats = watcher_->stats();
  EXPECT_EQ(stats.lists, 1);  // resumed from the resourceVersion, not relisted
  EXPECT_EQ(stats.reconnects, 1);
  ASSERT_GE(stats.delays.size(), 4u);
  // 20 ms doubling up to 200 ms, each at 0.75 of its step (jitter 0.5, random 0.5).
  EXPECT_EQ(stats.delays[0], 15ms);
  EXPECT_EQ(stats.delays[1], 30ms);
  EXPECT_EQ(stats.delays[2], 60ms);
  EXPECT_EQ(stats.delays[3], 120ms);
  const auto watches = watchRequests();
  EXPECT_NE(watches.back().find("resourceVersion=" + lastSeen), std::string::npos)
      << watches.back();
}

TEST_F(WatcherTest, ListsAreReadInPagesAndTheWatchStartsFromTheirSnapshot) {
  for (int i = 0; i < 5; ++i) server_.put(kRoutes, route("a", "r" + std::to_string(i)));
  const auto snapshot = server_.resourceVersion();
  WatcherOptions options;
  options.listPageSize = 2;
  start({kRouteKind}, options);
  ASSERT_TRUE(waitFor([&] { return changes() == 1 && server_.openWatches() == 1; }));
  EXPECT_EQ(seenCount(), 5u);
  const auto lists = listRequests(kRoutes);
  ASSERT_EQ(lists.size(), 3u);  // 2 + 2 + 1
  EXPECT_EQ(lists[0], kRoutes + "?limit=2");
  EXPECT_EQ(lists[1], kRoutes + "?limit=2&continue=" + snapshot + "%3A2");
  EXPECT_EQ(lists[2], kRoutes + "?limit=2&continue=" + snapshot + "%3A4");
  EXPECT_EQ(watcher_->stats().lists, 1);  // three pages, one list
  EXPECT_EQ(changes(), 1);                // loaded once, whole
  EXPECT_NE(watchRequests()[0].find("resourceVersion=" + snapshot), std::string::npos);
}

TEST_F(WatcherTest, AnExpiredContinueTokenStartsTheListAgainFromTheFirstPage) {
  for (int i = 0; i < 5; ++i) server_.put(kRoutes, route("a", "r" + std::to_string(i)));
  server_.expireContinueTokens(1);
  WatcherOptions options;
  options.listPageSize = 2;
  start({kRouteKind}, options);
  ASSERT_TRUE(waitFor([&] { return changes() == 1 && server_.openWatches() == 1; }));
  EXPECT_EQ(seenCount(), 5u);
  const auto lists = listRequests(kRoutes);
  // Page 1, page 2 (410 Gone), then the whole list again: pages 1, 2, 3.
  ASSERT_EQ(lists.size(), 5u);
  EXPECT_EQ(lists[2], kRoutes + "?limit=2");
  const auto stats = watcher_->stats();
  EXPECT_EQ(stats.restarts, 1);
  EXPECT_EQ(stats.lists, 1);
  EXPECT_TRUE(stats.delays.empty());  // started again at once, not after a back-off
  EXPECT_EQ(logged("the continue token expired (410 Gone); listing again from the start"), 1);
}

TEST_F(WatcherTest, ContinueTokensThatKeepExpiringEndInOneListWithoutPaging) {
  for (int i = 0; i < 5; ++i) server_.put(kRoutes, route("a", "r" + std::to_string(i)));
  server_.expireContinueTokens(100);
  WatcherOptions options;
  options.listPageSize = 2;
  start({kRouteKind}, options);
  ASSERT_TRUE(waitFor([&] { return changes() == 1 && server_.openWatches() == 1; }));
  EXPECT_EQ(seenCount(), 5u);
  const auto lists = listRequests(kRoutes);
  ASSERT_EQ(lists.size(), 5u);  // (1, 2 expired) twice, then one unpaged list
  EXPECT_EQ(lists[4], kRoutes);
  EXPECT_EQ(watcher_->stats().restarts, 2);
}

TEST_F(WatcherTest, AKindServedInAnotherVersionIsSwitchedWithoutLosingItsObjects) {
  const std::string alpha = "/apis/aigateway.envoyproxy.io/v1alpha1/aigatewayroutes";
  server_.put(kRoutes, route("a", "r1"));
  server_.put(alpha, route("a", "r1"));  // the same object as the other version serves it
  start({kRouteKind});
  ASSERT_TRUE(waitFor([&] { return has("AIGatewayRoute", "a", "r1"); }));
  ServedKind alphaKind = kRouteKind;
  alphaKind.version = "v1alpha1";
  const int before = changes();
  watcher_->setKinds({alphaKind});
  EXPECT_TRUE(waitFor([&] {
    for (const auto& r : watchRequests()) {
      if (r.rfind(alpha, 0) == 0) return true;
    }
    return false;
  }));
  EXPECT_EQ(watcher_->kinds(), std::vector<ServedKind>{alphaKind});
  server_.put(kRoutes, route("a", "old-version-only"));  // the old watch is closed: not seen
  server_.put(alpha, route("a", "r2"));
  ASSERT_TRUE(waitFor([&] { return has("AIGatewayRoute", "a", "r2"); }));
  EXPECT_TRUE(has("AIGatewayRoute", "a", "r1"));
  EXPECT_FALSE(has("AIGatewayRoute", "a", "old-version-only"));
  EXPECT_GT(changes(), before);
  std::lock_guard lock(mutex_);
  for (const auto size : sizes_) EXPECT_GE(size, 1u);  // no load ever saw the routes gone
}

TEST_F(WatcherTest, AKindLeftOutStopsBeingWatchedAndItsObjectsLeaveTheStore) {
  server_.put(kRoutes, route("a", "r1"));
  server_.put(kPolicies, apiKeyPolicy("a", "p1", "key-a"));
  server_.put(kSecrets, secret("a", "key-a", "one"));
  start({kRouteKind, kPolicyKind});
  ASSERT_TRUE(waitFor([&] { return has("Secret", "a", "key-a") && server_.openWatches() == 3; }));
  watcher_->setKinds({kRouteKind});
  // The policies go, and with them the Secret only they named.
  ASSERT_TRUE(waitFor([&] { return !has("BackendSecurityPolicy", "a", "p1"); }));
  ASSERT_TRUE(waitFor([&] { return !has("Secret", "a", "key-a"); }));
  EXPECT_TRUE(has("AIGatewayRoute", "a", "r1"));
  EXPECT_EQ(watcher_->kinds(), std::vector<ServedKind>{kRouteKind});
  EXPECT_TRUE(watcher_->namedWatches().empty());
  const auto requests = server_.requests().size();
  server_.put(kPolicies, apiKeyPolicy("a", "p2", "key-a"));  // its watch is closed: not seen
  server_.put(kRoutes, route("a", "r2"));
  ASSERT_TRUE(waitFor([&] { return has("AIGatewayRoute", "a", "r2"); }));
  EXPECT_FALSE(has("BackendSecurityPolicy", "a", "p2"));
  EXPECT_EQ(server_.requests().size(), requests);  // nothing lists or watches it again
}

TEST_F(WatcherTest, AKindWhoseListAnswers404IsReportedAndCanBeDroppedBeforeTheFirstSync) {
  server_.put(kRoutes, route("a", "r1"));
  server_.stopServing("aigateway.envoyproxy.io", "backendsecuritypolicies");
  WatcherOptions options;
  std::atomic<int> notFound = 0;
  options.onNotFound = [&](const ServedKind& kind) {
    if (kind.kind == "BackendSecurityPolicy") ++notFound;
  };
  start({kRouteKind, kPolicyKind}, options);
  ASSERT_TRUE(waitFor([&] { return notFound.load() >= 1; }));
  EXPECT_FALSE(watcher_->synced());  // still waiting for the policies' first list
  watcher_->setKinds({kRouteKind});
  ASSERT_TRUE(waitFor([&] { return watcher_->synced() && has("AIGatewayRoute", "a", "r1"); }));
}

TEST_F(WatcherTest, SecretsAreReadOnlyByTheNamesPoliciesGive) {
  server_.put(kPolicies, apiKeyPolicy("a", "p1", "key-a"));
  server_.put(kSecrets, secret("a", "key-a", "one"));
  server_.put(kSecrets, secret("a", "unrelated", "must-not-be-read"));
  start({kRouteKind, kPolicyKind});
  ASSERT_TRUE(waitFor([&] { return has("Secret", "a", "key-a"); }));
  EXPECT_TRUE(watcher_->synced());
  EXPECT_FALSE(has("Secret", "a", "unrelated"));

  const auto rotated = server_.put(kSecrets, secret("a", "key-a", "two"));
  ASSERT_TRUE(waitFor([&] { return versionOf("Secret", "a", "key-a") == rotated; }));

  server_.put(kPolicies, apiKeyPolicy("b", "p2", "key-b"));  // the Secret comes later
  ASSERT_TRUE(waitFor([&] { return watcher_->namedWatches().size() == 2; }));
  server_.put(kSecrets, secret("b", "key-b", "three"));
  ASSERT_TRUE(waitFor([&] { return has("Secret", "b", "key-b"); }));

  server_.remove(kPolicies, "a", "p1");  // no longer referenced: forgotten and unwatched
  ASSERT_TRUE(waitFor([&] { return !has("Secret", "a", "key-a"); }));
  EXPECT_EQ(watcher_->namedWatches(), (std::vector<ObjectKey>{{"Secret", "b", "key-b"}}));

  int secretRequests = 0;
  for (const auto& r : server_.requests()) {
    if (r.find("secrets") == std::string::npos) continue;
    ++secretRequests;
    EXPECT_NE(r.find("/namespaces/"), std::string::npos) << r;
    // Never a list: a GET of the one Secret, then a watch with the name as field selector.
    const bool get = r.find("/secrets/key-") != std::string::npos;
    EXPECT_TRUE(get || (r.find("watch=1") != std::string::npos &&
                        r.find("fieldSelector=metadata.name%3Dkey-") != std::string::npos))
        << r;
  }
  EXPECT_GE(secretRequests, 4);  // list + watch for each of the two
}

TEST_F(WatcherTest, ANamedWatchStartsFromNowSoCompactionNeverRefusesIt) {
  server_.put(kPolicies, apiKeyPolicy("a", "p1", "key-a"));
  server_.put(kSecrets, secret("a", "key-a", "one"));  // older than what the server will keep
  for (int i = 0; i < 5; ++i) server_.put(kRoutes, route("a", "r" + std::to_string(i)));
  server_.compact();
  start({kRouteKind, kPolicyKind});
  ASSERT_TRUE(waitFor([&] { return has("Secret", "a", "key-a") && server_.openWatches() == 3; }));
  // A restart that forgets the history again: the kinds relist once, the Secret is read again.
  server_.refuseConnections(true);
  server_.dropWatches();
  ASSERT_TRUE(waitFor([&] { return !watcher_->stats().delays.empty(); }));
  server_.put("/apis/other.io/v1/things", route("a", "unrelated"));
  server_.compact();
  server_.refuseConnections(false);
  ASSERT_TRUE(waitFor([&] { return server_.openWatches() == 3; }));
  const auto rotated = server_.put(kSecrets, secret("a", "key-a", "two"));
  ASSERT_TRUE(waitFor([&] { return versionOf("Secret", "a", "key-a") == rotated; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(watcher_->stats().relists, 2);  // the routes' and the policies' watches, once each
  EXPECT_EQ(logged("Secret in a named key-a from resourceVersion"), 0);
  for (const auto& r : watchRequests()) {
    if (r.find("/secrets") != std::string::npos) {
      EXPECT_EQ(r.find("resourceVersion="), std::string::npos) << r;
    }
  }
}

TEST(BackoffTest, DoublesUpToTheCapWithJitter) {
  double r = 0.0;
  Backoff backoff(BackoffOptions{100ms, 1000ms, 0.5}, [&] { return r; });
  EXPECT_EQ(backoff.next(), 50ms);
  EXPECT_EQ(backoff.next(), 100ms);
  r = 0.999;
  EXPECT_EQ(backoff.next(), 399ms);
  EXPECT_EQ(backoff.next(), 799ms);
  EXPECT_EQ(backoff.next(), 999ms);  // capped
  EXPECT_EQ(backoff.next(), 999ms);
  backoff.reset();
  EXPECT_EQ(backoff.next(), 99ms);
}

}  // namespace
}  // namespace switchyard::kube
