#include "kube/config_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <thread>

#include "test_env.hpp"

namespace switchyard::kube {
namespace {

using namespace testing;
using namespace std::chrono_literals;

const std::string kAi = "/apis/aigateway.envoyproxy.io/v1beta1/";
const std::string kRoutes = kAi + "aigatewayroutes";
const std::string kServiceBackends = kAi + "aiservicebackends";
const std::string kPolicies = kAi + "backendsecuritypolicies";
const std::string kBackends = "/apis/gateway.envoyproxy.io/v1alpha1/backends";
const std::string kSecrets = "/api/v1/secrets";

boost::json::object route(const std::string& model, const std::string& timeout = "30s") {
  return obj(R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIGatewayRoute",
    "metadata":{"namespace":"ai","name":"chat"},
    "spec":{"rules":[{"matches":[{"headers":[{"name":"x-ai-eg-model","value":")" +
             model + R"("}]}],"backendRefs":[{"name":"openai"}],
             "timeouts":{"request":")" +
             timeout + R"("}}]}})");
}

boost::json::object serviceBackend(const std::string& schema) {
  return obj(R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIServiceBackend",
    "metadata":{"namespace":"ai","name":"openai"},
    "spec":{"schema":{"name":")" +
             schema + R"("},"backendRef":{"name":"openai"}}})");
}

boost::json::object apiKey(const std::string& value) {
  return obj(
      R"({"apiVersion":"v1","kind":"Secret","metadata":{"namespace":"ai","name":"openai-key"},
    "stringData":{"apiKey":")" +
      value + R"("}})");
}

// The gateway's side of a ConfigSource: what it was handed, and the log lines.
class ConfigSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.serveGroup("aigateway.envoyproxy.io", {"v1beta1"},
                       {{"AIGatewayRoute", "aigatewayroutes"},
                        {"AIServiceBackend", "aiservicebackends"},
                        {"BackendSecurityPolicy", "backendsecuritypolicies"},
                        {"GatewayConfig", "gatewayconfigs"}});
    server_.serveGroup("gateway.envoyproxy.io", {"v1alpha1"}, {{"Backend", "backends"}});
    server_.put(kBackends, obj(R"({"apiVersion":"gateway.envoyproxy.io/v1alpha1","kind":"Backend",
      "metadata":{"namespace":"ai","name":"openai"},
      "spec":{"endpoints":[{"fqdn":{"hostname":"api.openai.com","port":443}}]}})"));
    server_.put(kServiceBackends, serviceBackend("OpenAI"));
    server_.put(
        kPolicies,
        obj(R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"BackendSecurityPolicy",
      "metadata":{"namespace":"ai","name":"openai-key"},
      "spec":{"targetRefs":[{"kind":"AIServiceBackend","name":"openai"}],
              "type":"APIKey","apiKey":{"secretRef":{"name":"openai-key"}}}})"));
    server_.put(kSecrets, apiKey("sk-one"));
    server_.put(kRoutes, route("gpt-4o"));
  }

  void start(bool writeStatus = false,
             const std::function<void(ConfigSourceOptions&)>& tweak = {}) {
    ConfigSourceOptions options;
    options.access = accessTo(server_);
    options.access.ns = "ai-gateway";
    options.writeStatus = writeStatus;
    options.leaderElection.identity = "pod-a";
    options.leaderElection.renewInterval = 50ms;
    options.watcher.debounce = 20ms;
    options.watcher.backoff = BackoffOptions{20ms, 200ms, 0.5};
    options.watcher.random = [] { return 0.5; };
    options.log = [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      logs_.emplace_back(line);
    };
    if (tweak) tweak(options);
    auto source = ConfigSource::start(std::move(options), [this](config::LoadResult result) {
      std::lock_guard lock(mutex_);
      ++results_;
      if (result.ok()) published_ = result.snapshot;  // what Gateway::apply does, in short
    });
    ASSERT_TRUE(source) << source.error().message;
    source_ = std::move(*source);
  }

  std::shared_ptr<const config::Snapshot> published() {
    std::lock_guard lock(mutex_);
    return published_;
  }
  int results() {
    std::lock_guard lock(mutex_);
    return results_;
  }
  bool serves(const std::string& model) {
    const auto snapshot = published();
    if (!snapshot) return false;
    return config::describeRoutingTable(*snapshot).find(model) != std::string::npos;
  }
  std::string key() {
    const auto snapshot = published();
    if (!snapshot || snapshot->backends.empty() || !snapshot->backends[0]->credential) return "";
    return snapshot->backends[0]->credential->apiKey;
  }
  bool logged(const std::string& text) { return loggedTimes(text) > 0; }
  int loggedTimes(const std::string& text) {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& line : logs_) n += line.find(text) != std::string::npos ? 1 : 0;
    return n;
  }
  bool hasRetryPolicy() {
    const auto snapshot = published();
    return snapshot &&
           config::describeRoutingTable(*snapshot).find("numRetries 5") != std::string::npos;
  }
  // Requests other than discovery (/apis, /apis/G/V).
  int listsAndWatches() {
    int n = 0;
    for (const auto& r : server_.requests()) {
      const bool discovery = r == "/apis" || (r.find('?') == std::string::npos &&
                                              std::count(r.begin(), r.end(), '/') == 3);
      n += discovery ? 0 : 1;
    }
    return n;
  }

  FakeApiServer server_{serverCert()};
  std::mutex mutex_;
  std::shared_ptr<const config::Snapshot> published_;
  int results_ = 0;
  std::vector<std::string> logs_;
  std::unique_ptr<ConfigSource> source_;  // last: stopped before what its callbacks touch
};

TEST_F(ConfigSourceTest, TheFirstSyncPublishesAndMissingCrdsWarnOnceEach) {
  start();
  ASSERT_TRUE(waitFor([&] { return serves("gpt-4o"); }));
  EXPECT_EQ(key(), "sk-one");
  EXPECT_EQ(source_->loads(), 1);
  // BackendTrafficPolicy, ClientTrafficPolicy, BackendTLSPolicy and Gateway are not installed.
  std::lock_guard lock(mutex_);
  int warnings = 0;
  for (const auto& line : logs_) {
    if (line.find("\"level\":\"warn\"") != std::string::npos &&
        line.find("not served") != std::string::npos)
      ++warnings;
  }
  EXPECT_EQ(warnings, 4);
}

TEST_F(ConfigSourceTest, AModifiedRouteChangesThePublishedSnapshotWithinASecond) {
  start();
  ASSERT_TRUE(waitFor([&] { return serves("gpt-4o"); }));
  const auto first = published();
  server_.put(kRoutes, route("gpt-4.1"));
  ASSERT_TRUE(waitFor([&] { return serves("gpt-4.1"); }, 1s));
  EXPECT_NE(published(), first);
}

TEST_F(ConfigSourceTest, AnInvalidChangeKeepsTheRunningSnapshotAndLogsWhy) {
  start();
  ASSERT_TRUE(waitFor([&] { return serves("gpt-4o"); }));
  const auto running = published();
  const int before = results();
  server_.put(kRoutes, route("gpt-4.1", "banana"));
  ASSERT_TRUE(waitFor([&] { return results() > before; }));
  EXPECT_EQ(published(), running);
  EXPECT_TRUE(logged("\"level\":\"error\""));
  EXPECT_TRUE(logged("kubernetes AIGatewayRoute ai/chat"));
  EXPECT_TRUE(logged("spec.rules[0].timeouts.request: invalid duration \\\"banana\\\""));

  server_.put(kRoutes, route("gpt-4.1"));  // fixed: served again
  ASSERT_TRUE(waitFor([&] { return serves("gpt-4.1"); }));
}

TEST_F(ConfigSourceTest, ASecretRotationReachesTheCredential) {
  start();
  ASSERT_TRUE(waitFor([&] { return key() == "sk-one"; }));
  server_.put(kSecrets, apiKey("sk-two"));
  ASSERT_TRUE(waitFor([&] { return key() == "sk-two"; }));
  EXPECT_TRUE(serves("gpt-4o"));
}

TEST_F(ConfigSourceTest, DiscoveryIsRetriedUntilTheServerAnswers) {
  server_.refuseConnections(true);
  start();
  ASSERT_TRUE(waitFor([&] { return logged("discovery failed"); }));
  EXPECT_FALSE(published());
  server_.refuseConnections(false);
  ASSERT_TRUE(waitFor([&] { return serves("gpt-4o"); }, 5s));
}

const std::string kTrafficPolicies = "/apis/gateway.envoyproxy.io/v1alpha1/backendtrafficpolicies";

boost::json::object retryPolicy() {
  return obj(R"({"apiVersion":"gateway.envoyproxy.io/v1alpha1","kind":"BackendTrafficPolicy",
    "metadata":{"namespace":"ai","name":"retry"},
    "spec":{"targetRefs":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","name":"chat"}],
            "retry":{"numRetries":5}}})");
}

TEST_F(ConfigSourceTest, ACrdInstalledAfterStartIsWatchedFromTheNextDiscovery) {
  start(false, [](ConfigSourceOptions& o) { o.discoveryRefresh = 100ms; });
  ASSERT_TRUE(waitFor([&] { return serves("gpt-4o"); }));
  EXPECT_EQ(loggedTimes("BackendTrafficPolicy (gateway.envoyproxy.io) is not served"), 1);
  // Every kind's first list and watch can trail the first load on a loaded machine: wait until
  // they are all out, then nothing changes for a few discoveries: no list, no watch, no load.
  int before = listsAndWatches();
  for (int settled = 0; settled < 25; ++settled) {
    std::this_thread::sleep_for(200ms);
    if (listsAndWatches() == before) break;
    before = listsAndWatches();
  }
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(listsAndWatches(), before);
  EXPECT_EQ(source_->loads(), 1);
  int discoveries = 0;
  for (const auto& r : server_.requests()) discoveries += r == "/apis" ? 1 : 0;
  EXPECT_GE(discoveries, 3);  // it did look

  // The CRD is installed, with a policy that gives the route a retry policy.
  server_.serveGroup("gateway.envoyproxy.io", {"v1alpha1"},
                     {{"Backend", "backends"}, {"BackendTrafficPolicy", "backendtrafficpolicies"}});
  server_.put(kTrafficPolicies, retryPolicy());
  ASSERT_TRUE(waitFor([&] { return hasRetryPolicy(); }, 5s));
  EXPECT_EQ(loggedTimes("BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1) is served now; "
                        "watching it"),
            1);
  std::this_thread::sleep_for(300ms);  // more discoveries: logged once, not again
  EXPECT_EQ(loggedTimes("is served now"), 1);
  EXPECT_EQ(loggedTimes("BackendTrafficPolicy (gateway.envoyproxy.io) is not served"), 1);
  EXPECT_EQ(loggedTimes("ClientTrafficPolicy (gateway.envoyproxy.io) is not served"), 1);
  EXPECT_TRUE(serves("gpt-4o"));
}

TEST_F(ConfigSourceTest, ARemovedCrdIsDroppedSoonAfterItsWatchAnswers404) {
  server_.serveGroup("gateway.envoyproxy.io", {"v1alpha1"},
                     {{"Backend", "backends"}, {"BackendTrafficPolicy", "backendtrafficpolicies"}});
  server_.put(kTrafficPolicies, retryPolicy());
  // The periodic discovery is far off: a 404 is what brings it forward.
  start(false, [](ConfigSourceOptions& o) {
    o.discoveryRefresh = 60s;
    o.discoveryAfterNotFound = 50ms;
  });
  ASSERT_TRUE(waitFor([&] { return hasRetryPolicy(); }));
  // As deleting the CRD does: its objects first, then the resource.
  server_.remove(kTrafficPolicies, "ai", "retry");
  ASSERT_TRUE(waitFor([&] { return !hasRetryPolicy(); }));
  server_.stopServing("gateway.envoyproxy.io", "backendtrafficpolicies");
  ASSERT_TRUE(waitFor([&] { return logged("not served any more"); }, 3s));
  EXPECT_TRUE(serves("gpt-4o"));
  EXPECT_EQ(loggedTimes("BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1) is not served any "
                        "more (its CRD was removed); no longer watched"),
            1);
  // No longer asked for: no retry loop on a collection that is gone.
  auto asked = [&] {
    int n = 0;
    for (const auto& r : server_.requests()) n += r.rfind(kTrafficPolicies, 0) == 0 ? 1 : 0;
    return n;
  };
  const int requests = asked();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(asked(), requests);
}

TEST_F(ConfigSourceTest, AKindGoneWithItsObjectsStillHeldIsDroppedOnlyAfterARefreshPeriod) {
  server_.serveGroup("gateway.envoyproxy.io", {"v1alpha1"},
                     {{"Backend", "backends"}, {"BackendTrafficPolicy", "backendtrafficpolicies"}});
  server_.put(kTrafficPolicies, retryPolicy());
  start(false, [](ConfigSourceOptions& o) {
    o.discoveryRefresh = 1500ms;
    o.discoveryAfterNotFound = 50ms;
  });
  ASSERT_TRUE(waitFor([&] { return hasRetryPolicy(); }));
  // Gone without its objects being deleted first: a starting API server can look like this.
  const auto gone = std::chrono::steady_clock::now();
  server_.stopServing("gateway.envoyproxy.io", "backendtrafficpolicies");
  ASSERT_TRUE(waitFor([&] { return !hasRetryPolicy(); }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - gone, 1500ms);  // kept until then
  EXPECT_EQ(loggedTimes("is not served any more"), 1);
}

TEST_F(ConfigSourceTest, AKindMissingFromDiscoveryIsKeptWhileItsCollectionStillAnswers) {
  server_.serveGroup("gateway.envoyproxy.io", {"v1alpha1"},
                     {{"Backend", "backends"}, {"BackendTrafficPolicy", "backendtrafficpolicies"}});
  server_.put(kTrafficPolicies, retryPolicy());
  start(false, [](ConfigSourceOptions& o) { o.discoveryRefresh = 50ms; });
  ASSERT_TRUE(waitFor([&] { return hasRetryPolicy(); }));
  // Discovery lags (an API server that is starting): the collection itself still answers.
  server_.serveGroup("gateway.envoyproxy.io", {"v1alpha1"}, {{"Backend", "backends"}});
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(hasRetryPolicy());
  EXPECT_FALSE(logged("not served any more"));
  EXPECT_EQ(source_->loads(), 1);
}

std::string acceptedStatus(FakeApiServer& server, const std::string& collection,
                           const std::string& name) {
  const auto o = server.object(collection, "ai", name);
  if (!o || !o->contains("status")) return "";
  for (const auto& c : o->at("status").at("conditions").as_array()) {
    const auto& condition = c.as_object();
    if (condition.at("type").as_string() == "Accepted") {
      return std::string(condition.at("status").as_string());
    }
  }
  return "";
}

int statusPatches(FakeApiServer& server) {
  int n = 0;
  for (const auto& w : server.writes()) n += w.rfind("PATCH ", 0) == 0 ? 1 : 0;
  return n;
}

TEST_F(ConfigSourceTest, TheLeaderWritesTheAcceptedConditionOnceAndEventsARejection) {
  start(true);
  ASSERT_TRUE(waitFor([&] { return source_->isLeader(); }));
  EXPECT_TRUE(server_.object("/apis/coordination.k8s.io/v1/leases", "ai-gateway", "switchyard"));
  ASSERT_TRUE(waitFor([&] { return acceptedStatus(server_, kRoutes, "chat") == "True"; }));
  EXPECT_TRUE(
      waitFor([&] { return acceptedStatus(server_, kServiceBackends, "openai") == "True"; }));
  EXPECT_TRUE(waitFor([&] { return acceptedStatus(server_, kPolicies, "openai-key") == "True"; }));
  // The watch events of its own writes reload the store; nothing is written again.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(statusPatches(server_), 3);
  EXPECT_EQ(source_->loads(), 1);  // a status-only change is stored, not loaded again

  server_.put(kRoutes, route("gpt-4.1", "banana"));  // rejected: the route is at fault
  ASSERT_TRUE(waitFor([&] { return acceptedStatus(server_, kRoutes, "chat") == "False"; }));
  ASSERT_TRUE(waitFor([&] { return server_.objects("/api/v1/events").size() == 1; }));
  EXPECT_EQ(server_.objects("/api/v1/events")[0].at("reason").as_string(), "ConfigurationRejected");
  EXPECT_EQ(acceptedStatus(server_, kServiceBackends, "openai"), "True");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(statusPatches(server_), 4);
  EXPECT_TRUE(serves("gpt-4o"));  // serving does not depend on any of this
}

TEST(JsonLogLine, EscapesTheMessage) {
  EXPECT_EQ(jsonLogLine("error", "a \"b\"\n"), R"({"level":"error","msg":"a \"b\"\n"})");
}

}  // namespace
}  // namespace switchyard::kube
