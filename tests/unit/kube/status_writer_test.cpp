#include "kube/status_writer.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "../net/run_awaitable.hpp"
#include "kube/manifest_render.hpp"
#include "test_env.hpp"

namespace switchyard::kube {
namespace {

using namespace testing;
using net::testing::runAwaitable;
using std::chrono::seconds;

const std::string kAi = "/apis/aigateway.envoyproxy.io/v1beta1/";
const std::string kRoutes = kAi + "aigatewayroutes";
const std::string kServiceBackends = kAi + "aiservicebackends";
const std::string kPolicies = kAi + "backendsecuritypolicies";
const std::string kBackends = "/apis/gateway.envoyproxy.io/v1alpha1/backends";
const std::string kSecrets = "/api/v1/secrets";
const std::string kEvents = "/api/v1/events";

// `refKind` other than Backend is an error at spec.backendRef.
boost::json::object serviceBackend(const std::string& refKind, int generation) {
  return obj(R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"AIServiceBackend",
    "metadata":{"namespace":"ai","name":"openai","uid":"u-sb","generation":)" +
             std::to_string(generation) + R"(},
    "spec":{"schema":{"name":"OpenAI"},"backendRef":{"name":"openai","kind":")" +
             refKind + R"("}}})");
}

class StatusWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.put(kBackends, obj(R"({"apiVersion":"gateway.envoyproxy.io/v1alpha1","kind":"Backend",
      "metadata":{"namespace":"ai","name":"openai"},
      "spec":{"endpoints":[{"fqdn":{"hostname":"api.openai.com","port":443}}]}})"));
    server_.put(kServiceBackends, serviceBackend("Service", 3));
    server_.put(
        kPolicies,
        obj(R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1","kind":"BackendSecurityPolicy",
      "metadata":{"namespace":"ai","name":"openai-key","generation":1},
      "spec":{"targetRefs":[{"kind":"AIServiceBackend","name":"openai"}],
              "type":"APIKey","apiKey":{"secretRef":{"name":"openai-key"}}}})"));
    server_.put(kSecrets, obj(R"({"apiVersion":"v1","kind":"Secret",
      "metadata":{"namespace":"ai","name":"openai-key"},"stringData":{"apiKey":"sk"}})"));
    server_.put(kRoutes, obj(R"({"apiVersion":"aigateway.envoyproxy.io/v1beta1",
      "kind":"AIGatewayRoute","metadata":{"namespace":"ai","name":"chat","generation":7},
      "spec":{"rules":[{"matches":[{"headers":[{"name":"x-ai-eg-model","value":"gpt-4o"}]}],
               "backendRefs":[{"name":"openai"}]}]}})"));
    auto client = ApiClient::create(ioc_.get_executor(), accessTo(server_));
    StatusWriterOptions options;
    for (const auto& [kind, plural] :
         {std::pair{"AIGatewayRoute", "aigatewayroutes"},
          std::pair{"AIServiceBackend", "aiservicebackends"},
          std::pair{"BackendSecurityPolicy", "backendsecuritypolicies"}}) {
      options.kinds.push_back(ServedKind{"aigateway.envoyproxy.io", "v1beta1", kind, plural, true});
    }
    options.instance = "pod-a";
    options.now = [this] { return clock_; };
    writer_ = StatusWriter::create(ioc_.get_executor(), *client, options);
    writer_->setLeader(true);
  }

  // The store as the watcher would have it now.
  void sync() {
    const std::vector<std::pair<std::string, std::string>> kinds = {
        {kBackends, "Backend"},
        {kServiceBackends, "AIServiceBackend"},
        {kPolicies, "BackendSecurityPolicy"},
        {kSecrets, "Secret"},
        {kRoutes, "AIGatewayRoute"}};
    for (const auto& [collection, kind] : kinds) {
      for (auto& o : server_.objects(collection)) {
        const auto& meta = o.at("metadata").as_object();
        store_.put(ObjectKey{kind, std::string(meta.at("namespace").as_string()),
                             std::string(meta.at("name").as_string())},
                   o);
      }
    }
  }

  int load() {
    const auto result = loadFromStore(store_, {});
    return runAwaitable(ioc_, writer_->apply(writer_->plan(store_, result.diagnostics)));
  }

  static std::string str(const boost::json::value& v) {
    return v.is_string() ? std::string(v.get_string()) : "<" + boost::json::serialize(v) + ">";
  }

  boost::json::object accepted(const std::string& collection, const std::string& name) {
    auto o = server_.object(collection, "ai", name);
    if (!o || !o->contains("status")) return {};
    for (const auto& c : o->at("status").at("conditions").as_array()) {
      if (str(c.at("type")) == "Accepted") return c.as_object();
    }
    return {};
  }

  FakeApiServer server_{serverCert()};
  boost::asio::io_context ioc_;
  std::chrono::system_clock::time_point clock_ = std::chrono::system_clock::now();
  std::shared_ptr<StatusWriter> writer_;
  ObjectStore store_;
};

TEST_F(StatusWriterTest, TheObjectAtFaultIsRejectedNamingTheFieldAndTheOthersAccepted) {
  sync();
  EXPECT_EQ(load(), 3);
  const auto sb = accepted(kServiceBackends, "openai");
  ASSERT_FALSE(sb.empty());
  EXPECT_EQ(str(sb.at("status")), "False");
  EXPECT_EQ(str(sb.at("reason")), "Invalid");
  EXPECT_NE(std::string(sb.at("message").as_string()).find("spec.backendRef"), std::string::npos)
      << sb.at("message");
  EXPECT_EQ(sb.at("observedGeneration").as_int64(), 3);
  const auto route = accepted(kRoutes, "chat");
  ASSERT_FALSE(route.empty());
  EXPECT_EQ(str(route.at("status")), "True");
  EXPECT_EQ(str(route.at("reason")), "Accepted");
  EXPECT_EQ(route.at("observedGeneration").as_int64(), 7);
  EXPECT_EQ(str(accepted(kPolicies, "openai-key").at("status")), "True");
  // Written with merge patches to the status subresource, and one Event on the object at fault.
  for (const auto& w : server_.writes()) {
    EXPECT_TRUE(w.rfind("PATCH ", 0) != 0 || w.ends_with("/status")) << w;
  }
  const auto events = server_.objects(kEvents);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(str(events[0].at("reason")), "ConfigurationRejected");
  EXPECT_EQ(str(events[0].at("type")), "Warning");
  EXPECT_EQ(str(events[0].at("involvedObject").at("kind")), "AIServiceBackend");
  EXPECT_EQ(str(events[0].at("involvedObject").at("name")), "openai");
  EXPECT_EQ(str(events[0].at("involvedObject").at("uid")), "u-sb");
  EXPECT_EQ(str(events[0].at("message")), str(sb.at("message")));
  EXPECT_EQ(writer_->events(), 1);
}

TEST_F(StatusWriterTest, WritesOnlyWhatChangesAndKeepsTheTransitionTime) {
  sync();
  ASSERT_EQ(load(), 3);
  EXPECT_EQ(load(), 0);  // the store has not seen the writes yet: not written again
  sync();
  EXPECT_EQ(load(), 0);  // the store has them: nothing changes
  const auto writes = server_.writes().size();
  const auto routeSince = accepted(kRoutes, "chat").at("lastTransitionTime");

  clock_ += seconds(3600);
  server_.put(kServiceBackends, serviceBackend("Backend", 4));  // fixed
  const auto routeMessage = str(accepted(kRoutes, "chat").at("message"));
  EXPECT_NE(routeMessage.find("with warnings"), std::string::npos) << routeMessage;
  sync();
  // The backend is accepted now; the route and the policy lose their warnings about it.
  EXPECT_EQ(load(), 3);
  const auto sb = accepted(kServiceBackends, "openai");
  EXPECT_EQ(str(sb.at("status")), "True");
  EXPECT_EQ(str(sb.at("message")), "AIServiceBackend accepted");
  EXPECT_EQ(sb.at("observedGeneration").as_int64(), 4);
  EXPECT_NE(sb.at("lastTransitionTime"),
            accepted(kPolicies, "openai-key").at("lastTransitionTime"));
  EXPECT_EQ(str(accepted(kRoutes, "chat").at("message")), "AIGatewayRoute accepted");
  EXPECT_EQ(accepted(kRoutes, "chat").at("lastTransitionTime"), routeSince);  // still True
  EXPECT_EQ(server_.writes().size(), writes + 3);  // three patches, no Event
  EXPECT_EQ(server_.objects(kEvents).size(), 1u);
  sync();
  EXPECT_EQ(load(), 0);

  // The route's generation moves, its status does not: lastTransitionTime is kept.
  auto route = *server_.object(kRoutes, "ai", "chat");
  route["metadata"].as_object()["generation"] = 8;
  server_.put(kRoutes, route);
  sync();
  EXPECT_EQ(load(), 1);
  EXPECT_EQ(accepted(kRoutes, "chat").at("observedGeneration").as_int64(), 8);
  EXPECT_EQ(accepted(kRoutes, "chat").at("lastTransitionTime"), routeSince);
  sync();
  EXPECT_EQ(load(), 0);
}

TEST_F(StatusWriterTest, OnlyTheLeaderWrites) {
  sync();
  writer_->setLeader(false);
  EXPECT_EQ(load(), 0);
  EXPECT_TRUE(server_.writes().empty());

  writer_->setLeader(true);
  auto changes = writer_->plan(store_, loadFromStore(store_, {}).diagnostics);
  EXPECT_EQ(changes.size(), 3u);
  writer_->setLeader(false);  // lost between the load and the writes: nothing is written
  EXPECT_EQ(runAwaitable(ioc_, writer_->apply(std::move(changes))), 0);
  EXPECT_TRUE(server_.writes().empty());
  writer_->setLeader(true);  // leader again: the writes are planned again
  EXPECT_EQ(load(), 3);
}

TEST(AcceptedConditionsTest, WarningsDoNotRejectAndErrorsJoin) {
  ObjectStore store;
  store.put({"AIGatewayRoute", "ai", "chat"},
            obj(R"({"metadata":{"namespace":"ai","name":"chat","generation":2}})"));
  store.put({"Backend", "ai", "b"}, obj(R"({"metadata":{"namespace":"ai","name":"b"}})"));
  std::vector<config::Diagnostic> diagnostics;
  diagnostics.push_back(
      {config::Severity::Warning, {"", 0, "AIGatewayRoute", "ai/chat", "x"}, "w"});
  auto c = acceptedConditions(store, diagnostics);
  ASSERT_EQ(c.size(), 1u);  // only the kinds with status
  EXPECT_TRUE(c.begin()->second.accepted);
  EXPECT_EQ(c.begin()->second.message, "AIGatewayRoute accepted with warnings: x: w");
  diagnostics.push_back(
      {config::Severity::Error, {"", 0, "AIGatewayRoute", "ai/chat", "spec.a"}, "bad"});
  diagnostics.push_back(
      {config::Severity::Error, {"", 0, "AIGatewayRoute", "ai/chat", ""}, "worse"});
  c = acceptedConditions(store, diagnostics);
  EXPECT_FALSE(c.begin()->second.accepted);
  EXPECT_EQ(c.begin()->second.message, "spec.a: bad; worse");
  EXPECT_EQ(c.begin()->second.observedGeneration, 2);

  diagnostics.push_back(
      {config::Severity::Error, {"", 0, "AIGatewayRoute", "ai/chat", ""}, std::string(40000, 'x')});
  c = acceptedConditions(store, diagnostics);
  EXPECT_EQ(c.begin()->second.message.size(), 32768u);  // what the API server accepts
  EXPECT_TRUE(c.begin()->second.message.ends_with("..."));
}

}  // namespace
}  // namespace switchyard::kube
