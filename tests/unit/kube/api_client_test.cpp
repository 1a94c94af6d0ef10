#include "kube/api_client.hpp"

#include <gtest/gtest.h>

#include "../net/run_awaitable.hpp"
#include "test_env.hpp"

namespace switchyard::kube {
namespace {

using namespace testing;
using net::testing::runAwaitable;
using std::chrono::seconds;

TEST(ApiClientTest, GetsOverVerifiedTlsWithTheCurrentToken) {
  FakeApiServer server(serverCert());
  server.requireToken("t0ken");
  boost::asio::io_context ioc;
  auto access = accessTo(server);
  auto client = ApiClient::create(ioc.get_executor(), access);
  ASSERT_TRUE(client);
  auto ok = runAwaitable(ioc, (*client)->get("/apis", seconds(5)));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->status, 200u);
  EXPECT_NE(ok->body.find("APIGroupList"), std::string::npos);

  access.token = BearerToken::fixed("wrong");
  auto wrong = ApiClient::create(ioc.get_executor(), access);
  auto denied = runAwaitable(ioc, (*wrong)->get("/apis", seconds(5)));
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401u);
  EXPECT_EQ(server.tokensSeen(), (std::vector<std::string>{"t0ken", "wrong"}));
}

TEST(ApiClientTest, RefusesAServerItCannotVerify) {
  FakeApiServer server(serverCert());
  boost::asio::io_context ioc;
  auto access = accessTo(server);
  access.caPem = emulator::makeCertificateAuthority("another CA").certPem;
  auto client = ApiClient::create(ioc.get_executor(), access);
  auto result = runAwaitable(ioc, (*client)->get("/apis", seconds(5)));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::UpstreamTls);
  EXPECT_NE(result.error().message.find("certificate verify failed"), std::string::npos);

  access = accessTo(server);
  access.serverName = "kubernetes.default.svc";  // not in the certificate
  client = ApiClient::create(ioc.get_executor(), access);
  result = runAwaitable(ioc, (*client)->get("/apis", seconds(5)));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::UpstreamTls);
}

TEST(DiscoveryTest, PicksThePreferredReadableVersionAndSkipsMissingCrdsWithOneWarningEach) {
  FakeApiServer server(serverCert());
  // The AI Gateway CRDs prefer a version the loader does not read: the next one is taken.
  server.serveGroup("aigateway.envoyproxy.io", {"v1alpha9", "v1alpha1", "v1beta1"},
                    {{"AIGatewayRoute", "aigatewayroutes"},
                     {"AIServiceBackend", "aiservicebackends"},
                     {"BackendSecurityPolicy", "backendsecuritypolicies"},
                     {"GatewayConfig", "gatewayconfigs"}});
  server.serveGroup("gateway.networking.k8s.io", {"v1", "v1alpha3"},
                    {{"Gateway", "gateways"}, {"BackendTLSPolicy", "backendtlspolicies"}});
  // gateway.envoyproxy.io (Backend, BackendTrafficPolicy, ClientTrafficPolicy) is not installed.
  boost::asio::io_context ioc;
  auto client = ApiClient::create(ioc.get_executor(), accessTo(server));
  auto found = runAwaitable(ioc, discover(**client, loaderKinds(), seconds(5)));
  ASSERT_TRUE(found) << found.error().message;
  std::vector<std::string> kinds;
  for (const auto& k : found->kinds)
    kinds.push_back(k.kind + " " + k.apiVersion() + " " + k.resource);
  EXPECT_EQ(kinds, (std::vector<std::string>{
                       "AIGatewayRoute aigateway.envoyproxy.io/v1alpha1 aigatewayroutes",
                       "AIServiceBackend aigateway.envoyproxy.io/v1alpha1 aiservicebackends",
                       "BackendSecurityPolicy aigateway.envoyproxy.io/v1alpha1 "
                       "backendsecuritypolicies",
                       "GatewayConfig aigateway.envoyproxy.io/v1alpha1 gatewayconfigs",
                       "BackendTLSPolicy gateway.networking.k8s.io/v1 backendtlspolicies",
                       "Gateway gateway.networking.k8s.io/v1 gateways"}));
  ASSERT_EQ(found->warnings.size(), 3u);
  EXPECT_NE(found->warnings[0].find("Backend (gateway.envoyproxy.io) is not served"),
            std::string::npos);
  EXPECT_NE(found->warnings[1].find("BackendTrafficPolicy"), std::string::npos);
  EXPECT_NE(found->warnings[2].find("ClientTrafficPolicy"), std::string::npos);
  EXPECT_EQ(found->kinds[0].collectionPath("ns1"),
            "/apis/aigateway.envoyproxy.io/v1alpha1/namespaces/ns1/aigatewayroutes");
  EXPECT_EQ(found->kinds[0].collectionPath(""),
            "/apis/aigateway.envoyproxy.io/v1alpha1/aigatewayroutes");
}

TEST(DiscoveryTest, AKindOnlyInUnreadVersionsIsSkippedWithAReason) {
  FakeApiServer server(serverCert());
  server.serveGroup("gateway.envoyproxy.io", {"v1beta9"}, {{"Backend", "backends"}});
  boost::asio::io_context ioc;
  auto client = ApiClient::create(ioc.get_executor(), accessTo(server));
  auto found = runAwaitable(
      ioc, discover(**client, {{"gateway.envoyproxy.io", "Backend", {"v1alpha1"}}}, seconds(5)));
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->kinds.empty());
  ASSERT_EQ(found->warnings.size(), 1u);
  EXPECT_NE(found->warnings[0].find("only in versions switchyard does not read"),
            std::string::npos);
}

}  // namespace
}  // namespace switchyard::kube
