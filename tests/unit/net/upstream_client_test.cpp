#include "net/upstream_client.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include <sys/socket.h>

#include "emulator/pki.hpp"
#include "net/dns_cache.hpp"
#include "run_awaitable.hpp"
#include "test_server.hpp"

namespace switchyard::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using core::ErrorKind;
using testing::ServerAction;
using testing::ServerConnectionInfo;
using testing::ServerRequest;
using testing::TestServer;

constexpr const char* kServerName = "upstream.test";

class UpstreamClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new emulator::PemCertificate(emulator::makeCertificateAuthority("Switchyard Test CA"));
    otherCa_ = new emulator::PemCertificate(emulator::makeCertificateAuthority("Some Other CA"));
    serverCert_ = new emulator::PemCertificate(
        emulator::makeServerCertificate(*ca_, kServerName, {kServerName}, {"127.0.0.1"}));
    otherNameCert_ = new emulator::PemCertificate(
        emulator::makeServerCertificate(*ca_, "other.test", {"other.test"}, {}));
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete otherCa_;
    delete serverCert_;
    delete otherNameCert_;
  }

  void makeClient(UpstreamClientOptions options = {}) {
    client_ = std::make_unique<UpstreamClient>(ioc_.get_executor(), dns_, options);
  }

  void SetUp() override { makeClient(); }

  static UpstreamTarget plain(const TestServer& server) {
    return UpstreamTarget{"127.0.0.1", server.port(), std::nullopt};
  }
  static UpstreamTarget secure(const TestServer& server, std::string caPem,
                               std::string serverName = kServerName) {
    return UpstreamTarget{"127.0.0.1", server.port(), TlsSettings{serverName, std::move(caPem)}};
  }
  // Every piece of `stream` up to its end; an error ends the read as a test failure.
  std::string readToEnd(UpstreamStream& stream) {
    std::string body;
    for (int guard = 0; guard < 100; ++guard) {
      auto piece = testing::runAwaitable(ioc_, stream.next(5s));
      if (!piece) {
        ADD_FAILURE() << piece.error().message;
        break;
      }
      if (!*piece) break;
      body += **piece;
    }
    return body;
  }

  static core::OutboundRequest get(std::string target = "/") {
    core::OutboundRequest request;
    request.method = "GET";
    request.target = std::move(target);
    return request;
  }
  static core::OutboundRequest post(std::string body) {
    core::OutboundRequest request;
    request.target = "/v1/echo";
    request.headers.push_back({"Content-Type", "text/plain"});
    request.body = std::move(body);
    return request;
  }

  core::Result<core::InboundResponse> send(const UpstreamTarget& target,
                                           const core::OutboundRequest& request,
                                           std::chrono::milliseconds timeout = 5s) {
    return testing::runAwaitable(ioc_, client_->send(target, request, timeout));
  }

  static inline emulator::PemCertificate* ca_ = nullptr;
  static inline emulator::PemCertificate* otherCa_ = nullptr;
  static inline emulator::PemCertificate* serverCert_ = nullptr;
  static inline emulator::PemCertificate* otherNameCert_ = nullptr;

  asio::io_context ioc_;
  std::shared_ptr<DnsCache> dns_ = std::make_shared<DnsCache>();
  std::unique_ptr<UpstreamClient> client_;
};

// --- plaintext -------------------------------------------------------------------------------

TEST_F(UpstreamClientTest, GetRoundTrip) {
  std::string seenHost, seenTarget;
  TestServer server([&](const ServerRequest& request, const ServerConnectionInfo&) {
    seenHost = std::string(request[boost::beast::http::field::host]);
    seenTarget = std::string(request.target());
    ServerAction action;
    action.body = "hello";
    return action;
  });
  auto response = send(plain(server), get("/v1/models?x=1"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(response->header("content-type"), "text/plain");
  EXPECT_EQ(seenTarget, "/v1/models?x=1");
  EXPECT_EQ(seenHost, "127.0.0.1:" + std::to_string(server.port()));
}

TEST_F(UpstreamClientTest, PostRoundTripSendsBodyAndLength) {
  std::string contentLength;
  TestServer server([&](const ServerRequest& request, const ServerConnectionInfo& info) {
    contentLength = std::string(request[boost::beast::http::field::content_length]);
    return TestServer::echo(request, info);
  });
  auto response = send(plain(server), post("{\"model\":\"m\"}"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "echo:{\"model\":\"m\"}");
  EXPECT_EQ(contentLength, "13");
}

TEST_F(UpstreamClientTest, NonSuccessStatusIsAResponseNotAnError) {
  TestServer server([](const ServerRequest&, const ServerConnectionInfo&) {
    ServerAction action;
    action.status = 429;
    action.body = "slow down";
    return action;
  });
  auto response = send(plain(server), get());
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 429u);
  EXPECT_EQ(response->body, "slow down");
}

TEST_F(UpstreamClientTest, KeepAliveReusesOneConnection) {
  TestServer server(TestServer::echo);
  for (int i = 0; i < 3; ++i) {
    auto response = send(plain(server), post(std::to_string(i)));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body, "echo:" + std::to_string(i));
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(client_->stats().poolMisses, 1u);
  EXPECT_EQ(client_->stats().poolHits, 2u);
  EXPECT_EQ(client_->stats().connects, 1u);
  EXPECT_EQ(client_->idleConnections(), 1u);
}

TEST_F(UpstreamClientTest, ConnectionCloseResponseIsNotPooled) {
  TestServer server([](const ServerRequest& request, const ServerConnectionInfo& info) {
    ServerAction action = TestServer::echo(request, info);
    action.keepAlive = false;
    return action;
  });
  ASSERT_TRUE(send(plain(server), get()));
  EXPECT_EQ(client_->idleConnections(), 0u);
  ASSERT_TRUE(send(plain(server), get()));
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(UpstreamClientTest, ServerClosingIdleConnectionIsTransparent) {
  // The server closes each connection right after answering, without saying so.
  TestServer server([](const ServerRequest& request, const ServerConnectionInfo& info) {
    ServerAction action = TestServer::echo(request, info);
    action.closeAfter = true;
    return action;
  });
  for (int i = 0; i < 3; ++i) {
    auto response = send(plain(server), post("n" + std::to_string(i)));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body, "echo:n" + std::to_string(i));
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST_F(UpstreamClientTest, ReusedConnectionDroppedBeforeAnswerIsRetriedOnce) {
  // The first connection answers one request, then drops the second unanswered: the race between a
  // server's idle timeout and our next request. The request goes out again on a new connection.
  TestServer server([](const ServerRequest& request, const ServerConnectionInfo& info) {
    if (info.connection == 0 && info.request == 1)
      return ServerAction::of(ServerAction::Kind::Close);
    return TestServer::echo(request, info);
  });
  ASSERT_TRUE(send(plain(server), post("one")));
  auto second = send(plain(server), post("two"));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->body, "echo:two");
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(client_->stats().staleRetries, 1u);
}

TEST_F(UpstreamClientTest, FreshConnectionDroppedBeforeAnswerIsReset) {
  TestServer server([](const ServerRequest&, const ServerConnectionInfo&) {
    return ServerAction::of(ServerAction::Kind::Close);
  });
  auto response = send(plain(server), get());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamReset) << response.error().message;
  EXPECT_EQ(server.connections(), 1);  // no retry on a connection we had just opened
}

TEST_F(UpstreamClientTest, CloseMidBodyIsReset) {
  TestServer server([](const ServerRequest&, const ServerConnectionInfo&) {
    return ServerAction::of(ServerAction::Kind::CloseMidBody);
  });
  auto response = send(plain(server), get());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamReset) << response.error().message;
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(client_->idleConnections(), 0u);
}

TEST_F(UpstreamClientTest, HangingServerTimesOutWithinBound) {
  TestServer server([](const ServerRequest&, const ServerConnectionInfo&) {
    return ServerAction::of(ServerAction::Kind::Hang);
  });
  const auto start = std::chrono::steady_clock::now();
  auto response = send(plain(server), get(), 200ms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamTimeout) << response.error().message;
  EXPECT_LT(elapsed, 10s);  // the server would hang for an hour
  EXPECT_EQ(client_->stats().timeouts, 1u);
  EXPECT_EQ(client_->idleConnections(), 0u);
}

TEST_F(UpstreamClientTest, LargeBodiesRoundTrip) {
  TestServer server(TestServer::echo);
  std::string body(5 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  auto response = send(plain(server), post(body), 30s);
  ASSERT_TRUE(response) << response.error().message;
  ASSERT_EQ(response->body.size(), body.size() + 5);
  EXPECT_TRUE(response->body == "echo:" + body);
}

TEST_F(UpstreamClientTest, BodyOverLimitIsBadResponse) {
  UpstreamClientOptions options;
  options.bodyLimit = 1024;
  makeClient(options);
  TestServer server([](const ServerRequest&, const ServerConnectionInfo&) {
    ServerAction action;
    action.body = std::string(4096, 'x');
    return action;
  });
  auto response = send(plain(server), get());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamBadResponse) << response.error().message;
}

TEST_F(UpstreamClientTest, ErrorBodyOverItsLimitIsCutAndTheConnectionNotPooled) {
  UpstreamClientOptions options;
  options.errorBodyLimit = 1024;
  makeClient(options);
  TestServer server([](const ServerRequest& request, const ServerConnectionInfo&) {
    ServerAction action;
    action.status = request.target() == "/ok" ? 200 : 500;
    action.body = std::string(4096, 'x');
    return action;
  });
  auto failed = send(plain(server), get("/fail"));
  ASSERT_TRUE(failed) << failed.error().message;
  EXPECT_EQ(failed->status, 500u);
  EXPECT_EQ(failed->body.size(), 1024u);
  EXPECT_EQ(client_->idleConnections(), 0u);         // the rest of the body is still on its way
  auto succeeded = send(plain(server), get("/ok"));  // a success's body has no such limit
  ASSERT_TRUE(succeeded) << succeeded.error().message;
  EXPECT_EQ(succeeded->body.size(), 4096u);
  EXPECT_EQ(client_->idleConnections(), 1u);
}

TEST_F(UpstreamClientTest, CancelEndsASendInFlightAtOnce) {
  TestServer server([](const ServerRequest&, const ServerConnectionInfo&) {
    return ServerAction::of(ServerAction::Kind::Hang);
  });
  UpstreamCancel cancel;
  asio::steady_timer later(ioc_, 100ms);
  later.async_wait([&](const boost::system::error_code&) { cancel.cancel(); });
  const auto start = std::chrono::steady_clock::now();
  auto response = testing::runAwaitable(ioc_, client_->send(plain(server), get(), 30s, &cancel));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamReset) << response.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // not the 30 s deadline
  EXPECT_EQ(client_->idleConnections(), 0u);
  auto again = testing::runAwaitable(ioc_, client_->send(plain(server), get(), 1s, &cancel));
  ASSERT_FALSE(again);  // a cancelled cancel stays cancelled: nothing is sent
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(UpstreamClientTest, WhenSlowRunsOnlyForACallStillInFlight) {
  TestServer server([](const ServerRequest& request, const ServerConnectionInfo&) {
    if (request.target() == "/hang") return ServerAction::of(ServerAction::Kind::Hang);
    ServerAction action;
    action.body = "quick";
    return action;
  });
  int quickHooks = 0;
  UpstreamCancel quick;
  quick.whenSlow(2s, [&] { ++quickHooks; });
  auto answered = testing::runAwaitable(ioc_, client_->send(plain(server), get(), 10s, &quick));
  ASSERT_TRUE(answered) << answered.error().message;
  EXPECT_EQ(quickHooks, 0);

  int slowHooks = 0;
  UpstreamCancel slow;
  slow.whenSlow(50ms, [&] {
    ++slowHooks;
    slow.cancel();  // as a caller whose client has gone
  });
  auto hung = testing::runAwaitable(ioc_, client_->send(plain(server), get("/hang"), 30s, &slow));
  ASSERT_FALSE(hung);
  EXPECT_EQ(hung.error().kind, ErrorKind::UpstreamReset) << hung.error().message;
  EXPECT_EQ(slowHooks, 1);
}

TEST_F(UpstreamClientTest, WhenSlowRunsAndTheDeadlineStillEndsTheCall) {
  TestServer server([](const ServerRequest&, const ServerConnectionInfo&) {
    return ServerAction::of(ServerAction::Kind::Hang);
  });
  int hooks = 0;
  UpstreamCancel cancel;
  cancel.whenSlow(30ms, [&] { ++hooks; });  // a caller that starts watching its client, say
  const auto start = std::chrono::steady_clock::now();
  auto hung = testing::runAwaitable(ioc_, client_->send(plain(server), get(), 150ms, &cancel));
  ASSERT_FALSE(hung);
  EXPECT_EQ(hung.error().kind, ErrorKind::UpstreamTimeout) << hung.error().message;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_EQ(hooks, 1);
  EXPECT_EQ(client_->stats().timeouts, 1u);
}

TEST_F(UpstreamClientTest, CallsInFlightTogetherEachEndByTheirOwnDeadline) {
  TestServer server([](const ServerRequest& request, const ServerConnectionInfo&) {
    if (request.target() == "/hang") return ServerAction::of(ServerAction::Kind::Hang);
    ServerAction action;
    action.body = "quick";
    return action;
  });
  // Longest first: each later call wants the shared timer earlier than it is armed for.
  const std::vector<std::chrono::milliseconds> timeouts{600ms, 200ms, 400ms, 100ms};
  std::vector<std::chrono::steady_clock::duration> took(timeouts.size());
  std::vector<std::optional<core::Result<core::InboundResponse>>> results(timeouts.size());
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < timeouts.size(); ++i) {
    asio::co_spawn(
        ioc_,
        [&, i]() -> asio::awaitable<void> {
          results[i] = co_await client_->send(plain(server), get("/hang"), timeouts[i]);
          took[i] = std::chrono::steady_clock::now() - start;
        },
        asio::detached);
  }
  ioc_.restart();
  ioc_.run();  // returns once all have ended: nothing is left pending
  for (std::size_t i = 0; i < timeouts.size(); ++i) {
    ASSERT_TRUE(results[i].has_value()) << i;
    ASSERT_FALSE(*results[i]) << i;
    EXPECT_EQ(results[i]->error().kind, ErrorKind::UpstreamTimeout) << i;
    EXPECT_GE(took[i], timeouts[i]) << i;
  }
  EXPECT_LT(took[3], took[1]);
  EXPECT_LT(took[1], took[2]);
  EXPECT_LT(took[2], took[0]);
  EXPECT_EQ(client_->stats().timeouts, timeouts.size());
  // And a call after them all is answered as usual.
  auto answered = send(plain(server), get("/"), 1s);
  ASSERT_TRUE(answered) << answered.error().message;
  EXPECT_EQ(answered->body, "quick");
}

TEST_F(UpstreamClientTest, RefusedPortIsConnectError) {
  std::uint16_t port;
  {
    asio::ip::tcp::acceptor probe(ioc_, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed again: nothing listens there now
  auto response = send(UpstreamTarget{"127.0.0.1", port, std::nullopt}, get());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamConnect);
  EXPECT_EQ(response.error().message, "connect to 127.0.0.1:" + std::to_string(port) + ": refused");
  EXPECT_EQ(client_->stats().connectFailures, 1u);
}

TEST_F(UpstreamClientTest, ConnectTimeoutIsConnectError) {
  // A listener whose accept queue is full drops new SYNs, so a connect to it just waits.
  asio::ip::tcp::acceptor full(ioc_, {asio::ip::make_address("127.0.0.1"), 0}, false);
  full.listen(1);
  std::vector<asio::ip::tcp::socket> fillers;
  for (int i = 0; i < 8; ++i) {
    fillers.emplace_back(ioc_, asio::ip::tcp::v4());
    fillers.back().non_blocking(true);
    // Raw connect: Asio's blocking connect would wait for the very handshake we want to stall.
    const auto endpoint = full.local_endpoint();
    (void)::connect(fillers.back().native_handle(), endpoint.data(), endpoint.size());
  }
  UpstreamClientOptions options;
  options.connectTimeout = 200ms;
  makeClient(options);
  auto response =
      send(UpstreamTarget{"127.0.0.1", full.local_endpoint().port(), std::nullopt}, get());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamConnect);
  EXPECT_NE(response.error().message.find("timed out"), std::string::npos)
      << response.error().message;
}

TEST_F(UpstreamClientTest, UnknownHostIsDnsError) {
  auto response = send(UpstreamTarget{"nonexistent.invalid", 80, std::nullopt}, get());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamDns);
  EXPECT_NE(response.error().message.find("nonexistent.invalid"), std::string::npos)
      << response.error().message;
}

TEST_F(UpstreamClientTest, HostNameResolvesThroughDns) {
  TestServer server(TestServer::echo);
  auto response = send(UpstreamTarget{"localhost", server.port(), std::nullopt}, post("dns"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "echo:dns");
}

// --- TLS -------------------------------------------------------------------------------------

TEST_F(UpstreamClientTest, TlsWithConfiguredCaSendsSniAndSucceeds) {
  TestServer server(TestServer::echo, *serverCert_);
  for (int i = 0; i < 2; ++i) {
    auto response = send(secure(server, ca_->certPem), post("tls"));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body, "echo:tls");
  }
  EXPECT_EQ(server.sniSeen(), std::vector<std::string>{kServerName});
  EXPECT_EQ(server.connections(), 1);  // TLS connections are pooled too
  EXPECT_EQ(client_->stats().tlsHandshakes, 1u);
}

TEST_F(UpstreamClientTest, TlsVerifiesIpAddressServerName) {
  TestServer server(TestServer::echo, *serverCert_);
  auto response = send(secure(server, ca_->certPem, "127.0.0.1"), get());
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_TRUE(server.sniSeen().empty());  // RFC 6066: no IP literals in SNI
}

TEST_F(UpstreamClientTest, TlsWithWrongCaFailsBeforeAnyRequest) {
  TestServer server(TestServer::echo, *serverCert_);
  auto response = send(secure(server, otherCa_->certPem), get());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamTls);
  EXPECT_NE(response.error().message.find("certificate verify failed"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(server.requests(), 0);
  EXPECT_EQ(client_->stats().tlsFailures, 1u);
}

TEST_F(UpstreamClientTest, TlsCertificateForAnotherNameFails) {
  TestServer server(TestServer::echo, *otherNameCert_);
  auto response = send(secure(server, ca_->certPem), get());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamTls);
  EXPECT_NE(response.error().message.find("certificate verify failed"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(UpstreamClientTest, TlsToPlaintextServerFails) {
  TestServer server(TestServer::echo);
  auto response = send(secure(server, ca_->certPem), get(), 2s);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamTls) << response.error().message;
}

TEST_F(UpstreamClientTest, InvalidCaPemIsTlsError) {
  TestServer server(TestServer::echo, *serverCert_);
  auto response = send(secure(server, "not a certificate"), get());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamTls);
}

TEST_F(UpstreamClientTest, EmptyCaPemUsesDefaultStoreFromSslCertFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("switchyard-ca-" + std::to_string(::getpid()) + ".pem");
  std::ofstream(path) << ca_->certPem;
  ::setenv("SSL_CERT_FILE", path.c_str(), 1);
  makeClient();  // the default-store context is built on first use, after setenv
  TestServer server(TestServer::echo, *serverCert_);
  auto response = send(secure(server, ""), post("default store"));
  ::unsetenv("SSL_CERT_FILE");
  std::filesystem::remove(path);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "echo:default store");
}

TEST_F(UpstreamClientTest, PoolKeepsDifferentTlsIdentitiesApart) {
  TestServer server(TestServer::echo, *serverCert_);
  ASSERT_TRUE(send(secure(server, ca_->certPem), get()));
  // Same host and port, but another trust setting: must not ride the verified connection.
  auto response = send(secure(server, otherCa_->certPem), get());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::UpstreamTls);
  ASSERT_TRUE(send(plain(server), get()).has_error());  // plaintext to a TLS port: no TLS reuse
  EXPECT_EQ(client_->stats().poolHits, 0u);
}

// --- streaming -------------------------------------------------------------------------------

TEST_F(UpstreamClientTest, StreamYieldsHeadThenBodyPiecesAndReusesConnection) {
  TestServer server([](const ServerRequest& request, const ServerConnectionInfo& info) {
    if (request.target() == "/plain") return TestServer::echo(request, info);
    ServerAction action = ServerAction::of(ServerAction::Kind::Chunked);
    action.chunks = {"data: 1\n\n", "data: 2\n\n", "data: [DONE]\n\n"};
    return action;
  });
  auto stream = testing::runAwaitable(ioc_, client_->openStream(plain(server), get("/sse"), 5s));
  ASSERT_TRUE(stream) << stream.error().message;
  EXPECT_EQ(stream->status(), 200u);
  EXPECT_EQ(stream->header("content-type"), "text/event-stream");
  const std::string body = readToEnd(*stream);
  EXPECT_EQ(body, "data: 1\n\ndata: 2\n\ndata: [DONE]\n\n");
  EXPECT_TRUE(stream->atEnd());
  EXPECT_EQ(client_->idleConnections(), 1u);
  ASSERT_TRUE(send(plain(server), get("/plain")));
  EXPECT_EQ(server.connections(), 1);
}

// A body that came whole with its head (one small write, Content-Length): once its piece is
// handed out, the stream knows its end is in, and next() reports it.
TEST_F(UpstreamClientTest, StreamKnowsItsEndIsInOnceTheWholeBodyWasHandedOut) {
  TestServer server(TestServer::echo);
  auto stream = testing::runAwaitable(ioc_, client_->openStream(plain(server), post("abc"), 5s));
  ASSERT_TRUE(stream) << stream.error().message;
  EXPECT_FALSE(stream->atEnd());  // the body is still to be handed out
  auto piece = testing::runAwaitable(ioc_, stream->next(5s));
  ASSERT_TRUE(piece) << piece.error().message;
  ASSERT_TRUE(piece->has_value());
  EXPECT_EQ(**piece, "echo:abc");
  EXPECT_TRUE(stream->atEnd());
  auto end = testing::runAwaitable(ioc_, stream->next(5s));
  ASSERT_TRUE(end) << end.error().message;
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ(client_->idleConnections(), 1u);
}

TEST_F(UpstreamClientTest, StreamWhoseHeadSaysCloseIsNotPooled) {
  // The stream lets go of the parsed head's fields once it is open: the connection's fate must
  // still follow the "Connection: close" the head carried.
  TestServer server([](const ServerRequest& request, const ServerConnectionInfo& info) {
    if (request.target() == "/plain") return TestServer::echo(request, info);
    ServerAction action = ServerAction::of(ServerAction::Kind::Chunked);
    action.chunks = {"data: 1\n\n"};
    action.keepAlive = false;
    return action;
  });
  auto stream = testing::runAwaitable(ioc_, client_->openStream(plain(server), get("/sse"), 5s));
  ASSERT_TRUE(stream) << stream.error().message;
  const std::string body = readToEnd(*stream);
  EXPECT_EQ(body, "data: 1\n\n");
  EXPECT_EQ(client_->idleConnections(), 0u);
  ASSERT_TRUE(send(plain(server), get("/plain")));
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(UpstreamClientTest, StreamIdleTimeoutAfterFirstPiece) {
  TestServer server([](const ServerRequest&, const ServerConnectionInfo&) {
    ServerAction action = ServerAction::of(ServerAction::Kind::Chunked);
    action.chunks = {"data: 1\n\n"};
    action.hangAfterChunks = true;
    return action;
  });
  auto stream = testing::runAwaitable(ioc_, client_->openStream(plain(server), get("/sse"), 5s));
  ASSERT_TRUE(stream) << stream.error().message;
  auto first = testing::runAwaitable(ioc_, stream->next(5s));
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(**first, "data: 1\n\n");
  EXPECT_FALSE(stream->atEnd());
  auto second = testing::runAwaitable(ioc_, stream->next(200ms));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::UpstreamTimeout) << second.error().message;
  EXPECT_EQ(client_->idleConnections(), 0u);
}

TEST_F(UpstreamClientTest, StreamOverTls) {
  TestServer server(
      [](const ServerRequest&, const ServerConnectionInfo&) {
        ServerAction action = ServerAction::of(ServerAction::Kind::Chunked);
        action.chunks = {"a", "b", "c"};
        return action;
      },
      *serverCert_);
  auto stream =
      testing::runAwaitable(ioc_, client_->openStream(secure(server, ca_->certPem), get("/"), 5s));
  ASSERT_TRUE(stream) << stream.error().message;
  const std::string body = readToEnd(*stream);
  EXPECT_EQ(body, "abc");
}

TEST_F(UpstreamClientTest, StreamPiecesLargerThanTheBufferComeFromWhatIsAlreadyReceived) {
  // Everything arrives at once and the connection then stays quiet: the rest of a chunk is in the
  // read buffer or held by TLS, and waiting for the socket instead would only end in a timeout.
  const std::vector<std::string> chunks = {"z", std::string(5'000, 'y'), std::string(10'000, 'x')};
  for (const bool tls : {false, true}) {
    TestServer server(
        [&](const ServerRequest&, const ServerConnectionInfo&) {
          ServerAction action = ServerAction::of(ServerAction::Kind::Chunked);
          action.chunks = chunks;
          action.hangAfterChunks = true;
          return action;
        },
        tls ? std::optional(*serverCert_) : std::nullopt);
    const auto target = tls ? secure(server, ca_->certPem) : plain(server);
    auto stream = testing::runAwaitable(ioc_, client_->openStream(target, get("/sse"), 5s));
    ASSERT_TRUE(stream) << stream.error().message;
    std::string body;
    while (body.size() < 15'001) {
      auto piece = testing::runAwaitable(ioc_, stream->next(5s));
      ASSERT_TRUE(piece) << (tls ? "tls: " : "plain: ") << piece.error().message;
      ASSERT_TRUE(piece->has_value());
      EXPECT_LE((*piece)->size(), 4096u);
      body += **piece;
    }
    EXPECT_EQ(body, chunks[0] + chunks[1] + chunks[2]) << (tls ? "tls" : "plain");
  }
}

}  // namespace
}  // namespace switchyard::net
